/**
 * One Node version, said the same way everywhere: package.json `engines`, the one-line check the
 * CLI and npm scripts run first, what .ci/run installs, and the README.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');
const run = promisify(execFile);

describe('the supported Node version', async () => {
  const { MIN_NODE_MAJOR } = (await import(pathToFileURL(path.join(root, 'scripts/require-node.mjs')).href)) as { MIN_NODE_MAJOR: number };

  it('engines, the start-up check, .ci/run and the README name the same major', () => {
    expect((JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node).toBe(`>=${MIN_NODE_MAJOR}`);
    expect(read('.ci/run')).toContain(`NODE_MAJOR=${MIN_NODE_MAJOR}\n`);
    expect(read('README.md')).toContain(`Needs **Node.js ${MIN_NODE_MAJOR} or newer**`);
    for (const f of ['bin/multicam.js', 'scripts/start.js', 'scripts/serve.js', 'scripts/test.js', 'scripts/e2e.js']) {
      // The check is the first import, so nothing newer is touched before it speaks.
      expect(read(f).match(/^import .*$/m)?.[0], f).toMatch(/require-node\.mjs/);
    }
  });

  it('every dependency with an install script is reviewed in allowScripts (npm 11.16+ warns otherwise, npm 12 skips it)', () => {
    const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { hasInstallScript?: boolean }> };
    const withScript = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([k]) => k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length));
    const allowed = (JSON.parse(read('package.json')) as { allowScripts?: Record<string, boolean> }).allowScripts ?? {};
    expect(withScript.length).toBeGreaterThan(0);
    expect(withScript.filter((name) => !(name in allowed))).toEqual([]);
  });

  it('this test runs on a supported Node (the check lets it through)', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(MIN_NODE_MAJOR);
  });

  it('on an older Node the CLI says what to do in one line and exits 1', async () => {
    // Pretend to be Node 20 without needing one installed: override process.versions before the check runs.
    const fake = `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.19.0' } }); Object.defineProperty(process, 'version', { value: 'v20.19.0' });`;
    const e = (await run(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(fake)}`, path.join(root, 'bin/multicam.js'), '--help'], {
      cwd: root,
    }).catch((err: unknown) => err)) as {
      code: number;
      stdout: string;
      stderr: string;
    };
    expect(e.code).toBe(1);
    expect(e.stdout).toBe('');
    expect(e.stderr.trim().split('\n')).toEqual([
      `MultiCam Controller needs Node.js ${MIN_NODE_MAJOR} or newer, this is v20.19.0: install Node ${MIN_NODE_MAJOR} (nodejs.org, or \`npm install -g node@${MIN_NODE_MAJOR}\`) and run it again.`,
    ]);
  });
});

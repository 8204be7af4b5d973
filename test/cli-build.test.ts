/**
 * The `multicam` command runs as built JavaScript (dist-cli/, scripts/build-cli.mjs): `npm install`
 * builds it (the `prepare` script), bin/multicam.js runs it — rebuilt if a source is newer — and
 * it knows exactly the commands the sources define. What a command loads before its first output
 * is read from esbuild's metafile: help from the entry alone, heavy packages only where needed.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { commandNames } from '../src-main/cli/main';

const root = path.resolve(import.meta.dirname, '..');
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };

/** Command names listed in a `multicam --help` text. */
const listed = (usage: string) => [...usage.matchAll(/^ {2}([a-z][a-z-]*) {2,}\S/gm)].map((m) => m[1]!).sort();

describe('the built multicam command', () => {
  it('npm install builds it: `prepare` runs the CLI build, and bin/multicam.js is the command', () => {
    expect(pkg.scripts.prepare).toBe('node scripts/build-cli.mjs');
    expect(pkg.bin.multicam).toBe('bin/multicam.js');
  });

  it('bin/multicam.js runs a current build whose command list matches the sources', async () => {
    const sources = await commandNames();
    expect(sources).toEqual(expect.arrayContaining(['sim', 'status', 'record', 'download', 'devices', 'upload']));
    const { stdout } = await run(process.execPath, [path.join(root, 'bin/multicam.js'), '--help'], { cwd: root, timeout: 120_000 });
    expect(listed(stdout)).toEqual(sources);

    const out = path.join(root, 'dist-cli');
    expect(existsSync(path.join(out, 'multicam.mjs'))).toBe(true);
    const { builtAt, inputs } = JSON.parse(readFileSync(path.join(out, 'inputs.json'), 'utf8')) as { builtAt: number; inputs: string[] };
    expect(inputs).toEqual(expect.arrayContaining(['src-main/cli/main.ts', 'src-main/cli/record.ts', 'src-main/bridge/serve.ts']));
    for (const f of inputs) expect(statSync(path.join(root, f)).mtimeMs, f).toBeLessThanOrEqual(builtAt);
    const built = (await import(pathToFileURL(path.join(out, 'multicam.mjs')).href)) as { commandNames: () => Promise<string[]> };
    expect(await built.commandNames()).toEqual(sources);
  }, 120_000);

  it('builds from scratch into an empty folder (what a fresh clone gets), with the same commands', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-build-'));
    try {
      const out = path.join(dir, 'dist-cli');
      await run(process.execPath, [path.join(root, 'scripts/build-cli.mjs'), '--out', out], { cwd: root, timeout: 120_000 });
      for (const f of ['multicam.mjs', 'serve.mjs', 'inputs.json', 'assets/sample.mp4']) expect(existsSync(path.join(out, f)), f).toBe(true);
      const built = (await import(pathToFileURL(path.join(out, 'multicam.mjs')).href)) as { commandNames: () => Promise<string[]> };
      expect(await built.commandNames()).toEqual(await commandNames());
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('loads nothing heavy before the first output: help from the entry alone, the S3 client only to upload, mDNS only to discover', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cli-meta-'));
    try {
      type Output = { imports: Array<{ path: string; kind: string; external?: boolean }>; inputs: Record<string, unknown> };
      const { buildCli } = (await import(pathToFileURL(path.join(root, 'scripts/build-cli.mjs')).href)) as {
        buildCli: (o: { outDir: string }) => Promise<{ metafile: { outputs: Record<string, Output> } }>;
      };
      const { metafile } = await buildCli({ outDir: path.join(dir, 'dist-cli') });
      // Output paths name the temporary folder the build ran in.
      const rel = (p: string) => p.replace(/^.*\.tmp-\d+-\d+\//, '');
      const outputs = new Map(Object.entries(metafile.outputs).map(([k, v]) => [rel(k), v]));
      /** Source files and packages of `chunk` and everything it imports statically (loaded with it). */
      const loadedWith = (chunk: string) => {
        const files = new Set<string>();
        const seen = new Set<string>();
        const stack = [chunk];
        while (stack.length > 0) {
          const k = stack.pop()!;
          if (seen.has(k)) continue;
          seen.add(k);
          const o = outputs.get(k);
          expect(o, k).toBeDefined();
          for (const f of Object.keys(o!.inputs)) files.add(f.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, 'npm:$1'));
          for (const i of o!.imports) if (i.kind === 'import-statement' && !i.external) stack.push(rel(i.path));
        }
        return [...files];
      };
      const entry = outputs.get('multicam.mjs')!;
      const chunkOf = (name: string) => {
        const hit = entry.imports.find((i) => i.kind === 'dynamic-import' && path.basename(i.path).startsWith(`${name}-`));
        expect(hit, name).toBeDefined();
        return [...loadedWith('multicam.mjs'), ...loadedWith(rel(hit!.path))];
      };
      const npm = (files: string[]) => files.filter((f) => f.startsWith('npm:')).sort();

      // `multicam X --help` runs the entry only: no package, no command module.
      expect(npm(loadedWith('multicam.mjs'))).toEqual([]);
      expect(loadedWith('multicam.mjs')).toContain('src-main/cli/usage.ts');
      expect(loadedWith('multicam.mjs')).not.toContain('src-main/cli/record.ts');
      // record: the S3 client only with --upload, mDNS only with --discover.
      expect(npm(chunkOf('record')).filter((p) => /aws-sdk|smithy|bonjour|multicast-dns/.test(p))).toEqual([]);
      // download draws its first progress line before the downloader (and zod) loads. The one
      // package it may load first is the address parser's IP check (ipaddr.js: one 38 KB file,
      // no dependencies, loads in the time node:net took for the parser it replaced).
      expect(npm(chunkOf('download')).filter((p) => p !== 'npm:ipaddr.js')).toEqual([]);
      // The check sees packages where they are needed.
      expect(npm(chunkOf('upload'))).toContain('npm:@aws-sdk/client-s3');
      expect(npm(chunkOf('devices'))).toContain('npm:bonjour-service');
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

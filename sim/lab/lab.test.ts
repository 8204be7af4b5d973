/**
 * Lab teardown: a SIGTERM'd process cleans up via its signal handler; a SIGKILL'd one leaves
 * namespaces and devices behind, which the next createLab() with the same prefix removes.
 * Needs root + netns; skipped with a message otherwise.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLab, destroyLab, labOrSkip, subnetForPrefix } from './lab';

const labReady = labOrSkip('sim/lab/lab.test');

const PREFIX = 'mct';
const namespaces = () =>
  execFileSync('ip', ['netns', 'list'])
    .toString()
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.startsWith(`${PREFIX}-`));
/** Running (a killed orphan may linger as a zombie when PID 1 does not reap: that counts as dead). */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX] /.test(stat);
  } catch {
    return false;
  }
};

/** Runs createLab in a child process; resolves with the child and the device pid once the lab is up. */
async function labInChild(dir: string): Promise<{ child: ReturnType<typeof spawn>; devicePid: number }> {
  const script = join(dir, 'child.mts');
  writeFileSync(
    script,
    `import { createLab } from ${JSON.stringify(resolve(import.meta.dirname, 'lab.ts'))};
const lab = await createLab({ prefix: '${PREFIX}', hosts: [{ personality: 'spec' }] });
console.log('UP ' + lab.hosts[0].pid);
setInterval(() => {}, 1000);
`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'], cwd: resolve(import.meta.dirname, '../..') });
  const devicePid = await new Promise<number>((res, rej) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /UP (\d+)/.exec(out);
      if (m) res(Number(m[1]));
    });
    child.once('exit', (code) => rej(new Error(`child exited (${code}) before the lab was up: ${out}`)));
  });
  return { child, devicePid };
}

const exited = (child: ReturnType<typeof spawn>) =>
  new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

describe.skipIf(!labReady)('lab teardown', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-test-'));
  afterAll(() => {
    destroyLab(PREFIX);
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM: the exit handlers kill the device and delete the namespace and bridge', async () => {
    const { child, devicePid } = await labInChild(dir);
    expect(namespaces()).toEqual([`${PREFIX}-1`]);
    child.kill('SIGTERM');
    await exited(child);
    expect(namespaces()).toEqual([]);
    expect(alive(devicePid)).toBe(false);
    expect(execFileSync('ip', ['-o', 'link']).toString()).not.toContain(`${PREFIX}br0`);
  }, 90_000);

  it('SIGKILL leaves a mess; the next createLab with the same prefix cleans it first', async () => {
    const { child, devicePid } = await labInChild(dir);
    child.kill('SIGKILL');
    await exited(child);
    expect(namespaces()).toEqual([`${PREFIX}-1`]); // no handler ran
    expect(alive(devicePid)).toBe(true);
    const lab = await createLab({ prefix: PREFIX, hosts: [{ personality: 'ios' }] });
    try {
      expect(alive(devicePid)).toBe(false);
      expect(lab.subnet).toBe(subnetForPrefix(PREFIX));
      expect(lab.hosts[0]!.instance).toMatch(/^multiCam-/);
    } finally {
      await lab.stop();
    }
    expect(namespaces()).toEqual([]);
  }, 90_000);

  it('rejects bad prefixes and subnets before touching the system', async () => {
    await expect(createLab({ prefix: 'Bad-Prefix', hosts: [{ personality: 'ios' }] })).rejects.toThrow(/prefix/);
    await expect(createLab({ prefix: 'mcx', subnet: '192.168.1.0/24', hosts: [{ personality: 'ios' }] })).rejects.toThrow(/subnet/);
  });
});

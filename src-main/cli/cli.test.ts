/**
 * The `multicam` commands as an operator runs them: `node bin/multicam.js …` in a child process,
 * against sim devices started in this test (loopback TCP). Exit codes and the JSON manifest.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimDevice, type SimDevice, type SimDeviceOptions } from '../../sim/index';
import { TakeManifestSchema } from '../core/takes/manifest';

const BIN = resolve(import.meta.dirname, '../../bin/multicam.js');
const sims: SimDevice[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(sims.splice(0).map((d) => d.kill().catch(() => undefined)));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function sim(o: SimDeviceOptions): Promise<SimDevice> {
  const d = await startSimDevice(o);
  sims.push(d);
  return d;
}
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'mc-cli-'));
  dirs.push(d);
  return d;
}
const addr = (d: SimDevice) => `${d.host}:${d.port}`;

function run(args: string[], timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr });
    });
  });
}

// Each spawn starts tsx: allow for a busy shared machine (no timing is asserted).
describe('multicam CLI', { timeout: 120_000 }, () => {
  it('record: a mixed take succeeds, exit 0, --json prints the verified manifest', async () => {
    const devs = await Promise.all([
      sim({ personality: 'ios' }),
      sim({ personality: 'android', stopDelayMs: 300 }),
      sim({ personality: 'oak', clockOffsetMs: 900 }),
      sim({ personality: 'spec' }),
    ]);
    const out = await tmp();
    const r = await run([
      'record',
      ...devs.flatMap((d) => ['--device', addr(d)]),
      '--delay',
      '1',
      '--duration',
      '2',
      '--json',
      '--out',
      out,
      '--name',
      'cli take',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const m = TakeManifestSchema.parse(JSON.parse(r.stdout));
    expect(m.name).toBe('cli take');
    expect(m.devices).toHaveLength(4);
    for (const [i, d] of devs.entries()) {
      const e = m.devices[i]!;
      expect(e.name).toBe(d.deviceId); // unnamed --device entries are named by the device
      expect(e.download.ok).toBe(true);
      expect(e.download.sha256).toBe(d.recordings.find((x) => x.fileName === e.stop.fileName)!.sha256);
    }
    const folder = join(out, m.folderName);
    expect((await stat(join(folder, 'take.json'))).isFile()).toBe(true);
    expect((await readdir(out)).length).toBe(1);
    expect(r.stderr).toMatch(/\nDone — 4 files — /);
    expect(m.outcome).toBe('complete');
  });

  it('record: a refused START and a truncated transfer exit 2 with the manifest still written', async () => {
    const good = await sim({ personality: 'spec' });
    const unsynced = await sim({ personality: 'android', synced: false });
    const truncated = await sim({ personality: 'oak', faults: [{ name: 'truncate', afterBytes: 2000 }] });
    const out = await tmp();
    const r = await run([
      'record',
      '--device',
      addr(good),
      '--device',
      addr(unsynced),
      '--device',
      addr(truncated),
      '--delay',
      '0.5',
      '--duration',
      '0.5',
      '--json',
      '--out',
      out,
    ]);
    expect(r.code, r.stderr).toBe(2);
    const m = TakeManifestSchema.parse(JSON.parse(r.stdout));
    expect(m.devices.map((d) => d.start.status)).toEqual(['accepted', 'failed', 'accepted']);
    expect(m.devices[1]!.start.error).toBe('time not synchronized');
    expect(m.devices[0]!.download.ok).toBe(true);
    expect(m.devices[2]!.download.partial).toBe(true);
    // Item 1 of the trust issue: the summary and take.json say how many files arrived, not "done".
    expect(r.stderr).toMatch(/\nDone — 1 of 3 files — /);
    expect(m.outcome).toBe('partial');
    expect(m.files).toEqual({ expected: 3, downloaded: 1 });
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack traces
  });

  it('record without --duration stops on Enter, and on Ctrl-C (SIGINT)', async () => {
    const d = await sim({ personality: 'ios' });
    for (const how of ['enter', 'sigint'] as const) {
      const out = await tmp();
      const child = spawn(process.execPath, [BIN, 'record', '--device', addr(d), '--delay', '0.5', '--json', '--out', out], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      let asked = false;
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => {
        stderr += c;
        // Stop once the take is rolling (the CLI says so on stderr).
        if (!asked && /press Enter or Ctrl-C to stop/.test(stderr)) {
          asked = true;
          if (how === 'enter') child.stdin.write('\n');
          else child.kill('SIGINT');
        }
      });
      const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      const code = await new Promise<number | null>((res) => child.on('close', res));
      clearTimeout(killer);
      expect(code, `${how}: ${stderr}`).toBe(0);
      const m = TakeManifestSchema.parse(JSON.parse(stdout));
      expect(m.devices[0]!.download.ok).toBe(true);
    }
  });

  it('status and download against a device; unreachable → 2', async () => {
    const d = await sim({ personality: 'spec', clockOffsetMs: 2500 });
    await d.addFile('clip.mp4', 5000);
    const st = await run(['status', '--device', addr(d), '--json', '--samples', '3']);
    expect(st.code, st.stderr).toBe(0);
    const [s] = JSON.parse(st.stdout) as Array<{ ok: boolean; clock: { offsetMs: number } }>;
    expect(s!.ok).toBe(true);
    expect(Math.abs(s!.clock.offsetMs - 2500)).toBeLessThan(100);

    const out = await tmp();
    const dl = await run(['download', '--device', addr(d), '--file', 'clip.mp4', '--out', out, '--json']);
    expect(dl.code, dl.stderr).toBe(0);
    const res = JSON.parse(dl.stdout) as { path: string; bytes: number; sha256: string };
    expect(res.path).toBe(join(out, 'clip.mp4'));
    expect(res.bytes).toBe(d.files().find((f) => f.fileName === 'clip.mp4')!.size);
    // A second download never overwrites: it gets a suffixed name.
    const again = await run(['download', '--device', addr(d), '--file', 'clip.mp4', '--out', out, '--json']);
    expect(again.code).toBe(0);
    expect((JSON.parse(again.stdout) as { path: string }).path).toBe(join(out, 'clip_2.mp4'));

    const missing = await run(['download', '--device', addr(d), '--file', 'nope.mp4', '--out', out]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);

    await d.kill();
    const gone = await run(['status', '--device', addr(d), '--samples', '1']);
    expect(gone.code).toBe(2);
    expect(gone.stdout).toMatch(/unreachable/);
  });

  it('usage errors exit 1 with a one-line reason; --help exits 0', async () => {
    for (const args of [
      ['record'],
      ['record', '--device', 'x:notaport'],
      ['record', '--device', '127.0.0.1:9', '--delay', 'soon'],
      ['record', '--device', '127.0.0.1:9', '--bogus'],
      ['status'],
      ['download', '--device', '127.0.0.1:9'],
      ['devices', '--discover-seconds', '0'],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr.split('\n')[0]).toMatch(/^multicam \w+: /);
      // One line and a hint, not the whole help.
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(2);
      expect(r.stderr).toMatch(/\nRun 'multicam \w+ --help' for its options\.\n$/);
    }
    const neg = await run(['record', '--device', '127.0.0.1:9', '--duration', '-1']);
    expect(neg.code).toBe(1);
    expect(neg.stderr).toBe("multicam record: --duration must be a number of seconds between 0 and 86400\nRun 'multicam record --help' for its options.\n");
    for (const cmd of ['record', 'status', 'download', 'devices']) {
      const r = await run([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: multicam ${cmd}`));
    }
  });
});

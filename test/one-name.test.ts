/**
 * One device, one name: what `multicam sim` prints is what `multicam status` and `multicam record`
 * call the device, what its downloaded file starts with (once, never doubled), and what the
 * controller's fleet shows once the device has answered. Real processes over loopback TCP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { ControllerClock } from '../src-main/core/clock';
import { createController, type Controller } from '../src-main/core/controller';

const BIN = resolve(import.meta.dirname, '../bin/multicam.js');
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += String(b)));
    child.stderr.on('data', (b) => (stderr += String(b)));
    child.once('error', fail);
    child.once('close', (code) => ok({ code, stdout, stderr }));
  });
}

/** `multicam sim` in its own process; resolves with its printed `name address` lines. */
async function sims(args: string[], count: number): Promise<Array<{ name: string; address: string }>> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'sim', '--count', String(count), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  );
  const lines: Array<{ name: string; address: string }> = [];
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('sims did not start within 30 s')), 30_000);
    child.once('exit', (code) => fail(new Error(`sim exited early (${code})`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [name, address] = line.split(' ');
      lines.push({ name: name!, address: address! });
      if (lines.length === count) {
        clearTimeout(timer);
        ok();
      }
    });
  });
  return lines;
}

describe('one name per device', () => {
  it('multicam sim, status and record call each device by the same name; file names carry it once', async () => {
    const out = await mkdtemp(join(tmpdir(), 'one-name-'));
    cleanups.push(() => rm(out, { recursive: true, force: true }));
    // ios, android, oak, spec: the phones start their file names with their id, the others do not.
    const devices = await sims(['--personality', 'mixed', '--stop-delay-ms', '100'], 4);
    for (const d of devices) expect(d.name).not.toMatch(/^multiCam-/);

    const status = await run(['status', '--samples', '1', '--json', ...devices.flatMap((d) => ['--device', d.address])]);
    expect(status.code, status.stderr).toBe(0);
    expect((JSON.parse(status.stdout) as Array<{ deviceId: string }>).map((r) => r.deviceId)).toEqual(devices.map((d) => d.name));

    const rec = await run(['record', '--delay', '0.5', '--duration', '0.5', '--out', out, '--json', ...devices.flatMap((d) => ['--device', d.address])]);
    expect(rec.code, rec.stderr).toBe(0);
    const m = JSON.parse(rec.stdout) as { devices: Array<{ name: string; address: string; download: { path: string } }> };
    for (const d of devices) {
      const entry = m.devices.find((x) => x.address === d.address)!;
      expect(entry.name).toBe(d.name);
      expect(rec.stderr).toContain(`${d.name}: START accepted`);
      // `<name>_<original>` — and a name the device already put first is not said twice.
      expect(entry.download.path.startsWith(`${d.name}_`), entry.download.path).toBe(true);
      expect(entry.download.path.slice(d.name.length + 1).includes(d.name), entry.download.path).toBe(false);
    }
    const [folder] = await readdir(out);
    expect((await readdir(join(out, folder!))).filter((f) => !f.startsWith('take.json')).sort()).toEqual(m.devices.map((d) => d.download.path).sort());
  }, 90_000);

  it('the controller shows the name the device reports once it answers, the address only before', async () => {
    const [dev] = await sims(['--personality', 'ios'], 1);
    const root = await mkdtemp(join(tmpdir(), 'one-name-ctl-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const c: Controller = await createController({
      userDataDir: join(root, 'user'),
      settingsOverride: { recordingsDir: join(root, 'takes') },
      discovery: false,
      clock: new ControllerClock({ server: '' }),
    });
    cleanups.push(() => c.shutdown());
    const added = await c.addDevice(dev!.address);
    if (!added.ok) throw new Error(added.error.message);
    // Add asks the device once: it has answered, so the card is named as the sim printed.
    expect(added.value.name).toBe(dev!.name);
    const snap = await c.getSnapshot();
    if (!snap.ok) throw new Error(snap.error.message);
    expect(snap.value.devices.map((d) => d.name)).toEqual([dev!.name]);

    // A device that never answers keeps its address as its name, and says why in plain words.
    const silent = await c.addDevice('127.0.0.1:9');
    if (!silent.ok) throw new Error(silent.error.message);
    expect(silent.value.name).toBe('127.0.0.1:9');
    expect(silent.value.stateReason ?? '').not.toMatch(/ECONN|_/);
  }, 60_000);
});

/**
 * Hostile devices against the real CLI (spawned) and the real take recorder + download queue:
 * huge pathological replies, terminal escapes in every string, a trickling transfer, SIGTERM
 * mid-take. In every case the well-behaved device's file arrives intact and take.json is valid.
 * The devices are sim/hostile (written for these tests); nothing here is mocked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHostileDevice, type HostileBehaviour, type HostileDevice } from '../../sim/hostile/device';
import { download, send } from '../../src-main/core/device-client';
import { DownloadQueue } from '../../src-main/core/downloads/queue';
import { Recorder } from '../../src-main/core/recorder/recorder';
import { loadManifestFile, type ManifestDevice, type TakeManifest } from '../../src-main/core/takes/schema';

const BIN = resolve(import.meta.dirname, '../../bin/multicam.js');
let out: string;
const devices: HostileDevice[] = [];
const children: ChildProcess[] = [];

beforeEach(async () => {
  out = await mkdtemp(join(tmpdir(), 'hostile-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(devices.splice(0).map((d) => d.close()));
  await rm(out, { recursive: true, force: true });
});

async function device(name: string, behaviours: HostileBehaviour[] = [], extra: { trickleMs?: number } = {}): Promise<HostileDevice> {
  const d = await startHostileDevice({ name, behaviours, fileSize: 200_000, ...extra });
  devices.push(d);
  return d;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
function cli(args: string[], opts: { onStderr?: (text: string, child: ChildProcess) => void } = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b) => (stdout += String(b)));
    child.stderr!.on('data', (b) => {
      stderr += String(b);
      opts.onStderr?.(stderr, child);
    });
    child.once('error', reject);
    child.once('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** Every take.json under `out`, read and validated as the app reads it (throws if one is not a valid manifest). */
async function manifests(): Promise<Array<{ folder: string; m: TakeManifest }>> {
  const found: Array<{ folder: string; m: TakeManifest }> = [];
  for (const name of await readdir(out)) {
    const folder = join(out, name);
    if (await stat(join(folder, 'take.json')).catch(() => null)) found.push({ folder, m: await loadManifestFile(folder) });
  }
  return found;
}

/** The manifest entry of the device at `address` (fails the test when there is none). */
function entryOf(m: TakeManifest, address: string): ManifestDevice {
  const entry = m.devices.find((d) => d.address === address);
  if (!entry) throw new Error(`take.json has no device ${address}`);
  return entry;
}

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

const sha256 = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');

/** The good device's one file is in the take folder, byte for byte what it recorded. */
async function expectGoodFileIntact(good: HostileDevice, folder: string, m: TakeManifest): Promise<void> {
  const entry = entryOf(m, good.address);
  expect(entry.download.ok).toBe(true);
  const [expected] = [...good.files.values()];
  expect(await sha256(join(folder, entry.download.path!))).toBe(expected);
}

// Terminal control: ESC, BEL, and the bidi override a device put in its strings.
const CONTROL = /[\u001b\u0007\u009b\u202e]/;

// Each spawn builds/starts the CLI: generous limits for a busy shared machine (no timing is asserted).
describe('hostile devices through the real CLI', () => {
  it('a device answering with ~1 MiB of <X-Amz-…> fragments and escape sequences does not stall the take or reach the terminal', async () => {
    const good = await device('good');
    const bad = await device('bad', ['huge', 'escapes']);
    const r = await cli(['record', '--device', good.address, '--device', bad.address, '--delay', '1', '--duration', '1', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(CONTROL);
    const [{ folder, m }] = (await manifests()) as [{ folder: string; m: TakeManifest }];
    expect(m.phase).toBe('done');
    await expectGoodFileIntact(good, folder, m);
    // The hostile device's reply was kept bounded in the manifest, and its file too arrived.
    const entry = entryOf(m, bad.address);
    expect(JSON.stringify(entry.start.reply ?? {}).length).toBeLessThan(20_000);
    expect(entry.download.ok).toBe(true);
    expect(await sha256(join(folder, entry.download.path!))).toBe([...bad.files.values()][0]);
    expect(JSON.parse(r.stdout).takeId).toBe(m.takeId);
  }, 120_000);

  it('the record summary and the download error line never pass a device’s escape sequences through', async () => {
    const good = await device('good');
    const bad = await device('bad', ['escapes', 'get-error']);
    const rec = await cli(['record', '--device', good.address, '--device', bad.address, '--delay', '1', '--duration', '1', '--out', out]);
    expect(rec.code).toBe(2);
    expect(rec.stderr).toMatch(/bad/); // the failing device is named in the summary…
    expect(rec.stderr).not.toMatch(CONTROL); // …without its escapes
    const [{ folder, m }] = (await manifests()) as [{ folder: string; m: TakeManifest }];
    await expectGoodFileIntact(good, folder, m);

    const dl = await cli(['download', '--device', bad.address, '--file', 'whatever.mp4', '--out', out]);
    expect(dl.code).toBe(2);
    expect(dl.stderr).toMatch(/multicam download: /);
    expect(dl.stderr).not.toMatch(CONTROL);
  }, 120_000);

  it('a device that resets or refuses in the middle of the START fan-out is named in plain words; the socket text is only the detail', async () => {
    const good = await device('good');
    const resetter = await device('resetter', ['start-reset']);
    const refuser = await device('refuser', ['start-refuse']);
    const rec = await cli(['record', ...[good, resetter, refuser].flatMap((d) => ['--device', d.address]), '--delay', '1', '--duration', '1', '--out', out]);
    expect(rec.code).toBe(2);
    const [{ folder, m }] = (await manifests()) as [{ folder: string; m: TakeManifest }];
    await expectGoodFileIntact(good, folder, m);
    // take.json keeps the technical line…
    const devices = m.devices as Array<{ address: string; start: { error: string | null } }>;
    expect(devices.find((x) => x.address === resetter.address)!.start.error).toMatch(/connection_reset/);
    // …the operator reads one plain line per device, the raw text only on the `detail:` line under it.
    const lines = rec.stderr.split('\n');
    const at = (name: string) => lines.findIndex((l) => l.startsWith(`  ${name}: `));
    expect(lines[at('resetter')]).toBe('  resetter: Failed to start — connection reset');
    expect(lines[at('resetter') + 1]).toMatch(/^ {4}detail: connection_reset: START_RECORDING to /);
    // START was reset, then its port closed: the check at stop was refused, so it may still be recording.
    expect(lines[at('refuser')]).toBe('  refuser: May still be recording — connection refused');
    expect(lines[at('refuser') + 1]).toMatch(/^ {4}detail: .*connection_refused/);
    // Live progress lines too: never an errno or a device-client code as the message.
    for (const l of lines.filter((l) => /^(resetter|refuser): /.test(l))) expect(l).not.toMatch(/ECONN|connection_reset|connection_refused|attempt \d/);
  }, 120_000);

  it('SIGTERM mid-take is handled like Ctrl-C: STOP to every recording device, downloads finished, final take.json, no .part left', async () => {
    const good = await device('good');
    const bad = await device('bad', ['huge', 'escapes']);
    let signalled = false;
    const r = await cli(['record', '--device', good.address, '--device', bad.address, '--delay', '1', '--out', out], {
      onStderr: (text, child) => {
        // Once the take folder exists and the start instant has passed, the devices are recording.
        if (!signalled && /take folder:/.test(text)) {
          signalled = true;
          setTimeout(() => child.kill('SIGTERM'), 2500);
        }
      },
    });
    expect(signalled).toBe(true);
    expect(r.stderr).toMatch(/stop requested/);
    expect(r.code, r.stderr).toBe(0);
    expect(good.commands).toContain('STOP_RECORDING');
    expect(bad.commands).toContain('STOP_RECORDING');
    const [{ folder, m }] = (await manifests()) as [{ folder: string; m: TakeManifest }];
    expect(m.phase).toBe('done');
    await expectGoodFileIntact(good, folder, m);
    expect((await allFiles(out)).filter((f) => f.endsWith('.part'))).toEqual([]);
    expect((await readdir(folder)).filter((f) => f.includes('.tmp'))).toEqual([]);
  }, 120_000);
});

describe('hostile devices through the real recorder and download queue', () => {
  it('a trickling download ends as stalled with its partial kept, the slot is freed, and the good file is intact', async () => {
    const good = await device('good');
    const slow = await device('slow', ['trickle'], { trickleMs: 20 });
    // The production rule is 16 KiB/s per 60 s window; the same rule, scaled down to test time.
    const queue = new DownloadQueue({ download: (a, f, d, o) => download(a, f, d, { ...o, throughput: { minBytesPerSecond: 2000, windowMs: 500 } }) });
    const recorder = new Recorder({ recordingsDir: out, send, downloads: queue, autoDownload: true });
    try {
      const parse = (s: string) => ({ host: s.split(':')[0]!, port: Number(s.split(':')[1]) });
      const take = await recorder.startTake({
        devices: [good, slow].map((d) => ({ deviceKey: d.address, name: d.name, ...parse(d.address) })),
        delaySeconds: 0.5,
      });
      await new Promise((r) => setTimeout(r, Math.max(0, take.targetStart * 1000 + 500 - Date.now())));
      await recorder.stopTake(take.takeId);
      const final = await recorder.settled(take.takeId);
      await recorder.flush();
      const m = await loadManifestFile(final.folder);
      await expectGoodFileIntact(good, final.folder, m);
      const entry = entryOf(m, slow.address);
      expect(entry.download.ok).toBe(false);
      expect(entry.download.error).toMatch(/stalled|arrived in the last/);
      expect(entry.download.partial).toBeTruthy();
      // The slot is free: nothing is left queued or active.
      expect(queue.list().filter((v) => v.state === 'queued' || v.state === 'active')).toEqual([]);
      expect((await allFiles(final.folder)).filter((f) => f.endsWith('.part'))).toEqual([]);
    } finally {
      recorder.dispose();
    }
  }, 60_000);
});

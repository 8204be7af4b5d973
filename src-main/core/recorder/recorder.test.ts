/**
 * Whole takes against REAL sim devices over loopback TCP, through the real device client, on virtual
 * time (recorder.testing.ts): every personality in one take, faults, a device dropping out, a restart.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimDevice, SimDeviceOptions } from '../../../sim/index';
import { deviceStatus } from '../../../src-shared/protocol';
import { download, send } from '../device-client/index';
import { DownloadQueue } from '../downloads/queue';
import { readManifest } from '../takes/manifest';
import { isInside } from '../takes/folder';
import { Recorder, type RecorderOptions } from './recorder';
import { makeDeviceEntry, startRecorderRig, type RecorderRig } from './recorder.testing';

let rig: RecorderRig;
beforeEach(() => {
  rig = startRecorderRig();
});
afterEach(() => rig.stop());

const sim = (o: SimDeviceOptions) => rig.sim(o);
const setup = (extra: Partial<RecorderOptions> = {}) => rig.recorder(extra);
const entry = makeDeviceEntry;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Wait (bounded) until the device does or does not accept connections. */
async function reachable(d: SimDevice, want: boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await send({ host: d.host, port: d.port }, deviceStatus(), { tries: 1, connectTimeoutMs: 1000, replyTimeoutMs: 1000 }).then(
      () => true,
      () => false,
    );
    if (ok === want) return;
    await sleep(20);
  }
  throw new Error(`device never became ${want ? 'reachable' : 'unreachable'}`);
}
const commands = (d: SimDevice) => d.received.map((c) => c.command);

async function listAll(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listAll(join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out;
}

describe('recorder: whole takes against sim devices', () => {
  it('records a mixed take and every downloaded file matches the device file', async () => {
    const ios = await sim({ personality: 'ios' });
    const android = await sim({ personality: 'android', stopDelayMs: 700 });
    const oak = await sim({ personality: 'oak', clockOffsetMs: 1500 });
    const spec = await sim({ personality: 'spec', clockOffsetMs: -800 });
    const { rec, root } = await setup();
    const seen: string[] = [];
    rec.onDidChangeTake((t) => seen.push(t.phase));

    const started = await rec.startTake({ devices: [entry(ios), entry(android), entry(oak), entry(spec)], delaySeconds: 1, name: 'Scene 1' });
    expect(started.devices.map((d) => d.start)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    expect(started.phase).toBe('scheduled');
    expect(started.folder).toMatch(/\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_Scene-1$/);

    const confirmed = await rec.confirmed();
    expect(confirmed.devices.map((d) => d.confirmedRecording)).toEqual([true, true, true, true]);
    await sleep(300);
    const stopped = await rec.stopTake();
    expect(stopped.devices.map((d) => d.stop)).toEqual(['stopped', 'stopped', 'stopped', 'stopped']);
    const done = await rec.settled();
    expect(done.phase).toBe('done');
    await rec.flush();

    const m = await readManifest(done.folder);
    expect(m.name).toBe('Scene 1');
    expect(m.devices).toHaveLength(4);
    // OAK schedules on its raw clock: its target was shifted by the measured offset, and it says why.
    const oakEntry = m.devices[2]!;
    expect(oakEntry.scheduleOnRawClock).toBe(true);
    expect(oakEntry.start.targetSent! - m.targetStart).toBeCloseTo(1.5, 1);
    expect(oakEntry.start.targetReason).toMatch(/raw clock/);
    expect(m.devices[3]!.start.targetSent).toBe(m.targetStart);

    for (const [i, d] of [ios, android, oak, spec].entries()) {
      const e = m.devices[i]!;
      expect(e.download.ok, `${d.personality}: ${e.download.error}`).toBe(true);
      const rec0 = d.recordings.find((r) => r.fileName === e.stop.fileName);
      expect(rec0, d.personality).toBeDefined();
      expect(e.download.sha256).toBe(rec0!.sha256);
      expect(e.download.bytes).toBe(rec0!.size);
      const abs = join(done.folder, e.download.path!);
      expect(isInside(done.folder, abs)).toBe(true);
      expect((await stat(abs)).size).toBe(rec0!.size);
    }
    expect(m.devices[1]!.stop.replyAt! - m.devices[1]!.stop.sentAt!).toBeGreaterThanOrEqual(0.6); // android trim waited out
    expect(seen).toContain('recording');
    // Only the take folder (take.json + 4 videos) under the root.
    const files = await listAll(root);
    expect(files.every((f) => f.startsWith(`recordings/${m.folderName}/`))).toBe(true);
    expect(files.filter((f) => f.endsWith('.part') || f.endsWith('.partial') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('handles refusals, a dropout, a truncated transfer and a path-named header without harming the others', async () => {
    const good = await sim({ personality: 'ios' });
    const iosUnsynced = await sim({ personality: 'ios', synced: false });
    const androidUnsynced = await sim({ personality: 'android', synced: false });
    const dropout = await sim({ personality: 'spec' });
    const truncated = await sim({ personality: 'oak', faults: [{ name: 'truncate', afterBytes: 3000 }] });
    const pathy = await sim({ personality: 'spec', faults: [{ name: 'path-filename', fileName: '../../x' }] });
    const all = [good, iosUnsynced, androidUnsynced, dropout, truncated, pathy];
    const { rec, root } = await setup();
    const names = ['good', 'ios-unsynced', 'android-unsynced', 'dropout', 'truncated', 'pathy'];

    const t = await rec.startTake({ devices: all.map((d, i) => entry(d, names[i])), delaySeconds: 0.8, name: 'faults' });
    expect(t.devices.map((d) => d.start)).toEqual(['accepted', 'failed', 'failed', 'accepted', 'accepted', 'accepted']);
    expect(t.devices[1]!.startError).toMatch(/^error/);
    expect(t.devices[2]!.startError).toBe('time not synchronized');

    await rec.confirmed();
    await dropout.kill();
    const stopped = await rec.stopTake();
    const by = (n: string) => stopped.devices[names.indexOf(n)]!;
    // The iPhone that refused START was never asked to STOP (it would never answer).
    expect(commands(iosUnsynced)).not.toContain('STOP_RECORDING');
    expect(commands(androidUnsynced)).not.toContain('STOP_RECORDING');
    expect(by('ios-unsynced').stop).toBe('not_sent');
    expect(by('dropout').stop).toBe('unreachable');
    expect(by('dropout').mayStillBeRecording).toBe(true);
    expect(by('good').stop).toBe('stopped');

    const done = await rec.settled();
    await rec.flush();
    const m = await readManifest(done.folder);
    const dev = (n: string) => m.devices[names.indexOf(n)]!;

    // Truncated OAK transfer: what arrived is kept as .partial and said so; no file under the final name.
    const tr = dev('truncated');
    expect(tr.download.ok).toBe(false);
    expect(tr.download.partial).toBe(true);
    expect(tr.download.keptPartials).toHaveLength(1);
    expect((await stat(join(done.folder, tr.download.keptPartials[0]!))).size).toBe(3000);
    await expect(stat(join(done.folder, tr.download.path!))).rejects.toThrow();

    // A header naming ../../x changes nothing: our name, inside the take folder, verified.
    const p = dev('pathy');
    expect(p.download.ok, p.download.error ?? '').toBe(true);
    expect(p.download.path).toBe(`pathy_${p.stop.fileName}`);
    expect(p.download.sha256).toBe(pathy.recordings.find((r) => r.fileName === p.stop.fileName)!.sha256);

    const g = dev('good');
    expect(g.download.sha256).toBe(good.recordings[0]!.sha256);

    const files = await listAll(root);
    expect(files.every((f) => f.startsWith(`recordings/${m.folderName}/`))).toBe(true);
    expect(files.some((f) => /(^|\/)x$/.test(f))).toBe(false);

    // Manual retry of the truncated one never touches the kept bytes (the OAK device deleted its copy).
    const downloadId = tr.download.id!;
    rec.retryDownload(downloadId);
    await rec.settled();
    await rec.flush();
    const m2 = await readManifest(done.folder);
    const tr2 = m2.devices[names.indexOf('truncated')]!;
    expect(tr2.download.ok).toBe(false);
    // The first kept bytes are still listed and untouched; a second attempt's bytes (if any) went to a fresh name.
    expect(tr2.download.keptPartials[0]).toBe(tr.download.keptPartials[0]);
    expect(new Set(tr2.download.keptPartials).size).toBe(tr2.download.keptPartials.length);
    expect((await stat(join(done.folder, tr.download.keptPartials[0]!))).size).toBe(3000);
  });

  it('skips excluded and unreachable devices with a reason, and still records the rest', async () => {
    const a = await sim({ personality: 'spec' });
    const b = await sim({ personality: 'android', stopDelayMs: 100 });
    const gone = await sim({ personality: 'spec' });
    const goneEntry = entry(gone, 'gone');
    await gone.kill();
    const { rec } = await setup({ autoDownload: false });
    const t = await rec.startTake({ devices: [entry(a, 'a'), { ...entry(b, 'b'), included: false }, goneEntry], delaySeconds: 0.5 });
    expect(t.devices.map((d) => d.start)).toEqual(['accepted', 'skipped', 'skipped']);
    expect(t.devices[1]!.startError).toMatch(/excluded/);
    expect(t.devices[2]!.startError).toBe('not answering: connection refused');
    expect(commands(b)).toEqual([]);
    await rec.confirmed();
    const s = await rec.stopTake();
    expect(s.devices.map((d) => d.stop)).toEqual(['stopped', 'not_sent', 'not_sent']);
    expect((await rec.settled()).phase).toBe('done');
  });

  it('salvages a STOP reply that fails validation; retryStop finishes a device whose STOP was not delivered', async () => {
    const badSize = await sim({ personality: 'spec', faults: [{ name: 'wrong-filesize', fileSize: -1, commands: ['STOP_RECORDING'] }] });
    const refusing = await sim({ personality: 'spec' });
    const { rec } = await setup();
    await rec.startTake({ devices: [entry(badSize, 'bad-size'), entry(refusing, 'refusing')], delaySeconds: 0.5 });
    await rec.confirmed();
    refusing.setFaults([{ name: 'refuse' }]);
    await reachable(refusing, false); // the sim closes its listener asynchronously
    const stopped = await rec.stopTake();
    expect(stopped.devices[0]).toMatchObject({ stop: 'stopped', fileName: badSize.recordings[0]!.fileName, fileSize: null });
    expect(stopped.devices[0]!.warnings.join()).toMatch(/failed validation.*salvaged/);
    expect(stopped.devices[1]).toMatchObject({ stop: 'unreachable', mayStillBeRecording: true });
    expect(refusing.state).toBe('recording');

    refusing.setFaults([]);
    await reachable(refusing, true);
    const retried = await rec.retryStop(entry(refusing).deviceKey);
    expect(retried.devices[1]).toMatchObject({ stop: 'stopped', mayStillBeRecording: false });
    expect(refusing.state).toBe('ready');
    const done = await rec.settled();
    await rec.flush();
    const m = await readManifest(done.folder);
    expect(m.devices.map((d) => d.download.ok)).toEqual([true, true]);
    expect(m.devices[1]!.download.sha256).toBe(refusing.recordings[0]!.sha256);
    await expect(rec.retryStop(entry(refusing).deviceKey)).rejects.toThrow(/does not need a STOP/);
  });

  it('files owed by a stopped take are downloaded after a restart', async () => {
    const a = await sim({ personality: 'android', stopDelayMs: 50 });
    const first = await setup({ autoDownload: false });
    const t = await first.rec.startTake({ devices: [entry(a, 'a')], delaySeconds: 0.3 });
    await first.rec.confirmed();
    await first.rec.stopTake();
    await first.rec.flush();
    first.rec.dispose();

    const second = new Recorder({ recordingsDir: first.recordingsDir, send, downloads: new DownloadQueue({ download }) });
    rig.track(second);
    const [r] = await second.recoverTakes();
    expect(r!.owed).toEqual({ mayStillBeRecording: [], owedFiles: [{ deviceKey: entry(a).deviceKey, fileName: a.recordings[0]!.fileName }] });
    expect(second.downloadOwedFiles(t.takeId)).toHaveLength(1);
    const done = await second.settled(t.takeId);
    expect(done.phase).toBe('done');
    await second.flush();
    expect((await readManifest(done.folder)).devices[0]!.download.sha256).toBe(a.recordings[0]!.sha256);
  });

  it('a controller restart mid-take recovers which devices may be recording and finishes the take', async () => {
    const a = await sim({ personality: 'ios' });
    const b = await sim({ personality: 'oak', clockOffsetMs: 700 });
    const first = await setup();
    const t = await first.rec.startTake({ devices: [entry(a, 'a'), entry(b, 'b')], delaySeconds: 0.5, name: 'restart' });
    await first.rec.confirmed();
    await first.rec.flush();
    first.rec.dispose(); // the controller "crashes": nothing more from this instance

    const downloads = new DownloadQueue({ download });
    const second = new Recorder({ recordingsDir: first.recordingsDir, send, downloads });
    rig.track(second);
    const recovered = await second.recoverTakes();
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.take.takeId).toBe(t.takeId);
    expect(recovered[0]!.owed.mayStillBeRecording.sort()).toEqual([entry(a).deviceKey, entry(b).deviceKey].sort());
    expect(recovered[0]!.take.devices.every((d) => d.mayStillBeRecording)).toBe(true);

    const stopped = await second.stopTake(t.takeId);
    expect(stopped.devices.map((d) => d.stop)).toEqual(['stopped', 'stopped']);
    const done = await second.settled(t.takeId);
    expect(done.phase).toBe('done');
    await second.flush();
    const m = await readManifest(done.folder);
    expect(m.devices.map((d) => d.download.ok)).toEqual([true, true]);
    expect(m.devices[0]!.download.sha256).toBe(a.recordings[0]!.sha256);
    // Nothing more owed: a third instance recovers nothing.
    const third = new Recorder({ recordingsDir: first.recordingsDir, send });
    rig.track(third);
    expect(await third.recoverTakes()).toEqual([]);
  });
});

describe('recorder: secrets', () => {
  it('never writes a presigned URL a device echoes in its upload queues into take.json', async () => {
    const android = await sim({ personality: 'android' });
    await android.addFile('old.mp4', 1024);
    // A failed upload stays in the Android app's failedUploadQueue, URL and signature included.
    const url = 'http://127.0.0.1:9/bucket/old.mp4?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=deadbeefcafe';
    const { uploadToCloud } = await import('../../../src-shared/protocol');
    await send({ host: android.host, port: android.port }, uploadToCloud('old.mp4', url));
    for (let i = 0; i < 100; i++) {
      const r = await send({ host: android.host, port: android.port }, deviceStatus());
      if (r.reply.failedUploadQueue.length > 0) break;
      await sleep(50);
    }
    const { rec, recordingsDir } = await setup();
    const take = await rec.startTake({ devices: [entry(android)], delaySeconds: 0.2, name: 'secrets' });
    await rec.stopTake(take.takeId);
    await rec.flush();
    const folder = join(recordingsDir, (await readdir(recordingsDir))[0]!);
    const text = JSON.stringify(await readManifest(folder));
    expect(text).toContain('failedUploadQueue'); // the reply was kept…
    expect(text).not.toContain('deadbeefcafe'); // …without its secrets
    expect(text).not.toContain('AKIAEXAMPLE');
  }, 60_000);
});

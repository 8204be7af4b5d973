/**
 * The controller end to end in Node: real sim devices over loopback TCP, real take folders,
 * real settings files. (The browser e2e drives the same object through the bridge.)
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TakeView, UploadView } from '../../src-shared/api';
import { Emitter } from '../../src-shared/event';
import { startVirtualDevices } from '../../sim/demo';
import { ControllerClock } from './clock';
import { spawnSync } from 'node:child_process';
import { Controller, defaultUserDataDir, type ControllerOptions, type UploadsPort } from './controller';
import { onlineDevices, startControllerRig, waitForEvent, type ControllerDirs, type ControllerRig } from './controller.testing';

let rig: ControllerRig;
beforeEach(() => {
  rig = startControllerRig('mc-controller-', { virtualTime: true });
});
afterEach(() => rig.stop());

const dirs = () => rig.dirs();
const make = (d: ControllerDirs, extra: Partial<ControllerOptions> = {}): Promise<Controller> =>
  rig.controller(d, { virtualDevices: startVirtualDevices, recorderTimeouts: { stopMs: 15_000 }, ...extra });
const waitFor = waitForEvent;
const allOnline = onlineDevices;

describe('Controller', () => {
  it('records a take with virtual cameras and downloads every file into the take folder', async () => {
    const d = dirs();
    const c = await make(d);
    const added = await c.addVirtualDevices(4, 'mixed');
    expect(added.ok).toBe(true);
    await allOnline(c, 4);

    const started = await c.startTake({ name: 'Scene 1', delaySeconds: 1 });
    if (!started.ok) throw new Error(started.error.message);
    expect(started.value.devices).toHaveLength(4);
    const snap = await c.getSnapshot();
    expect(snap.ok && snap.value.activeTakeId).toBe(started.value.takeId);

    await waitFor(c, (e) => (e.type === 'takeChanged' && e.take.phase === 'recording' ? true : undefined));
    const stopped = await c.stopTake();
    if (!stopped.ok) throw new Error(stopped.error.message);

    const done = await waitFor(c, (e) => (e.type === 'takeChanged' && (e.take.phase === 'done' || e.take.phase === 'failed') ? e.take : undefined), 60_000);
    expect(done.phase).toBe('done');
    const s = await c.getSnapshot();
    if (!s.ok) throw new Error('snapshot');
    const files = s.value.downloads.filter((x) => x.takeId === done.takeId);
    expect(files).toHaveLength(4);
    for (const f of files) {
      expect(f.state).toBe('done');
      expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);
      const p = await c.resolveDownloadPath(f.id);
      if (!p.ok) throw new Error(p.error.message);
      expect(relative(done.folder, p.value).startsWith('..')).toBe(false);
      expect(existsSync(p.value)).toBe(true);
    }
    await c.flush();
    const manifest = JSON.parse(readFileSync(join(done.folder, 'take.json'), 'utf8'));
    expect(manifest.devices.every((x: { download: { ok: boolean } }) => x.download.ok)).toBe(true);
    // Browser mode cannot drag files out: a clear answer, not a crash.
    const drag = await c.startDrag(files[0]!.id);
    expect(drag.ok ? 'ok' : drag.error.code).toBe('unsupported');
  }, 90_000);

  it('remembers manual devices, labels and settings across a restart, and shows earlier takes', async () => {
    const d = dirs();
    const [sim] = await startVirtualDevices(1, 'spec');
    rig.defer(() => sim!.stop());
    const a = await make(d);
    const added = await a.addDevice(`${sim!.host}:${sim!.port}`);
    if (!added.ok) throw new Error(added.error.message);
    expect((await a.renameDevice(added.value.deviceKey, 'Wide')).ok).toBe(true);
    expect((await a.updateSettings({ delaySeconds: 4.5 })).ok).toBe(true);
    await allOnline(a, 1);
    const t = await a.startTake({ name: 'Keep me', delaySeconds: 0.5 });
    if (!t.ok) throw new Error(t.error.message);
    await waitFor(a, (e) => (e.type === 'takeChanged' && e.take.phase === 'recording' ? true : undefined));
    await a.stopTake();
    const done: TakeView = await waitFor(a, (e) => (e.type === 'takeChanged' && e.take.phase === 'done' ? e.take : undefined), 60_000);
    await a.shutdown();

    const b = await make(d);
    const snap = await b.getSnapshot();
    if (!snap.ok) throw new Error('snapshot');
    expect(snap.value.settings.delaySeconds).toBe(4.5);
    expect(snap.value.devices.map((x) => x.name)).toEqual(['Wide']);
    const past = snap.value.takes.find((x) => x.takeId === done.takeId);
    expect(past?.name).toBe('Keep me');
    const dl = snap.value.downloads.find((x) => x.takeId === done.takeId);
    expect(dl?.state).toBe('done');
    const p = await b.resolveDownloadPath(dl!.id);
    expect(p.ok && existsSync(p.value)).toBe(true);
  }, 90_000);

  it('answers bad requests with clear errors', async () => {
    const c = await make(dirs());
    const bad = await c.addDevice('not an address!');
    expect(bad.ok).toBe(false);
    expect(bad.ok ? '' : bad.error.message).not.toBe('');
    const start = await c.startTake({});
    expect(start.ok ? '' : start.error.code).toBe('no_devices');
    const stop = await c.stopTake();
    expect(stop.ok ? '' : stop.error.code).toBe('no_take');
    const settings = await c.updateSettings({ delaySeconds: 999 });
    expect(settings.ok ? '' : settings.error.code).toBe('invalid_argument');
    const missing = await c.resolveDownloadPath('nope');
    expect(missing.ok ? '' : missing.error.code).toBe('not_found');
    expect((await c.renameDevice('ghost', 'x')).ok).toBe(false);
  });

  it('numbers events so a transport can apply only what is newer than its snapshot', async () => {
    const c = await make(dirs());
    const seen: number[] = [];
    c.subscribe((e) => seen.push(e.seq));
    const before = await c.getSnapshot();
    await c.addVirtualDevices(2, 'spec');
    await allOnline(c, 2);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s, i) => i === 0 || s > seen[i - 1]!)).toBe(true);
    expect(seen[0]!).toBeGreaterThan(before.ok ? before.value.seq : Infinity);
  });

  it('refuses a second startTake while the first is still starting (double click), not two takes', async () => {
    const c = await make(dirs());
    await c.addVirtualDevices(2, 'spec');
    await allOnline(c, 2);
    const [a, b] = await Promise.all([c.startTake({ name: 'One', delaySeconds: 1 }), c.startTake({ name: 'Two', delaySeconds: 1 })]);
    const oks = [a, b].filter((r) => r.ok);
    expect(oks).toHaveLength(1);
    const refused = [a, b].find((r) => !r.ok);
    expect(refused && !refused.ok ? refused.error.code : '').toBe('busy');
    const snap = await c.getSnapshot();
    expect(snap.ok && snap.value.takes).toHaveLength(1);
    const [s1, s2] = await Promise.all([c.stopTake(), c.stopTake()]);
    expect(s1.ok && s2.ok).toBe(true);
  }, 60_000);

  it('keeps the take in progress when settings that shape the recorder change mid-take', async () => {
    const c = await make(dirs());
    await c.addVirtualDevices(2, 'spec');
    await allOnline(c, 2);
    const t = await c.startTake({ name: 'Mid-take', delaySeconds: 0.5 });
    if (!t.ok) throw new Error(t.error.message);
    const changed = await c.updateSettings({ autoDownload: false, batteryWarnPercent: 30 });
    expect(changed.ok).toBe(true);
    const snap = await c.getSnapshot();
    expect(snap.ok && snap.value.activeTakeId).toBe(t.value.takeId);
    expect(snap.ok && snap.value.takes.map((x) => x.takeId)).toContain(t.value.takeId);
    const stopped = await c.stopTake();
    expect(stopped.ok ? stopped.value.takeId : stopped.error.message).toBe(t.value.takeId);
    // autoDownload is now off: the stopped take queues no downloads.
    const after = await c.getSnapshot();
    expect(after.ok && after.value.downloads.filter((x) => x.takeId === t.value.takeId)).toEqual([]);
  }, 60_000);

  it('refuses to remove a device that is part of the take in progress', async () => {
    const c = await make(dirs());
    await c.addVirtualDevices(2, 'spec');
    const [dev] = await allOnline(c, 2);
    const t = await c.startTake({ delaySeconds: 0.5 });
    if (!t.ok) throw new Error(t.error.message);
    const r = await c.removeDevice(dev!.deviceKey);
    expect(r.ok ? '' : r.error.code).toBe('busy');
    expect((await c.stopTake()).ok).toBe(true);
  }, 60_000);

  it('refuses a relative recordings folder (never a path relative to wherever the app was started)', async () => {
    const c = await make(dirs());
    const r = await c.updateSettings({ recordingsDir: 'takes/here' });
    expect(r.ok ? '' : r.error.code).toBe('invalid_argument');
    expect(r.ok ? '' : r.error.message).toMatch(/absolute/);
  });

  it('caps virtual cameras at 100 in all', async () => {
    let started = 0;
    const fake = new Controller({
      userDataDir: dirs().userDataDir,
      discovery: false,
      clock: new ControllerClock({ server: '' }),
      virtualDevices: async (count) => {
        started += count;
        return Array.from({ length: count }, (_, i) => ({
          host: '127.0.0.1',
          port: 20000 + started - count + i,
          name: `v${started - count + i}`,
          stop: async () => undefined,
        }));
      },
    });
    rig.defer(() => fake.shutdown());
    expect((await fake.addVirtualDevices(100)).ok).toBe(true);
    const more = await fake.addVirtualDevices(1);
    expect(more.ok ? '' : more.error.code).toBe('limit');
    expect(started).toBe(100);
  });

  it('fetches the files a recovered take still owes after a restart', async () => {
    const d = dirs();
    const [sim] = await startVirtualDevices(1, 'spec');
    rig.defer(() => sim!.stop());
    // First run: the take stops, but nothing is downloaded (as if the app quit right after Stop).
    const a = await make(d, { settingsOverride: { autoDownload: false } });
    const added = await a.addDevice(`${sim!.host}:${sim!.port}`);
    if (!added.ok) throw new Error(added.error.message);
    await allOnline(a, 1);
    const t = await a.startTake({ name: 'Owed', delaySeconds: 0.5 });
    if (!t.ok) throw new Error(t.error.message);
    await waitFor(a, (e) => (e.type === 'takeChanged' && e.take.phase === 'recording' ? true : undefined));
    await a.stopTake();
    await a.flush();
    await a.shutdown();
    const before = await a.getSnapshot();
    expect(before.ok && before.value.downloads.filter((x) => x.takeId === t.value.takeId && x.state === 'done')).toEqual([]);

    // Second run, downloads on: the owed file arrives without the operator asking.
    const b = await make(d);
    const snap = await b.getSnapshot();
    const pending = snap.ok ? snap.value.downloads.find((x) => x.takeId === t.value.takeId) : undefined;
    const done =
      pending?.state === 'done'
        ? pending
        : await waitFor(
            b,
            (e) => (e.type === 'downloadChanged' && e.download.takeId === t.value.takeId && e.download.state === 'done' ? e.download : undefined),
            30_000,
          );
    expect(done.sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 90_000);

  it('links each take device to its upload, so the takes panel can show upload progress', async () => {
    // A fake uploads port (the real one is tested against s3rver in core/uploads and the e2e).
    const changed = new Emitter<UploadView>();
    const uploads: UploadView[] = [];
    const port: UploadsPort = {
      list: () => uploads,
      onDidChangeUpload: changed.event,
      async uploadTake(take) {
        for (const dev of take.devices) {
          const u: UploadView = {
            id: `up-${dev.deviceKey}`,
            takeId: take.takeId,
            deviceKey: dev.deviceKey,
            deviceName: dev.name,
            fileName: dev.fileName ?? '',
            key: `k/${dev.fileName}`,
            state: 'uploading',
            bytes: 0,
            total: dev.fileSize,
            percent: 0,
            rateBps: null,
            error: null,
          };
          uploads.push(u);
          changed.fire(u);
        }
      },
      retry: async () => uploads[0]!,
      testConnection: async () => ({ bucket: 'b', message: 'ok' }),
    };
    const d = dirs();
    const c = await make(d, {
      uploads: port,
      settingsOverride: { storage: { bucket: 'b', prefixTemplate: '{file}', region: 'r', endpoint: '', profile: '', forcePathStyle: true } },
    });
    await c.addVirtualDevices(2, 'spec');
    await allOnline(c, 2);
    const t = await c.startTake({ name: 'Up', delaySeconds: 0.5 });
    if (!t.ok) throw new Error(t.error.message);
    await waitFor(c, (e) => (e.type === 'takeChanged' && e.take.phase === 'recording' ? true : undefined));
    await c.stopTake();
    await waitFor(c, (e) => (e.type === 'takeChanged' && e.take.phase === 'done' ? true : undefined), 60_000);
    const announced = waitFor(c, (e) => (e.type === 'takeChanged' && e.take.devices.every((x) => x.uploadId !== null) ? e.take : undefined));
    const r = await c.uploadTake(t.value.takeId);
    expect(r.ok).toBe(true);
    const take: TakeView = await announced;
    expect(take.devices.map((x) => x.uploadId).sort()).toEqual(take.devices.map((x) => `up-${x.deviceKey}`).sort());
    const snap = await c.getSnapshot();
    const inSnapshot = snap.ok ? snap.value.takes.find((x) => x.takeId === t.value.takeId) : undefined;
    expect(inSnapshot?.devices.every((x) => x.uploadId?.startsWith('up-'))).toBe(true);
  }, 90_000);

  const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
  if (!hasFfmpeg) console.warn('controller.test: thumbnail test skipped — ffmpeg is not installed (the app shows a placeholder then)');
  it.skipIf(!hasFfmpeg)(
    'makes a PNG thumbnail of a downloaded video, once per file however many ask',
    async () => {
      const c = await make(dirs());
      await c.addVirtualDevices(1, 'spec');
      await allOnline(c, 1);
      const t = await c.startTake({ delaySeconds: 0.5 });
      if (!t.ok) throw new Error(t.error.message);
      await waitFor(c, (e) => (e.type === 'takeChanged' && e.take.phase === 'recording' ? true : undefined));
      await c.stopTake();
      const dl = await waitFor(c, (e) => (e.type === 'downloadChanged' && e.download.state === 'done' ? e.download : undefined), 60_000);
      const [a, b] = await Promise.all([c.thumbnail(dl.id), c.thumbnail(dl.id)]);
      if (!a.ok || !b.ok) throw new Error('no thumbnail');
      expect(a.value).toMatch(/^data:image\/png;base64,/);
      expect(Buffer.from(a.value.split(',')[1]!, 'base64').subarray(1, 4).toString('latin1')).toBe('PNG');
      expect(b.value).toBe(a.value);
      const missing = await c.thumbnail('no-such-download');
      expect(missing.ok ? '' : missing.error.code).toBe('not_found');
    },
    90_000,
  );
});

describe('defaultUserDataDir', () => {
  it("is the desktop app's own user-data folder on each platform, so browser mode shares its settings", () => {
    expect(defaultUserDataDir({}, 'linux', '/home/op')).toBe(join('/home/op', '.config', 'MultiCam Controller'));
    expect(defaultUserDataDir({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/op')).toBe(join('/cfg', 'MultiCam Controller'));
    expect(defaultUserDataDir({}, 'darwin', '/Users/op')).toBe(join('/Users/op', 'Library', 'Application Support', 'MultiCam Controller'));
    expect(defaultUserDataDir({ APPDATA: 'C:/Users/op/AppData/Roaming' }, 'win32', 'C:/Users/op')).toBe(
      join('C:/Users/op/AppData/Roaming', 'MultiCam Controller'),
    );
    expect(defaultUserDataDir({ MULTICAM_USER_DATA: '/tmp/x' }, 'linux', '/home/op')).toBe('/tmp/x');
  });
});

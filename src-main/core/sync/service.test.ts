/**
 * Automatic sync: a take recorded by the controller with shared-scene virtual cameras is analysed
 * in a worker once its downloads finish, the result lands in take.json (through the take store)
 * and in a takeChanged event; then the take exports and has a contact sheet. Also the worker on
 * its own, on a folder without take.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TakeView } from '../../../src-shared/api';
import { startSceneCameras } from '../../../sim/demo';
import { ffmpegAvailable, writeSceneRecording } from '../../../sim/scene/recording';
import { onlineDevices, startControllerRig, waitForEvent, type ControllerRig } from '../controller.testing';
import { analyseTakeInWorker } from './run';

const hasFfmpeg = await ffmpegAvailable();
let rig: ControllerRig;
beforeEach(() => {
  rig = startControllerRig('mc-sync-service-');
});
afterEach(() => rig.stop());
const waitFor = waitForEvent;

describe.skipIf(!hasFfmpeg)('automatic sync after a take', { timeout: 180_000 }, () => {
  it('analyses the take in a worker once its downloads finish, records it in take.json, then exports and shows a contact sheet', async () => {
    const c = await rig.controller(undefined, { virtualDevices: startSceneCameras, recorderTimeouts: { stopMs: 30_000 } });
    expect((await c.addVirtualDevices(3, 'mixed')).ok).toBe(true);
    await onlineDevices(c, 3);

    const started = await c.startTake({ name: 'Synced', delaySeconds: 1 });
    expect(started.ok).toBe(true);
    const takeId = started.ok ? started.value.takeId : '';
    await waitFor(c, (e) => (e.type === 'takeChanged' && e.take.phase === 'recording' ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 4000));
    const synced = waitFor(
      c,
      (e) => (e.type === 'takeChanged' && e.take.takeId === takeId && e.take.sync && e.take.sync.state !== 'running' ? e.take : undefined),
      150_000,
    );
    const running = waitFor(c, (e) => (e.type === 'takeChanged' && e.take.sync?.state === 'running' ? true : undefined), 150_000);
    expect((await c.stopTake()).ok).toBe(true);
    await running;
    const take: TakeView = await synced;
    expect(take.sync!.state, take.sync!.error ?? '').toBe('done');
    expect(take.sync!.devices).toHaveLength(3);
    for (const d of take.sync!.devices) {
      expect(d.ok, `${d.name}: ${d.reason}`).toBe(true);
      expect(d.offsetMs).toBeGreaterThanOrEqual(0);
      expect(d.residualMs).not.toBeNull();
    }
    const onDisk = JSON.parse(readFileSync(join(take.folder, 'take.json'), 'utf8'));
    expect(onDisk.sync).toEqual(take.sync);

    // Drag-out hands an editor videos, never an OAK device's zip: the video sync took out of it.
    const snap = await c.getSnapshot();
    const files = snap.ok ? snap.value.downloads.filter((x) => x.takeId === takeId) : [];
    expect(files.filter((f) => /\.zip$/i.test(f.fileName))).toHaveLength(1);
    for (const f of files) {
      const editor = await c.resolveEditorFiles(f.id);
      if (!editor.ok) throw new Error(editor.error.message);
      expect(editor.value).toHaveLength(1);
      expect(editor.value[0]).toMatch(/\.(mp4|mov)$/i);
      expect(existsSync(editor.value[0]!)).toBe(true);
    }
    const whole = await c.resolveTakeFiles(takeId);
    expect(whole.ok && whole.value.map((p) => p.slice(-4).toLowerCase()).sort()).toEqual(['.mov', '.mp4', '.mp4']);

    const exported = await c.exportTake(takeId, 'fcpxml');
    expect(exported.ok && exported.value.angles).toBe(3);
    if (exported.ok) expect(readFileSync(exported.value.path, 'utf8')).toContain('<mc-angle');

    const sheet = await c.contactSheet(takeId);
    expect(sheet.ok).toBe(true);
    if (sheet.ok) {
      expect(sheet.value.instantsMs).toHaveLength(6);
      expect(sheet.value.strips).toHaveLength(3);
      for (const s of sheet.value.strips) expect(s.url).toMatch(/^data:image\/jpeg;base64,/);
    }
  });

  it('runs the analysis in a worker thread on a folder of videos', async () => {
    const dir = rig.dirs().root;
    const t0 = Date.UTC(2026, 10, 21, 10, 0, 0);
    await writeSceneRecording(join(dir, 'a.mp4'), { trueStartMs: t0, durationMs: 6000, noiseSeed: 1 });
    await writeSceneRecording(join(dir, 'b.mp4'), { trueStartMs: t0 + 750, durationMs: 6000, noiseSeed: 2 });
    const progress: string[] = [];
    const r = await analyseTakeInWorker(dir, { onProgress: (m) => progress.push(m) }).result;
    expect(r.state).toBe('done');
    expect(r.devices.map((d) => d.name)).toEqual(['a', 'b']);
    expect(Math.abs(r.devices[1]!.offsetMs! - 750)).toBeLessThan(1);
    expect(progress).toContain('measuring');
  });
});

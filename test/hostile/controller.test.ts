/**
 * The same hostile devices against the real controller (the object behind the app's contract):
 * devices added by address, status polling, a take through startTake/stopTake, downloads. A
 * ticker measures the longest gap of this event loop through the whole take.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TakeView } from '../../src-shared/api';
import { startHostileDevice, type HostileDevice } from '../../sim/hostile/device';
import { startControllerRig, waitForEvent, type ControllerRig } from '../../src-main/core/controller.testing';
import { download } from '../../src-main/core/device-client';

let rig: ControllerRig;
beforeEach(() => {
  rig = startControllerRig('hostile-controller-');
});
afterEach(() => rig.stop());
const waitFor = waitForEvent;

describe('hostile devices through the real controller', () => {
  it('huge pathological replies, escapes and a trickle: the loop keeps ticking, the good file is intact, take.json says what happened', async () => {
    const devices: HostileDevice[] = [
      await startHostileDevice({ name: 'good', fileSize: 150_000 }),
      await startHostileDevice({ name: 'loud', behaviours: ['huge', 'escapes'], fileSize: 150_000 }),
      await startHostileDevice({ name: 'slow', behaviours: ['trickle'], fileSize: 150_000, trickleMs: 20 }),
    ];
    rig.defer(() => Promise.all(devices.map((d) => d.close())));
    const c = await rig.controller(undefined, {
      recorderTimeouts: { stopMs: 15_000 },
      // The production throughput rule (16 KiB/s per 60 s) scaled down to test time.
      download: (a, f, d, o) => download(a, f, d, { ...o, throughput: { minBytesPerSecond: 2000, windowMs: 500 } }),
    });

    let last = performance.now();
    let worstGapMs = 0;
    const ticker = setInterval(() => {
      const t = performance.now();
      worstGapMs = Math.max(worstGapMs, t - last);
      last = t;
    }, 20);
    rig.defer(() => clearInterval(ticker));

    for (const d of devices) expect((await c.addDevice(d.address)).ok).toBe(true);
    const started = await c.startTake({ name: 'Hostile', delaySeconds: 1 });
    if (!started.ok) throw new Error(started.error.message);
    await waitFor(c, (e) => (e.type === 'takeChanged' && e.take.phase === 'recording' ? true : undefined), 20_000);
    const stopped = await c.stopTake();
    if (!stopped.ok) throw new Error(stopped.error.message);
    const done: TakeView = await waitFor(
      c,
      (e) => (e.type === 'takeChanged' && (e.take.phase === 'done' || e.take.phase === 'failed') ? e.take : undefined),
      60_000,
    );
    await c.flush();

    // A hang detector, not a benchmark (bench/eventloop measures the ratio): the old quadratic
    // redaction blocked this loop for 20–70 s per reply.
    expect(worstGapMs).toBeLessThan(3000);
    const m = JSON.parse(readFileSync(join(done.folder, 'take.json'), 'utf8'));
    const entry = (d: HostileDevice) => m.devices.find((x: { address: string }) => x.address === d.address);
    const [good, loud, slow] = devices as [HostileDevice, HostileDevice, HostileDevice];
    expect(entry(good).download.ok).toBe(true);
    expect(entry(loud).download.ok).toBe(true);
    for (const d of [good, loud]) {
      const { createHash } = await import('node:crypto');
      const sha = createHash('sha256')
        .update(readFileSync(join(done.folder, entry(d).download.path)))
        .digest('hex');
      expect(sha).toBe([...d.files.values()][0]);
    }
    expect(entry(slow).download.ok).toBe(false);
    expect(entry(slow).download.error).toMatch(/stalled/);
    expect(entry(slow).download.partial).toBe(true);
    // A device's escapes never reach what the app shows.
    const snap = await c.getSnapshot();
    if (!snap.ok) throw new Error('snapshot');
    expect(JSON.stringify(snap.value.devices.map((d) => d.name))).not.toMatch(/\\u001b|\u001b|\u202e/);
    expect(m.outcome).toBe('partial'); // "Done — 2 of 3 files", never a plain done
  }, 120_000);
});

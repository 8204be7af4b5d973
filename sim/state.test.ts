/**
 * The recording state machine and the TRUE instants it records, with an injected (shifted) true
 * clock so a device that read the wall clock instead would be caught. Assertions are orderings
 * and exact arithmetic, never "within N ms".
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeDeviceClock } from './clock';
import { startSimDevice } from './device';
import { ask, command, exchange, sleep, waitUntil } from './client.testing';
import type { Personality, SimDevice, SimDeviceOptions, SimState } from './types';

const SHIFT = 987_654_321; // true time ≠ wall clock
const now = () => Date.now() + SHIFT;
const started: SimDevice[] = [];
async function device(personality: Personality, extra: Partial<SimDeviceOptions> = {}): Promise<SimDevice> {
  const d = await startSimDevice({ personality, now, stopDelayMs: 200, finalizeMs: 10, packagingMs: 10, pastTargetDelayMs: 10, ...extra });
  started.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((d) => d.stop()));
});
const start = (d: SimDevice, targetSec: number) => ask(d.port, command('START_RECORDING', { timestamp: targetSec }));
const stop = (d: SimDevice) => ask(d.port, command('STOP_RECORDING'));

describe('device clock', () => {
  it('raw clock = true + offset + drift since start, and toTrue inverts it', () => {
    let t = 1_000_000;
    const c = makeDeviceClock(() => t, 2_500, 100); // +2.5 s, 100 ppm fast
    expect(c.deviceNow()).toBe(1_002_500);
    t += 1_000_000; // 1000 s later: drift adds 100 ms
    expect(c.deviceNow()).toBeCloseTo(2_002_600, 6);
    expect(c.toTrue(c.toDevice(123_456_789))).toBeCloseTo(123_456_789, 4);
    expect(c.toTrue(2_002_600)).toBeCloseTo(t, 4);
  });
});

describe('state machine and true instants', () => {
  it('spec: ready → scheduled → recording (at the target, on true/synced time) → ready', async () => {
    const d = await device('spec', { clockOffsetMs: 20_000 }); // synced phones ignore their raw offset
    expect(d.state).toBe('ready');
    const target = (now() + 400) / 1000;
    expect((await start(d, target)).status).toBe('scheduled_recording_accepted');
    expect(d.state).toBe('scheduled');
    expect(d.recordings).toHaveLength(0);
    await waitUntil(() => d.state === 'recording', 'recording');
    const rec = d.recordings[0]!;
    expect(rec.trueStartMs).toBeGreaterThanOrEqual(target * 1000);
    expect(rec.trueStartMs).toBeLessThan(target * 1000 + 10_000); // not 20 s late: the raw offset is not used
    expect(rec.receivedAtMs).toBeLessThan(rec.trueStartMs);
    expect(rec.targetSec).toBe(target);
    expect((await ask(d.port, command('DEVICE_STATUS'))).status).toBe('recording');
    const before = now();
    const r = await stop(d);
    expect(d.state).toBe('ready');
    expect(rec.trueStopMs).toBeGreaterThanOrEqual(before);
    expect(rec.trueStopMs).toBeGreaterThan(rec.trueStartMs);
    expect(r.fileSize).toBe(rec.size);
    expect(createHash('sha256').update(readFileSync(rec.path)).digest('hex')).toBe(rec.sha256);
    const got = d.received.map((c) => c.command);
    expect(got).toEqual(['START_RECORDING', 'DEVICE_STATUS', 'STOP_RECORDING']);
    expect(d.received[0]!.trueReceivedAtMs).toBe(rec.receivedAtMs);
  });

  it('scheduleOnRawClock: the target is read on the raw clock, so an offset moves the true start', async () => {
    const d = await device('spec', { clockOffsetMs: 20_000, scheduleOnRawClock: true });
    const t0 = now();
    const targetDevice = (t0 + 20_000 + 300) / 1000; // "300 ms from now" on a clock 20 s ahead
    await start(d, targetDevice);
    await waitUntil(() => d.state === 'recording', 'recording');
    const rec = d.recordings[0]!;
    expect(rec.trueStartMs).toBeGreaterThanOrEqual(t0 + 300 - 0.01);
    expect(rec.trueStartMs).toBeLessThan(targetDevice * 1000 - 10_000); // well before the target read as true time
  });

  it('oak always waits for the target on its own raw clock', async () => {
    const d = await device('oak', { clockOffsetMs: -20_000 }); // 20 s behind
    const r = await start(d, (now() + 300) / 1000); // 300 ms away in true time = 20.3 s on its clock
    expect(r.status).toBe('scheduled_recording_accepted');
    await sleep(700);
    expect(d.state).toBe('scheduled');
    const s = await stop(d); // cancels the pending start
    expect(s.status).toBe('error');
    expect(d.state).toBe('ready');
    const t0 = now();
    await start(d, (d.deviceNow() + 300) / 1000);
    await waitUntil(() => d.state === 'recording', 'recording');
    expect(d.recordings[0]!.trueStartMs).toBeGreaterThanOrEqual(t0 + 300 - 1);
  });

  it('ios captures on receipt (pre-roll kept), whatever the target', async () => {
    const d = await device('ios');
    const target = (now() + 5_000) / 1000;
    await start(d, target);
    expect(d.state).toBe('recording');
    const rec = d.recordings[0]!;
    expect(rec.trueStartMs).toBe(rec.receivedAtMs);
    expect(rec.fileName).toBe(`${d.deviceId}_${Math.round(target * 1000)}.mov`);
  });

  it('android captures on receipt and trims to the target: kept footage starts exactly at the target', async () => {
    const d = await device('android');
    const target = (now() + 200) / 1000;
    await start(d, target);
    expect(d.state).toBe('recording');
    expect(d.recordings[0]!.trueStartMs).toBeCloseTo(target * 1000, 6);
    await stop(d);
    const d2 = await device('android');
    await start(d2, (now() - 3_000) / 1000); // past target: from receipt
    expect(d2.recordings[0]!.trueStartMs).toBe(d2.recordings[0]!.receivedAtMs);
  });

  it('android walks every state with scheduleOnRawClock and holds STOP while "trimming"', async () => {
    const d = await device('android', { scheduleOnRawClock: true, stopDelayMs: 600 });
    const seen: SimState[] = [d.state];
    const watch = setInterval(() => seen.at(-1) !== d.state && seen.push(d.state), 2);
    try {
      await start(d, (d.deviceNow() + 200) / 1000);
      await waitUntil(() => d.state === 'recording', 'recording');
      const sent = Date.now();
      const stopping = stop(d);
      await waitUntil(() => d.state === 'stopping', 'stopping');
      expect((await ask(d.port, command('DEVICE_STATUS'))).status).toBe('stopping');
      const r = await stopping;
      expect(Date.now() - sent).toBeGreaterThanOrEqual(600 - 5); // a lower bound: the reply cannot come sooner
      expect(r).toMatchObject({ status: 'recording_stopped', fileName: d.recordings[0]!.fileName });
      expect(d.state).toBe('ready');
    } finally {
      clearInterval(watch);
    }
    if (seen.at(-1) !== d.state) seen.push(d.state);
    expect(seen).toEqual(['ready', 'scheduled', 'recording', 'stopping', 'ready']);
  });

  it('scheduleOnRawClock also makes ios wait for its target instead of capturing on receipt', async () => {
    const d = await device('ios', { scheduleOnRawClock: true, clockOffsetMs: 3_000 });
    const t0 = now();
    expect((await start(d, (d.deviceNow() + 300) / 1000)).status).toBe('scheduled_recording_accepted');
    expect(d.state).toBe('scheduled');
    await waitUntil(() => d.state === 'recording', 'recording');
    expect(d.recordings[0]!.trueStartMs).toBeGreaterThanOrEqual(t0 + 300 - 1);
    expect(d.recordings[0]!.trueStartMs).toBeGreaterThan(d.recordings[0]!.receivedAtMs);
  });

  it('latency is split around the device: half before it receives, half after it stamps its reply', async () => {
    const d = await device('spec', { latencyMs: 400 });
    const sent = now();
    const r = await ask(d.port, command('DEVICE_STATUS'));
    const back = now();
    expect(back - sent).toBeGreaterThanOrEqual(400 - 2);
    expect(d.received[0]!.trueReceivedAtMs - sent).toBeGreaterThanOrEqual(200 - 2);
    expect(back - Number(r.timestamp) * 1000).toBeGreaterThanOrEqual(200 - 2);
  });

  it('ios never answers a STOP when idle, but does once recording', async () => {
    const d = await device('ios');
    expect((await exchange(d.port, command('STOP_RECORDING'), { quietMs: 400 })).data.length).toBe(0);
    await start(d, now() / 1000);
    expect((await stop(d)).status).toBe('recording_stopped');
  });

  it('oak packages lazily: STOP says 0, GET_VIDEO waits for the file', async () => {
    const d = await device('oak', { fileSize: 8 * 1024 * 1024 });
    await start(d, (d.deviceNow() - 1000) / 1000);
    const r = await stop(d);
    expect(r.fileSize).toBe(0);
    const { frameComplete, splitFrame } = await import('./client.testing');
    const v = await exchange(d.port, command('GET_VIDEO', { fileName: r.fileName }), { until: frameComplete, quietMs: 10_000 });
    expect(splitFrame(v.data)!.header!.fileSize).toBe(8 * 1024 * 1024);
    expect(d.recordings[0]!.size).toBe(8 * 1024 * 1024);
  });
});

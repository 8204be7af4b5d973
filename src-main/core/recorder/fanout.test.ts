/** Recorder mechanics with a fake `send` (one module's unit test): fan-out, ordering, timeouts. */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProtocolError, parseReply, type Command } from '../../../src-shared/protocol';
import type { DeviceAddress, SendOptions, TimedReply } from '../device-client/types';
import { readManifest } from '../takes/manifest';
import { FakeTime } from '../fleet/fleet.testing';
import { Recorder } from './recorder';
import { wallClock } from './types';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

interface Sent {
  address: DeviceAddress;
  command: Command;
  options: SendOptions | undefined;
}

/** Every device answers at once: status `ready`/`recording`, START accepted, STOP with a file. */
function fakeSend(onSend: (s: Sent, all: Sent[]) => void = () => undefined) {
  const sent: Sent[] = [];
  const recording = new Set<number>();
  const send = async (address: DeviceAddress, command: Command, options?: SendOptions): Promise<TimedReply> => {
    const s = { address, command, options };
    sent.push(s);
    onSend(s, sent);
    const now = Date.now();
    let body: Record<string, unknown> = { status: 'ready', timestamp: now / 1000 };
    if (command.command === 'START_RECORDING') {
      recording.add(address.port);
      body = { status: 'scheduled_recording_accepted', timestamp: now / 1000 };
    } else if (command.command === 'DEVICE_STATUS' && recording.has(address.port)) body = { status: 'recording', timestamp: now / 1000 };
    else if (command.command === 'STOP_RECORDING') body = { status: 'recording_stopped', fileName: `f${address.port}.mp4`, fileSize: 10 };
    return { reply: parseReply(body), sentAt: now, receivedAt: now, attempts: 1 };
  };
  return { send, sent };
}

const devices = (n: number) => Array.from({ length: n }, (_, i) => ({ deviceKey: `d${i}`, name: `dev ${i}`, host: '127.0.0.1', port: 1000 + i }));

describe('recorder fan-out (fake devices)', () => {
  it('issues every START in one synchronous loop, after the manifest with the targets is on disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mc-fanout-'));
    dirs.push(dir);
    let startsAtFirstMicrotask = -1;
    let diskAtFirstStart: { devices: Array<{ start: { status: string; targetSent: number | null } }> } | null = null;
    let folder = '';
    const rec = new Recorder({
      recordingsDir: dir,
      send: fakeSend((s, all) => {
        if (s.command.command !== 'START_RECORDING') return;
        const starts = () => all.filter((x) => x.command.command === 'START_RECORDING').length;
        if (starts() === 1) {
          // No await between the writes: by the first microtask every START has been issued.
          void Promise.resolve().then(() => (startsAtFirstMicrotask = starts()));
          diskAtFirstStart = JSON.parse(readFileSync(join(folder, 'take.json'), 'utf8'));
        }
      }).send,
      timeouts: { confirmGraceMs: 0, confirmIntervalMs: 10 },
    });
    rec.onDidChangeTake((t) => (folder = t.folder));
    const t = await rec.startTake({ devices: devices(50), delaySeconds: 0.05 });
    expect(startsAtFirstMicrotask).toBe(50);
    expect(diskAtFirstStart!.devices.every((d) => d.start.status === 'pending' && d.start.targetSent === t.targetStart)).toBe(true);
    await rec.flush();
    rec.dispose();
  });

  it('STOP uses the long timeout, START and status short ones', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mc-fanout-'));
    dirs.push(dir);
    const fake = fakeSend();
    const rec = new Recorder({ recordingsDir: dir, send: fake.send, timeouts: { confirmGraceMs: 0 } });
    await rec.startTake({ devices: devices(2), delaySeconds: 0 });
    await rec.confirmed();
    const t = await rec.stopTake();
    expect(t.devices.map((d) => d.fileName)).toEqual(['f1000.mp4', 'f1001.mp4']);
    const stop = fake.sent.find((s) => s.command.command === 'STOP_RECORDING')!;
    expect(stop.options!.replyTimeoutMs).toBeGreaterThanOrEqual(90_000);
    const start = fake.sent.find((s) => s.command.command === 'START_RECORDING')!;
    expect(start.options!.replyTimeoutMs).toBeLessThan(90_000);
    await expect(rec.startTake({ devices: [], delaySeconds: 1 })).rejects.toThrow(/no devices/);
    await rec.flush();
    rec.dispose();
  });

  it('refuses a second take while one is recording, and names invalid addresses', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mc-fanout-'));
    dirs.push(dir);
    const rec = new Recorder({ recordingsDir: dir, send: fakeSend().send, timeouts: { confirmGraceMs: 0 } });
    const t = await rec.startTake({ devices: [...devices(1), { deviceKey: 'bad', name: 'bad', host: 'a b', port: 0 }], delaySeconds: 0 });
    expect(t.devices[1]).toMatchObject({ start: 'skipped', stop: 'not_sent' });
    expect(t.devices[1]!.startError).toMatch(/invalid address/);
    await expect(rec.startTake({ devices: devices(1) })).rejects.toThrow(/stop it first/);
    await rec.stopTake();
    await rec.flush();
    rec.dispose();
  });
});

describe('recorder: races and hostile replies (fake devices)', () => {
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'mc-fanout-'));
    dirs.push(dir);
    return dir;
  }
  const startsTo = (sent: Sent[]) => sent.filter((s) => s.command.command === 'START_RECORDING').map((s) => s.address.port);
  const stopsTo = (sent: Sent[]) => sent.filter((s) => s.command.command === 'STOP_RECORDING').map((s) => s.address.port);

  it('two takes started at once: the second is refused, only one START goes out per device', async () => {
    const fake = fakeSend();
    const rec = new Recorder({ recordingsDir: await tempDir(), send: fake.send, timeouts: { confirmGraceMs: 0 } });
    const results = await Promise.allSettled([
      rec.startTake({ devices: devices(1), delaySeconds: 0 }),
      rec.startTake({ devices: devices(1), delaySeconds: 0 }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(startsTo(fake.sent)).toHaveLength(1);
    await rec.stopTake();
    await rec.flush();
    rec.dispose();
  });

  it('a stop requested while the take is starting leaves no device recording', async () => {
    // Pre-flight is held until stopTake has been called (the operator pressed Stop during it).
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const inner = fakeSend();
    const send = async (address: DeviceAddress, command: Command, options?: SendOptions): Promise<TimedReply> => {
      if (command.command === 'DEVICE_STATUS' && startsTo(inner.sent).length === 0) await gate;
      return inner.send(address, command, options);
    };
    const rec = new Recorder({ recordingsDir: await tempDir(), send, timeouts: { confirmGraceMs: 0, confirmIntervalMs: 10 } });
    const starting = rec.startTake({ devices: devices(2), delaySeconds: 0 });
    while (!rec.activeTake) await new Promise((r) => setTimeout(r, 5));
    const stopping = rec.stopTake();
    release();
    await Promise.allSettled([starting, stopping]);
    // Whatever happened, afterwards every device that was sent START was also sent STOP.
    const t = rec.activeTake ?? rec.takes()[0]!;
    if (t.phase !== 'done' && t.phase !== 'failed') await rec.stopTake(t.takeId);
    for (const port of startsTo(inner.sent)) expect(stopsTo(inner.sent)).toContain(port);
    expect(rec.takes().every((x) => x.devices.every((d) => !d.mayStillBeRecording))).toBe(true);
    await rec.flush();
    rec.dispose();
  });

  it('a raw-clock device with an absurd reply timestamp cannot stop the take for the others', async () => {
    const inner = fakeSend();
    const send = async (address: DeviceAddress, command: Command, options?: SendOptions): Promise<TimedReply> => {
      const r = await inner.send(address, command, options);
      if (address.port !== 1000 || command.command !== 'DEVICE_STATUS') return r;
      return { ...r, reply: parseReply({ ...r.reply.raw, timestamp: 1e308 }) }; // ×1000 overflows to Infinity
    };
    const rec = new Recorder({ recordingsDir: await tempDir(), send, timeouts: { confirmGraceMs: 0, confirmIntervalMs: 10 } });
    const devs = devices(2).map((d, i) => (i === 0 ? { ...d, deviceType: 'Oak' } : d));
    const t = await rec.startTake({ devices: devs, delaySeconds: 0 });
    expect(t.devices.map((d) => d.start)).toEqual(['accepted', 'accepted']);
    const m = rec.manifest();
    expect(m.devices.every((d) => Number.isFinite(d.start.targetSent))).toBe(true);
    expect(m.devices[0]!.warnings.join(' ')).toMatch(/clock/);
    await rec.stopTake();
    await rec.flush();
    rec.dispose();
  });

  it('over-long device strings never make take.json unreadable for recovery', async () => {
    const long = 'x'.repeat(20_000);
    const inner = fakeSend();
    const send = async (address: DeviceAddress, command: Command, options?: SendOptions): Promise<TimedReply> => {
      const r = await inner.send(address, command, options);
      const now = Date.now() / 1000;
      let body: Record<string, unknown> | null = null;
      if (address.port === 1000 && command.command === 'START_RECORDING') body = { status: 'error', message: long, timestamp: now };
      if (address.port === 1001 && command.command === 'DEVICE_STATUS' && !startsTo(inner.sent).includes(1001))
        body = { status: `Weird ${long}`, deviceType: long, timestamp: now };
      if (address.port === 1002 && command.command === 'STOP_RECORDING') body = { status: 'recording_stopped', fileName: `${long}.mp4`, fileSize: 1 };
      return body ? { ...r, reply: parseReply(body) } : r;
    };
    const rec = new Recorder({ recordingsDir: await tempDir(), send, timeouts: { confirmGraceMs: 0, confirmIntervalMs: 10 } });
    const t = await rec.startTake({ devices: devices(3), delaySeconds: 0 });
    expect(t.devices[0]!.start).toBe('failed');
    await rec.confirmed();
    await rec.stopTake();
    await rec.flush();
    const m = await readManifest(t.folder);
    expect(m.devices[0]!.start.error!.length).toBeLessThanOrEqual(4096);
    expect(m.devices[2]!.stop.status).toBe('stopped');
    expect(m.devices[2]!.stop.fileName).toBeNull(); // no GET_VIDEO could carry it (4 KiB command limit)
    expect(m.devices[2]!.warnings.join(' ')).toMatch(/file name/);
    rec.dispose();
  });
});

describe('recorder: a listener bug', () => {
  it('a throwing takeChanged listener cannot abort a take after START went out', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mc-fanout-'));
    dirs.push(dir);
    const fake = fakeSend();
    const rec = new Recorder({ recordingsDir: dir, send: fake.send, timeouts: { confirmGraceMs: 0, confirmIntervalMs: 10 } });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    rec.onDidChangeTake(() => {
      throw new Error('listener bug');
    });
    const t = await rec.startTake({ devices: devices(2), delaySeconds: 0 });
    expect(t.phase).toBe('scheduled');
    await rec.confirmed();
    const stopped = await rec.stopTake();
    expect(stopped.devices.map((d) => d.stop)).toEqual(['stopped', 'stopped']);
    expect(logged).toHaveBeenCalled();
    logged.mockRestore();
    await rec.flush();
    rec.dispose();
  });
});

describe('recorder: retryStop', () => {
  /**
   * A one-device take whose first STOP is lost (reset after the write), so the device "may still
   * be recording"; every later STOP waits at a gate (the device is trimming) until `release()`.
   */
  async function takeWithLostStop() {
    const dir = await mkdtemp(join(tmpdir(), 'mc-fanout-'));
    dirs.push(dir);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let stops = 0;
    const inner = fakeSend();
    const send = async (address: DeviceAddress, command: Command, options?: SendOptions): Promise<TimedReply> => {
      if (command.command === 'STOP_RECORDING') {
        stops++;
        if (stops === 1) throw new ProtocolError('connection_reset', 'reset after the write');
        await gate;
      }
      return inner.send(address, command, options);
    };
    const rec = new Recorder({ recordingsDir: dir, send, timeouts: { confirmGraceMs: 0, confirmIntervalMs: 10 } });
    await rec.startTake({ devices: devices(1), delaySeconds: 0 });
    await rec.confirmed();
    const first = await rec.stopTake();
    expect(first.devices[0]!.mayStillBeRecording).toBe(true);
    return { rec, release, stops: () => stops };
  }

  it('a double-clicked retryStop sends one STOP, not two concurrent ones', async () => {
    const { rec, release, stops } = await takeWithLostStop();
    const a = rec.retryStop('d0');
    await expect(rec.retryStop('d0')).rejects.toThrow(/in progress/);
    release();
    const t = await a;
    expect(stops()).toBe(2);
    expect(t.devices[0]).toMatchObject({ stop: 'stopped', fileName: 'f1000.mp4', mayStillBeRecording: false });
    await rec.flush();
    rec.dispose();
  });

  it('Stop pressed while a retryStop is in flight does not send that device a second STOP', async () => {
    const { rec, release, stops } = await takeWithLostStop();
    const retry = rec.retryStop('d0');
    const again = rec.stopTake().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    release();
    const t = await retry;
    await again;
    expect(stops()).toBe(2);
    expect(t.devices[0]).toMatchObject({ stop: 'stopped', fileName: 'f1000.mp4', mayStillBeRecording: false });
    await rec.flush();
    rec.dispose();
  });
});

describe('recorder: confirmation on the timer seam (FakeTime)', () => {
  it('polls at the target plus the grace, then every interval, and flags a device that never says recording', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mc-fanout-'));
    dirs.push(dir);
    const time = new FakeTime();
    const polls: number[] = [];
    let started = false;
    const send = async (_address: DeviceAddress, command: Command): Promise<TimedReply> => {
      const now = time.now();
      if (command.command === 'START_RECORDING') started = true;
      else if (command.command === 'DEVICE_STATUS' && started) polls.push(now);
      const status = command.command === 'START_RECORDING' ? 'scheduled_recording_accepted' : 'ready';
      return { reply: parseReply({ status, timestamp: now / 1000 }), sentAt: now, receivedAt: now, attempts: 1 };
    };
    // Production timings: grace 250 ms, 3 polls 800 ms apart.
    const rec = new Recorder({ recordingsDir: dir, send, setTimer: time.setTimer, clock: { now: time.now, state: wallClock.state } });
    const t = await rec.startTake({ devices: devices(1), delaySeconds: 3 });
    const sinceTarget = () => polls.map((p) => Math.round(p - t.targetStart * 1000));
    await time.advance(3_249);
    expect(sinceTarget()).toEqual([]);
    await time.advance(1);
    expect(sinceTarget()).toEqual([250]);
    await time.advance(1_600);
    expect(sinceTarget()).toEqual([250, 1_050, 1_850]);
    const c = await rec.confirmed();
    expect(c.devices[0]!.confirmedRecording).toBe(false);
    expect(c.devices[0]!.warnings.join(' ')).toMatch(/did not report recording after the target instant/);
    await time.advance(60_000);
    expect(polls).toHaveLength(3);
    await rec.stopTake();
    await rec.flush();
    rec.dispose();
  });
});

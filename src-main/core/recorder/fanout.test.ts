/** Recorder mechanics with a fake `send` (one module's unit test): fan-out, ordering, timeouts. */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseReply, type Command } from '../../../src-shared/protocol';
import type { DeviceAddress, SendOptions, TimedReply } from '../device-client/types';
import { Recorder } from './recorder';

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

const devices = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `d${i}`, name: `dev ${i}`, host: '127.0.0.1', port: 1000 + i }));

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
    rec.on('takeChanged', (t) => (folder = t.folder));
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
    const t = await rec.startTake({ devices: [...devices(1), { key: 'bad', name: 'bad', host: 'a b', port: 0 }], delaySeconds: 0 });
    expect(t.devices[1]).toMatchObject({ start: 'skipped', stop: 'not_sent' });
    expect(t.devices[1]!.startError).toMatch(/invalid address/);
    await expect(rec.startTake({ devices: devices(1) })).rejects.toThrow(/stop it first/);
    await rec.stopTake();
    await rec.flush();
    rec.dispose();
  });
});

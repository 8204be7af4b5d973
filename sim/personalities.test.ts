/**
 * Each row of the personalities table (device-protocol-notes.md), proven over real loopback TCP
 * against a running virtual device with a raw-socket client.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimDevice } from './device';
import { ask, command, exchange, frameComplete, splitFrame, waitUntil } from './client.testing';
import type { Personality, SimDevice, SimDeviceOptions } from './types';

const started: SimDevice[] = [];
async function device(personality: Personality, extra: Partial<SimDeviceOptions> = {}): Promise<SimDevice> {
  const d = await startSimDevice({ personality, stopDelayMs: 200, finalizeMs: 20, packagingMs: 20, pastTargetDelayMs: 20, ...extra });
  started.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((d) => d.stop()));
});

/** Silence is proved by waiting this long for a byte that must not come. */
const QUIET = 400;

async function recordOnce(d: SimDevice): Promise<Record<string, unknown>> {
  await ask(d.port, command('START_RECORDING', { timestamp: Date.now() / 1000 - 1 }));
  await waitUntil(() => d.state === 'recording');
  return ask(d.port, command('STOP_RECORDING'));
}

describe('closing after a reply', () => {
  it('ios never closes, even after the client half-closes', async () => {
    const d = await device('ios');
    const r = await exchange(d.port, command('DEVICE_STATUS'), { endAfterWrite: true, until: () => false, quietMs: QUIET });
    expect(JSON.parse(r.data.toString()).status).toBe('ready');
    expect(r.ended).toBe(false);
    expect(r.open).toBe(true);
  });

  it.each(['android', 'oak', 'spec'] as const)('%s keeps the connection open after replying, and closes once the client does', async (p) => {
    const d = await device(p);
    const open = await exchange(d.port, command('DEVICE_STATUS'), { until: () => false, quietMs: QUIET });
    expect(JSON.parse(open.data.toString()).deviceId).toBe(d.deviceId);
    expect(open.open).toBe(true);
    const closing = await exchange(d.port, command('DEVICE_STATUS'), { endAfterWrite: true, until: () => false, quietMs: 5000 });
    expect(JSON.parse(closing.data.toString()).deviceId).toBe(d.deviceId);
    expect(closing.ended).toBe(true);
  });

  it('android holds the close until its delayed STOP reply is written', async () => {
    const d = await device('android', { stopDelayMs: 300 });
    await ask(d.port, command('START_RECORDING', { timestamp: Date.now() / 1000 - 1 }));
    const r = await exchange(d.port, command('STOP_RECORDING'), { endAfterWrite: true, until: () => false, quietMs: 5000 });
    expect(r.ended).toBe(true);
    expect(JSON.parse(r.data.toString()).status).toBe('recording_stopped');
  });
});

describe('command reading', () => {
  const split = (obj: unknown, at: number) => ({ payload: JSON.stringify(obj), splitAt: [at] });

  it('ios decodes each chunk alone: a split command gets no reply, a whole one does', async () => {
    const d = await device('ios');
    const s = split(command('DEVICE_STATUS'), 20);
    const r = await exchange(d.port, s.payload, { splitAt: s.splitAt, quietMs: QUIET });
    expect(r.data.length).toBe(0);
    expect(r.open).toBe(true);
    expect((await ask(d.port, command('DEVICE_STATUS'))).status).toBe('ready');
    expect((await exchange(d.port, 'not json', { quietMs: QUIET })).data.length).toBe(0);
  });

  it('android parses each 4096-byte read alone: a split or oversized command gets `error`', async () => {
    const d = await device('android');
    const s = split(command('DEVICE_STATUS'), 20);
    const r = await exchange(d.port, s.payload, { splitAt: s.splitAt });
    expect(JSON.parse(r.data.toString()).status).toBe('error');
    const big = await ask(d.port, command('DEVICE_STATUS', { pad: 'x'.repeat(5000) }));
    expect(big.status).toBe('error');
    expect(big.message).toBeUndefined();
    const justFits = await ask(d.port, command('DEVICE_STATUS', { pad: 'x'.repeat(3900) }));
    expect(justFits.status).toBe('ready');
  });

  it('oak reads 4 bytes then one 8192 read: a command split after 10 bytes is cut off and the socket closed', async () => {
    const d = await device('oak');
    const s = split(command('DEVICE_STATUS'), 10);
    const r = await exchange(d.port, s.payload, { splitAt: s.splitAt, quietMs: 5000 });
    expect(r.data.length).toBe(0);
    expect(r.ended || r.error !== null).toBe(true);
    // Split after 2 bytes: recv(4) returns those 2, recv(8192) the rest — it works on the real server too.
    const s2 = split(command('DEVICE_STATUS'), 2);
    const ok = await exchange(d.port, s2.payload, { splitAt: s2.splitAt });
    expect(JSON.parse(ok.data.toString()).status).toBe('ready');
    const big = await exchange(d.port, command('DEVICE_STATUS', { pad: 'x'.repeat(9000) }), { quietMs: 5000 });
    expect(big.data.length).toBe(0);
    expect(big.ended || big.error !== null).toBe(true);
  });

  it('spec accumulates until a full object (split, pretty-printed, braces inside strings)', async () => {
    const d = await device('spec');
    const s = split(command('DEVICE_STATUS'), 20);
    const r = await exchange(d.port, s.payload, { splitAt: s.splitAt });
    expect(JSON.parse(r.data.toString()).status).toBe('ready');
    const pretty = JSON.stringify(command('DEVICE_STATUS', { note: 'a } tricky \\" {' }), null, 2);
    expect((await ask(d.port, ` \n${pretty}`, { splitAt: [7, 30] })).status).toBe('ready');
    const bad = await ask(d.port, 'hello');
    expect(bad.status).toBe('error');
    expect(typeof bad.message).toBe('string');
  });
});

describe('missing timestamp/deviceId and unknown commands', () => {
  it('ios answers neither (commands without timestamp/deviceId, UPLOAD_STATUS)', async () => {
    const d = await device('ios');
    for (const payload of [{ command: 'DEVICE_STATUS', deviceId: 'controller' }, { command: 'DEVICE_STATUS', timestamp: 1 }, command('UPLOAD_STATUS')]) {
      const r = await exchange(d.port, payload, { quietMs: QUIET });
      expect(r.data.length).toBe(0);
    }
    expect(d.received.map((c) => c.command)).toEqual(['DEVICE_STATUS', 'DEVICE_STATUS', 'UPLOAD_STATUS']);
  });

  it('android fills in defaults and answers an unknown command with a bare `error`', async () => {
    const d = await device('android');
    expect((await ask(d.port, { command: 'DEVICE_STATUS' })).status).toBe('ready');
    const unknown = await ask(d.port, command('UPLOAD_STATUS'));
    expect(unknown.status).toBe('error');
    expect(unknown.message).toBeUndefined();
  });

  it.each(['oak', 'spec'] as const)('%s answers both with `error` and a message', async (p) => {
    const d = await device(p);
    const missing = await ask(d.port, { command: 'DEVICE_STATUS', deviceId: 'controller' });
    expect(missing.status).toBe('error');
    expect(String(missing.message)).toMatch(/timestamp/);
    const unknown = await ask(d.port, command('UPLOAD_STATUS'));
    expect(unknown.status).toBe('error');
    expect(String(unknown.message)).toMatch(/UPLOAD_STATUS/);
  });
});

describe('START', () => {
  it('when not synced: ios `error`+message, android `time_not_synchronized` bare, oak no check, spec `time_not_synchronized`+message', async () => {
    const expected: Record<Personality, [string, boolean]> = {
      ios: ['error', true],
      android: ['time_not_synchronized', false],
      oak: ['scheduled_recording_accepted', false],
      spec: ['time_not_synchronized', true],
    };
    for (const p of ['ios', 'android', 'oak', 'spec'] as const) {
      const d = await device(p, { synced: false });
      const r = await ask(d.port, command('START_RECORDING', { timestamp: Date.now() / 1000 + 30 }));
      expect([p, r.status, typeof r.message === 'string']).toEqual([p, ...expected[p]]);
      d.setSynced(true);
      if (p !== 'oak')
        expect((await ask(d.port, command('START_RECORDING', { timestamp: Date.now() / 1000 + 30 }))).status).toBe('scheduled_recording_accepted');
    }
  });

  it('reply statuses: ios always accepted, android `recording` when already, oak `command_received` for a past target, spec `recording` for a past target', async () => {
    const past = () => command('START_RECORDING', { timestamp: Date.now() / 1000 - 5 });
    const ios = await device('ios');
    expect((await ask(ios.port, past())).status).toBe('scheduled_recording_accepted');
    expect((await ask(ios.port, past())).status).toBe('scheduled_recording_accepted');
    const android = await device('android');
    expect((await ask(android.port, past())).status).toBe('scheduled_recording_accepted');
    expect((await ask(android.port, past())).status).toBe('recording');
    const oak = await device('oak');
    expect((await ask(oak.port, past())).status).toBe('command_received');
    const oak2 = await device('oak');
    expect((await ask(oak2.port, command('START_RECORDING', { timestamp: Date.now() / 1000 + 30 }))).status).toBe('scheduled_recording_accepted');
    const spec = await device('spec');
    expect((await ask(spec.port, past())).status).toBe('recording');
    const spec2 = await device('spec');
    expect((await ask(spec2.port, command('START_RECORDING', { timestamp: Date.now() / 1000 + 30 }))).status).toBe('scheduled_recording_accepted');
    expect((await ask(spec2.port, past())).status).toBe('error');
  });
});

describe('STOP', () => {
  it('when not recording: ios never replies, android bare `error`, oak/spec `error`+message', async () => {
    const ios = await device('ios');
    expect((await exchange(ios.port, command('STOP_RECORDING'), { quietMs: QUIET })).data.length).toBe(0);
    const android = await ask((await device('android')).port, command('STOP_RECORDING'));
    expect([android.status, android.message, android.fileName]).toEqual(['error', undefined, undefined]);
    for (const p of ['oak', 'spec'] as const) {
      const r = await ask((await device(p)).port, command('STOP_RECORDING'));
      expect(r.status).toBe('error');
      expect(typeof r.message).toBe('string');
    }
  });

  it('reply carries fileName/fileSize; oak says 0 (lazy packaging); names follow each app', async () => {
    const patterns: Record<Personality, RegExp> = {
      ios: /^[A-Za-z]+-[0-9A-F]{8}_\d{13}\.mov$/,
      android: /^[A-Za-z]+-[0-9A-F]{8}_\d{13}\.mp4$/,
      oak: /^video_\d{10}\.zip$/,
      spec: /^video_\d{10}\.mp4$/,
    };
    for (const p of ['ios', 'android', 'oak', 'spec'] as const) {
      const d = await device(p);
      const r = await recordOnce(d);
      expect(r.status).toBe('recording_stopped');
      expect(String(r.fileName)).toMatch(patterns[p]);
      expect(r.fileName).toBe(d.recordings[0]!.fileName);
      if (p === 'oak') expect(r.fileSize).toBe(0);
      else expect(r.fileSize).toBe(d.recordings[0]!.size);
    }
  });

  it('ios names the file by the START target, android by its receipt on the device clock', async () => {
    const ios = await device('ios', { clockOffsetMs: 7000 });
    const target = Math.floor(Date.now() / 1000) + 0.25;
    await ask(ios.port, command('START_RECORDING', { timestamp: target }));
    expect((await ask(ios.port, command('STOP_RECORDING'))).fileName).toBe(`${ios.deviceId}_${Math.round(target * 1000)}.mov`);
    const android = await device('android', { clockOffsetMs: 7000 });
    await ask(android.port, command('START_RECORDING', { timestamp: target }));
    const ms = Number(/_(\d+)\.mp4$/.exec(String((await ask(android.port, command('STOP_RECORDING'))).fileName))![1]);
    const received = android.received[0]!.trueReceivedAtMs;
    expect(Math.abs(ms - (received + 7000))).toBeLessThanOrEqual(1);
  });
});

describe('GET_VIDEO', () => {
  it('missing file: ios `error`+message, android bare `file_not_found`, oak `error` "Failed to finalize…", spec `file_not_found`+message', async () => {
    const expected: Record<Personality, [string, RegExp | undefined]> = {
      ios: ['error', /not found/],
      android: ['file_not_found', undefined],
      oak: ['error', /^Failed to finalize/],
      spec: ['file_not_found', /not found/],
    };
    for (const p of ['ios', 'android', 'oak', 'spec'] as const) {
      const d = await device(p);
      const r = await ask(d.port, command('GET_VIDEO', { fileName: 'nope.mp4', fileId: 'nope.mp4' }));
      expect(r.status).toBe(expected[p][0]);
      if (expected[p][1]) expect(String(r.message)).toMatch(expected[p][1]!);
      else expect(r.message).toBeUndefined();
    }
  });

  it('serves a path-like or hidden name as missing, never a file outside its folder', async () => {
    const d = await device('spec');
    for (const name of ['../../etc/passwd', '/etc/passwd', '.hidden', '..', 'a\u0000b']) {
      expect((await ask(d.port, command('GET_VIDEO', { fileName: name }))).status).toBe('file_not_found');
    }
  });

  it.each(['ios', 'android', 'oak', 'spec'] as const)('%s sends length + header + exact body; accepts fileId; oak deletes after sending', async (p) => {
    const d = await device(p, { fileSize: 300_000 });
    const stop = await recordOnce(d);
    const name = String(stop.fileName);
    const r = await exchange(d.port, command('GET_VIDEO', { fileId: name }), { until: frameComplete, quietMs: 5000 });
    const f = splitFrame(r.data)!;
    expect(f.header).toEqual({ deviceId: d.deviceId, fileName: name, fileSize: 300_000, status: 'ready' });
    expect(f.headerLength).toBe(Buffer.byteLength(f.headerText));
    expect(f.body.length).toBe(300_000);
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(f.body).digest('hex')).toBe(d.recordings[0]!.sha256);
    expect(r.open).toBe(true); // no close after the body: the client closes
    await waitUntil(() => (p === 'oak' ? d.files().length === 0 : true), 'oak to delete');
    const again = await exchange(d.port, command('GET_VIDEO', { fileName: name }), { until: frameComplete, quietMs: 5000 });
    if (p === 'oak') {
      expect(JSON.parse(again.data.toString())).toMatchObject({ status: 'error', message: expect.stringMatching(/^Failed to finalize/) });
    } else {
      expect(splitFrame(again.data)!.body.length).toBe(300_000);
      expect(d.files().map((x) => x.fileName)).toEqual([name]);
    }
  });
});

describe('status replies', () => {
  const statusNow = (d: SimDevice, c: string) => ask(d.port, command(c));

  it('HEARTBEAT: ios mirrors DEVICE_STATUS, android/oak `command_received`, spec `ready`', async () => {
    const ios = await device('ios');
    expect((await statusNow(ios, 'HEARTBEAT')).status).toBe('ready');
    await ask(ios.port, command('START_RECORDING'));
    expect((await statusNow(ios, 'HEARTBEAT')).status).toBe('recording');
    expect((await statusNow(ios, 'DEVICE_STATUS')).status).toBe('recording');
    expect((await statusNow(await device('android'), 'HEARTBEAT')).status).toBe('command_received');
    expect((await statusNow(await device('oak'), 'HEARTBEAT')).status).toBe('command_received');
    expect((await statusNow(await device('spec'), 'HEARTBEAT')).status).toBe('ready');
  });

  it('battery and deviceType per personality', async () => {
    const ios = await device('ios');
    expect(await statusNow(ios, 'DEVICE_STATUS')).toMatchObject({ batteryLevel: 85, deviceType: 'iOS:iPhone', uploadQueue: [], failedUploadQueue: [] });
    ios.setBattery(null);
    expect('batteryLevel' in (await statusNow(ios, 'DEVICE_STATUS'))).toBe(false);
    const android = await device('android', { battery: null });
    expect(await statusNow(android, 'DEVICE_STATUS')).toMatchObject({ batteryLevel: -1, deviceType: 'Android:Quest' });
    const oak = await device('oak');
    expect(await statusNow(oak, 'DEVICE_STATUS')).toMatchObject({ batteryLevel: null, deviceType: 'Oak' });
    const spec = await device('spec', { deviceType: 'Spec:Bench', battery: 42.5 });
    expect(await statusNow(spec, 'DEVICE_STATUS')).toMatchObject({ batteryLevel: 42.5, deviceType: 'Spec:Bench' });
  });

  it('timestamp is the device raw clock (true time + offset), in Unix seconds', async () => {
    const shift = -123_456_789; // the sim's TRUE time is not the wall clock
    const now = () => Date.now() + shift;
    const d = await device('spec', { now, clockOffsetMs: 5_000 });
    const before = now();
    const r = await statusNow(d, 'DEVICE_STATUS');
    const after = now();
    const ts = Number(r.timestamp) * 1000;
    expect(ts).toBeGreaterThanOrEqual(before + 5_000 - 1);
    expect(ts).toBeLessThanOrEqual(after + 5_000 + 1);
  });

  it('LIST_FILES lists the files (android without dates)', async () => {
    for (const p of ['ios', 'android'] as const) {
      const d = await device(p);
      await d.addFile('clip.mp4', 2000);
      const r = await ask(d.port, command('LIST_FILES'));
      const files = r.files as Record<string, unknown>[];
      expect(files).toHaveLength(1);
      expect(files[0]).toMatchObject({ fileName: 'clip.mp4', fileSize: 2000 });
      expect('creationDate' in files[0]!).toBe(p === 'ios');
    }
  });
});

describe('lifecycle', () => {
  let d: SimDevice;
  beforeAll(async () => {
    d = await startSimDevice({ personality: 'spec' });
  });
  afterAll(async () => {
    await d.stop();
  });

  it('stop() closes the port and removes its own temp folder; kill() resets open connections', async () => {
    const { existsSync } = await import('node:fs');
    const dir = d.filesDir;
    expect(existsSync(dir)).toBe(true);
    await d.stop();
    expect(existsSync(dir)).toBe(false);
    expect((await exchange(d.port, command('DEVICE_STATUS'), { quietMs: 2000 })).error).toBe('ECONNREFUSED');

    const k = await device('ios');
    const held = exchange(k.port, command('DEVICE_STATUS'), { until: () => false, quietMs: 5000 });
    await waitUntil(() => k.received.length === 1);
    await k.kill();
    const r = await held;
    expect(r.error === 'ECONNRESET' || r.ended).toBe(true);
  });
});

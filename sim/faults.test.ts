/** Every fault switch, over real loopback TCP. Time-based faults are checked by lower bounds only. */
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimDevice } from './device';
import { breakJson, cutPoint } from './faults';
import { ask, command, exchange, firstJson, frameComplete, isJsonObject, splitFrame } from './client.testing';
import type { Fault, Personality, SimDevice, SimDeviceOptions } from './types';

const SIZE = 200_000;
const started: SimDevice[] = [];
async function device(faults: Fault[], personality: Personality = 'spec', extra: Partial<SimDeviceOptions> = {}): Promise<SimDevice> {
  const d = await startSimDevice({ personality, faults, ...extra });
  started.push(d);
  await d.addFile('clip.mp4', SIZE);
  return d;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((d) => d.stop()));
});
const getVideo = (d: SimDevice, quietMs = 3000) => exchange(d.port, command('GET_VIDEO', { fileName: 'clip.mp4' }), { until: frameComplete, quietMs });

/** Arrival time of each byte range, to find a pause. */
function timedExchange(port: number, payload: unknown, complete: (data: Buffer) => boolean): Promise<{ at: number; end: number }[]> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    const arrivals: { at: number; end: number }[] = [];
    let got = 0;
    const chunks: Buffer[] = [];
    s.on('connect', () => s.write(JSON.stringify(payload)));
    s.on('data', (c: Buffer) => {
      got += c.length;
      chunks.push(c);
      arrivals.push({ at: performance.now(), end: got });
      if (complete(Buffer.concat(chunks))) {
        s.destroy();
        resolve(arrivals);
      }
    });
    s.on('error', reject);
    s.on('end', () => reject(new Error(`closed after ${got} bytes`)));
  });
}

describe('fault helpers', () => {
  it('breakJson keeps braces balanced but is not JSON', () => {
    const t = breakJson(JSON.stringify({ deviceId: 'x', status: 'ready' }));
    expect(() => JSON.parse(t)).toThrow();
    expect(t.startsWith('{') && t.endsWith('}')).toBe(true);
    expect(cutPoint({ name: 'truncate' }, 100)).toBe(50);
    expect(cutPoint({ name: 'truncate', afterBytes: 1e9 }, 100)).toBe(100);
  });
});

describe('faults over TCP', () => {
  it('truncate: the GET_VIDEO body stops after `afterBytes`, then the device closes', async () => {
    const d = await device([{ name: 'truncate', afterBytes: 1000 }]);
    const r = await getVideo(d);
    const f = splitFrame(r.data)!;
    expect(f.header!.fileSize).toBe(SIZE);
    expect(f.body.length).toBe(1000);
    expect(r.ended).toBe(true);
    // Other commands are untouched unless listed.
    expect((await ask(d.port, command('DEVICE_STATUS'))).status).toBe('ready');
  });

  it('truncate can cut a JSON reply when the command is listed', async () => {
    const d = await device([{ name: 'truncate', afterBytes: 12, commands: ['DEVICE_STATUS'] }]);
    const r = await exchange(d.port, command('DEVICE_STATUS'), { quietMs: 3000 });
    expect(r.data.toString()).toBe(`{"deviceId":`);
    expect(r.ended).toBe(true);
  });

  it('stall: the body pauses for `seconds` at `afterBytes`, then completes', async () => {
    const d = await device([{ name: 'stall', afterBytes: 5000, seconds: 0.6 }]);
    const header = JSON.stringify({ deviceId: d.deviceId, fileName: 'clip.mp4', fileSize: SIZE, status: 'ready' });
    const total = 4 + Buffer.byteLength(header) + SIZE;
    const arrivals = await timedExchange(d.port, command('GET_VIDEO', { fileName: 'clip.mp4' }), (b) => b.length >= total);
    const cut = 4 + Buffer.byteLength(header) + 5000;
    const before = arrivals.filter((a) => a.end <= cut).at(-1)!;
    const after = arrivals.find((a) => a.end > cut)!;
    expect(before.end).toBe(cut);
    expect(after.at - before.at).toBeGreaterThanOrEqual(550);
    expect(arrivals.at(-1)!.end).toBe(total);
  });

  it('stall mid-reply: half a JSON reply, a pause, then the rest', async () => {
    const d = await device([{ name: 'stall', seconds: 0.5, commands: ['HEARTBEAT'] }]);
    let size = 0;
    const arrivals = await timedExchange(d.port, command('HEARTBEAT'), (b) => {
      size = b.length;
      return isJsonObject(b);
    });
    expect(arrivals.length).toBeGreaterThanOrEqual(2);
    expect(arrivals[0]!.end).toBe(Math.floor(size / 2));
    expect(arrivals[1]!.at - arrivals[0]!.at).toBeGreaterThanOrEqual(450);
  });

  it('malformed-json: replies and GET_VIDEO headers are brace-balanced non-JSON', async () => {
    const d = await device([{ name: 'malformed-json' }]);
    const r = await exchange(d.port, command('DEVICE_STATUS'), { until: (b) => b.toString().endsWith('}'), quietMs: 3000 });
    expect(r.data.toString().startsWith('{')).toBe(true);
    expect(firstJson(r.data)).toBeNull();
    const v = await exchange(d.port, command('GET_VIDEO', { fileName: 'clip.mp4' }), { until: (b) => b.length >= 4 + SIZE + 20, quietMs: 1000 });
    const f = splitFrame(v.data)!;
    expect(f.header).toBeNull();
    expect(f.headerText.startsWith('{"deviceId"')).toBe(true);
  });

  it('oversized-header: the length field is 0xFFFFFFFF (or the given length)', async () => {
    const d = await device([{ name: 'oversized-header' }]);
    const r = await exchange(d.port, command('GET_VIDEO', { fileName: 'clip.mp4' }), { until: (b) => b.length > 4, quietMs: 1000 });
    expect(r.data.readUInt32BE(0)).toBe(0xffffffff);
    d.setFaults([{ name: 'oversized-header', headerLength: 70_000 }]);
    const r2 = await exchange(d.port, command('GET_VIDEO', { fileName: 'clip.mp4' }), { until: (b) => b.length > 4, quietMs: 1000 });
    expect(r2.data.readUInt32BE(0)).toBe(70_000);
  });

  it.each(['../../x', '/etc/passwd', 'C:\\x', 'evil\u0000name\u001b.mp4'])('path-filename: the header claims %j, the body is the real file', async (name) => {
    const d = await device([{ name: 'path-filename', ...(name === '../../x' ? {} : { fileName: name }) }]);
    const f = splitFrame((await getVideo(d)).data)!;
    expect(f.header!.fileName).toBe(name);
    expect(f.body.length).toBe(SIZE);
  });

  it('path-filename on STOP_RECORDING when listed', async () => {
    const d = await device([{ name: 'path-filename', fileName: '/etc/passwd', commands: ['STOP_RECORDING'] }]);
    await ask(d.port, command('START_RECORDING', { timestamp: 0 }));
    expect((await ask(d.port, command('STOP_RECORDING'))).fileName).toBe('/etc/passwd');
  });

  it.each([-5, 12.5, SIZE + 1000])('wrong-filesize: the header and STOP claim %s, the body is the real size', async (size) => {
    const d = await device([{ name: 'wrong-filesize', fileSize: size }]);
    const r = await exchange(d.port, command('GET_VIDEO', { fileName: 'clip.mp4' }), {
      until: (b) => (splitFrame(b)?.body.length ?? 0) >= SIZE,
      quietMs: 1000,
    });
    const f = splitFrame(r.data)!;
    expect(f.header!.fileSize).toBe(size);
    expect(f.body.length).toBe(SIZE);
    await ask(d.port, command('START_RECORDING', { timestamp: 0 }));
    expect((await ask(d.port, command('STOP_RECORDING'))).fileSize).toBe(size);
  });

  it('wrong-filesize without a value claims 1000 bytes more than it sends', async () => {
    const d = await device([{ name: 'wrong-filesize' }]);
    const r = await exchange(d.port, command('GET_VIDEO', { fileName: 'clip.mp4' }), {
      until: (b) => (splitFrame(b)?.body.length ?? 0) >= SIZE,
      quietMs: 1000,
    });
    expect(splitFrame(r.data)!.header!.fileSize).toBe(SIZE + 1000);
  });

  it('reset: RST in the middle of a reply and of a body', async () => {
    const d = await device([
      { name: 'reset', afterBytes: 10, commands: ['DEVICE_STATUS'] },
      { name: 'reset', afterBytes: 1000, commands: ['GET_VIDEO'] },
    ]);
    const r = await exchange(d.port, command('DEVICE_STATUS'), { quietMs: 3000 });
    expect(r.error).toBe('ECONNRESET');
    expect(r.data.length).toBeLessThanOrEqual(10);
    const v = await getVideo(d);
    expect(v.error).toBe('ECONNRESET');
    expect(splitFrame(v.data)?.body.length ?? 0).toBeLessThanOrEqual(1000);
  });

  it('refuse: connections are refused until the fault is lifted, then served on the same port', async () => {
    const d = await device([{ name: 'refuse' }]);
    const port = d.port;
    expect(port).toBeGreaterThan(0);
    expect((await exchange(port, command('DEVICE_STATUS'), { quietMs: 2000 })).error).toBe('ECONNREFUSED');
    d.setFaults([]);
    let ok: Record<string, unknown> | null = null;
    for (let i = 0; i < 50 && !ok; i++) ok = await ask(port, command('DEVICE_STATUS')).catch(() => null);
    expect(ok?.status).toBe('ready');
    d.setFaults([{ name: 'refuse' }]);
    let refused = false;
    for (let i = 0; i < 50 && !refused; i++) refused = (await exchange(port, command('DEVICE_STATUS'), { quietMs: 2000 })).error === 'ECONNREFUSED';
    expect(refused).toBe(true);
  });

  it('slow: the reply comes after `seconds`; `commands` limits it', async () => {
    const d = await device([
      { name: 'slow', seconds: 0.5, commands: ['HEARTBEAT'] },
      { name: 'slow', seconds: 60, commands: ['LIST_FILES'] },
    ]);
    const t0 = performance.now();
    expect((await ask(d.port, command('HEARTBEAT'))).status).toBe('ready');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(450);
    // DEVICE_STATUS is not listed: it answers although a 60 s fault exists for LIST_FILES.
    expect((await ask(d.port, command('DEVICE_STATUS'), { quietMs: 5000 })).status).toBe('ready');
  });

  it('faults apply per device and to any personality (android GET_VIDEO truncated)', async () => {
    const bad = await device([{ name: 'truncate', afterBytes: 10 }], 'android');
    const good = await device([], 'android');
    expect(splitFrame((await getVideo(bad)).data)!.body.length).toBe(10);
    expect(splitFrame((await getVideo(good)).data)!.body.length).toBe(SIZE);
  });
});

import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProtocolError, deviceStatus, getVideo, heartbeat, startRecording, stopRecording } from '../../../src-shared/protocol';
import { prepareConnection, send, writeBatch } from './index';
import { delay, refusedPort, startServer, writeBytewise, type Handler, type TestServer } from './servers.testing';

const servers: TestServer[] = [];
async function serve(handler: Handler): Promise<TestServer> {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const READY = { deviceId: 'dev-1', status: 'ready', timestamp: 1729000000.5, batteryLevel: 85.5, uploadQueue: [], failedUploadQueue: [] };
const FAST = { tries: 1, replyTimeoutMs: 2_000, connectTimeoutMs: 2_000 };

/** The rejection of `p`, which must be a ProtocolError. */
async function failure(p: Promise<unknown>): Promise<ProtocolError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProtocolError);
  return e as ProtocolError;
}

describe('send: replies', () => {
  it('reads the first complete object from a device that never closes, then closes itself', async () => {
    let closedByClient!: () => void;
    const clientClosed = new Promise<void>((r) => (closedByClient = r));
    const server = await serve((socket) => {
      socket.on('end', () => closedByClient());
      socket.on('close', () => closedByClient());
      // Coalesced: the reply and trailing garbage in one write, and no close (iPhone app).
      socket.write(`${JSON.stringify(READY)}{"more":`);
    });
    let t = 1000;
    const r = await send(server.address, deviceStatus(), { ...FAST, now: () => (t += 5) });
    expect(r.reply.status).toBe('ready');
    expect(r.reply.deviceId).toBe('dev-1');
    expect(r.reply.batteryLevel).toBe(85.5);
    expect(r.attempts).toBe(1);
    expect(r.sentAt).toBe(1005);
    expect(r.receivedAt).toBe(1010);
    await clientClosed; // the client closed; the device did not
    const cmd = server.commands[0]!;
    expect(cmd.command).toBe('DEVICE_STATUS');
    expect(typeof cmd.timestamp).toBe('number');
    expect(cmd.deviceId).toBe('controller');
  });

  it('handles a reply split one byte per write, with exponent numbers and escapes', async () => {
    const raw = '{"deviceId":"a\\/b","status":"Command received","timestamp":1.7290000005e9,"message":"x \\u0026 y","batteryLevel":null}';
    const server = await serve((socket) => void writeBytewise(socket, Buffer.from(raw)));
    const r = await send(server.address, heartbeat(), FAST);
    expect(r.reply.deviceId).toBe('a/b');
    expect(r.reply.status).toBe('command_received');
    expect(r.reply.timestamp).toBe(1729000000.5);
    expect(r.reply.message).toBe('x & y');
    expect(r.reply.batteryLevel).toBeNull();
    expect(r.receivedAt).toBeGreaterThanOrEqual(r.sentAt);
  });

  it('returns device failures as replies and never retries them', async () => {
    const server = await serve((socket) => socket.end(JSON.stringify({ status: 'time_not_synchronized', message: 'no NTP' })));
    const r = await send(server.address, startRecording(Date.now() / 1000 + 3), { tries: 3, backoffMs: [1, 1] });
    expect(r.reply.status).toBe('time_not_synchronized');
    expect(r.reply.message).toBe('no NTP');
    expect(server.connections).toBe(1);
  });

  it('sends the command in one write, compact, with fileName and fileId', async () => {
    const server = await serve((socket) => socket.write(JSON.stringify({ status: 'file_not_found' })));
    const r = await send(server.address, getVideo('video_1.mp4'), FAST);
    expect(r.reply.status).toBe('file_not_found');
    expect(server.commands[0]).toMatchObject({ command: 'GET_VIDEO', fileName: 'video_1.mp4', fileId: 'video_1.mp4' });
  });
});

describe('send: bad replies end in typed errors, not retried', () => {
  const cases: Array<[string, string | Buffer, string]> = [
    ['malformed JSON', '{"status": ready}', 'malformed_json'],
    ['not a JSON object', 'HTTP/1.1 400 Bad Request\r\n\r\n', 'not_json_object'],
    ['wrong-typed field', JSON.stringify({ status: 'ready', batteryLevel: 'high' }), 'invalid_reply'],
    ['missing status', JSON.stringify({ deviceId: 'x' }), 'invalid_reply'],
    ['invalid UTF-8', Buffer.concat([Buffer.from('{"status":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), 'invalid_utf8'],
    ['a reply over the 1 MiB cap', `{"status":"ready","pad":"${'x'.repeat(1024 * 1024 + 10)}`, 'reply_too_large'],
    // Large replies are decoded off the event loop: the same errors come back from there.
    ['large malformed JSON', `{"status":"ready","pad":"${'x'.repeat(200_000)}", oops}`, 'malformed_json'],
    [
      'large invalid UTF-8',
      // In the part of the string that is kept: a long string's tail past what bound.ts keeps is
      // read past while framing, never decoded (framer maxStringBytes).
      Buffer.concat([Buffer.from(`{"status":"ready","pad":"x`), Buffer.from([0xff]), Buffer.from(`${'x'.repeat(200_000)}"}`)]),
      'invalid_utf8',
    ],
  ];
  for (const [what, payload, code] of cases) {
    it(`${what} → ${code}`, async () => {
      const server = await serve((socket) => socket.write(payload));
      const e = await failure(send(server.address, deviceStatus(), { tries: 3, backoffMs: [1, 1] }));
      expect(e.code).toBe(code);
      expect(e.retryable).toBe(false);
      expect(e.message).toContain(`DEVICE_STATUS to 127.0.0.1:${server.address.port}`);
      expect(server.connections).toBe(1);
    });
  }

  it('a ~1 MiB reply (decoded off the event loop) arrives bounded, even when the device closes at once', async () => {
    const huge = '<X-Amz-Signature>X-Amz-'.repeat(40_000);
    const server = await serve((socket) => socket.end(JSON.stringify({ status: 'Recording', message: huge, fileName: 'a.mp4' })));
    const r = await send(server.address, deviceStatus(), FAST);
    expect(r.reply.status).toBe('recording');
    expect(r.reply.fileName).toBe('a.mp4');
    expect(r.reply.message!.length).toBeLessThanOrEqual(4097);
    expect(r.reply.message!.startsWith('<X-Amz-Signature>X-Amz-')).toBe(true);
  });

  it('a wrong-typed field names the field and carries the reply', async () => {
    const server = await serve((socket) => socket.write(JSON.stringify({ status: 'ready', fileSize: -5 })));
    const e = await failure(send(server.address, stopRecording(), FAST));
    expect(e.code).toBe('invalid_reply');
    expect(e.message).toContain('fileSize');
    expect(e.reply).toEqual({ status: 'ready', fileSize: -5 });
  });

  it('a reply that never completes → reply_timeout', async () => {
    const server = await serve((socket) => socket.write('{"status":"ready",'));
    const e = await failure(send(server.address, deviceStatus(), { tries: 1, replyTimeoutMs: 150 }));
    expect(e.code).toBe('reply_timeout');
    expect(e.message).toMatch(/DEVICE_STATUS to 127\.0\.0\.1:\d+: no complete reply within 150 ms \(18 bytes received\)/);
  });

  it('a close before the reply completes → closed_early', async () => {
    const server = await serve((socket) => socket.end('{"status":'));
    const e = await failure(send(server.address, deviceStatus(), { tries: 3, backoffMs: [1, 1] }));
    expect(e.code).toBe('closed_early');
    expect(server.connections).toBe(1);
  });

  it('a reset after reply bytes → connection_reset, not retried', async () => {
    const server = await serve((socket) => {
      socket.write('{"status":"rea', () => setTimeout(() => socket.resetAndDestroy(), 20));
    });
    const e = await failure(send(server.address, deviceStatus(), { tries: 3, backoffMs: [1, 1] }));
    expect(e.code).toBe('connection_reset');
    expect(e.retryable).toBe(false);
    expect(server.connections).toBe(1);
  });

  it('a command over 4 KiB is refused before connecting', async () => {
    const server = await serve(() => {});
    const e = await failure(send(server.address, getVideo('v'.repeat(5000)), FAST));
    expect(e.code).toBe('command_too_large');
    expect(server.connections).toBe(0);
  });

  it('an invalid address is a typed error', async () => {
    const e = await failure(send({ host: '127.0.0.1', port: 70000 }, deviceStatus(), FAST));
    expect(e.code).toBe('network_error');
    expect(e.message).toContain('invalid device address');
  });
});

describe('send: retry policy', () => {
  it('retries a refused connection exactly 3 times with the backoff between tries', async () => {
    const port = await refusedPort();
    const connectAt: number[] = [];
    const real = net.connect;
    vi.spyOn(net, 'connect').mockImplementation(((...args: Parameters<typeof net.connect>) => {
      connectAt.push(performance.now());
      return real(...args);
    }) as typeof net.connect);
    const e = await failure(send({ host: '127.0.0.1', port }, deviceStatus(), { backoffMs: [40, 80] }));
    expect(e.code).toBe('connection_refused');
    expect(e.message).toContain(`DEVICE_STATUS to 127.0.0.1:${port} (attempt 3 of 3): connection refused`);
    expect(connectAt).toHaveLength(3);
    // Lower bounds only: a sleep can run late on a busy machine, never early.
    expect(connectAt[1]! - connectAt[0]!).toBeGreaterThanOrEqual(38);
    expect(connectAt[2]! - connectAt[1]!).toBeGreaterThanOrEqual(78);
  });

  it('succeeds on a later try and reports the attempt count', async () => {
    const server = await serve((socket, _cmd) => {
      if (server.connections < 3)
        socket.resetAndDestroy(); // reset before any reply byte
      else socket.write(JSON.stringify(READY));
    });
    const r = await send(server.address, heartbeat(), { backoffMs: [1, 1] });
    expect(r.attempts).toBe(3);
    expect(server.connections).toBe(3);
  });

  it('does NOT retry a START reply timeout (the device may have acted on it)', async () => {
    const server = await serve(() => {}); // reads the command, never answers
    const e = await failure(send(server.address, startRecording(Date.now() / 1000 + 3), { replyTimeoutMs: 100, backoffMs: [1, 1] }));
    expect(e.code).toBe('reply_timeout');
    expect(e.message).toContain('START_RECORDING');
    expect(server.connections).toBe(1);
  });

  it('does NOT retry START/STOP/UPLOAD after a reset that followed the write (the device may have acted on it)', async () => {
    // The device read the command, then the connection reset before any reply byte.
    const server = await serve((socket) => socket.resetAndDestroy());
    for (const cmd of [startRecording(Date.now() / 1000 + 3), stopRecording()]) {
      const before = server.connections;
      const e = await failure(send(server.address, cmd, { backoffMs: [1, 1] }));
      expect(e.code).toBe('connection_reset');
      expect(e.retryable).toBe(false);
      expect(server.connections - before).toBe(1);
    }
    // An idempotent status query is still retried under the protocol policy.
    const before = server.connections;
    await failure(send(server.address, deviceStatus(), { backoffMs: [1, 1] }));
    expect(server.connections - before).toBe(3);
  });

  it('does NOT retry a STOP reply timeout either, but does retry DEVICE_STATUS', async () => {
    const server = await serve(() => {});
    await failure(send(server.address, stopRecording(), { replyTimeoutMs: 100, backoffMs: [1, 1] }));
    expect(server.connections).toBe(1);
    const e = await failure(send(server.address, deviceStatus(), { replyTimeoutMs: 100, backoffMs: [1, 1] }));
    expect(e.code).toBe('reply_timeout');
    expect(server.connections).toBe(4);
  });

  it('uses STOP ≥ 90 s by default (the Android app trims for up to 60 s)', async () => {
    const { REPLY_TIMEOUT_MS } = await import('../../../src-shared/protocol');
    expect(REPLY_TIMEOUT_MS.STOP_RECORDING).toBeGreaterThanOrEqual(90_000);
  });
});

describe('send: abort', () => {
  it('aborting during a backoff sleep ends promptly with code aborted', async () => {
    const port = await refusedPort();
    const ac = new AbortController();
    const spy = vi.spyOn(net, 'connect');
    const p = send({ host: '127.0.0.1', port }, deviceStatus(), { backoffMs: [60_000], signal: ac.signal });
    while (spy.mock.calls.length < 1) await delay(5);
    await delay(30); // let the refusal arrive: we are now sleeping 60 s
    ac.abort();
    const e = await failure(p);
    expect(e.code).toBe('aborted');
    expect(e.message).toContain('while waiting to retry');
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('aborting while waiting for the reply closes the connection', async () => {
    let serverSawClose!: () => void;
    const closed = new Promise<void>((r) => (serverSawClose = r));
    const server = await serve((socket) => socket.on('close', () => serverSawClose()));
    const ac = new AbortController();
    const p = send(server.address, startRecording(0), { signal: ac.signal, replyTimeoutMs: 60_000 });
    while (server.commands.length === 0) await delay(5);
    ac.abort();
    const e = await failure(p);
    expect(e.code).toBe('aborted');
    await closed;
  });

  it('an already-aborted signal never connects', async () => {
    const server = await serve(() => {});
    const e = await failure(send(server.address, deviceStatus(), { signal: AbortSignal.abort() }));
    expect(e.code).toBe('aborted');
    expect(server.connections).toBe(0);
  });
});

describe('send: connect timeout and listener hygiene', () => {
  it('a connection that never completes → connect_timeout, retried, each socket destroyed', async () => {
    // A socket that is never connected stands in for a device that drops SYNs (no loopback way to do that).
    const made: net.Socket[] = [];
    vi.spyOn(net, 'connect').mockImplementation((() => {
      const s = new net.Socket();
      made.push(s);
      return s;
    }) as unknown as typeof net.connect);
    const e = await failure(send({ host: '127.0.0.1', port: 9 }, heartbeat(), { connectTimeoutMs: 50, backoffMs: [1, 1] }));
    expect(e.code).toBe('connect_timeout');
    expect(e.message).toContain('HEARTBEAT to 127.0.0.1:9 (attempt 3 of 3): no connection within 50 ms');
    expect(made).toHaveLength(3);
    expect(made.every((s) => s.destroyed)).toBe(true);
  });

  it('a long-lived AbortSignal collects no listeners across many sends', async () => {
    const { EventEmitter } = await import('node:events');
    const server = await serve((socket, cmd) => {
      if (cmd.command === 'HEARTBEAT') socket.write(JSON.stringify(READY));
      else socket.write('{"status":'); // DEVICE_STATUS: incomplete → reply timeout
    });
    const ac = new AbortController();
    for (let i = 0; i < 15; i++) await send(server.address, heartbeat(), { signal: ac.signal });
    await failure(send(server.address, deviceStatus(), { signal: ac.signal, replyTimeoutMs: 50, backoffMs: [1, 1] }));
    await failure(send({ host: '127.0.0.1', port: await refusedPort() }, heartbeat(), { signal: ac.signal, backoffMs: [1, 1] }));
    expect(EventEmitter.getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
});

describe('prepareConnection: START connections opened ahead', () => {
  /** A device that answers READY to each command; records when each connection opened and what arrived on it. */
  async function device(opts: { closeIdleAfterMs?: number } = {}) {
    const conns: Array<{ openedAt: number; data: string; closedByClient: boolean }> = [];
    const server = net.createServer((socket) => {
      const c = { openedAt: performance.now(), data: '', closedByClient: false };
      conns.push(c);
      socket.on('error', () => {});
      socket.on('end', () => (c.closedByClient = true));
      socket.on('data', (b) => {
        c.data += b.toString();
        socket.write(JSON.stringify({ ...READY, status: 'command_received' }));
      });
      if (opts.closeIdleAfterMs !== undefined) setTimeout(() => c.data === '' && socket.end(), opts.closeIdleAfterMs);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port };
    servers.push({ close: () => new Promise<void>((r) => server.close(() => r())) } as TestServer);
    return { address, conns };
  }

  it('the command goes out on the connection opened before send() was called: no connect in the send', async () => {
    const { address, conns } = await device();
    const conn = prepareConnection(address);
    while (conns.length === 0) await delay(5);
    await delay(50);
    const calledAt = performance.now();
    const r = await send(address, startRecording(1729000003), { ...FAST, connection: conn });
    expect(r.reply.status).toBe('command_received');
    expect(conns).toHaveLength(1); // no second connection
    expect(conns[0]!.openedAt).toBeLessThan(calledAt);
    expect(JSON.parse(conns[0]!.data)).toMatchObject({ command: 'START_RECORDING' });
    expect(await conn.take()).toBeNull(); // used once only
  });

  it('a fan-out over open prepared connections writes every command within its send() call, in one loop', async () => {
    const { address, conns } = await device();
    const prepared = Array.from({ length: 8 }, () => prepareConnection(address));
    while (conns.length < prepared.length) await delay(5);
    await delay(50);
    // `now` stamps sentAt just before each write: all 8 stamped before the loop returns means no
    // command waited on another device's promise chain.
    let stamped = 0;
    const now = () => {
      stamped++;
      return Date.now();
    };
    const replies = prepared.map((connection) => send(address, startRecording(1729000003), { ...FAST, connection, now }));
    expect(stamped).toBe(prepared.length);
    for (const r of await Promise.all(replies)) expect(r.reply.status).toBe('command_received');
    expect(conns).toHaveLength(prepared.length); // each on its own pre-opened connection
    for (const c of conns) expect(JSON.parse(c.data)).toMatchObject({ command: 'START_RECORDING' });
  });

  it('with a write batch, every exchange is set up first and flush() writes all the commands in one loop', async () => {
    const { address, conns } = await device();
    const prepared = Array.from({ length: 8 }, () => prepareConnection(address));
    while (conns.length < prepared.length) await delay(5);
    await delay(50);
    let stamped = 0;
    const now = () => {
      stamped++;
      return Date.now();
    };
    const batch = writeBatch();
    const replies = prepared.map((connection) => send(address, startRecording(1729000003), { ...FAST, connection, now, batch }));
    expect(stamped).toBe(0); // set up, nothing written yet
    batch.flush();
    expect(stamped).toBe(prepared.length);
    for (const r of await Promise.all(replies)) expect(r.reply.status).toBe('command_received');
    // A send that joins after the flush (its connection was not ready) is written at once.
    const late = await send(address, startRecording(1729000003), { ...FAST, batch });
    expect(late.reply.status).toBe('command_received');
    expect(conns).toHaveLength(prepared.length + 1);
  });

  it('a connection the device closed while idle is dropped: send connects afresh (nothing was sent on it)', async () => {
    const { address, conns } = await device({ closeIdleAfterMs: 20 });
    const conn = prepareConnection(address);
    await delay(150);
    const r = await send(address, startRecording(1729000003), { ...FAST, connection: conn });
    expect(r.reply.status).toBe('command_received');
    expect(conns).toHaveLength(2);
    expect(conns[0]!.data).toBe('');
    expect(JSON.parse(conns[1]!.data)).toMatchObject({ command: 'START_RECORDING' });
  });

  it('unused, close() hangs up without sending a byte; a refused one makes send connect itself', async () => {
    const { address, conns } = await device();
    const conn = prepareConnection(address);
    while (conns.length === 0) await delay(5);
    conn.close();
    while (!conns[0]!.closedByClient) await delay(5);
    expect(conns[0]!.data).toBe('');
    expect(await conn.take()).toBeNull();

    const port = await refusedPort();
    const refused = prepareConnection({ host: '127.0.0.1', port });
    expect(await refused.take()).toBeNull();
    const e = await failure(
      send({ host: '127.0.0.1', port }, startRecording(1729000003), { ...FAST, connection: prepareConnection({ host: '127.0.0.1', port }) }),
    );
    expect(e.code).toBe('connection_refused');
  });

  it('an unused connection closes itself after idleMs', async () => {
    const { address, conns } = await device();
    prepareConnection(address, { idleMs: 50 });
    while (conns.length === 0) await delay(5);
    while (!conns[0]!.closedByClient) await delay(5); // (never closing = the test's timeout)
    expect(conns[0]!.data).toBe('');
  });
});

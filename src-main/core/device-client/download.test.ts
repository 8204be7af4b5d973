import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src-shared/protocol';
import { stopHashWorker } from './hash-off-thread';
import { DownloadError, download, type DownloadOptions, type DownloadProgress } from './index';
import { delay, frameHead, refusedPort, startServer, writeAsync, writeBytewise, type Handler, type TestServer } from './servers.testing';

let root: string; // the parent: must only ever contain `take`
let dest: string;
const servers: TestServer[] = [];

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'device-client-'));
  dest = path.join(root, 'take');
  await fs.mkdir(dest);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await fs.rm(root, { recursive: true, force: true });
});

async function serve(handler: Handler): Promise<TestServer> {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const SHORT: DownloadOptions = { tries: 1, headerTimeoutMs: 5_000, stallTimeoutMs: 5_000 };

/** What is in the take folder (and proof nothing was written next to it). */
async function listing(): Promise<string[]> {
  expect(await fs.readdir(root)).toEqual(['take']);
  return (await fs.readdir(dest)).sort();
}

async function failure(p: Promise<unknown>): Promise<DownloadError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DownloadError);
  expect(e).toBeInstanceOf(ProtocolError);
  return e as DownloadError;
}

/** Serve a success frame: header + body, never closing (like every device). */
function frameServer(body: Buffer, header: Record<string, unknown> = {}): Handler {
  return (socket) => {
    socket.write(Buffer.concat([frameHead({ deviceId: 'd', fileName: 'video.mp4', fileSize: body.length, status: 'ready', ...header }), body]));
  };
}

describe('download: success', () => {
  it('writes the verified file under the final name and hashes it', async () => {
    const body = randomBytes(300_000);
    const server = await serve(frameServer(body));
    const seen: DownloadProgress[] = [];
    const r = await download(server.address, 'video.mp4', dest, { ...SHORT, onProgress: (p) => seen.push(p) });
    expect(r.path).toBe(path.join(dest, 'video.mp4'));
    expect(r.bytes).toBe(body.length);
    expect(r.sha256).toBe(sha256(body));
    expect(r.header).toMatchObject({ fileSize: body.length, fileName: 'video.mp4', deviceId: 'd' });
    expect(await fs.readFile(r.path)).toEqual(body);
    expect(await listing()).toEqual(['video.mp4']);
    expect(seen.at(-1)).toMatchObject({ bytes: body.length, total: body.length, etaSeconds: 0 });
    expect(server.commands[0]).toMatchObject({ command: 'GET_VIDEO', fileName: 'video.mp4', fileId: 'video.mp4', deviceId: 'controller' });
  });

  it('leaves no listener on a long-lived AbortSignal, success or failure', async () => {
    const { EventEmitter } = await import('node:events');
    const ok = await serve(frameServer(Buffer.from('abc')));
    const bad = await serve((socket) => socket.write(JSON.stringify({ status: 'file_not_found' })));
    const ac = new AbortController();
    for (let i = 0; i < 12; i++) await download(ok.address, 'v.mp4', dest, { ...SHORT, signal: ac.signal, localName: `v${i}.mp4` });
    await failure(download(bad.address, 'x.mp4', dest, { ...SHORT, signal: ac.signal }));
    expect(EventEmitter.getEventListeners(ac.signal, 'abort')).toHaveLength(0);
    expect(await listing()).toHaveLength(12);
  });

  it('handles a frame head split one byte per write', async () => {
    const body = Buffer.from('hello body');
    const server = await serve((socket) => {
      void (async () => {
        await writeBytewise(socket, frameHead({ fileName: 'a.mp4', fileSize: body.length }));
        socket.write(body);
      })();
    });
    const r = await download(server.address, 'a.mp4', dest, SHORT);
    expect(await fs.readFile(r.path, 'utf8')).toBe('hello body');
  });

  it('a zero-byte file is a valid, empty file', async () => {
    const server = await serve(frameServer(Buffer.alloc(0)));
    const r = await download(server.address, 'empty.mp4', dest, SHORT);
    expect(r.bytes).toBe(0);
    expect(r.sha256).toBe(sha256(Buffer.alloc(0)));
    expect(await listing()).toEqual(['empty.mp4']);
  });

  it('throttles progress: a clock that never advances gives only the final callback', async () => {
    const body = randomBytes(2_000_000);
    const server = await serve(frameServer(body));
    const seen: DownloadProgress[] = [];
    await download(server.address, 'v.mp4', dest, { ...SHORT, now: () => 5, onProgress: (p) => seen.push(p) });
    expect(seen).toEqual([{ bytes: body.length, total: body.length, rateBps: 0, etaSeconds: 0 }]);
  });

  it('streams 50 MB to disk progressively (the .part grows before the transfer ends) with the right SHA-256', async () => {
    const size = 50 * 1024 * 1024;
    const body = randomBytes(size);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let firstHalfSent = false;
    const server = await serve(async (socket) => {
      await writeAsync(socket, frameHead({ fileName: 'big.mp4', fileSize: size }));
      await writeAsync(socket, body.subarray(0, size / 2));
      firstHalfSent = true;
      await released; // hold the rest until the test has seen bytes on disk
      await writeAsync(socket, body.subarray(size / 2));
    });
    const p = download(server.address, 'big.mp4', dest, SHORT);
    const part = path.join(dest, 'big.mp4.part');
    let seenOnDisk = 0;
    while (seenOnDisk === 0) {
      await delay(10);
      seenOnDisk = await fs.stat(part).then(
        (s) => s.size,
        () => 0,
      );
    }
    expect(seenOnDisk).toBeGreaterThan(0);
    expect(seenOnDisk).toBeLessThanOrEqual(size / 2);
    expect(await fs.stat(path.join(dest, 'big.mp4')).catch(() => null)).toBeNull();
    while (!firstHalfSent) await delay(10);
    release();
    const r = await p;
    expect(r.bytes).toBe(size);
    expect(r.sha256).toBe(sha256(body));
    expect((await fs.stat(r.path)).size).toBe(size);
    expect(await listing()).toEqual(['big.mp4']);
  });
});

describe('download: the local name is the controller’s, never the device’s', () => {
  const hostile = ['../../evil', '/etc/passwd', 'C:\\evil', '..\\..\\evil.mp4', 'a\u0000b\u0007.mp4', '..', ''];
  for (const headerName of hostile) {
    it(`ignores header fileName ${JSON.stringify(headerName)}`, async () => {
      const server = await serve(frameServer(Buffer.from('data'), { fileName: headerName }));
      const r = await download(server.address, 'video_1.mp4', dest, SHORT);
      expect(r.path).toBe(path.join(dest, 'video_1.mp4'));
      expect(await listing()).toEqual(['video_1.mp4']);
    });
  }

  it.each([
    ['../../evil', 'evil'],
    ['/etc/passwd', 'passwd'],
    ['C:\\evil', 'evil'],
    ['x\u0000\u001b.mov', 'x.mov'],
  ])('sanitises a requested name %j to %j', async (requested, local) => {
    const server = await serve(frameServer(Buffer.from('data')));
    const r = await download(server.address, requested, dest, SHORT);
    expect(r.path).toBe(path.join(dest, local));
    expect(server.commands[0]!.fileName).toBe(requested); // the device still gets its own name
    expect(await listing()).toEqual([local]);
  });

  it('sanitises localName too', async () => {
    const server = await serve(frameServer(Buffer.from('data')));
    const r = await download(server.address, 'video.mp4', dest, { ...SHORT, localName: '../cam1/take.mp4' });
    expect(r.path).toBe(path.join(dest, 'take.mp4'));
    expect(await listing()).toEqual(['take.mp4']);
  });
});

describe('download: failures leave nothing under the final name', () => {
  it('an error object instead of a frame → device_error with the reply, no file', async () => {
    const server = await serve((socket) => socket.write(JSON.stringify({ deviceId: 'd', status: 'file_not_found', message: 'File x.mp4 not found' })));
    const e = await failure(download(server.address, 'x.mp4', dest, SHORT));
    expect(e.code).toBe('device_error');
    expect((e.reply as { status: string }).status).toBe('file_not_found');
    expect(e.message).toContain(`GET_VIDEO "x.mp4" from 127.0.0.1:${server.address.port}: device answered file_not_found: File x.mp4 not found`);
    expect(e.bytesReceived).toBe(0);
    expect(e.partialPath).toBeUndefined();
    expect(await listing()).toEqual([]);
  });

  it('an error reply split one byte per write is still understood', async () => {
    const server = await serve((socket) => void writeBytewise(socket, Buffer.from(' {"status":"error","message":"Failed to finalize"}')));
    const e = await failure(download(server.address, 'x.zip', dest, SHORT));
    expect(e.code).toBe('device_error');
    expect((e.reply as { message: string }).message).toBe('Failed to finalize');
    expect(await listing()).toEqual([]);
  });

  const headerCases: Array<[string, Buffer, string]> = [
    ['header length 4 GiB (0xFFFFFFFF)', Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7b]), 'header_too_large'],
    ['header length 0', Buffer.from([0, 0, 0, 0]), 'invalid_header'],
    ['header that is not JSON', Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from('hello')]), 'invalid_header'],
    ['negative fileSize', frameHead({ fileName: 'v', fileSize: -1 }), 'invalid_file_size'],
    ['non-integer fileSize', frameHead({ fileName: 'v', fileSize: 10.5 }), 'invalid_file_size'],
    ['string fileSize', frameHead({ fileName: 'v', fileSize: '100' }), 'invalid_file_size'],
    ['unsafe fileSize', frameHead({ fileName: 'v', fileSize: 2 ** 60 }), 'invalid_file_size'],
  ];
  for (const [what, bytes, code] of headerCases) {
    it(`${what} → ${code}`, async () => {
      const server = await serve((socket) => socket.write(Buffer.concat([bytes, Buffer.alloc(100, 1)])));
      const e = await failure(download(server.address, 'v.mp4', dest, SHORT));
      expect(e.code).toBe(code);
      expect(e.bytesReceived).toBe(0);
      expect(e.expectedBytes).toBeNull();
      expect(await listing()).toEqual([]);
    });
  }

  it('no header within headerTimeoutMs → reply_timeout', async () => {
    const server = await serve((socket) => socket.write(Buffer.from([0, 0]))); // half a length, then silence
    const e = await failure(download(server.address, 'v.mp4', dest, { ...SHORT, headerTimeoutMs: 150 }));
    expect(e.code).toBe('reply_timeout');
    expect(e.message).toContain('no GET_VIDEO header within 150 ms');
    expect(await listing()).toEqual([]);
  });

  it('fileSize larger than what is sent, then close → closed_early, bytes kept at .partial', async () => {
    const body = randomBytes(4000);
    const server = await serve((socket) => socket.end(Buffer.concat([frameHead({ fileName: 'v', fileSize: 10_000 }), body])));
    const e = await failure(download(server.address, 'v.mp4', dest, SHORT));
    expect(e.code).toBe('closed_early');
    expect(e.bytesReceived).toBe(4000);
    expect(e.expectedBytes).toBe(10_000);
    expect(e.partialPath).toBe(path.join(dest, 'v.mp4.partial'));
    expect(e.message).toContain('received 4000 of 10000 bytes; kept what arrived at');
    expect(await fs.readFile(e.partialPath!)).toEqual(body);
    expect(await listing()).toEqual(['v.mp4.partial']);
  });

  it('on failure every received byte reaches the .partial (buffered writes are flushed, not dropped)', async () => {
    const body = randomBytes(3 * 1024 * 1024);
    const server = await serve((socket) => socket.end(Buffer.concat([frameHead({ fileName: 'v', fileSize: 5 * 1024 * 1024 }), body])));
    const e = await failure(download(server.address, 'v.mp4', dest, SHORT));
    expect(e.code).toBe('closed_early');
    expect(e.bytesReceived).toBe(body.length);
    expect(sha256(await fs.readFile(e.partialPath!))).toBe(sha256(body));
  });

  it('fileSize larger than what is sent, then silence → stalled', async () => {
    const server = await serve((socket) => socket.write(Buffer.concat([frameHead({ fileName: 'v', fileSize: 10_000 }), Buffer.alloc(3000, 7)])));
    const e = await failure(download(server.address, 'v.mp4', dest, { ...SHORT, stallTimeoutMs: 200 }));
    expect(e.code).toBe('stalled');
    expect(e.message).toContain('no body byte for 200 ms');
    expect(e.bytesReceived).toBe(3000);
    expect(await listing()).toEqual(['v.mp4.partial']);
  });

  it('a trickle (one byte at a time, never 200 ms apart) ends as stalled by the throughput rule, partial kept', async () => {
    let timer: NodeJS.Timeout | undefined;
    const server = await serve((socket) => {
      socket.write(Buffer.concat([frameHead({ fileName: 'v', fileSize: 10_000 }), Buffer.alloc(10, 7)]));
      // Each byte resets the stall timer: "no byte for 200 ms" never fires.
      timer = setInterval(() => socket.writable && socket.write(Buffer.of(1)), 50);
      socket.on('close', () => clearInterval(timer));
    });
    const t0 = Date.now();
    const e = await failure(download(server.address, 'v.mp4', dest, { ...SHORT, stallTimeoutMs: 200, throughput: { minBytesPerSecond: 1000, windowMs: 500 } }));
    clearInterval(timer);
    expect(e.code).toBe('stalled');
    expect(e.message).toMatch(/arrived in the last 1 s \(below 1000 B\/s\)|arrived in the last 0 s/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(e.bytesReceived).toBeGreaterThan(10);
    expect(await listing()).toEqual(['v.mp4.partial']);
    expect((await fs.stat(path.join(dest, 'v.mp4.partial'))).size).toBe(e.bytesReceived);
  });

  it('the throughput rule leaves a transfer that keeps its pace alone', async () => {
    const body = randomBytes(4000);
    const server = await serve(async (socket) => {
      socket.write(frameHead({ fileName: 'v', fileSize: body.length }));
      for (let i = 0; i < body.length; i += 100) {
        socket.write(body.subarray(i, i + 100));
        await delay(20); // 5000 B/s against a 1000 B/s floor
      }
    });
    const r = await download(server.address, 'v.mp4', dest, { ...SHORT, throughput: { minBytesPerSecond: 1000, windowMs: 300 } });
    expect(r.sha256).toBe(sha256(body));
  });

  it('more bytes than fileSize → size_mismatch (the header lied)', async () => {
    const server = await serve((socket) => socket.write(Buffer.concat([frameHead({ fileName: 'v', fileSize: 100 }), Buffer.alloc(150, 3)])));
    const e = await failure(download(server.address, 'v.mp4', dest, SHORT));
    expect(e.code).toBe('size_mismatch');
    expect(await listing()).toEqual(['v.mp4.partial']);
  });

  it('a connection reset mid-body → connection_reset, what arrived is kept', async () => {
    let gotBytes!: () => void;
    const clientHasBytes = new Promise<void>((r) => (gotBytes = r));
    const server = await serve(async (socket) => {
      await writeAsync(socket, Buffer.concat([frameHead({ fileName: 'v', fileSize: 100_000 }), Buffer.alloc(5000, 9)]));
      await clientHasBytes;
      socket.resetAndDestroy();
    });
    const e = await failure(
      download(server.address, 'v.mp4', dest, {
        ...SHORT,
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.bytes >= 5000) gotBytes();
        },
      }),
    );
    expect(e.code).toBe('connection_reset');
    expect(e.bytesReceived).toBe(5000);
    expect((await fs.stat(e.partialPath!)).size).toBe(5000);
    expect(await listing()).toEqual(['v.mp4.partial']);
  });

  it('abort mid-download → aborted, what arrived is kept', async () => {
    const server = await serve((socket) => socket.write(Buffer.concat([frameHead({ fileName: 'v', fileSize: 100_000 }), Buffer.alloc(1000, 1)])));
    const ac = new AbortController();
    const e = await failure(
      download(server.address, 'v.mp4', dest, {
        ...SHORT,
        signal: ac.signal,
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.bytes >= 1000) ac.abort();
        },
      }),
    );
    expect(e.code).toBe('aborted');
    expect(e.bytesReceived).toBe(1000);
    expect(await listing()).toEqual(['v.mp4.partial']);
  });

  it('the SHA-256 thread stopping mid-transfer → write_failed saying so, no final file, every byte kept', async () => {
    const MiB = 1024 * 1024;
    const body = randomBytes(5 * MiB);
    const server = await serve(async (socket) => {
      await writeAsync(socket, Buffer.concat([frameHead({ fileName: 'v', fileSize: body.length }), body.subarray(0, 3 * MiB)]));
      await delay(300);
      await writeAsync(socket, body.subarray(3 * MiB));
    });
    let stopping: Promise<void> | null = null;
    const e = await failure(
      download(server.address, 'v.mp4', dest, {
        ...SHORT,
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.bytes >= MiB) stopping ??= stopHashWorker();
        },
      }),
    );
    await stopping;
    expect(e.code).toBe('write_failed');
    expect(e.message).toMatch(/SHA-256 thread stopped.*cannot be verified/);
    expect(await listing()).toEqual(['v.mp4.partial']);
    const kept = await fs.readFile(e.partialPath!);
    expect(kept.length).toBe(e.bytesReceived);
    expect(kept.equals(body.subarray(0, kept.length))).toBe(true);
  });

  it('abort while waiting for the header → aborted, nothing kept', async () => {
    const server = await serve(() => {});
    const ac = new AbortController();
    const p = download(server.address, 'v.mp4', dest, { ...SHORT, signal: ac.signal });
    while (server.commands.length === 0) await delay(5);
    ac.abort();
    const e = await failure(p);
    expect(e.code).toBe('aborted');
    expect(await listing()).toEqual([]);
  });

  it('an existing final file → file_exists before asking the device (an OAK device would delete its copy)', async () => {
    await fs.writeFile(path.join(dest, 'v.mp4'), 'keep me');
    const server = await serve(frameServer(Buffer.from('new')));
    const e = await failure(download(server.address, 'v.mp4', dest, SHORT));
    expect(e.code).toBe('file_exists');
    expect(server.connections).toBe(0);
    expect(await fs.readFile(path.join(dest, 'v.mp4'), 'utf8')).toBe('keep me');
    expect(await listing()).toEqual(['v.mp4']);
  });

  it('a final file appearing during the transfer is not overwritten; the complete bytes are kept at .partial', async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const server = await serve(async (socket) => {
      await writeAsync(socket, frameHead({ fileName: 'v', fileSize: 6 }));
      await released;
      socket.write('abcdef');
    });
    const p = download(server.address, 'v.mp4', dest, SHORT);
    while (server.commands.length === 0) await delay(5);
    await fs.writeFile(path.join(dest, 'v.mp4'), 'someone else');
    release();
    const e = await failure(p);
    expect(e.code).toBe('file_exists');
    expect(await fs.readFile(path.join(dest, 'v.mp4'), 'utf8')).toBe('someone else');
    expect(await fs.readFile(e.partialPath!, 'utf8')).toBe('abcdef');
    expect(await listing()).toEqual(['v.mp4', 'v.mp4.partial']);
  });

  it('an existing .partial is never overwritten either', async () => {
    await fs.writeFile(path.join(dest, 'v.mp4.partial'), 'older');
    const server = await serve((socket) => socket.end(Buffer.concat([frameHead({ fileName: 'v', fileSize: 10 }), Buffer.from('new')])));
    const e = await failure(download(server.address, 'v.mp4', dest, SHORT));
    expect(e.partialPath).toBe(path.join(dest, 'v.mp4.partial-2'));
    expect(await fs.readFile(path.join(dest, 'v.mp4.partial'), 'utf8')).toBe('older');
    expect(await listing()).toEqual(['v.mp4.partial', 'v.mp4.partial-2']);
  });

  it('two concurrent downloads to one name: the second is refused', async () => {
    const server = await serve(() => {});
    const ac = new AbortController();
    const first = download(server.address, 'v.mp4', dest, { ...SHORT, signal: ac.signal });
    const e = await failure(download(server.address, 'v.mp4', dest, SHORT));
    expect(e.code).toBe('file_exists');
    expect(e.message).toContain('in progress');
    ac.abort();
    expect((await failure(first)).code).toBe('aborted');
  });

  it('a refused connection is retried, then reported; no .part left', async () => {
    const port = await refusedPort();
    const e = await failure(download({ host: '127.0.0.1', port }, 'v.mp4', dest, { tries: 2, backoffMs: [5] }));
    expect(e.code).toBe('connection_refused');
    expect(e.message).toContain('attempt 2 of 2');
    expect(await listing()).toEqual([]);
  });

  it('a destination folder that does not exist → write_failed before asking the device', async () => {
    const server = await serve(frameServer(Buffer.from('x')));
    const e = await failure(download(server.address, 'v.mp4', path.join(dest, 'missing'), SHORT));
    expect(e.code).toBe('write_failed');
    expect(server.connections).toBe(0);
  });
});

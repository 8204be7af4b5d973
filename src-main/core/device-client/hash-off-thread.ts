/**
 * SHA-256 of a download on a worker thread. Hashing on the event loop cost ~0.8 s of CPU per GiB
 * there, serialised with the socket reads and the copies into the write buffers: a single 4 GiB
 * download reached 0.76 of a raw socket→file copy with it and 1.05 without it. The writer's
 * buffers live in shared memory, so a buffer goes to the worker without a copy; the worker hashes
 * buffers in the order they were sent and acknowledges each, and the writer reuses a buffer only
 * once it has been both written and acknowledged.
 *
 * One worker serves every download of the process (streams by id). If it cannot be started the
 * hash runs in place, as before; if it stops mid-transfer every stream it held fails with a
 * clear error rather than a wrong digest.
 */
import { errorLine } from '../../../src-shared/error-line';
import { ProtocolError } from '../../../src-shared/protocol';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** An incremental SHA-256 whose updates may complete later (the buffer is the hasher's until then). */
export interface StreamHash {
  /** Hash `bytes` after everything given before; resolves once `bytes` may be reused. */
  update(bytes: Uint8Array): Promise<void>;
  /** The hex digest of everything given; the stream is finished afterwards. */
  digest(): Promise<string>;
  /** Forget the stream (a failed download); never throws. */
  dispose(): void;
}

/** A buffer in memory the hash worker can read without a copy. */
export function sharedBuffer(size: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(size), 0, size);
}

// Plain JavaScript evaluated in the worker (no loader there, and no file to find in a bundle).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const hashes = new Map();
parentPort.on('message', (m) => {
  if (m.t === 'u') {
    let h = hashes.get(m.id);
    if (!h) hashes.set(m.id, (h = createHash('sha256')));
    h.update(new Uint8Array(m.buf, m.off, m.len));
    parentPort.postMessage({ t: 'u', id: m.id });
  } else if (m.t === 'd') {
    const h = hashes.get(m.id) ?? createHash('sha256');
    hashes.delete(m.id);
    parentPort.postMessage({ t: 'd', id: m.id, hex: h.digest('hex') });
  } else if (m.t === 'x') {
    hashes.delete(m.id);
  }
});
`;

type Waiter = { digest: boolean; resolve: (hex: string) => void; reject: (e: unknown) => void };
/** Per stream, in order: the updates and then the digest waiting for the worker's answer. */
type Stream = { waiting: Waiter[] };

let worker: Worker | null = null;
let workerUnavailable = false;
let nextId = 1;
const streams = new Map<number, Stream>();

function getWorker(): Worker | null {
  if (worker) return worker;
  if (workerUnavailable) return null;
  let w: Worker;
  try {
    w = new Worker(WORKER_SOURCE, { eval: true, name: 'multicam sha256' });
  } catch {
    workerUnavailable = true;
    return null;
  }
  w.unref(); // only a stream being hashed keeps it referenced
  w.on('message', (m: { t: 'u' | 'd'; id: number; hex?: string }) => {
    const s = streams.get(m.id);
    const waiter = s?.waiting.shift();
    if (!s || !waiter) return;
    if (m.t === 'd') streams.delete(m.id);
    waiter.resolve(m.hex ?? '');
    if (streams.size === 0) w.unref();
  });
  const stopped = (e: unknown) => {
    if (worker !== w) return;
    worker = null;
    const err = new ProtocolError('write_failed', `the SHA-256 thread stopped (${errorLine(e)}); the file cannot be verified`, { cause: e });
    for (const [id, s] of streams) {
      streams.delete(id);
      for (const waiter of s.waiting.splice(0)) waiter.reject(err);
    }
  };
  w.on('error', stopped);
  w.on('exit', (code) => stopped(new Error(`exit code ${code}`)));
  worker = w;
  return w;
}

/** End the worker (streams it held fail; the next stream starts a new one). For tests and shutdown. */
export async function stopHashWorker(): Promise<void> {
  const w = worker;
  if (w) await w.terminate();
}

/** A SHA-256 stream on the shared worker, or in place when no worker can run. */
export function createStreamHash(options: { offThread?: boolean } = {}): StreamHash {
  const w = options.offThread === false ? null : getWorker();
  return w ? workerHash(w) : inPlaceHash();
}

function inPlaceHash(): StreamHash {
  const h = createHash('sha256');
  return {
    update: (bytes) => {
      h.update(bytes);
      return Promise.resolve();
    },
    digest: () => Promise.resolve(h.digest('hex')),
    dispose: () => {},
  };
}

function workerHash(w: Worker): StreamHash {
  const id = nextId++;
  const stream: Stream = { waiting: [] };
  let finished = false;
  let failure: unknown = null;
  streams.set(id, stream);
  w.ref();
  const ask = (message: { t: 'u' | 'd'; id: number; [field: string]: unknown }, transfer: ArrayBuffer[] = []): Promise<string> => {
    if (failure !== null) return Promise.reject(failure);
    if (worker !== w || !streams.has(id)) {
      failure = new ProtocolError('write_failed', 'the SHA-256 thread stopped; the file cannot be verified');
      return Promise.reject(failure);
    }
    return new Promise<string>((resolve, reject) => {
      stream.waiting.push({
        digest: message.t === 'd',
        resolve,
        reject: (e) => {
          failure ??= e;
          reject(e);
        },
      });
      w.postMessage(message, transfer);
    });
  };
  return {
    update: async (bytes) => {
      if (finished) throw new Error('update after digest');
      if (bytes.length === 0) return;
      // Shared memory goes by reference; anything else is copied once and handed over.
      const shared = bytes.buffer instanceof SharedArrayBuffer;
      const view = shared ? bytes : new Uint8Array(bytes);
      await ask({ t: 'u', id, buf: view.buffer, off: view.byteOffset, len: view.byteLength }, shared ? [] : [view.buffer as ArrayBuffer]);
    },
    digest: () => {
      if (finished) return Promise.reject(new Error('digest taken twice'));
      finished = true;
      return ask({ t: 'd', id });
    },
    dispose: () => {
      if (!streams.delete(id)) return;
      finished = true;
      // Buffers waiting for the worker are free again; a digest still awaited will never come.
      for (const waiter of stream.waiting.splice(0)) {
        if (waiter.digest) waiter.reject(new ProtocolError('aborted', 'the download was abandoned before its SHA-256 was taken'));
        else waiter.resolve('');
      }
      if (worker === w) w.postMessage({ t: 'x', id });
      if (streams.size === 0) w.unref();
    },
  };
}

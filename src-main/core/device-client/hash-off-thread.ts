/**
 * SHA-256 of a download on a worker thread, so hashing (~0.8 s of CPU per GiB here) does not sit
 * between the socket reads on the event loop. The writer hands over each batch of buffers once
 * written; their memory is moved to the worker (transferred, not copied), hashed in order, and
 * moved back for reuse.
 *
 * One worker serves every download of the process (streams by id). If it cannot be started (or
 * dies before it runs) the hash runs in place; if it stops mid-transfer every stream it held fails
 * with a clear error rather than a wrong digest, and the next download starts a new worker.
 */
import { errorLine } from '../../../src-shared/error-line';
import { ProtocolError } from '../../../src-shared/protocol';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

/** An incremental SHA-256 that may take the bytes' memory away while it works. */
export interface StreamHash {
  /**
   * Hash `views` after everything given before. Each view's memory (its whole ArrayBuffer, which
   * must be the caller's alone) is moved away and comes back through the promise as a Buffer over
   * the whole of it, ready for reuse.
   */
  update(views: Buffer[]): Promise<Buffer[]>;
  /** The hex digest of everything given; the stream is finished afterwards. */
  digest(): Promise<string>;
  /** Forget the stream (a failed download); never throws. */
  dispose(): void;
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
    for (const [ab, off, len] of m.items) h.update(new Uint8Array(ab, off, len));
    const abs = m.items.map((item) => item[0]);
    parentPort.postMessage({ t: 'u', id: m.id, abs }, abs);
  } else if (m.t === 'd') {
    const h = hashes.get(m.id) ?? createHash('sha256');
    hashes.delete(m.id);
    parentPort.postMessage({ t: 'd', id: m.id, hex: h.digest('hex') });
  } else if (m.t === 'x') {
    hashes.delete(m.id);
  }
});
`;

type Answer = { t: 'u' | 'd'; id: number; hex?: string; abs?: ArrayBuffer[] };
type Waiter = { digest: boolean; resolve: (a: Answer | null) => void; reject: (e: unknown) => void };
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
  // A worker that dies before it ever ran (no threads to be had) will not do better next time:
  // later streams hash in place.
  let ran = false;
  w.once('online', () => {
    ran = true;
  });
  w.on('message', (m: Answer) => {
    const s = streams.get(m.id);
    const waiter = s?.waiting.shift();
    if (!s || !waiter) return;
    if (m.t === 'd') streams.delete(m.id);
    waiter.resolve(m);
    if (streams.size === 0) w.unref();
  });
  const stopped = (e: unknown) => {
    if (worker !== w) return;
    worker = null;
    if (!ran) workerUnavailable = true;
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
    update: (views) => {
      for (const v of views) h.update(v);
      return Promise.resolve(views.map((v) => Buffer.from(v.buffer)));
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
  const ask = (message: { t: 'u' | 'd'; id: number; [field: string]: unknown }, transfer: ArrayBuffer[] = []): Promise<Answer | null> => {
    if (failure !== null) return Promise.reject(failure);
    if (worker !== w || !streams.has(id)) {
      failure = new ProtocolError('write_failed', 'the SHA-256 thread stopped; the file cannot be verified');
      return Promise.reject(failure);
    }
    return new Promise<Answer | null>((resolve, reject) => {
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
    update: async (views) => {
      if (finished) throw new Error('update after digest');
      if (views.length === 0) return [];
      const abs = views.map((v) => v.buffer as ArrayBuffer);
      const answer = await ask({ t: 'u', id, items: views.map((v) => [v.buffer, v.byteOffset, v.byteLength]) }, abs);
      return (answer?.abs ?? []).map((ab) => Buffer.from(ab));
    },
    digest: async () => {
      if (finished) throw new Error('digest taken twice');
      finished = true;
      return (await ask({ t: 'd', id }))?.hex ?? '';
    },
    dispose: () => {
      if (!streams.delete(id)) return;
      finished = true;
      // Updates still out come back empty (their buffers are dropped); a digest still awaited never comes.
      for (const waiter of stream.waiting.splice(0)) {
        if (waiter.digest) waiter.reject(new ProtocolError('aborted', 'the download was abandoned before its SHA-256 was taken'));
        else waiter.resolve(null);
      }
      if (worker === w) w.postMessage({ t: 'x', id });
      if (streams.size === 0) w.unref();
    },
  };
}

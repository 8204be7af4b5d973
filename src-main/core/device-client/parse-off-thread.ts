/**
 * Large device replies are decoded off the event loop. A reply may legally be up to 1 MiB, and
 * JSON.parse of 1 MiB takes tens of milliseconds: a few devices answering every status poll with
 * that much would keep the UI, the countdown and Ctrl-C waiting. Replies above
 * OFF_THREAD_MIN_BYTES go to one shared worker thread, which decodes, parses and bounds them
 * (the same limits as `boundDeviceValue`), so only a small value comes back. Small replies — all
 * of a well-behaved device's — are parsed in place, with no hop.
 */
import { errorLine } from '../../../src-shared/error-line';
import { Worker } from 'node:worker_threads';
import {
  MAX_DEVICE_DEPTH,
  MAX_DEVICE_ITEMS,
  MAX_DEVICE_KEY_CHARS,
  MAX_DEVICE_STRING_CHARS,
  ProtocolError,
  decodeJsonObject,
  type ProtocolErrorCode,
} from '../../../src-shared/protocol';

export const OFF_THREAD_MIN_BYTES = 64 * 1024;

// Plain JavaScript evaluated in the worker (no loader there): decode, parse, bound, reply.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const MAX_STR = ${MAX_DEVICE_STRING_CHARS}, MAX_KEY = ${MAX_DEVICE_KEY_CHARS}, MAX_DEPTH = ${MAX_DEVICE_DEPTH}, MAX_ITEMS = ${MAX_DEVICE_ITEMS};
const cut = (s, max) => {
  if (s.length <= max) return s;
  let end = max;
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end) + '\\u2026';
};
const bound = (v, depth) => {
  if (typeof v === 'string') return cut(v, MAX_STR);
  if (v === null || typeof v !== 'object') return v;
  if (depth >= MAX_DEPTH) return null;
  if (Array.isArray(v)) return v.slice(0, MAX_ITEMS).map((x) => bound(x, depth + 1));
  const out = {};
  let n = 0;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    if (++n > MAX_ITEMS) break;
    Object.defineProperty(out, cut(k, MAX_KEY), { value: bound(v[k], depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
};
parentPort.on('message', ({ id, bytes }) => {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return parentPort.postMessage({ id, code: 'invalid_utf8', message: 'reply is not valid UTF-8' });
  }
  try {
    parentPort.postMessage({ id, value: bound(JSON.parse(text), 0) });
  } catch {
    const preview = text.length > 80 ? text.slice(0, 80) + '\\u2026' : text;
    parentPort.postMessage({ id, code: 'malformed_json', message: 'reply is not valid JSON: ' + preview });
  }
});
`;

type Pending = { resolve: (v: Record<string, unknown>) => void; reject: (e: unknown) => void };
let worker: Worker | null = null;
let nextId = 1;
const pending = new Map<number, Pending>();

function getWorker(): Worker {
  if (worker) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  // Never what keeps the process (CLI, tests) alive.
  w.unref();
  w.on('message', (m: { id: number; value?: Record<string, unknown>; code?: ProtocolErrorCode; message?: string }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.code) p.reject(new ProtocolError(m.code, m.message ?? 'reply could not be decoded'));
    else p.resolve(m.value!);
    if (pending.size === 0) w.unref();
  });
  const fail = (e: unknown) => {
    if (worker === w) worker = null;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new ProtocolError('network_error', `reply decoder stopped: ${errorLine(e)}`, { cause: e }));
    }
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`exit ${code}`)));
  worker = w;
  return w;
}

/** The JSON object in `bytes` (one complete object from the framer), bounded. */
export function decodeReplyBytes(bytes: Uint8Array): Promise<Record<string, unknown>> {
  if (bytes.length < OFF_THREAD_MIN_BYTES) {
    try {
      return Promise.resolve(decodeJsonObject(bytes));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    const w = getWorker();
    w.ref(); // a reply is being waited for
    // Transferred, not cloned: the framer's concatenation owns its whole buffer; anything else
    // (a view into a socket's buffer) is copied first.
    const owned = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !(bytes instanceof Buffer) ? bytes : bytes.slice();
    w.postMessage({ id, bytes: owned }, [owned.buffer as ArrayBuffer]);
  });
}

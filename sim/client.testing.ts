/**
 * A deliberately tiny controller stand-in for the sim's own tests: raw `net` sockets, no framer.
 * It records every byte and whether/how the device closed, and stops at the first of: the
 * expected amount of data, the device closing, or a quiet period (for "never replies" checks).
 */
import { connect, type Socket } from 'node:net';

export interface Exchange {
  data: Buffer;
  /** The device ended its side (FIN). */
  ended: boolean;
  /** The connection was reset or errored. */
  error: string | null;
  /** The device had not closed when we stopped listening. */
  open: boolean;
}

export interface ExchangeOptions {
  /** Stop once this returns true for the bytes so far (default: one complete JSON object). */
  until?: (data: Buffer) => boolean;
  /** Give up after this long with no new byte (ms, default 500). Used to prove silence. */
  quietMs?: number;
  /** Split the payload into these writes, with a pause between them. */
  splitAt?: number[];
  /** Half-close after writing (the client "closes"). */
  endAfterWrite?: boolean;
  /** Keep the socket open after we stop (returned to caller to close). */
  keepOpen?: boolean;
  host?: string;
}

/** The first JSON object at the start of `b` (tries each `}` as its end: slow, simple, fine for tests). */
export function firstJson(b: Buffer): Record<string, unknown> | null {
  const text = b.toString('utf8');
  for (let i = text.indexOf('}'); i >= 0; i = text.indexOf('}', i + 1)) {
    try {
      const v: unknown = JSON.parse(text.slice(0, i + 1));
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // not the end yet
    }
  }
  return null;
}
export const isJsonObject = (b: Buffer): boolean => firstJson(b) !== null;

/** Seconds, like the protocol's `timestamp`. */
export const nowSec = () => Date.now() / 1000;

export function command(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { command: name, timestamp: nowSec(), deviceId: 'controller', ...extra };
}

export function exchange(port: number, payload: unknown, opts: ExchangeOptions = {}): Promise<Exchange & { socket: Socket }> {
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const until = opts.until ?? isJsonObject;
  const quietMs = opts.quietMs ?? 500;
  return new Promise((resolve) => {
    const socket = connect(port, opts.host ?? '127.0.0.1');
    socket.setNoDelay(true);
    const chunks: Buffer[] = [];
    let ended = false;
    let error: string | null = null;
    let done = false;
    let quiet: NodeJS.Timeout | null = null;
    const finish = () => {
      if (done) return;
      done = true;
      if (quiet) clearTimeout(quiet);
      const data = Buffer.concat(chunks);
      const open = !ended && error === null && !socket.destroyed;
      if (!opts.keepOpen) socket.destroy();
      resolve({ data, ended, error, open, socket });
    };
    const arm = () => {
      if (quiet) clearTimeout(quiet);
      quiet = setTimeout(finish, quietMs);
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      if (until(Buffer.concat(chunks))) finish();
      else arm();
    });
    socket.on('end', () => {
      ended = true;
      finish();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
      finish();
    });
    socket.on('connect', async () => {
      const cuts = [0, ...(opts.splitAt ?? []), bytes.length];
      for (let i = 0; i + 1 < cuts.length; i++) {
        socket.write(bytes.subarray(cuts[i], cuts[i + 1]));
        if (i + 2 < cuts.length) await new Promise((r) => setTimeout(r, 60));
      }
      if (opts.endAfterWrite) socket.end();
      arm();
    });
  });
}

/** Send a command and parse the single JSON reply (throws if none). */
export async function ask(port: number, payload: unknown, opts: ExchangeOptions = {}): Promise<Record<string, unknown>> {
  const r = await exchange(port, payload, { quietMs: 5000, ...opts });
  const v = firstJson(r.data);
  if (!v) throw new Error(`no JSON reply: ${JSON.stringify(r.data.toString('utf8').slice(0, 200))} (${r.error ?? (r.ended ? 'closed' : 'quiet')})`);
  return v;
}

/** A GET_VIDEO success frame split into its parts (or null if the bytes are not one). */
export function splitFrame(data: Buffer): { headerLength: number; header: Record<string, unknown> | null; headerText: string; body: Buffer } | null {
  if (data.length < 4 || data[0] === 0x7b) return null;
  const headerLength = data.readUInt32BE(0);
  const headerText = data.subarray(4, 4 + Math.min(headerLength, data.length - 4)).toString('utf8');
  let header: Record<string, unknown> | null = null;
  try {
    header = JSON.parse(headerText) as Record<string, unknown>;
  } catch {
    header = null;
  }
  return { headerLength, header, headerText, body: data.subarray(4 + headerLength) };
}

/** `until` for a complete GET_VIDEO frame, or a JSON error reply. */
export const frameComplete = (data: Buffer): boolean => {
  if (data.length > 0 && data[0] === 0x7b) return isJsonObject(data);
  const f = splitFrame(data);
  if (!f?.header || typeof f.header.fileSize !== 'number') return false;
  return f.body.length >= f.header.fileSize;
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `cond` every 10 ms until it holds; throws naming `what` after about `timeoutMs`. */
export async function waitUntil(cond: () => boolean, what = 'condition', timeoutMs = 10_000): Promise<void> {
  for (let i = 0; i < timeoutMs / 10 && !cond(); i++) await sleep(10);
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

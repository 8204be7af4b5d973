/**
 * SNTP client (RFC 4330 / 5905 client side) for the controller's time base.
 *
 * Every reply is untrusted: it must be ≥ 48 bytes, mode 4 (server), version 1–4, leap
 * indicator not 3, stratum 1–15 (0 is a kiss-o'-death: stop asking), echo our transmit
 * timestamp as its origin (we send a random nonce there, so a stale or forged packet cannot
 * match), carry non-zero receive/transmit stamps, and give a non-negative round trip.
 * Packets whose origin does not match are ignored (they may be late replies to an earlier
 * request); any other invalid reply ends the exchange with an `SntpError`.
 */
import { createSocket, type SocketOptions } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { isIPv6 } from '../../../src-shared/address';

export const DEFAULT_SNTP_SERVER = 'pool.ntp.org';
export const DEFAULT_SNTP_PORT = 123;
const NTP_EPOCH_OFFSET_S = 2_208_988_800;
/** RFC 5905 MAXDIST: a server whose root distance exceeds this is not a usable time source. */
const MAX_ROOT_DISTANCE_MS = 1500;

export type SntpErrorCode =
  | 'timeout'
  | 'network_error'
  | 'short_reply'
  | 'bad_mode'
  | 'bad_version'
  | 'unsynchronized'
  | 'kiss_of_death'
  | 'bad_timestamps'
  | 'aborted';

export class SntpError extends Error {
  readonly code: SntpErrorCode;
  /** Kiss code (RATE, DENY, RSTR, …) for `kiss_of_death`. */
  readonly kissCode: string | null;
  constructor(code: SntpErrorCode, message: string, kissCode: string | null = null) {
    super(message);
    this.name = 'SntpError';
    this.code = code;
    this.kissCode = kissCode;
  }
}

/** One exchange's result, local clock in ms. */
export interface SntpSample {
  /** True time (server) minus local clock, ms. */
  offsetMs: number;
  /** Round trip minus server processing, ms. */
  rttMs: number;
  /** ± ms: half the round trip plus the server's own root distance. */
  uncertaintyMs: number;
  stratum: number;
  /** Local clock ms when the reply arrived. */
  at: number;
}

export interface SntpQueryOptions {
  host: string;
  port?: number;
  /** Per exchange (default 2000 ms). */
  timeoutMs?: number;
  /** Local high-resolution wall clock, ms (default performance.timeOrigin + performance.now()). */
  localNow?: () => number;
  signal?: AbortSignal;
  /** Host name resolution (tests inject a failing one); default dns.lookup. */
  lookup?: SocketOptions['lookup'];
}

export const localHighResNow = (): number => performance.timeOrigin + performance.now();

export function toNtpMs(buf: Uint8Array, at: number): number {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let secs = view.getUint32(at);
  const frac = view.getUint32(at + 4);
  // Era 1 begins in 2036: values with the top bit clear are after the rollover (valid 1968–2104).
  if ((secs & 0x80000000) === 0) secs += 2 ** 32;
  return (secs - NTP_EPOCH_OFFSET_S) * 1000 + (frac / 2 ** 32) * 1000;
}

/** Parse and validate a reply to a request whose transmit field held `nonce`. Null = not ours. */
export function parseSntpReply(msg: Uint8Array, nonce: Uint8Array, t1: number, t4: number): SntpSample | null {
  if (msg.length < 48) throw new SntpError('short_reply', `SNTP reply is ${msg.length} bytes (need 48)`);
  for (let i = 0; i < 8; i++) if (msg[24 + i] !== nonce[i]) return null;
  const b0 = msg[0]!;
  const leap = b0 >> 6;
  const version = (b0 >> 3) & 0x07;
  const mode = b0 & 0x07;
  const stratum = msg[1]!;
  if (mode !== 4) throw new SntpError('bad_mode', `SNTP reply has mode ${mode} (expected 4, server)`);
  if (version < 1 || version > 4) throw new SntpError('bad_version', `SNTP reply has version ${version}`);
  if (stratum === 0) {
    const code = Buffer.from(msg.subarray(12, 16))
      .toString('latin1')
      .replace(/[^\x20-\x7e]/g, '');
    throw new SntpError('kiss_of_death', `SNTP server sent kiss-o'-death ${code || '(no code)'}`, code);
  }
  if (leap === 3 || stratum > 15) {
    throw new SntpError('unsynchronized', `SNTP server is not synchronised (leap ${leap}, stratum ${stratum})`);
  }
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const rootDelayMs = (view.getInt32(4) / 65536) * 1000;
  const rootDispersionMs = (view.getUint32(8) / 65536) * 1000;
  const isZero = (at: number) => view.getUint32(at) === 0 && view.getUint32(at + 4) === 0;
  if (isZero(32) || isZero(40)) throw new SntpError('bad_timestamps', 'SNTP reply has a zero receive or transmit timestamp');
  const t2 = toNtpMs(msg, 32);
  const t3 = toNtpMs(msg, 40);
  const processing = t3 - t2;
  const rtt = t4 - t1 - processing;
  if (processing < 0 || processing > 10_000) throw new SntpError('bad_timestamps', `SNTP server processing time ${processing.toFixed(1)} ms is impossible`);
  // Sub-millisecond negatives are rounding between two clocks; more is a lie.
  if (rtt < -1) throw new SntpError('bad_timestamps', `SNTP round trip ${rtt.toFixed(1)} ms is negative`);
  const rootDistance = Math.abs(rootDelayMs) / 2 + rootDispersionMs;
  if (rootDistance > MAX_ROOT_DISTANCE_MS) {
    throw new SntpError('unsynchronized', `SNTP server root distance ${rootDistance.toFixed(0)} ms is too large`);
  }
  const rttMs = Math.max(0, rtt);
  return {
    offsetMs: (t2 - t1 + (t3 - t4)) / 2,
    rttMs,
    uncertaintyMs: rttMs / 2 + rootDistance,
    stratum,
    at: t4,
  };
}

/** One request/reply exchange. */
export function querySntp(options: SntpQueryOptions): Promise<SntpSample> {
  const port = options.port ?? DEFAULT_SNTP_PORT;
  const timeoutMs = options.timeoutMs ?? 2000;
  const localNow = options.localNow ?? localHighResNow;
  return new Promise<SntpSample>((resolve, reject) => {
    const socket = createSocket({ type: isIPv6(options.host) ? 'udp6' : 'udp4', ...(options.lookup ? { lookup: options.lookup } : {}) });
    const nonce = randomBytes(8);
    let t1 = 0;
    let settled = false;
    const finish = (err: Error | null, sample?: SntpSample) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      try {
        socket.close();
      } catch {
        // already closed
      }
      if (err) reject(err);
      else resolve(sample!);
    };
    const onAbort = () => finish(new SntpError('aborted', 'SNTP query aborted'));
    const timer = setTimeout(() => finish(new SntpError('timeout', `no SNTP reply from ${options.host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });

    socket.on('error', (e) => finish(new SntpError('network_error', `SNTP ${options.host}:${port}: ${e.message}`)));
    socket.on('message', (msg) => {
      const t4 = localNow();
      try {
        const sample = parseSntpReply(msg, nonce, t1, t4);
        if (sample) finish(null, sample);
      } catch (e) {
        finish(e as Error);
      }
    });
    // connect() filters out datagrams from any other peer and resolves host names.
    // Node calls this back on a failed lookup too (with the error): the socket is then not
    // connected, and send() without an address would throw out of the process.
    socket.connect(port, options.host, (e?: Error | null) => {
      if (settled) return;
      if (e) return finish(new SntpError('network_error', `SNTP ${options.host}:${port}: ${e.message}`));
      const req = Buffer.alloc(48);
      req[0] = (0 << 6) | (4 << 3) | 3; // LI 0, version 4, mode 3 (client)
      nonce.copy(req, 40);
      t1 = localNow();
      socket.send(req, (e) => {
        if (e) finish(new SntpError('network_error', `SNTP ${options.host}:${port}: ${e.message}`));
      });
    });
  });
}

export interface SntpMeasurement extends SntpSample {
  /** Exchanges that answered validly. */
  samples: number;
}

export interface SntpMeasureOptions extends SntpQueryOptions {
  /** Exchanges attempted (default 4). */
  samples?: number;
  /** Pause between exchanges (default 100 ms). */
  intervalMs?: number;
}

/** Several exchanges; the one with the smallest round trip wins. Kiss-o'-death stops at once. */
export async function measureSntp(options: SntpMeasureOptions): Promise<SntpMeasurement> {
  const count = Math.max(1, options.samples ?? 4);
  const interval = options.intervalMs ?? 100;
  let best: SntpSample | null = null;
  let good = 0;
  let lastError: Error | null = null;
  for (let i = 0; i < count; i++) {
    if (i > 0 && interval > 0) await new Promise((r) => setTimeout(r, interval));
    try {
      const s = await querySntp(options);
      good++;
      if (!best || s.rttMs < best.rttMs) best = s;
    } catch (e) {
      lastError = e as Error;
      if (e instanceof SntpError && (e.code === 'kiss_of_death' || e.code === 'aborted')) break;
    }
  }
  if (!best) throw lastError ?? new SntpError('timeout', 'no SNTP reply');
  return { ...best, samples: good };
}

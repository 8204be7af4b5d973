/**
 * A small SNTP server (RFC 4330 server side) so tests measure a known controller-clock offset
 * without touching pool.ntp.org. Its clock is this process's high-resolution wall clock plus
 * `offsetMs`. Fault switches produce the replies a controller must refuse.
 */
import { createSocket, type Socket } from 'node:dgram';

export type SntpFault =
  | 'none'
  /** stratum 0 with a kiss code (RATE by default). */
  | 'kiss'
  /** Origin timestamp that does not echo the request. */
  | 'wrong_origin'
  /** A 40-byte reply. */
  | 'short'
  /** Mode 3 (client) instead of 4 (server). */
  | 'client_mode'
  /** Leap indicator 3: clock not synchronised. */
  | 'unsynchronized'
  /** Stratum 16. */
  | 'stratum16'
  /** Transmit timestamp zero. */
  | 'zero_transmit'
  /** Never answers. */
  | 'silent';

export interface SntpServerOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** Server clock minus this process's clock, ms. */
  offsetMs?: number;
  stratum?: number;
  fault?: SntpFault;
  kissCode?: string;
  /** Hold each reply this long (after stamping receive time), ms. */
  replyDelayMs?: number;
}

export interface SntpServer {
  host: string;
  port: number;
  /** Requests received so far. */
  readonly requests: number;
  setOffset(ms: number): void;
  setFault(fault: SntpFault): void;
  stop(): Promise<void>;
}

const NTP_EPOCH_OFFSET_S = 2_208_988_800;

function localNowMs(): number {
  return performance.timeOrigin + performance.now();
}

function writeTimestamp(buf: Buffer, at: number, unixMs: number): void {
  const secs = Math.floor(unixMs / 1000);
  const frac = Math.floor(((unixMs - secs * 1000) / 1000) * 2 ** 32);
  buf.writeUInt32BE((secs + NTP_EPOCH_OFFSET_S) >>> 0, at);
  buf.writeUInt32BE(Math.min(frac, 0xffffffff) >>> 0, at + 4);
}

export function startSntpServer(options: SntpServerOptions = {}): Promise<SntpServer> {
  const host = options.host ?? '127.0.0.1';
  let offsetMs = options.offsetMs ?? 0;
  let fault: SntpFault = options.fault ?? 'none';
  const stratum = options.stratum ?? 2;
  const kissCode = (options.kissCode ?? 'RATE').padEnd(4, '\0').slice(0, 4);
  const replyDelayMs = options.replyDelayMs ?? 0;
  let requests = 0;
  const pending = new Set<NodeJS.Timeout>();
  let stopped: Promise<void> | null = null;

  const socket: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  socket.on('message', (msg, peer) => {
    if (msg.length < 48 || (msg[0]! & 0x07) !== 3) return; // not a client request
    requests++;
    const receivedAt = localNowMs() + offsetMs;
    if (fault === 'silent') return;
    const reply = Buffer.alloc(48);
    const version = (msg[0]! >> 3) & 0x07 || 4;
    const leap = fault === 'unsynchronized' ? 3 : 0;
    const mode = fault === 'client_mode' ? 3 : 4;
    reply[0] = (leap << 6) | (version << 3) | mode;
    reply[1] = fault === 'kiss' ? 0 : fault === 'stratum16' ? 16 : stratum;
    reply[2] = msg[2]!; // poll
    reply[3] = 0xec; // precision 2^-20 s
    reply.writeUInt32BE(0, 4); // root delay
    reply.writeUInt32BE(0x00000010, 8); // root dispersion ≈ 0.24 ms
    if (fault === 'kiss') reply.write(kissCode, 12, 'latin1');
    else reply.set([127, 0, 0, 1], 12);
    const send = () => {
      const transmitAt = localNowMs() + offsetMs;
      writeTimestamp(reply, 16, transmitAt); // reference
      if (fault === 'wrong_origin') {
        msg.copy(reply, 24, 40, 48);
        reply[31] = reply[31]! ^ 0xff;
      } else {
        msg.copy(reply, 24, 40, 48); // origin = client's transmit
      }
      writeTimestamp(reply, 32, receivedAt);
      if (fault === 'zero_transmit') reply.fill(0, 40, 48);
      else writeTimestamp(reply, 40, transmitAt);
      socket.send(fault === 'short' ? reply.subarray(0, 40) : reply, peer.port, peer.address);
    };
    if (replyDelayMs > 0) {
      const t = setTimeout(() => {
        pending.delete(t);
        send();
      }, replyDelayMs);
      pending.add(t);
    } else send();
  });

  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 0, host, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined); // a stray ICMP error must not crash the test process
      resolve({
        host,
        port: socket.address().port,
        get requests() {
          return requests;
        },
        setOffset(ms) {
          offsetMs = ms;
        },
        setFault(f) {
          fault = f;
        },
        stop() {
          for (const t of pending) clearTimeout(t);
          pending.clear();
          if (stopped) return stopped;
          stopped = new Promise<void>((res) => socket.close(() => res()));
          return stopped;
        },
      });
    });
  });
}

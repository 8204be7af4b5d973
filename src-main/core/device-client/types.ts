/** The device client's public shapes. Implementation: ./send.ts and ./download.ts; failures are
 * `ProtocolError`s (downloads: `DownloadError`, with `partialPath` when received bytes were kept). */
import type { Socket } from 'node:net';
import type { DeviceReply, VideoHeader } from '../../../src-shared/protocol';
import type { ThroughputRule } from './throughput';

export interface DeviceAddress {
  host: string;
  port: number;
}

export interface SendOptions {
  signal?: AbortSignal;
  /** Default CONNECT_TIMEOUT_MS. */
  connectTimeoutMs?: number;
  /** Default REPLY_TIMEOUT_MS[command]. */
  replyTimeoutMs?: number;
  /** Tries for connection-level failures (default 3); device answers are never retried. */
  tries?: number;
  /** Waits between tries (default 1 s, 2 s, 4 s). */
  backoffMs?: readonly number[];
  /** Controller wall clock in ms (high resolution); default performance.timeOrigin + performance.now(). */
  now?: () => number;
  /** A connection opened ahead for this command (prepareConnection); used for the first try if still good. */
  connection?: PreparedConnection;
  /** Commands written together (writeBatch, send.ts): this one waits for the batch's flush. */
  batch?: WriteBatch;
}

/**
 * A fan-out's writes, gathered: each `send` sets its exchange up (listeners, reply timer) and adds
 * its write; `flush()` then writes them all in one loop, nothing else between two devices' writes.
 * A write added after the flush (a connection that was not open yet) goes out at once.
 */
export interface WriteBatch {
  add(write: () => void): void;
  flush(): void;
}

/** A connection opened ahead of its command: see prepareConnection (send.ts). */
export interface PreparedConnection {
  /** The connected socket, once (later calls: null); null if it failed or went bad meanwhile. */
  take(): Promise<Socket | null>;
  /**
   * The socket at once if it is connected and still good (then as `take`), else null and nothing
   * taken: `send` writes on it within its call, so a fan-out's writes leave in one loop.
   */
  takeNow?(): Socket | null;
  /** Close it if still unused. */
  close(): void;
}

/** A validated reply with the instants needed for clock estimation (controller clock, ms). */
export interface TimedReply {
  reply: DeviceReply;
  /** Just before the command was written. */
  sentAt: number;
  /** When the last byte of the reply object arrived. */
  receivedAt: number;
  /** 1 = first try. */
  attempts: number;
}

export interface DownloadProgress {
  bytes: number;
  /** From the header; null until it arrives. */
  total: number | null;
  /** Bytes per second, smoothed. */
  rateBps: number;
  /** Seconds remaining, null when unknown. */
  etaSeconds: number | null;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  /** Local file name (sanitised again); default the sanitised basename of `fileName`. */
  localName?: string;
  connectTimeoutMs?: number;
  /** Tries for connection failures before the command is written (default 3); never after. */
  tries?: number;
  /** Waits between tries (default 1 s, 2 s, 4 s). */
  backoffMs?: readonly number[];
  /** Time allowed for the header to arrive (OAK packages first). */
  headerTimeoutMs?: number;
  /** No body byte for this long is a stall. */
  stallTimeoutMs?: number;
  /** Minimum body throughput per window (default DEFAULT_THROUGHPUT_RULE): below it the transfer is `stalled`. */
  throughput?: ThroughputRule;
  onProgress?: (p: DownloadProgress) => void;
  /** Minimum ms between progress callbacks (default 250). */
  progressIntervalMs?: number;
  now?: () => number;
}

export interface DownloadResult {
  /** Absolute path of the verified file. */
  path: string;
  bytes: number;
  sha256: string;
  seconds: number;
  header: VideoHeader;
}

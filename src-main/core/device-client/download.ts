/**
 * GET_VIDEO to a file: socket (reading into one reused buffer) → frame decoder → large writes to
 * `<final>.part` (file-writer.ts, copying into reused buffers that go on, once written, to a worker
 * thread taking the SHA-256: hash-off-thread.ts), with backpressure, never holding the file in memory. Verified
 * bytes are fsynced (mostly while the transfer runs) and published under the final name without ever overwriting an existing file. On failure nothing is left under the
 * final name, the `.part` is gone, and body bytes that did arrive are kept at `<final>.partial`
 * (an OAK device deletes its file once sent, so they may be all there is).
 */
import { formatAddress } from '../../../src-shared/address';
import { errorLine } from '../../../src-shared/error-line';
import fsp from 'node:fs/promises';
import type net from 'node:net';
import path from 'node:path';
import {
  CONNECT_TIMEOUT_MS,
  DOWNLOAD_STALL_TIMEOUT_MS,
  ProtocolError,
  REPLY_TIMEOUT_MS,
  VideoFrameDecoder,
  encodeCommand,
  getVideo,
  type ProtocolErrorCode,
  type VideoHeader,
} from '../../../src-shared/protocol';
import { openConnection, validateAddress, withRetries } from './connect';
import { DownloadError, classifySocketError } from './errors';
import { ChunkFileWriter } from './file-writer';
import { createStreamHash, type StreamHash } from './hash-off-thread';
import { ProgressMeter } from './progress';
import { sanitizeFileName } from './sanitize';
import { defaultNow } from './send';
import { DEFAULT_THROUGHPUT_RULE, ThroughputWatch } from './throughput';
import type { DeviceAddress, DownloadOptions, DownloadResult } from './types';

const PROGRESS_INTERVAL_MS = 250;
/** The socket reads into one buffer this big (Node's own reads allocate 64 KiB per read). */
const READ_BUFFER_BYTES = 256 * 1024;
/** Errnos meaning "this file system has no hard links": fall back to an exclusive claim + rename. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EXDEV', 'ENOSYS', 'EMLINK']);

/** `.part` paths being written by this process: two downloads to one name would corrupt it. */
const activeParts = new Set<string>();

export async function download(address: DeviceAddress, fileName: string, destDir: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const context = `GET_VIDEO ${JSON.stringify(fileName)} from ${address && typeof address === 'object' ? formatAddress(address) : String(address)}`;
  validateAddress(address, context);
  if (typeof fileName !== 'string' || fileName.length === 0) {
    throw new DownloadError('invalid_reply', `${context}: no file name to ask the device for`);
  }
  if (typeof destDir !== 'string' || destDir.length === 0) {
    throw new DownloadError('write_failed', `${context}: no destination folder`);
  }
  const dir = path.resolve(destDir);
  // The local name comes from the controller, never from the device's header.
  const finalPath = path.join(dir, sanitizeFileName(options.localName ?? fileName));
  if (path.dirname(finalPath) !== dir) throw new DownloadError('write_failed', `${context}: unsafe local name`);
  const partPath = `${finalPath}.part`;

  if (activeParts.has(partPath)) {
    throw new DownloadError('file_exists', `${context}: another download to ${finalPath} is in progress`);
  }
  activeParts.add(partPath); // before any await, so a concurrent call sees it
  try {
    // Checked before asking the device: an OAK device deletes the file once it has sent it.
    if (await pathExists(finalPath, context)) {
      throw new DownloadError('file_exists', `${context}: ${finalPath} already exists; not overwriting it`);
    }
    return await transfer(address, fileName, context, finalPath, partPath, options);
  } finally {
    activeParts.delete(partPath);
  }
}

async function transfer(
  address: DeviceAddress,
  fileName: string,
  context: string,
  finalPath: string,
  partPath: string,
  options: DownloadOptions,
): Promise<DownloadResult> {
  const now = options.now ?? defaultNow;
  const signal = options.signal;
  const headerTimeoutMs = options.headerTimeoutMs ?? REPLY_TIMEOUT_MS.GET_VIDEO;
  const stallTimeoutMs = options.stallTimeoutMs ?? DOWNLOAD_STALL_TIMEOUT_MS;
  const meter = new ProgressMeter(now, options.progressIntervalMs ?? PROGRESS_INTERVAL_MS, options.onProgress);
  const command = encodeCommand(getVideo(fileName, now));
  const startedAt = now();

  const decoder = new VideoFrameDecoder();
  let hash: StreamHash | null = null;
  /** The hasher's failure (its thread stopped): the file cannot be verified, so the download fails. */
  let hashError: unknown = null;
  // `as`: assigned inside the data handler, so flow analysis must not pin it to null.
  let header = null as VideoHeader | null;
  let socket: net.Socket | null = null;
  let writer: ChunkFileWriter | null = null;
  let headerTimer: NodeJS.Timeout | undefined;
  let stallTimer: NodeJS.Timeout | undefined;
  let throughputTimer: NodeJS.Timeout | undefined;
  const throughput = new ThroughputWatch(options.throughput ?? DEFAULT_THROUGHPUT_RULE);
  let onAbort: (() => void) | undefined;

  try {
    if (signal?.aborted) throw new ProtocolError('aborted', 'aborted before starting');
    // 'w': a leftover `.part` can only be a crashed run's (activeParts rules out a live one).
    const fh = await fsp.open(partPath, 'w');
    // A slow disk pauses the socket; bytes reaching the file are progress too, not a stall.
    // The writer copies: the socket reads every chunk into the same buffer (no allocation and no
    // garbage per read, which cost as much CPU as the copy into the writer's reused buffers).
    const sha = createStreamHash();
    hash = sha;
    writer = new ChunkFileWriter(fh, {
      copy: true,
      observe: (written) =>
        sha.update(written).catch((e: unknown) => {
          hashError ??= e;
          return [];
        }),
      onWritten: () => stallTimer?.refresh(),
    });
    const out = writer;
    // Until the receive loop below takes over, anything read is kept (copied), never dropped.
    const early: Buffer[] = [];
    let onChunk: (chunk: Buffer) => void = (c) => early.push(Buffer.from(c));
    const onread = {
      buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
      callback: (n: number, buf: Uint8Array) => {
        onChunk(Buffer.from(buf.buffer, buf.byteOffset, n));
        return true;
      },
    };

    socket = await withRetries({ tries: options.tries, backoffMs: options.backoffMs, signal }, context, (attempt, tries) =>
      openConnection(address, tries > 1 ? `attempt ${attempt} of ${tries}` : 'connect', {
        connectTimeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
        signal,
        onread,
      }),
    );
    const sock = socket;
    // Timeouts and abort destroy the socket with a typed error, which ends the receive loop.
    const fail = (err: ProtocolError) => sock.destroy(err);
    headerTimer = setTimeout(() => fail(new ProtocolError('reply_timeout', `no GET_VIDEO header within ${headerTimeoutMs} ms`)), headerTimeoutMs);
    onAbort = () => fail(new ProtocolError('aborted', 'aborted'));
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) throw new ProtocolError('aborted', 'aborted while connecting');
    sock.write(command);

    // Body bytes are copied into the writer's buffers; the thread pool writes earlier batches and
    // the hash worker takes the written ones. Any failure ends the loop normally, so every byte
    // received reaches the disk (and can be kept as `.partial`) before it is reported.
    const failure = await new Promise<unknown>((resolve) => {
      let settled = false;
      const settle = (e: unknown) => {
        if (settled) return;
        settled = true;
        onChunk = () => {};
        sock.off('end', onEnd);
        sock.off('close', onEnd);
        sock.off('error', settle);
        sock.pause();
        resolve(e);
      };
      const onEnd = () => {
        try {
          decoder.end(); // throws closed_early, saying how far it got
          settle(null);
        } catch (e) {
          settle(e);
        }
      };
      const onData = (read: Buffer) => {
        try {
          let complete = false;
          let full = false;
          // `read` is a view of the reused read buffer: body bytes are copied out (into the writer)
          // at once, but the frame head may span reads and the decoder keeps it: a copy then.
          const chunk = decoder.phase === 'body' ? read : Buffer.from(read);
          for (const ev of decoder.push(chunk)) {
            if (ev.type === 'data') {
              if (!out.write(ev.chunk)) full = true;
            } else if (ev.type === 'header') {
              header = ev.header;
              clearTimeout(headerTimer);
              meter.setTotal(ev.header.fileSize);
              stallTimer = setTimeout(() => fail(new ProtocolError('stalled', `no body byte for ${stallTimeoutMs} ms`)), stallTimeoutMs);
              // A trickle resets the stall timer with every byte: the throughput rule ends it.
              throughput.start(decoder.bytesReceived);
              throughputTimer = setInterval(
                () => {
                  const reason = throughput.endOfWindow(decoder.bytesReceived);
                  if (reason) fail(new ProtocolError('stalled', reason));
                },
                (options.throughput ?? DEFAULT_THROUGHPUT_RULE).windowMs,
              );
            } else if (ev.type === 'complete') {
              complete = true;
            } else {
              const r = ev.reply;
              throw new ProtocolError('device_error', `device answered ${r.status}${r.message ? `: ${r.message}` : ''}`, { reply: r });
            }
          }
          stallTimer?.refresh();
          meter.update(decoder.bytesReceived);
          if (out.error !== null) throw out.error;
          if (hashError !== null) throw hashError;
          if (complete) {
            if (decoder.extraBytes > 0) {
              throw new ProtocolError('size_mismatch', `device sent more than the ${header!.fileSize} bytes its header announced`);
            }
            // No trailer and no close from the device: stop reading here (cleanup closes the socket).
            settle(null);
          } else if (full) {
            sock.pause();
            void out.drained().then(() => {
              if (settled) return;
              if (out.error !== null) settle(out.error);
              else sock.resume();
            });
          }
        } catch (e) {
          settle(e);
        }
      };
      onChunk = onData;
      for (const c of early.splice(0)) if (!settled) onData(c);
      sock.on('end', onEnd);
      sock.on('close', onEnd);
      sock.on('error', settle);
    });
    cleanup();
    if (failure !== null) throw failure;

    const expected = header!.fileSize;
    await out.finish(); // the rest of the bytes, then fsync (mostly done already, in the background)
    await out.close();
    if (out.error !== null) throw out.error;
    const sha256 = await sha.digest(); // every buffer was given to it, in order, before this
    const written = (await fsp.stat(partPath)).size;
    if (decoder.bytesReceived !== expected || written !== expected) {
      throw new ProtocolError('size_mismatch', `wrote ${written} bytes, expected ${expected}`);
    }
    await publishExclusive(partPath, finalPath).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') throw new ProtocolError('file_exists', `${finalPath} appeared during the download; not overwriting it`);
      throw e;
    });
    await syncDir(path.dirname(finalPath));
    meter.finish();
    return { path: finalPath, bytes: expected, sha256, seconds: (now() - startedAt) / 1000, header: header! };
  } catch (e) {
    cleanup();
    // Everything received goes to the file before it is kept (or removed).
    await writer?.close();
    hash?.dispose();
    const received = decoder.bytesReceived;
    let partialPath: string | undefined;
    if (received > 0) partialPath = await keepPartial(partPath, finalPath);
    await fsp.rm(partPath, { force: true }).catch(() => {});
    meter.finish();
    throw describeFailure(e, writer?.error ?? null, context, {
      received,
      expected: header?.fileSize ?? null,
      partialPath,
      partPath,
    });
  }

  function cleanup(): void {
    clearTimeout(headerTimer);
    clearTimeout(stallTimer);
    clearInterval(throughputTimer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
    socket?.destroy();
  }
}

function describeFailure(
  e: unknown,
  writeError: unknown,
  context: string,
  f: { received: number; expected: number | null; partialPath: string | undefined; partPath: string },
): DownloadError {
  let code: ProtocolErrorCode;
  let reason: string;
  let reply: unknown;
  if (e instanceof ProtocolError) {
    code = e.code;
    reason = e.message;
    reply = e.reply;
  } else if (writeError !== null && e === writeError) {
    code = 'write_failed';
    reason = `cannot write ${f.partPath}: ${errorLine(e)}`;
  } else if ((e as NodeJS.ErrnoException)?.code === 'ERR_STREAM_PREMATURE_CLOSE') {
    code = 'closed_early';
    reason = 'the connection closed before the transfer completed';
  } else if (isFsError(e)) {
    code = 'write_failed';
    reason = errorLine(e);
  } else {
    ({ code, text: reason } = classifySocketError(e));
  }
  const progress = `received ${f.received} of ${f.expected ?? 'unknown'} bytes`;
  const kept = f.partialPath ? `; kept what arrived at ${f.partialPath}` : '';
  return new DownloadError(code, `${context}: ${reason} (${progress}${kept})`, {
    reply,
    bytesReceived: f.received,
    expectedBytes: f.expected,
    cause: e,
    ...(f.partialPath !== undefined ? { partialPath: f.partialPath } : {}),
  });
}

function isFsError(e: unknown): boolean {
  const syscall = (e as NodeJS.ErrnoException | null)?.syscall;
  return typeof syscall === 'string' && ['open', 'write', 'writev', 'fsync', 'close', 'link', 'rename', 'stat', 'unlink'].includes(syscall);
}

async function pathExists(p: string, context: string): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new DownloadError('write_failed', `${context}: cannot check ${p}: ${errorLine(e)}`, { cause: e });
  }
}

/**
 * Move `src` to `dest` only if `dest` does not exist (EEXIST otherwise). A hard link is atomic
 * and exclusive; file systems without links (FAT/exFAT card readers) get an exclusive claim of
 * the name followed by a rename over the claim.
 */
export async function publishExclusive(src: string, dest: string): Promise<void> {
  try {
    await fsp.link(src, dest);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (!NO_HARD_LINKS.has(code)) throw e;
    const claim = await fsp.open(dest, 'wx');
    await claim.close();
    await fsp.rename(src, dest);
    return;
  }
  await fsp.unlink(src);
}

/** Keep received bytes at `<final>.partial` (or `.partial-2`, … never overwriting). */
async function keepPartial(partPath: string, finalPath: string): Promise<string | undefined> {
  for (let n = 1; n <= 100; n++) {
    const candidate = n === 1 ? `${finalPath}.partial` : `${finalPath}.partial-${n}`;
    try {
      await publishExclusive(partPath, candidate);
      return candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
    }
  }
  return undefined;
}

/** Make the rename durable (POSIX); best effort, Windows cannot open folders. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const h = await fsp.open(dir, 'r');
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // durability nicety only
  }
}

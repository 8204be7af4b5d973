/**
 * One command, one TCP connection: connect, write the command in ONE write, read the first
 * complete JSON object (never wait for EOF: the iPhone app never closes), validate, close.
 * A device answer of any status is returned, never thrown; callers classify `status`.
 */
import { formatAddress } from '../../../src-shared/address';
import { errorLine } from '../../../src-shared/error-line';
import type net from 'node:net';
import {
  CONNECT_TIMEOUT_MS,
  DEVICE_STRING_KEEP_BYTES,
  JsonObjectFramer,
  MAX_REPLY_BYTES,
  ProtocolError,
  REPLY_TIMEOUT_MS,
  encodeCommand,
  parseReply,
  type Command,
  type CommandName,
  type DeviceReply,
} from '../../../src-shared/protocol';
import { abortedError, openConnection, validateAddress, withRetries } from './connect';
import { classifySocketError, withContext } from './errors';
import { decodeReplyBytes } from './parse-off-thread';
import type { DeviceAddress, PreparedConnection, SendOptions, TimedReply, WriteBatch } from './types';

/** Commands a device may safely receive twice: a reply timeout on these is retried. */
const IDEMPOTENT: ReadonlySet<CommandName> = new Set<CommandName>(['DEVICE_STATUS', 'HEARTBEAT', 'LIST_FILES']);

export const defaultNow = (): number => performance.timeOrigin + performance.now();

export async function send(address: DeviceAddress, command: Command, options: SendOptions = {}): Promise<TimedReply> {
  const name = typeof command?.command === 'string' ? command.command : 'command';
  const context = `${name} to ${address && typeof address === 'object' ? formatAddress(address) : String(address)}`;
  validateAddress(address, context);
  let bytes: Uint8Array;
  try {
    bytes = encodeCommand(command);
  } catch (e) {
    if (e instanceof ProtocolError) throw withContext(e, context);
    // Not a device failure: the caller built an unencodable command (a bug), so no ProtocolError.
    throw new TypeError(`${context}: cannot encode the command: ${errorLine(e)}`, { cause: e });
  }
  const now = options.now ?? defaultNow;
  const connectTimeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  const replyTimeoutMs = options.replyTimeoutMs ?? REPLY_TIMEOUT_MS[name as CommandName] ?? 60_000;
  const idempotent = IDEMPOTENT.has(name as CommandName);

  // A connection opened ahead (prepareConnection) serves the first attempt if it is still good.
  // Already connected, it is written to before this call returns (no await on the way): the
  // recorder's START fan-out then writes every device's command in one synchronous loop, with
  // nothing of the other devices' waiting in between.
  const early = options.connection?.takeNow?.() ?? null;
  return withRetries({ tries: options.tries, backoffMs: options.backoffMs, signal: options.signal }, context, async (attempt, tries) => {
    const ctx = tries > 1 ? `${context} (attempt ${attempt} of ${tries})` : context;
    const ready = attempt > 1 ? null : (early ?? (options.connection ? await options.connection.take() : null));
    const socket = ready ?? (await openConnection(address, ctx, { connectTimeoutMs, signal: options.signal }));
    const r = await exchange(socket, bytes, ctx, { replyTimeoutMs, idempotent, now, signal: options.signal, batch: attempt === 1 ? options.batch : undefined });
    return { ...r, attempts: attempt };
  });
}

interface ExchangeOptions {
  replyTimeoutMs: number;
  idempotent: boolean;
  now: () => number;
  signal?: AbortSignal | undefined;
  batch?: WriteBatch | undefined;
}

/** Gather a fan-out's writes (see WriteBatch): add them while issuing the sends, then flush. */
export function writeBatch(): WriteBatch {
  let queued: Array<() => void> | null = [];
  return {
    add(write) {
      if (queued) queued.push(write);
      else write();
    },
    flush() {
      const writes = queued ?? [];
      queued = null;
      for (const write of writes) write();
    },
  };
}

/** Write the command and read one reply on a connected socket; always destroys the socket. */
function exchange(
  socket: net.Socket,
  bytes: Uint8Array,
  context: string,
  opts: ExchangeOptions,
): Promise<{ reply: DeviceReply; sentAt: number; receivedAt: number }> {
  return new Promise((resolve, reject) => {
    // Long strings are cut while framing (to what bound.ts keeps anyway): a hostile ~1 MiB reply
    // becomes a few KiB before any copy, decode or parse.
    const framer = new JsonObjectFramer(MAX_REPLY_BYTES, { maxStringBytes: DEVICE_STRING_KEEP_BYTES });
    let received = 0;
    let settled = false;
    let sentAt = 0;
    /** The whole reply arrived: the device closing or resetting now changes nothing. */
    let replyComplete = false;

    const finish = (err: ProtocolError | null, value?: { reply: DeviceReply; sentAt: number; receivedAt: number }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      socket.destroy();
      if (err) reject(err);
      else resolve(value!);
    };

    const onData = (chunk: Buffer) => {
      received += chunk.length;
      let result;
      try {
        result = framer.pushBytes(chunk);
      } catch (e) {
        finish(e instanceof ProtocolError ? withContext(e, context, { retryable: false }) : asNetworkError(e, context));
        return;
      }
      if (!result.done) return;
      const receivedAt = opts.now();
      replyComplete = true;
      socket.removeListener('data', onData);
      // A large reply is parsed off the event loop; the reply timer still bounds the wait.
      decodeReplyBytes(result.bytes)
        .then((value) => finish(null, { reply: parseReply(value), sentAt, receivedAt }))
        .catch((e: unknown) => finish(e instanceof ProtocolError ? withContext(e, context, { retryable: false }) : asNetworkError(e, context)));
    };
    const onError = (e: unknown) => {
      if (replyComplete) return;
      const { code, text } = classifySocketError(e);
      // The command has been written by now, so the device may have acted on it: only an
      // idempotent command is retried, and only when the reset came before any reply byte
      // (after, the device was answering). A START/STOP/UPLOAD sent twice would start a second
      // recording, lose the file name to an "not recording" error, or queue a second upload.
      const retryable = opts.idempotent && code !== 'network_error' && received === 0;
      finish(new ProtocolError(code, `${context}: ${text} after ${received} reply bytes`, { retryable, cause: e }));
    };
    const onEnd = () => {
      if (replyComplete) return;
      finish(
        new ProtocolError(
          'closed_early',
          received === 0
            ? `${context}: device closed the connection without replying`
            : `${context}: device closed the connection after ${received} bytes, before the reply was complete`,
        ),
      );
    };
    const onAbort = () => finish(abortedError(context, 'while waiting for the reply'));

    const timer = setTimeout(() => {
      finish(
        new ProtocolError('reply_timeout', `${context}: no complete reply within ${opts.replyTimeoutMs} ms (${received} bytes received)`, {
          // START/STOP/UPLOAD may have been acted on by a slow device: never send them twice.
          retryable: opts.idempotent,
        }),
      );
    }, opts.replyTimeoutMs);

    socket.on('data', onData);
    socket.on('error', onError);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    if (opts.signal?.aborted) {
      onAbort();
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const write = () => {
      if (settled) return; // aborted or failed before its batch was flushed: never written
      sentAt = opts.now();
      socket.write(bytes);
    };
    if (opts.batch) opts.batch.add(write);
    else write();
  });
}

function asNetworkError(e: unknown, context: string): ProtocolError {
  return new ProtocolError('network_error', `${context}: ${errorLine(e)}`, { cause: e });
}

/**
 * A connection to a device opened ahead of the command it will carry (START: the recorder opens
 * them during pre-flight, so connection setup — one round trip, more on a busy Wi-Fi — is not
 * part of the fan-out and every START leaves in the same instant). Nothing is written until
 * `send(…, { connection })` takes it; a connection that closed, errored or got unexpected bytes
 * meanwhile is dropped and `send` connects afresh, which is safe because the device never saw a
 * command on it. Unused, it closes itself after `idleMs`.
 */
export function prepareConnection(address: DeviceAddress, options: { connectTimeoutMs?: number; idleMs?: number } = {}): PreparedConnection {
  let taken = false;
  let bad = false;
  let socket: net.Socket | null = null;
  const markBad = () => {
    bad = true;
    socket?.destroy();
  };
  const idle = setTimeout(markBad, options.idleMs ?? 30_000);
  idle.unref();
  const opening = (async () => {
    validateAddress(address, 'prepare connection');
    const s = await openConnection(address, `connect to ${formatAddress(address)}`, { connectTimeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS });
    socket = s;
    // Before the command, the device has nothing to say: any byte, end or error spoils it.
    s.on('data', markBad);
    s.once('end', markBad);
    s.once('close', markBad);
    s.on('error', markBad);
    if (bad) s.destroy(); // closed or timed out while connecting
    return s;
  })().catch(() => {
    bad = true;
    return null;
  });
  const hand = (s: net.Socket | null): net.Socket | null => {
    clearTimeout(idle);
    if (!s || bad || s.destroyed || !s.writable) {
      s?.destroy();
      return null;
    }
    s.off('data', markBad);
    s.off('end', markBad);
    s.off('close', markBad);
    s.off('error', markBad);
    return s;
  };
  return {
    async take() {
      if (taken) return null;
      taken = true;
      return hand(await opening);
    },
    takeNow() {
      if (taken || !socket || bad || socket.destroyed || !socket.writable) return null;
      taken = true;
      return hand(socket);
    },
    close() {
      if (taken) return;
      taken = true;
      clearTimeout(idle);
      markBad();
    },
  };
}

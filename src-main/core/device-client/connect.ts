/**
 * The connection phase shared by `send` and `download`: connect with a timeout and an abort
 * signal, and the protocol's retry loop (connection-level failures only, backing off between
 * tries, abortable while waiting).
 */
import { errorLine } from '../../../src-shared/error-line';
import net from 'node:net';
import { DEFAULT_RETRY_TRIES, ProtocolError, RETRY_BACKOFF_MS } from '../../../src-shared/protocol';
import { classifySocketError } from './errors';
import type { DeviceAddress } from './types';

export function validateAddress(address: DeviceAddress, context: string): void {
  const ok =
    address !== null &&
    typeof address === 'object' &&
    typeof address.host === 'string' &&
    address.host.length > 0 &&
    Number.isInteger(address.port) &&
    address.port > 0 &&
    address.port < 65536;
  if (!ok) throw new ProtocolError('network_error', `${context}: invalid device address ${JSON.stringify(address)}`);
}

export function abortedError(context: string, when: string): ProtocolError {
  return new ProtocolError('aborted', `${context}: aborted ${when}`);
}

/**
 * Connect; resolves with a connected socket (no-delay on) or rejects with a typed error whose
 * `retryable` is true for refused / unreachable / connect timeout. The socket keeps a no-op
 * error listener for its whole life: the reader observes errors through its own listeners, and
 * an error after the caller settled must not crash the process.
 */
export function openConnection(
  address: DeviceAddress,
  context: string,
  opts: { connectTimeoutMs: number; signal?: AbortSignal | undefined; onread?: net.OnReadOpts | undefined },
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const { signal } = opts;
    if (signal?.aborted) {
      reject(abortedError(context, 'before connecting'));
      return;
    }
    let socket: net.Socket;
    try {
      socket = net.connect({ host: address.host, port: address.port, ...(opts.onread ? { onread: opts.onread } : {}) });
    } catch (cause) {
      reject(new ProtocolError('network_error', `${context}: cannot connect: ${errorLine(cause)}`, { cause }));
      return;
    }
    socket.on('error', () => {});
    let settled = false;
    const done = (err: ProtocolError | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('connect', onConnect);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        socket.setNoDelay(true);
        resolve(socket);
      }
    };
    const onConnect = () => done(null);
    const onError = (e: unknown) => {
      const { code, text } = classifySocketError(e);
      done(new ProtocolError(code, `${context}: ${text}`, { retryable: code !== 'network_error', cause: e }));
    };
    const onClose = () => done(new ProtocolError('connection_reset', `${context}: connection closed while connecting`, { retryable: true }));
    const onAbort = () => done(abortedError(context, 'while connecting'));
    const timer = setTimeout(
      () => done(new ProtocolError('connect_timeout', `${context}: no connection within ${opts.connectTimeoutMs} ms`, { retryable: true })),
      opts.connectTimeoutMs,
    );
    socket.once('connect', onConnect);
    socket.on('error', onError);
    socket.once('close', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Wait `ms`, rejecting with `aborted` as soon as the signal fires. */
export function sleep(ms: number, signal: AbortSignal | undefined, context: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortedError(context, 'while waiting to retry'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(context, 'while waiting to retry'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryPolicy {
  tries?: number | undefined;
  backoffMs?: readonly number[] | undefined;
  signal?: AbortSignal | undefined;
}

/**
 * Run `attempt(n)` up to `tries` times; retry only errors marked `retryable` (the failure site
 * decides, because only it knows whether the device may have acted on the command).
 */
export async function withRetries<T>(policy: RetryPolicy, context: string, attempt: (n: number, tries: number) => Promise<T>): Promise<T> {
  const tries = Math.max(1, Math.floor(policy.tries ?? DEFAULT_RETRY_TRIES));
  const backoff = policy.backoffMs ?? RETRY_BACKOFF_MS;
  for (let n = 1; ; n++) {
    try {
      return await attempt(n, tries);
    } catch (e) {
      if (!(e instanceof ProtocolError) || !e.retryable || n >= tries) throw e;
      const wait = backoff.length > 0 ? backoff[Math.min(n - 1, backoff.length - 1)]! : 0;
      await sleep(wait, policy.signal, context);
    }
  }
}

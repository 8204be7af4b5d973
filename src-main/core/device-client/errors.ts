/**
 * Turning socket and file-system failures into `ProtocolError`s whose message names the device
 * and the command, so a log line or a UI toast says what happened without a stack trace.
 */
import { errorLine } from '../../../src-shared/error-line';
import { ProtocolError, type ProtocolErrorCode } from '../../../src-shared/protocol';

/** A failed download: what arrived is kept at `partialPath` (never under the final name). */
export class DownloadError extends ProtocolError {
  /** Where the body bytes received before the failure were kept, if any arrived. */
  readonly partialPath?: string;
  /** `fileSize` from the header, null when the header never arrived. */
  readonly expectedBytes: number | null;

  constructor(
    code: ProtocolErrorCode,
    message: string,
    extra: {
      retryable?: boolean;
      reply?: unknown;
      bytesReceived?: number;
      cause?: unknown;
      partialPath?: string;
      expectedBytes?: number | null;
    } = {},
  ) {
    super(code, message, extra);
    this.name = 'DownloadError';
    if (extra.partialPath !== undefined) this.partialPath = extra.partialPath;
    this.expectedBytes = extra.expectedBytes ?? null;
  }
}

/** Connection-level errno values the retry policy applies to. */
const ERRNO_CODES: Record<string, { code: ProtocolErrorCode; text: string }> = {
  ECONNREFUSED: { code: 'connection_refused', text: 'connection refused' },
  ECONNRESET: { code: 'connection_reset', text: 'connection reset by the device' },
  EPIPE: { code: 'connection_reset', text: 'connection reset by the device (broken pipe)' },
  ECONNABORTED: { code: 'connection_reset', text: 'connection aborted' },
  EHOSTUNREACH: { code: 'host_unreachable', text: 'host unreachable' },
  EHOSTDOWN: { code: 'host_unreachable', text: 'host is down' },
  ENETUNREACH: { code: 'host_unreachable', text: 'network unreachable' },
  ENETDOWN: { code: 'host_unreachable', text: 'network is down' },
  ETIMEDOUT: { code: 'connect_timeout', text: 'connection timed out (operating system)' },
};

/** Classify a socket error (not yet a ProtocolError) into a code and a short human reason. */
export function classifySocketError(err: unknown): { code: ProtocolErrorCode; text: string } {
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  const known = errno ? ERRNO_CODES[errno] : undefined;
  if (known) return known;
  const msg = errorLine(err);
  return { code: 'network_error', text: errno ? `${errno}: ${msg}` : msg };
}

/** Re-issue a ProtocolError with context in front of its message, keeping code and reply. */
export function withContext(err: ProtocolError, context: string, extra: { retryable?: boolean } = {}): ProtocolError {
  return new ProtocolError(err.code, `${context}: ${err.message}`, {
    retryable: extra.retryable ?? err.retryable,
    reply: err.reply,
    bytesReceived: err.bytesReceived,
    cause: err,
  });
}

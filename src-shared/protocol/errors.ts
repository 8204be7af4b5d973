/**
 * Typed errors for everything that can go wrong talking to a device. `code` is stable
 * (tests, UI and manifests use it); `message` is for people.
 */
export type ProtocolErrorCode =
  // framing / parsing
  | 'reply_too_large'
  | 'not_json_object'
  | 'malformed_json'
  | 'invalid_utf8'
  | 'invalid_reply'
  | 'header_too_large'
  | 'invalid_header'
  | 'invalid_file_size'
  | 'command_too_large'
  // transport
  | 'connect_timeout'
  | 'connection_refused'
  | 'host_unreachable'
  | 'connection_reset'
  | 'closed_early'
  | 'reply_timeout'
  | 'stalled'
  | 'aborted'
  | 'network_error'
  // transfer
  | 'size_mismatch'
  | 'file_exists'
  | 'write_failed'
  // the device answered, and the answer is a failure
  | 'device_error';

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  /** Whether the protocol's retry policy applies (connection-level failures only). */
  readonly retryable: boolean;
  /** The device's own reply, when there was one (a `device_error`, or a reply that failed validation). */
  readonly reply?: unknown;
  /** Bytes of file body received before the failure (downloads). */
  readonly bytesReceived?: number;

  constructor(code: ProtocolErrorCode, message: string, extra: { retryable?: boolean; reply?: unknown; bytesReceived?: number; cause?: unknown } = {}) {
    super(message, extra.cause !== undefined ? { cause: extra.cause } : undefined);
    this.name = 'ProtocolError';
    this.code = code;
    this.retryable = extra.retryable ?? false;
    if (extra.reply !== undefined) this.reply = extra.reply;
    if (extra.bytesReceived !== undefined) this.bytesReceived = extra.bytesReceived;
  }
}

export function isProtocolError(e: unknown): e is ProtocolError {
  return e instanceof ProtocolError;
}

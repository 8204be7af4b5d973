/**
 * GET_VIDEO frame decoder, a small state machine. Success on the wire is a 4-byte big-endian
 * header length, a JSON header, then exactly `fileSize` bytes (no trailer, no close). A failure
 * is a bare JSON object instead, recognised by its first byte. Pure: bytes in, events out;
 * body chunks are views of the input (no copies), so a stream can keep backpressure.
 */
import { MAX_HEADER_BYTES, MAX_REPLY_BYTES } from './constants';
import { ProtocolError } from './errors';
import { DEVICE_STRING_KEEP_BYTES, JsonObjectFramer, concat } from './framer';
import { parseReply, parseVideoHeader, type DeviceReply, type VideoHeader } from './replies';

export type VideoFrameEvent =
  | { type: 'header'; header: VideoHeader }
  | { type: 'data'; chunk: Uint8Array }
  | { type: 'complete' }
  | { type: 'error-reply'; reply: DeviceReply };

type State = 'start' | 'length' | 'header' | 'body' | 'done' | 'error-reply';

export class VideoFrameDecoder {
  private state: State = 'start';
  private pending: Uint8Array[] = [];
  private pendingSize = 0;
  private headerLength = 0;
  private framer: JsonObjectFramer | null = null;
  private _header: VideoHeader | null = null;
  private _received = 0;
  private _extra = 0;
  /** Set once push has failed: the decoder is poisoned and keeps reporting the same failure. */
  private failure: unknown = null;

  constructor(private readonly maxHeaderBytes: number = MAX_HEADER_BYTES) {}

  get header(): VideoHeader | null {
    return this._header;
  }
  /** Body bytes received so far. */
  get bytesReceived(): number {
    return this._received;
  }
  /** Bytes the device sent beyond `fileSize` (ignored). */
  get extraBytes(): number {
    return this._extra;
  }
  get isComplete(): boolean {
    return this.state === 'done';
  }
  get phase(): State {
    return this.state;
  }

  /** Feed one chunk. Throws a `ProtocolError` on a bad frame; after that, every call throws it again. */
  push(chunk: Uint8Array): VideoFrameEvent[] {
    if (this.failure !== null) throw this.failure;
    try {
      return this.decode(chunk);
    } catch (e) {
      // Carrying on after a failure would misread later bytes (e.g. as a fresh header length).
      this.failure = e;
      throw e;
    }
  }

  private decode(chunk: Uint8Array): VideoFrameEvent[] {
    const events: VideoFrameEvent[] = [];
    let rest = chunk;
    while (rest.length > 0) {
      switch (this.state) {
        case 'start': {
          const b = rest[0]!;
          // A valid header length is < 64 KiB, so its first byte is 0x00: `{` or whitespace means a JSON error reply.
          if (b === 0x7b || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) {
            this.state = 'error-reply';
            this.framer = new JsonObjectFramer(MAX_REPLY_BYTES, { maxStringBytes: DEVICE_STRING_KEEP_BYTES });
          } else {
            this.state = 'length';
          }
          break;
        }
        case 'error-reply': {
          const r = this.framer!.push(rest);
          rest = new Uint8Array(0);
          if (r.done) {
            this.state = 'done';
            this._extra += r.rest.length; // bytes after the error reply are ignored, but counted
            events.push({ type: 'error-reply', reply: parseReply(r.value) });
          }
          break;
        }
        case 'length': {
          rest = this.take(rest, 4);
          if (this.pendingSize === 4) {
            const buf = this.drain();
            const len = ((buf[0]! << 24) >>> 0) + (buf[1]! << 16) + (buf[2]! << 8) + buf[3]!;
            if (len === 0) throw new ProtocolError('invalid_header', 'GET_VIDEO header length is 0');
            if (len > this.maxHeaderBytes) {
              throw new ProtocolError('header_too_large', `GET_VIDEO header length ${len} exceeds the ${this.maxHeaderBytes}-byte cap`);
            }
            this.headerLength = len;
            this.state = 'header';
          }
          break;
        }
        case 'header': {
          rest = this.take(rest, this.headerLength);
          if (this.pendingSize === this.headerLength) {
            const buf = this.drain();
            let value: unknown;
            try {
              value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf));
            } catch (cause) {
              throw new ProtocolError('invalid_header', 'GET_VIDEO header is not valid UTF-8 JSON', { cause });
            }
            this._header = parseVideoHeader(value);
            events.push({ type: 'header', header: this._header });
            this.state = this._header.fileSize === 0 ? 'done' : 'body';
            if (this.state === 'done') events.push({ type: 'complete' });
          }
          break;
        }
        case 'body': {
          const want = this._header!.fileSize - this._received;
          const part = rest.length <= want ? rest : rest.subarray(0, want);
          rest = rest.length <= want ? new Uint8Array(0) : rest.subarray(want);
          this._received += part.length;
          events.push({ type: 'data', chunk: part });
          if (this._received === this._header!.fileSize) {
            this.state = 'done';
            events.push({ type: 'complete' });
          }
          break;
        }
        case 'done': {
          this._extra += rest.length;
          rest = new Uint8Array(0);
          break;
        }
      }
    }
    return events;
  }

  /**
   * The connection ended. Throws `closed_early` unless the frame (or an error reply) is complete,
   * saying how far it got (or rethrows the failure of an earlier `push`).
   */
  end(): void {
    if (this.failure !== null) throw this.failure;
    if (this.state === 'done') return;
    const where =
      this.state === 'body'
        ? `after ${this._received} of ${this._header!.fileSize} bytes`
        : this.state === 'error-reply'
          ? 'in the middle of an error reply'
          : 'before the GET_VIDEO header was complete';
    throw new ProtocolError('closed_early', `device closed the connection ${where}`, { bytesReceived: this._received });
  }

  private take(chunk: Uint8Array, target: number): Uint8Array {
    const need = target - this.pendingSize;
    const part = chunk.length <= need ? chunk : chunk.subarray(0, need);
    this.pending.push(part);
    this.pendingSize += part.length;
    return chunk.length <= need ? new Uint8Array(0) : chunk.subarray(need);
  }

  private drain(): Uint8Array {
    const out = concat(this.pending, this.pendingSize);
    this.pending = [];
    this.pendingSize = 0;
    return out;
  }
}

/** Encode a GET_VIDEO success frame head (length + header). Used by tests and benches. */
export function encodeVideoFrameHead(header: Record<string, unknown>): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(4 + json.length);
  new DataView(out.buffer).setUint32(0, json.length, false);
  out.set(json, 4);
  return out;
}

/**
 * Incremental JSON-object framer: bytes in, the first complete top-level object out.
 * Replies have no framing (no newline, no length) and the iPhone app never closes, so the
 * end of the reply is found by brace depth, aware of strings and escapes. Scanning bytes is
 * safe for UTF-8: every byte of a multi-byte sequence is ≥ 0x80, never `{ } " \`.
 */
import { MAX_DEVICE_STRING_CHARS } from './bound';
import { MAX_REPLY_BYTES } from './constants';
import { ProtocolError } from './errors';

const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

export type FramerResult =
  | { done: false }
  | {
      done: true;
      /** The parsed object. */
      value: Record<string, unknown>;
      /** Bytes after the object in the last chunk (normally empty). */
      rest: Uint8Array;
    };

/** Like FramerResult, but the object's bytes undecoded (the caller decides where to parse them). */
export type FramerBytesResult = { done: false } | { done: true; bytes: Uint8Array; rest: Uint8Array };

export interface FramerOptions {
  /**
   * Keep at most about this many raw bytes of any one string (the rest of it is read past, never
   * buffered): a device can send one 1 MiB string, and nothing reads more than its first 4096
   * characters (bound.ts), so copying, decoding and parsing the rest is pure cost on the event
   * loop. The cut is always at a character and escape boundary, so the kept bytes stay valid JSON.
   * Default: keep everything.
   */
  maxStringBytes?: number;
}

/**
 * Raw bytes of a string to keep so that it still decodes to more than MAX_DEVICE_STRING_CHARS
 * UTF-16 units (a unit takes at most 6 raw bytes, `\uXXXX`): bounding the cut string then gives
 * exactly what bounding the whole string gives.
 */
export const DEVICE_STRING_KEEP_BYTES = 6 * MAX_DEVICE_STRING_CHARS + 16;

export class JsonObjectFramer {
  private readonly chunks: Uint8Array[] = [];
  /** Bytes kept (what the object's bytes will be). */
  private size = 0;
  /** Bytes read since the opening brace (what the reply cap counts). */
  private scanned = 0;
  private readonly maxStringBytes: number;
  /** Raw bytes of the current string seen so far (an undercount by its escaped quotes: the cut only comes later). */
  private stringBytes = 0;
  /** The current string was cut: its bytes are being read past until it closes. */
  private skipping = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  private finished = false;
  /** Set once a push has failed: the framer is poisoned and keeps failing the same way. */
  private failure: unknown = null;

  constructor(
    private readonly maxBytes: number = MAX_REPLY_BYTES,
    options: FramerOptions = {},
  ) {
    this.maxStringBytes = options.maxStringBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Bytes buffered so far, from the opening brace (leading whitespace is not kept; nor are cut string tails). */
  get bufferedBytes(): number {
    return this.size;
  }

  /** Feed one chunk. Throws a `ProtocolError` on garbage, oversize or malformed JSON. */
  push(chunk: Uint8Array): FramerResult {
    const r = this.pushBytes(chunk);
    if (!r.done) return r;
    try {
      return { done: true, value: decodeJsonObject(r.bytes), rest: r.rest };
    } catch (e) {
      this.failure = e;
      throw e;
    }
  }

  /**
   * Feed one chunk; when the object is complete, return its bytes without decoding them (a large
   * reply can then be parsed off the event loop). Throws a `ProtocolError` on garbage or oversize.
   */
  pushBytes(chunk: Uint8Array): FramerBytesResult {
    if (this.failure !== null) throw this.failure;
    if (this.finished) throw new Error('JsonObjectFramer: already produced an object');
    try {
      return this.scan(chunk);
    } catch (e) {
      // A failed chunk is not buffered: carrying on would splice later bytes onto a gap and
      // could even yield a valid but wrong object. Keep failing instead.
      this.failure = e;
      throw e;
    }
  }

  private scan(input: Uint8Array): FramerBytesResult {
    let chunk = input;
    let i = 0;
    if (!this.started) {
      while (i < chunk.length && isWhitespace(chunk[i]!)) i++;
      if (i === chunk.length) return { done: false };
      const b = chunk[i]!;
      if (b !== OPEN) {
        throw new ProtocolError('not_json_object', `reply does not start with a JSON object (first byte 0x${b.toString(16).padStart(2, '0')})`);
      }
      this.started = true;
      this.depth = 1;
      // keep only from the opening brace
      chunk = chunk.subarray(i);
      i = 1;
    }
    // The state lives in locals while scanning (a 1 MiB reply is scanned byte by byte: keep it tight).
    let depth = this.depth;
    let inString = this.inString;
    let escaped = this.escaped;
    let stringBytes = this.stringBytes;
    let skipping = this.skipping;
    const limit = this.maxStringBytes;
    /** The first byte of this chunk not yet kept. */
    let keepFrom = 0;
    const n = chunk.length;
    for (; i < n; i++) {
      if (inString) {
        if (escaped) {
          escaped = false;
          continue;
        }
        // Jump to the next quote natively; it closes the string unless an odd run of backslashes
        // precedes it. Each byte is looked at a bounded number of times: linear.
        const q = chunk.indexOf(QUOTE, i);
        const stop = q < 0 ? n : q;
        if (!skipping && stringBytes + (stop - i) > limit) {
          const cut = safeCut(chunk, Math.max(i, i + (limit - stringBytes), 6), stop);
          if (cut >= 0) {
            this.keep(chunk.subarray(keepFrom, cut));
            skipping = true;
          }
        }
        stringBytes += stop - i;
        let run = 0;
        while (stop - 1 - run >= i && chunk[stop - 1 - run] === BACKSLASH) run++;
        if (q < 0) {
          // The string continues in the next chunk; an odd trailing run escapes its first byte.
          escaped = run % 2 === 1;
          i = n;
          break;
        }
        i = q; // the quote: escaped by an odd run, else the string's end
        if (run % 2 === 0) {
          inString = false;
          stringBytes = 0;
          if (skipping) {
            // Kept again from the closing quote on.
            skipping = false;
            keepFrom = q;
          }
        }
        continue;
      }
      const b = chunk[i]!;
      if (b === QUOTE) inString = true;
      else if (b === OPEN) depth++;
      else if (b === CLOSE && --depth === 0) {
        this.depth = 0;
        this.inString = false;
        this.escaped = false;
        // The cap counts every byte read (cut string tails too), up to the closing brace.
        this.checkSize(i + 1);
        this.keep(chunk.subarray(keepFrom, i + 1));
        this.finished = true;
        return { done: true, bytes: concat(this.chunks, this.size), rest: chunk.subarray(i + 1) };
      }
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    this.stringBytes = stringBytes;
    this.skipping = skipping;
    this.checkSize(n);
    this.scanned += n;
    if (!skipping) this.keep(chunk.subarray(keepFrom));
    return { done: false };
  }

  private keep(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.chunks.push(piece);
    this.size += piece.length;
  }

  private checkSize(adding: number): void {
    if (this.scanned + adding > this.maxBytes) {
      throw new ProtocolError('reply_too_large', `reply exceeds ${this.maxBytes} bytes without completing a JSON object`);
    }
  }
}

/**
 * The first index in [from, stop) where a string's bytes can be cut and stay valid JSON text: not
 * inside a UTF-8 sequence (no continuation byte) and not inside an escape (no backslash in the
 * 6 bytes before it; `from` ≥ 6 so those are in this chunk). -1 when there is none. Linear: the
 * index only moves forward.
 */
function safeCut(chunk: Uint8Array, from: number, stop: number): number {
  let p = from;
  outer: while (p < stop) {
    if ((chunk[p]! & 0xc0) === 0x80) {
      p++;
      continue;
    }
    for (let j = p - 1; j >= p - 6; j--) {
      if (chunk[j] === BACKSLASH) {
        p = j + 7;
        continue outer;
      }
    }
    return p;
  }
  return -1;
}

/** UTF-8 bytes of one JSON object → the object; `invalid_utf8` / `malformed_json` otherwise. */
export function decodeJsonObject(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new ProtocolError('invalid_utf8', 'reply is not valid UTF-8', { cause });
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (cause) {
    const preview = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new ProtocolError('malformed_json', `reply is not valid JSON: ${preview}`, { cause });
  }
}

export function concat(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const size = total ?? chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/** One-shot: the first complete object in `bytes`, or null if it is incomplete. */
export function decodeFirstObject(bytes: Uint8Array, maxBytes = MAX_REPLY_BYTES): Record<string, unknown> | null {
  const r = new JsonObjectFramer(maxBytes).push(bytes);
  return r.done ? r.value : null;
}

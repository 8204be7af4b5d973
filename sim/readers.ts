/**
 * Command readers, one per personality, each written the way that device reads its socket
 * (device-protocol-notes.md). Deliberately not the controller's framer: a framing bug on one
 * side must not be cancelled out by the same code on the other.
 */
import { errorLine } from '../src-shared/error-line';
import type { Personality } from './types';

export type ReadOutcome =
  | { kind: 'command'; value: Record<string, unknown> }
  /** Bytes that did not decode as one JSON object; what the device does about it is its own business. */
  | { kind: 'undecodable'; reason: string };

export interface CommandReader {
  push(chunk: Buffer): ReadOutcome[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode bytes as exactly one JSON object (what a phone's JSON decoder does with a buffer). */
export function decodeObject(bytes: Uint8Array): ReadOutcome {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (e) {
    return { kind: 'undecodable', reason: errorLine(e) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { kind: 'undecodable', reason: 'not a JSON object' };
  return { kind: 'command', value: value as Record<string, unknown> };
}

/** iPhone app: every received chunk is decoded on its own; a command split over two chunks is lost. */
export function iosReader(): CommandReader {
  return { push: (chunk) => [decodeObject(chunk)] };
}

/** Android app: `read(buf[4096])` in a loop, each read parsed alone. */
export function androidReader(readSize = 4096): CommandReader {
  return {
    push(chunk) {
      const out: ReadOutcome[] = [];
      for (let i = 0; i < chunk.length; i += readSize) out.push(decodeObject(chunk.subarray(i, i + readSize)));
      return out;
    },
  };
}

/**
 * OAK Python server: `recv(4)` then one `recv(8192)`, concatenated and parsed once per
 * connection. recv returns what is already buffered, so the first read may get fewer than 4
 * bytes and the second read takes the rest of the same chunk (or waits for the next one).
 */
export function oakReader(): CommandReader {
  let first: Buffer | null = null;
  let done = false;
  return {
    push(chunk) {
      if (done || chunk.length === 0) return [];
      let rest = chunk;
      if (first === null) {
        first = chunk.subarray(0, 4);
        rest = chunk.subarray(4);
        if (rest.length === 0) return [];
      }
      done = true;
      return [decodeObject(Buffer.concat([first, rest.subarray(0, 8192)]))];
    },
  };
}

/**
 * Spec device: accumulates until one complete top-level object (brace depth, string and escape
 * aware), then decodes it; later objects on the same connection are read the same way.
 */
export function specReader(maxBytes = 64 * 1024): CommandReader {
  let buf: Buffer = Buffer.alloc(0);
  let failed = false;
  return {
    push(chunk) {
      if (failed) return [];
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const out: ReadOutcome[] = [];
      for (;;) {
        let start = 0;
        while (start < buf.length && (buf[start] === 0x20 || buf[start] === 0x0a || buf[start] === 0x0d || buf[start] === 0x09)) start++;
        if (start === buf.length) {
          buf = Buffer.alloc(0);
          break;
        }
        if (buf[start] !== 0x7b) {
          failed = true;
          out.push({ kind: 'undecodable', reason: `expected '{' at byte ${start}` });
          break;
        }
        const end = objectEnd(buf, start);
        if (end < 0) {
          if (buf.length - start > maxBytes) {
            failed = true;
            out.push({ kind: 'undecodable', reason: `command exceeds ${maxBytes} bytes` });
          }
          break;
        }
        out.push(decodeObject(buf.subarray(start, end)));
        buf = buf.subarray(end);
      }
      return out;
    },
  };
}

/** Index just past the object that starts at `start`, or -1 if it is not complete yet. */
function objectEnd(b: Buffer, start: number): number {
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = start; i < b.length; i++) {
    const c = b[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

export function readerFor(p: Personality): CommandReader {
  switch (p) {
    case 'ios':
      return iosReader();
    case 'android':
      return androidReader();
    case 'oak':
      return oakReader();
    case 'spec':
      return specReader();
  }
}

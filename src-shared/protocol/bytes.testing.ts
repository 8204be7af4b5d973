/**
 * Helpers shared by the protocol unit tests. Imports nothing from node (src-shared runs everywhere).
 */
import { expect } from 'vitest';
import { ProtocolError } from './errors';

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export const bytes = (s: string): Uint8Array => encoder.encode(s);

/** The ProtocolError `fn` throws; fails the test if it throws nothing or something else. */
export function catchError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

/** One chunk per byte (views into `b`). */
export function perByte(b: Uint8Array): Uint8Array[] {
  return Array.from(b, (_, i) => b.subarray(i, i + 1));
}

/** `b` cut at the given offsets (copies). */
export function splitAt(b: Uint8Array, ...cuts: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...cuts, b.length]) {
    out.push(b.slice(prev, c));
    prev = c;
  }
  return out;
}

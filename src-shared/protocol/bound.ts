/**
 * Every value a device sends is bounded before anything else looks at it: a reply may be up to
 * 1 MiB (MAX_REPLY_BYTES), and a single 1 MiB string handed to validation, status folding, secret
 * redaction, a manifest or a terminal would make each of them pay for the device's choice. This
 * copy keeps the shape, cuts every string (and key) to a length no legitimate field reaches, and
 * drops what lies beyond a sane depth or count. One pass, linear in the size of the input.
 */

/** Longest device string kept (characters); a presigned URL echoed in an upload queue is ~1.5 K. */
export const MAX_DEVICE_STRING_CHARS = 4096;
/** Longest object key kept. */
export const MAX_DEVICE_KEY_CHARS = 128;
/** Deeper values become null. Replies are 2–3 levels deep. */
export const MAX_DEVICE_DEPTH = 16;
/** Array items and object members kept per container. */
export const MAX_DEVICE_ITEMS = 4096;

const ELLIPSIS = '…';

/** `s` cut to `max` characters (never splitting a surrogate pair), with `…` when something was cut. */
export function boundString(s: string, max: number = MAX_DEVICE_STRING_CHARS): string {
  if (s.length <= max) return s;
  let end = max;
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--; // a high surrogate whose pair would be cut off
  return s.slice(0, end) + ELLIPSIS;
}

/** Parsed device JSON within bounds: the value itself when it already is, else a bounded deep copy. */
export function boundDeviceValue(value: unknown): unknown {
  return withinBounds(value, 0) ? value : boundedCopy(value, 0);
}

function withinBounds(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.length <= MAX_DEVICE_STRING_CHARS;
  if (value === null || typeof value !== 'object') return true;
  if (depth >= MAX_DEVICE_DEPTH) return false;
  if (Array.isArray(value)) {
    if (value.length > MAX_DEVICE_ITEMS) return false;
    for (const v of value) if (!withinBounds(v, depth + 1)) return false;
    return true;
  }
  let n = 0;
  for (const key in value as Record<string, unknown>) {
    if (!Object.hasOwn(value, key)) continue;
    if (++n > MAX_DEVICE_ITEMS || key.length > MAX_DEVICE_KEY_CHARS) return false;
    if (!withinBounds((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

function boundedCopy(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return boundString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEVICE_DEPTH) return null;
  if (Array.isArray(value)) {
    const n = Math.min(value.length, MAX_DEVICE_ITEMS);
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = boundedCopy(value[i], depth + 1);
    return out;
  }
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const key in value as Record<string, unknown>) {
    if (!Object.hasOwn(value, key)) continue;
    if (++n > MAX_DEVICE_ITEMS) break;
    // defineProperty: a `__proto__` key from JSON.parse stays plain data, never a prototype.
    Object.defineProperty(out, boundString(key, MAX_DEVICE_KEY_CHARS), {
      value: boundedCopy((value as Record<string, unknown>)[key], depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * TXT records are untrusted and differ per device app (protocol notes rule 10): none on the iPhone
 * app, one free-text string on Android, `deviceId=` on OAK, and anything a broken responder sends.
 * `normaliseTxt` turns whatever arrives into a plain `Record<string, string>` and never throws.
 */

const MAX_ENTRIES = 64;
const MAX_KEY = 64;
const MAX_VALUE = 1024;

// Non-fatal: invalid UTF-8 becomes U+FFFD rather than an exception (binary TXT values exist).
const utf8 = new TextDecoder('utf-8', { fatal: false });

function bytesToString(b: Uint8Array): string {
  return utf8.decode(b);
}

/** One TXT entry as text: strings as-is, bytes decoded as UTF-8 (lossy), anything else ignored. */
function entryText(entry: unknown): string | null {
  if (typeof entry === 'string') return entry;
  if (entry instanceof Uint8Array) return bytesToString(entry);
  return null;
}

function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return bytesToString(v);
  if (v === true || v === null || v === undefined) return ''; // RFC 6763 boolean attribute
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return '';
}

/**
 * Normalise raw TXT data: an array of entries (Buffers/strings as multicast-dns decodes them), a
 * single Buffer or string (free text), an already-decoded object, or nothing.
 * Entries are `key=value` (split at the first `=`); an entry without `=` is a key with value ''
 * (RFC 6763), so a free-text string survives as a key. Keys are matched case-insensitively and the
 * first occurrence wins (RFC 6763 §6.4); empty keys are dropped; sizes are capped.
 */
export function normaliseTxt(raw: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const seen = new Set<string>();
  const put = (key: string, value: string) => {
    const k = key.slice(0, MAX_KEY);
    if (k.length === 0 || seen.has(k.toLowerCase()) || seen.size >= MAX_ENTRIES) return;
    if (k === '__proto__') return; // plain data only
    seen.add(k.toLowerCase());
    out[k] = value.slice(0, MAX_VALUE);
  };
  const putEntry = (text: string) => {
    const i = text.indexOf('=');
    if (i < 0) put(text, '');
    else put(text.slice(0, i), text.slice(i + 1));
  };

  try {
    if (raw === null || raw === undefined) return { ...out };
    if (typeof raw === 'string' || raw instanceof Uint8Array) {
      const t = entryText(raw);
      if (t) putEntry(t);
    } else if (Array.isArray(raw)) {
      for (const e of raw) {
        const t = entryText(e);
        if (t) putEntry(t);
      }
    } else if (typeof raw === 'object') {
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) put(k, valueText(v));
    }
  } catch {
    // A getter that throws or a proxy: keep what we have.
  }
  return { ...out };
}

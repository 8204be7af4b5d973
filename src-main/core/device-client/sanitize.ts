/**
 * A device-supplied (or user-supplied) name made into one safe path component, valid on
 * Linux, macOS and Windows: it can never name a parent folder, a device or a hidden file.
 */

const FALLBACK = 'video.bin';
/** Bytes: leaves room for `.partial` / `.part` suffixes and `-2` style collision suffixes under 255. */
export const MAX_FILE_NAME_BYTES = 200;
const MAX_EXTENSION_CHARS = 16;

// C0/C1 control characters (NUL included) and the characters Windows forbids in names.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f<>:"|?*]/g;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\.|$)/i;

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

/** Keep whole code points (never split a surrogate pair) while the UTF-8 length fits. */
function truncateUtf8(s: string, maxBytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = utf8Length(ch);
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}

export function sanitizeFileName(name: string): string {
  const raw = typeof name === 'string' ? name : '';
  // Basename only: a device on Windows or a hostile one may send either separator.
  let base = raw.split(/[\\/]/).pop() ?? '';
  base = base.normalize('NFC').replace(FORBIDDEN, '');
  // Windows drops trailing dots and spaces (so "a.mov." would alias "a.mov"); leading dots hide files.
  base = base
    .trim()
    .replace(/[. ]+$/, '')
    .replace(/^\.+/, '')
    .trim();
  if (base === '') return FALLBACK;
  if (WINDOWS_RESERVED.test(base)) base = `_${base}`;
  if (utf8Length(base) > MAX_FILE_NAME_BYTES) {
    const dot = base.lastIndexOf('.');
    const ext = dot > 0 && base.length - dot <= MAX_EXTENSION_CHARS ? base.slice(dot) : '';
    const stem = ext ? base.slice(0, dot) : base;
    base = truncateUtf8(stem, MAX_FILE_NAME_BYTES - utf8Length(ext)).replace(/[. ]+$/, '') + ext;
    if (base === ext) base = `video${ext}`;
  }
  return base;
}

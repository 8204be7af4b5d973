import { describe, expect, it } from 'vitest';
import { MAX_FILE_NAME_BYTES, sanitizeFileName } from './sanitize';

describe('sanitizeFileName', () => {
  it.each([
    ['video_1729000000.mp4', 'video_1729000000.mp4'],
    ['../../evil', 'evil'],
    ['/etc/passwd', 'passwd'],
    ['C:\\evil', 'evil'],
    ['C:\\Windows\\System32\\x.mov', 'x.mov'],
    ['dir/sub\\mixed.mp4', 'mixed.mp4'],
    ['a\u0000b\u0001c\u001f\u007f.mov', 'abc.mov'],
    ['we<i>rd:na"me|?*.mp4', 'weirdname.mp4'],
    ['.', 'video.bin'],
    ['..', 'video.bin'],
    ['...', 'video.bin'],
    ['../', 'video.bin'],
    ['', 'video.bin'],
    ['   ', 'video.bin'],
    ['\u0000', 'video.bin'],
    ['.bashrc', 'bashrc'],
    ['clip.mov.', 'clip.mov'],
    ['clip.mov  ', 'clip.mov'],
    ['CON', '_CON'],
    ['nul.mp4', '_nul.mp4'],
    ['com1.mov', '_com1.mov'],
    ['LPT9', '_LPT9'],
    ['console.mp4', 'console.mp4'],
    ['Kamera_ü_日本.mp4', 'Kamera_ü_日本.mp4'],
  ])('%j → %j', (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected);
  });

  it('caps the length in UTF-8 bytes and keeps the extension', () => {
    const out = sanitizeFileName(`${'a'.repeat(400)}.mp4`);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(out.endsWith('.mp4')).toBe(true);
    expect(out.startsWith('aaaa')).toBe(true);
  });

  it('never splits a multi-byte character when capping', () => {
    const out = sanitizeFileName(`${'😀'.repeat(100)}.mov`);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_FILE_NAME_BYTES);
    expect(out).toBe(`${'😀'.repeat(49)}.mov`);
    expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
  });

  it('tolerates a non-string (untrusted input)', () => {
    expect(sanitizeFileName(42 as unknown as string)).toBe('video.bin');
  });

  it('always returns one path component without separators', () => {
    for (const s of ['a/b', 'a\\b', '/', '\\', '//x//', 'x/..', '..\\..\\..']) {
      const out = sanitizeFileName(s);
      expect(out).not.toMatch(/[\\/]/);
      expect(out).not.toMatch(/^\.+$/);
      expect(out.length).toBeGreaterThan(0);
    }
  });
});

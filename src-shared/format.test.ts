import { describe, expect, it } from 'vitest';
import { displayText, formatBytes } from './format';

describe('formatBytes', () => {
  it('uses binary units and says so', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(10955)).toBe('10.7 KiB');
    expect(formatBytes(230 * 1024 * 1024)).toBe('230 MiB');
    expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatBytes(5 * 1024 ** 5)).toBe('5120 TiB');
  });
  it('never prints NaN or a negative-looking garbage value', () => {
    expect(formatBytes(null)).toBe('?');
    expect(formatBytes(undefined)).toBe('?');
    expect(formatBytes(Number.NaN)).toBe('?');
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('?');
  });
});

describe('displayText', () => {
  it('removes bidi overrides and turns control characters into ?', () => {
    expect(displayText('Cam \u202eA\u202c \u2066x\u2069')).toBe('Cam A x');
    expect(displayText('a\u001b[2Jb\u0007\u009b')).toBe('a?[2Jb??');
    expect(displayText('Kamera Süd — 東')).toBe('Kamera Süd — 東');
  });
});

import { describe, expect, it } from 'vitest';
import { formatOffset } from './format';

describe('formatOffset', () => {
  it('never shows a signed zero ("−0 ms ±0" on a healthy card reads as a problem)', () => {
    expect(formatOffset(-0.3, 0)).toBe('+0 ms ±0');
    expect(formatOffset(-0, null)).toBe('+0 ms');
    expect(formatOffset(-0.6, 1)).toBe('−1 ms ±1');
    expect(formatOffset(812, 3)).toBe('+812 ms ±3');
    expect(formatOffset(-1250, 3)).toBe('−1.25 s ±3');
  });
});

import { describe, expect, it } from 'vitest';
import { errorLine } from './error-line';

describe('errorLine', () => {
  it('is the first line of an error message, trimmed', () => {
    expect(errorLine(new Error('  connect ECONNREFUSED 127.0.0.1:9  \n    at TCPConnectWrap'))).toBe('connect ECONNREFUSED 127.0.0.1:9');
  });
  it('takes a thrown value that is not an Error as text, and an error-like object by its message', () => {
    expect(errorLine('plain string')).toBe('plain string');
    expect(errorLine(42)).toBe('42');
    expect(errorLine({ message: 'from a reply' })).toBe('from a reply');
  });
  it('is never empty', () => {
    expect(errorLine(new Error(''))).toBe('unexpected error');
    expect(errorLine('  \n')).toBe('unexpected error');
    expect(errorLine('\n\nthe first line with words')).toBe('the first line with words');
  });
  it('is bounded', () => {
    const line = errorLine(new Error('x'.repeat(100_000)));
    expect(line.length).toBeLessThanOrEqual(500);
    expect(line.endsWith('…')).toBe(true);
    expect(errorLine(new Error('abcdef'), 4)).toBe('abc…');
  });
  it('survives a value whose text conversion throws', () => {
    const hostile = {
      toString() {
        throw new Error('no');
      },
    };
    expect(errorLine(hostile)).toBe('unexpected error');
    expect(errorLine(Object.create(null))).toBe('unexpected error');
  });
});

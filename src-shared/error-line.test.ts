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
    expect(errorLine(new Error('abcdef'), { max: 4 })).toBe('abc…');
  });
  it('puts the error code in front when asked, once', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(errorLine(refused)).toBe('connect ECONNREFUSED 127.0.0.1:9');
    expect(errorLine(refused, { withCode: true })).toBe('ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9');
    expect(errorLine(Object.assign(new Error('ENOSPC: no space left'), { code: 'ENOSPC' }), { withCode: true })).toBe('ENOSPC: no space left');
    expect(errorLine(Object.assign(new Error(''), { code: 'EPIPE' }), { withCode: true })).toBe('EPIPE');
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

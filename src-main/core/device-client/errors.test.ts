import { describe, expect, it } from 'vitest';
import { classifySocketError } from './errors';

const errno = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:8080`), { code });

describe('classifySocketError', () => {
  it.each([
    ['ECONNREFUSED', 'connection_refused'],
    ['ECONNRESET', 'connection_reset'],
    ['EPIPE', 'connection_reset'],
    ['EHOSTUNREACH', 'host_unreachable'],
    ['ENETUNREACH', 'host_unreachable'],
    ['EHOSTDOWN', 'host_unreachable'],
    ['ETIMEDOUT', 'connect_timeout'],
    ['EADDRNOTAVAIL', 'network_error'],
  ])('%s → %s', (code, expected) => {
    expect(classifySocketError(errno(code)).code).toBe(expected);
  });

  it('keeps the errno in the text of an unknown error', () => {
    expect(classifySocketError(errno('EWEIRD')).text).toContain('EWEIRD');
    expect(classifySocketError('not an error').code).toBe('network_error');
  });
});

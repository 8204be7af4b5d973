/** plainError: recorded technical lines become a few plain words, the raw line only the detail. */
import { describe, expect, it } from 'vitest';
import { plainError } from './plain';

describe('plainError', () => {
  it.each([
    ['connection_reset: START_RECORDING to 127.0.0.1:4000 (attempt 1 of 2): connection reset by the device after 0 reply bytes', 'connection reset'],
    ['no reply to DEVICE_STATUS: connection_refused: DEVICE_STATUS to 10.0.0.5:8080: connection refused', 'connection refused'],
    ['recvmsg ECONNREFUSED', 'connection refused'],
    ['write EPIPE', 'connection closed early'],
    ['connect EHOSTUNREACH 10.0.0.9:8080', 'the address cannot be reached'],
    ['not_json_object: reply is not a JSON object', 'the device sent a reply that is not a MultiCam answer'],
    ['invalid_reply: Too small: expected number to be >=0', 'the device sent a reply that is not a MultiCam answer'],
    ['reply_timeout: STOP_RECORDING to [::1]:8080: no reply within 90 s', 'no reply in time'],
  ])('%s → %s, with the raw line as detail', (raw, text) => {
    expect(plainError(raw)).toEqual({ text, detail: raw });
  });

  it('a line that is plain already is shown as it is, with no detail', () => {
    expect(plainError('time not synchronized: Clock not synced')).toEqual({ text: 'time not synchronized: Clock not synced', detail: null });
    expect(plainError('not recording at stop time (status ready)')).toEqual({ text: 'not recording at stop time (status ready)', detail: null });
    expect(plainError(null)).toBeNull();
    expect(plainError('  ')).toBeNull();
  });

  it('a long or multi-line text is cut to its first line; the whole is the detail', () => {
    const r = plainError(`device said no\n${'x'.repeat(500)}`)!;
    expect(r.text).toBe('device said no');
    expect(r.detail).toContain('xxx');
    expect(plainError('y'.repeat(300))!.text).toHaveLength(201);
  });

  it('looks at a bounded prefix of a hostile 1 MiB line', () => {
    const raw = `${'<X-Amz-Signature>connection_'.repeat(40_000)}ECONNRESET`;
    const r = plainError(raw)!;
    expect(r.detail!.length).toBe(4096); // the code past the first 4 KiB is not looked for
    expect(r.text.length).toBeLessThanOrEqual(201);
  });
});

/** `multicam status` output: device strings reach the operator's terminal, so they are made printable. */
import { describe, expect, it } from 'vitest';
import { formatStatusLine } from './status';

describe('formatStatusLine', () => {
  it('never writes terminal control sequences a device put in its reply', () => {
    const line = formatStatusLine({
      device: '10.0.0.5:8080',
      ok: true,
      error: null,
      status: 'ready\x1b[2J',
      battery: 50,
      deviceType: 'Oak\x1b]0;pwned\x07',
      deviceId: 'cam\r\u009b31mX',
      clock: null,
    });
    expect(line).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(line).toContain('cam');
    const failed = formatStatusLine({
      device: 'x:1',
      ok: false,
      error: 'malformed_json: reply is not valid JSON: {"a":"\x1b[31m',
      status: null,
      battery: null,
      deviceType: null,
      deviceId: null,
      clock: null,
    });
    expect(failed).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });
});

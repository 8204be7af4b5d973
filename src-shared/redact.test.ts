import { describe, expect, it } from 'vitest';
import { redactSecrets, redactUrl, redactValue } from './redact';

const URL_WITH_SIG =
  'http://127.0.0.1:4568/b/2026/t/dev/x.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAABCDEFGHIJKLMNOP%2F20261121%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261121T101145Z&X-Amz-Expires=60&X-Amz-Signature=754cae6a3fc37cfc79a560caa6b49acab0ee0371eaed0a6325aca01775c9ba66&X-Amz-SignedHeaders=host';

describe('redactUrl', () => {
  it('drops the query string, fragment and user info', () => {
    expect(redactUrl(URL_WITH_SIG)).toBe('http://127.0.0.1:4568/b/2026/t/dev/x.mp4?<redacted>');
    expect(redactUrl('https://user:pw@s3.example/b/k#frag')).toBe('https://s3.example/b/k');
    expect(redactUrl('not a url?Signature=abc')).toBe('not a url?<redacted>');
  });
});

describe('redactSecrets', () => {
  it('scrubs URLs, X-Amz-* and aws* fields, S3 XML error fields and access key ids in free text', () => {
    const text = [
      `PUT ${URL_WITH_SIG} failed`,
      'X-Amz-Signature=deadbeef&X-Amz-Credential=AKIAABCDEFGHIJKLMNOP',
      '<Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>1</X-Amz-Expires><AWSAccessKeyId>AKIAQWERTYUIOPASDFGH</AWSAccessKeyId></Error>',
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      '{"awsSecret":"s3cr3t","uploadUrl":"http://h/k?sig=1"}',
    ].join('\n');
    const out = redactSecrets(text);
    for (const secret of ['754cae6a', 'deadbeef', 'AKIAABCDEFGHIJKLMNOP', 'AKIAQWERTYUIOPASDFGH', 'wJalrXUtnFEMI', 's3cr3t', 'sig=1']) {
      expect(out).not.toContain(secret);
    }
    expect(out).not.toMatch(/X-Amz-Signature=[^<]/);
    // What the operator needs survives.
    expect(out).toContain('AccessDenied');
    expect(out).toContain('Request has expired');
    expect(out).toContain('http://127.0.0.1:4568/b/2026/t/dev/x.mp4');
  });

  it('leaves ordinary text alone', () => {
    expect(redactSecrets('bucket multicam-test does not exist at http://127.0.0.1:9')).toBe('bucket multicam-test does not exist at http://127.0.0.1:9');
    expect(redactSecrets('HTTP 404: NoSuchBucket')).toBe('HTTP 404: NoSuchBucket');
  });
});

describe('redactValue', () => {
  it('blanks secret-looking fields deeply and scrubs URLs', () => {
    const v = redactValue({
      uploadQueue: [{ fileName: 'a.mp4', uploadUrl: URL_WITH_SIG }],
      awsSecretAccessKey: 'x',
      'X-Amz-Security-Token': 'y',
      nested: { note: `see ${URL_WITH_SIG}`, sessionToken: 'z' },
    });
    const s = JSON.stringify(v);
    expect(s).not.toContain('754cae6a');
    expect(s).not.toMatch(/"(x|y|z)"/);
    expect(v.uploadQueue[0]!.uploadUrl).toBe('http://127.0.0.1:4568/b/2026/t/dev/x.mp4?<redacted>');
  });
});

describe('redaction of hostile device text', () => {
  // A device may echo ~1 MiB of pathological fragments; the old patterns were quadratic on these
  // (minutes for 1 MiB of `X-Amz-`). Linear code takes milliseconds: the bound below is a
  // hang detector with a wide margin, the precise ratio lives in `npm run bench eventloop`.
  const FRAGMENTS = ['<X-Amz-A>', 'X-Amz-', '<AWSx>', 'aws-', '"aws":"\\"', '"aws', 'http://a', '<X-Amz-Signature>abc', 'Signature= ', 'aws = '];
  it.each(FRAGMENTS)('1 MiB of %j is scrubbed in linear time', (frag) => {
    const text = frag.repeat(Math.ceil((1024 * 1024) / frag.length));
    const t0 = performance.now();
    const out = redactSecrets(text);
    const ms = performance.now() - t0;
    expect(typeof out).toBe('string');
    expect(ms).toBeLessThan(3000);
  });

  it('an unclosed secret tag or JSON value is redacted to the end', () => {
    expect(redactSecrets('x <X-Amz-Signature>deadbeef and more')).toBe('x <X-Amz-Signature><redacted>');
    expect(redactSecrets('{"awsSecret":"s3cr3t')).toBe('{"awsSecret":"<redacted>"');
    expect(redactSecrets('{"awsSecret":"a\\"b","k":"v"}')).toBe('{"awsSecret":"<redacted>","k":"v"}');
  });
});

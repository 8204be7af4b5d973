/** Presigning and the bucket checks against a real S3-compatible server (s3rver) on loopback. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { expirySeconds, presignPut } from './presign';
import { createS3Client, headObject, testConnection, StorageError } from './s3';
import { refusedPort } from '../device-client/servers.testing';
import { isolateAwsEnv, startS3Server, type TestS3Server } from './s3-server.testing';

let s3: TestS3Server;
let home: string;
let restoreEnv: () => void;

beforeAll(async () => {
  s3 = await startS3Server();
  home = await mkdtemp(join(tmpdir(), 'multicam-aws-'));
  // Only files we write; never the machine's own, never the EC2 metadata service.
  restoreEnv = isolateAwsEnv(home);
  // Written before any SDK call: the SDK caches the shared files for the life of the process.
  // No [default] profile, so the default chain still finds nothing.
  await writeFile(join(home, 'credentials'), `[multicam-test]\naws_access_key_id = ${s3.accessKeyId}\naws_secret_access_key = ${s3.secretAccessKey}\n`);
});
afterAll(async () => {
  await s3?.stop();
  restoreEnv?.();
  await rm(home, { recursive: true, force: true });
});

describe('expirySeconds', () => {
  it('sizes the link to the file at 2 MB/s ×3 + 5 min, clamped to [5 min, 7 days]', () => {
    expect(expirySeconds(1)).toBe(301);
    expect(expirySeconds(200_000_000)).toBe(300 + 300);
    expect(expirySeconds(2_000_000_000)).toBe(3000 + 300);
    expect(expirySeconds(10 ** 15)).toBe(7 * 24 * 3600);
    expect(expirySeconds(0)).toBe(expirySeconds(2 * 1024 ** 3)); // unknown size: assume 2 GiB
    expect(expirySeconds(null)).toBe(expirySeconds(2 * 1024 ** 3));
    expect(expirySeconds(1, { minSeconds: 600 })).toBe(600);
    expect(expirySeconds(4_000_000, { linkBytesPerSecond: 1_000_000, factor: 1, baseSeconds: 0, minSeconds: 1 })).toBe(4);
  });
});

describe('presignPut', () => {
  it('makes a path-style PUT URL with the expiry and signed length, without an empty-body checksum', async () => {
    const url = await presignPut(s3.client(), { bucket: s3.bucket, key: 'a/b c/x.mp4', size: 5, expiresInSeconds: 123 });
    const u = new URL(url);
    expect(u.origin).toBe(s3.endpoint);
    expect(u.pathname).toBe(`/${s3.bucket}/a/b%20c/x.mp4`);
    expect(u.searchParams.get('X-Amz-Expires')).toBe('123');
    expect(u.searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;host');
    expect(u.searchParams.get('X-Amz-Credential')).toContain(s3.accessKeyId);
    expect(url).not.toContain(s3.secretAccessKey);
    expect([...u.searchParams.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);

    const put = await fetch(url, { method: 'PUT', body: 'hello' });
    expect(put.status).toBe(200);
    const head = await headObject(s3.client(), s3.storage(), s3.bucket, 'a/b c/x.mp4');
    expect(head?.size).toBe(5);
    const got = await s3.client().send(new GetObjectCommand({ Bucket: s3.bucket, Key: 'a/b c/x.mp4' }));
    expect(await got.Body!.transformToString()).toBe('hello');
  });

  it('omits the length when the size is unknown', async () => {
    const url = await presignPut(s3.client(), { bucket: s3.bucket, key: 'k', size: 0, expiresInSeconds: 60 });
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  });

  it('s3rver refuses an expired presigned URL with 403 (what the expiry tests rely on)', async () => {
    const url = await presignPut(s3.client(), { bucket: s3.bucket, key: 'late', expiresInSeconds: 1 });
    await new Promise((r) => setTimeout(r, 2_100));
    const put = await fetch(url, { method: 'PUT', body: 'x' });
    expect(put.status).toBe(403);
    expect(await put.text()).toContain('Request has expired');
  });
});

describe('testConnection and headObject', () => {
  it('accepts a reachable bucket', async () => {
    const r = await testConnection(s3.client(), s3.storage());
    expect(r.bucket).toBe(s3.bucket);
    expect(r.message).toContain('reachable');
  });

  it('names a bucket that does not exist', async () => {
    const storage = s3.storage({ bucket: 'no-such-bucket' });
    const e = await testConnection(s3.client(), storage).catch((x) => x);
    expect(e).toBeInstanceOf(StorageError);
    expect(e.code).toBe('no_such_bucket');
    expect(e.message).toBe(`bucket 'no-such-bucket' does not exist at ${s3.endpoint}`);
  });

  it('says an endpoint is unreachable (closed loopback port)', async () => {
    const port = await refusedPort();
    const storage = s3.storage({ endpoint: `http://127.0.0.1:${port}` });
    const client = createS3Client(storage, { credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }, maxAttempts: 1 });
    const e = await testConnection(client, storage).catch((x) => x);
    expect(e.code).toBe('unreachable');
    expect(e.message).toContain(`cannot reach the storage endpoint http://127.0.0.1:${port}`);
  });

  it('reports missing credentials clearly when the chain finds none', async () => {
    const storage = s3.storage();
    const e = await testConnection(createS3Client(storage, { maxAttempts: 1 }), storage).catch((x) => x);
    expect(e.code).toBe('missing_credentials');
    expect(e.message).toMatch(/^no AWS credentials found/);
  });

  it('uses a named profile from the shared credentials file', async () => {
    const ok = s3.storage({ profile: 'multicam-test' });
    expect((await testConnection(createS3Client(ok, { maxAttempts: 1 }), ok)).bucket).toBe(s3.bucket);
    const missing = s3.storage({ profile: 'nobody' });
    const e = await testConnection(createS3Client(missing, { maxAttempts: 1 }), missing).catch((x) => x);
    expect(e.code).toBe('missing_credentials');
    expect(e.message).toContain("profile 'nobody'");
  });

  it('reports an unknown access key as refused credentials', async () => {
    const storage = s3.storage();
    const client = createS3Client(storage, { credentials: { accessKeyId: 'NOTAREALKEY', secretAccessKey: 'x' }, maxAttempts: 1 });
    const e = await testConnection(client, storage).catch((x) => x);
    expect(['invalid_credentials', 'access_denied']).toContain(e.code);
  });

  it('headObject: null for a missing key and for a missing bucket', async () => {
    expect(await headObject(s3.client(), s3.storage(), s3.bucket, 'nothing/here')).toBeNull();
    expect(await headObject(s3.client(), s3.storage(), 'no-such-bucket', 'k')).toBeNull();
  });

  it('refuses a non-http endpoint before any request', () => {
    expect(() => createS3Client(s3.storage({ endpoint: 'ftp://x' }))).toThrow(StorageError);
  });
});

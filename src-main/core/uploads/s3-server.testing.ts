/**
 * Test helper: a real S3-compatible server (s3rver) on 127.0.0.1, a free port, a temp folder,
 * one bucket, and fresh credentials. s3rver checks the access key id and presigned-URL expiry
 * (403 "Request has expired") but NOT signatures, so tests must not claim signature checks.
 * Never points anything at real AWS: the endpoint is always loopback.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import account from 's3rver/lib/models/account.js';
import type { S3Client } from '@aws-sdk/client-s3';
import type { StorageSettings } from '../../../src-shared/api';
import { createS3Client } from './s3';

export interface TestS3Server {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  port: number;
  bucket: string;
  dir: string;
  accessKeyId: string;
  /** Unique per server so tests can scan output for it. */
  secretAccessKey: string;
  /** Storage settings for this server (path-style, loopback endpoint). */
  storage(overrides?: Partial<StorageSettings>): StorageSettings;
  /** An SDK client with this server's credentials (never the default chain). */
  client(overrides?: Partial<StorageSettings>): S3Client;
  stop(): Promise<void>;
}

export async function startS3Server(opts: { dir?: string; bucket?: string } = {}): Promise<TestS3Server> {
  // The SDK must never wander to the EC2 metadata service while resolving anything in tests.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const ownDir = !opts.dir;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'multicam-s3-')));
  const bucket = opts.bucket ?? 'multicam-test';
  const accessKeyId = `TEST${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = `test-secret-${randomBytes(16).toString('hex')}`;
  account.DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, vhostBuckets: false, configureBuckets: [{ name: bucket }] });
  const addr = await server.run();
  const endpoint = `http://127.0.0.1:${addr.port}`;
  const storage = (o: Partial<StorageSettings> = {}): StorageSettings => ({
    bucket,
    prefixTemplate: '{date}/{take}/{device}/{file}',
    region: 'us-east-1',
    endpoint,
    profile: '',
    forcePathStyle: true,
    ...o,
  });
  return {
    endpoint,
    port: addr.port,
    bucket,
    dir,
    accessKeyId,
    secretAccessKey,
    storage,
    client: (o = {}) => createS3Client(storage(o), { credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 }),
    async stop() {
      await server.close().catch(() => undefined);
      account.DUMMY_ACCOUNT.revokeAccessKey(accessKeyId);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

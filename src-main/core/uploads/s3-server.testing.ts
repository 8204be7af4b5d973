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

/** Every variable the AWS SDK's default credential chain reads (and the region it falls back on). */
const AWS_ENV = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_REGION',
];

/**
 * Keep a test away from the machine's own AWS set-up: clear every credential variable, point the
 * shared credentials/config files into `dir` (files the test writes, or none) and turn the EC2
 * metadata service off. Returns the function that puts the environment back.
 */
export function isolateAwsEnv(dir: string): () => void {
  const saved = new Map(AWS_ENV.map((k) => [k, process.env[k]]));
  for (const k of AWS_ENV) delete process.env[k];
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  return () => {
    for (const [k, v] of saved)
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  };
}

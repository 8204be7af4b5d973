/**
 * The bucket side: an S3 client from the storage settings, HEAD of an object (the only proof an
 * upload happened), HeadBucket as a connection test, and S3/SDK failures turned into one clear
 * operator sentence. Credentials come from the standard AWS chain (env, shared files, SSO, …)
 * or a named profile; they are never in settings, manifests or logs.
 */
import { errorLine } from '../../../src-shared/error-line';
import { HeadBucketCommand, HeadObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { StorageSettings } from '../../../src-shared/api';
import { redactSecrets, redactUrl } from '../../../src-shared/redact';

export interface S3ClientOptions {
  /** Explicit credentials (tests); default: the client's standard chain, honouring `storage.profile`. */
  credentials?: S3ClientConfig['credentials'];
  /** SDK attempts per request (default 3). */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export type S3ClientFactory = (storage: StorageSettings) => S3Client;

export function createS3Client(storage: StorageSettings, options: S3ClientOptions = {}): S3Client {
  const endpoint = storage.endpoint.trim();
  if (endpoint && !/^https?:\/\/[^\s/?#]+/i.test(endpoint)) {
    throw new StorageError('invalid_endpoint', `storage endpoint '${redactUrl(endpoint)}' is not an http(s) URL`);
  }
  const config: S3ClientConfig = {
    // An S3-compatible server does not care about the region, but SigV4 needs one.
    region: storage.region.trim() || (endpoint ? 'us-east-1' : undefined),
    forcePathStyle: storage.forcePathStyle,
    maxAttempts: options.maxAttempts ?? 3,
    // Checksums in a presigned PUT would be of an EMPTY body (the SDK never sees the device's
    // bytes), so the store would refuse every upload: only send checksums when S3 requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? 5_000, requestTimeout: options.requestTimeoutMs ?? 30_000 },
  };
  if (endpoint) config.endpoint = endpoint;
  if (storage.profile.trim()) config.profile = storage.profile.trim();
  if (options.credentials) config.credentials = options.credentials;
  return new S3Client(config);
}

export type StorageErrorCode =
  | 'no_bucket'
  | 'no_such_bucket'
  | 'access_denied'
  | 'invalid_credentials'
  | 'missing_credentials'
  | 'missing_region'
  | 'wrong_region'
  | 'unreachable'
  | 'invalid_endpoint'
  | 'storage_error';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
  ) {
    super(redactSecrets(message));
    this.name = 'StorageError';
  }
}

function where(storage: StorageSettings): string {
  return storage.endpoint.trim() ? redactUrl(storage.endpoint.trim()) : `AWS S3${storage.region ? ` (${storage.region})` : ''}`;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** Turn anything the SDK throws into a StorageError with one clear sentence (secrets scrubbed). */
export function describeStorageError(e: unknown, storage: StorageSettings, bucket = storage.bucket): StorageError {
  if (e instanceof StorageError) return e;
  const err = e as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number }; Code?: string };
  const name = err?.name ?? '';
  const code = err?.code ?? err?.Code ?? '';
  const status = err?.$metadata?.httpStatusCode;
  const msg = errorLine(e);
  if (name === 'CredentialsProviderError' || /could not load credentials|credential.*(missing|not found)|profile .* could not be found/i.test(msg)) {
    return new StorageError(
      'missing_credentials',
      `no AWS credentials found${storage.profile ? ` for profile '${storage.profile}'` : ''}: set AWS_PROFILE / --profile, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (${msg})`,
    );
  }
  if (/region is missing/i.test(msg)) return new StorageError('missing_region', 'no storage region configured: set a region (or AWS_REGION)');
  if (NETWORK_CODES.has(code) || name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|socket hang up|connect timeout/i.test(msg)) {
    return new StorageError('unreachable', `cannot reach the storage endpoint ${where(storage)}: ${code || msg}`);
  }
  if (name === 'NoSuchBucket' || code === 'NoSuchBucket' || (name === 'NotFound' && status === 404)) {
    return new StorageError('no_such_bucket', `bucket '${bucket}' does not exist at ${where(storage)}`);
  }
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'ExpiredToken' || name === 'InvalidToken') {
    return new StorageError('invalid_credentials', `the storage refused the credentials (${name}): check the profile or access keys`);
  }
  if (status === 403 || name === 'AccessDenied' || name === 'Forbidden') {
    return new StorageError('access_denied', `access denied to bucket '${bucket}' at ${where(storage)}: check the credentials and the bucket policy`);
  }
  if (status === 301 || name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed') {
    return new StorageError('wrong_region', `bucket '${bucket}' is in another region than '${storage.region || 'the default'}': set the bucket's region`);
  }
  return new StorageError(
    'storage_error',
    `storage error at ${where(storage)}${status ? ` (HTTP ${status})` : ''}: ${name && name !== 'Error' ? `${name}: ` : ''}${msg}`,
  );
}

/** HeadBucket: proves the endpoint answers, the bucket exists and the credentials may use it. */
export async function testConnection(client: S3Client, storage: StorageSettings): Promise<{ bucket: string; message: string }> {
  const bucket = storage.bucket.trim();
  if (!bucket) throw new StorageError('no_bucket', 'no storage bucket configured');
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (e) {
    throw describeStorageError(e, storage, bucket);
  }
  return { bucket, message: `bucket '${bucket}' at ${where(storage)} is reachable and accessible` };
}

export interface ObjectInfo {
  size: number;
  etag: string | null;
}

/** HEAD an object: its size and ETag, or null when it is not there. Other failures throw StorageError. */
export async function headObject(client: S3Client, storage: StorageSettings, bucket: string, key: string): Promise<ObjectInfo | null> {
  try {
    const r = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { size: typeof r.ContentLength === 'number' ? r.ContentLength : -1, etag: r.ETag ?? null };
  } catch (e) {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    // HEAD has no body: a missing key and a missing bucket are both a bare 404.
    if (err?.name === 'NotFound' || err?.name === 'NoSuchKey' || err?.name === 'NoSuchBucket' || err?.$metadata?.httpStatusCode === 404) return null;
    throw describeStorageError(e, storage, bucket);
  }
}

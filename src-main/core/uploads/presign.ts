/**
 * Presigned PUT URLs. The device holds the URL, not our credentials; it is valid for a window
 * sized to the file so a slow phone on venue Wi-Fi can finish, and no longer than needed.
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

export interface ExpiryPolicy {
  /** Assumed device uplink, bytes/s (default 2 MB/s). */
  linkBytesPerSecond: number;
  /** Safety factor on the transfer time (default 3). */
  factor: number;
  /** Added for queueing and OAK packaging (default 5 min). */
  baseSeconds: number;
  minSeconds: number;
  /** SigV4 presigned URLs cannot outlive 7 days. */
  maxSeconds: number;
  /** Size assumed when the device has not said (OAK reports 0 at STOP). */
  unknownSizeBytes: number;
}

export const DEFAULT_EXPIRY: ExpiryPolicy = {
  linkBytesPerSecond: 2_000_000,
  factor: 3,
  baseSeconds: 300,
  minSeconds: 300,
  maxSeconds: 7 * 24 * 3600,
  unknownSizeBytes: 2 * 1024 ** 3,
};

/** size / link speed × factor + base, clamped to [min, max], in whole seconds. */
export function expirySeconds(sizeBytes: number | null | undefined, policy: Partial<ExpiryPolicy> = {}): number {
  const p = { ...DEFAULT_EXPIRY, ...policy };
  const size = typeof sizeBytes === 'number' && Number.isFinite(sizeBytes) && sizeBytes > 0 ? sizeBytes : p.unknownSizeBytes;
  const raw = Math.ceil((size / p.linkBytesPerSecond) * p.factor + p.baseSeconds);
  return Math.min(p.maxSeconds, Math.max(p.minSeconds, raw));
}

export interface PresignRequest {
  bucket: string;
  key: string;
  /** When known, signed as Content-Length: the store refuses a body of any other size. */
  size?: number | null;
  expiresInSeconds: number;
}

/** A presigned PUT URL. Treat it as a secret (see redact.ts). */
export async function presignPut(client: S3Client, req: PresignRequest): Promise<string> {
  const size = typeof req.size === 'number' && Number.isSafeInteger(req.size) && req.size > 0 ? req.size : undefined;
  const command = new PutObjectCommand({ Bucket: req.bucket, Key: req.key, ...(size !== undefined ? { ContentLength: size } : {}) });
  return getSignedUrl(client, command, { expiresIn: Math.max(1, Math.floor(req.expiresInSeconds)) });
}

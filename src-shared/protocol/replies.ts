/**
 * Reply validation at the wire boundary (zod). Devices are untrusted: a wrong-typed known
 * field is a typed `invalid_reply` error naming the field; unknown fields are kept in `raw`.
 * Tolerated per the field notes: battery omitted/null/-1, fileSize 0, optional fields null.
 */
import { z } from 'zod';
import { boundDeviceValue } from './bound';
import { ProtocolError } from './errors';
import { normalizeStatus } from './status';

const optStr = z.string().nullish();
const optNum = z.number().finite().nullish();
const sizeField = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).nullish();

export const UploadItemSchema = z.looseObject({
  fileName: z.string(),
  fileSize: sizeField,
  bytesUploaded: sizeField,
  uploadProgress: optNum,
  uploadSpeed: optNum,
  status: optStr,
  uploadUrl: optStr,
  error: optStr,
});

export const FileEntrySchema = z.looseObject({
  fileName: z.string(),
  fileSize: sizeField,
  creationDate: optNum,
  modificationDate: optNum,
});

export const RawReplySchema = z.looseObject({
  deviceId: optStr,
  status: z.string(),
  timestamp: optNum,
  batteryLevel: optNum,
  message: optStr,
  fileName: optStr,
  fileId: optStr,
  fileSize: sizeField,
  deviceType: optStr,
  isRecording: z.boolean().nullish(),
  uploadQueue: z.array(UploadItemSchema).nullish(),
  failedUploadQueue: z.array(UploadItemSchema).nullish(),
  files: z.array(FileEntrySchema).nullish(),
});

export interface UploadItem {
  fileName: string;
  fileSize: number | null;
  bytesUploaded: number | null;
  /** 0–100 */
  uploadProgress: number | null;
  /** bytes per second */
  uploadSpeed: number | null;
  status: string | null;
  error: string | null;
}

export interface FileEntry {
  fileName: string;
  fileSize: number | null;
  creationDate: number | null;
  modificationDate: number | null;
}

/** A device reply, validated and normalised. */
export interface DeviceReply {
  deviceId: string | null;
  /** Normalised (snake_case, lower case). */
  status: string;
  /** As the device sent it. */
  rawStatus: string;
  /** Device raw wall clock, Unix seconds. */
  timestamp: number | null;
  /** 0–100, or null when the device does not know (omitted, null, -1). */
  batteryLevel: number | null;
  message: string | null;
  /** `fileName`, falling back to the older `fileId`. */
  fileName: string | null;
  fileSize: number | null;
  deviceType: string | null;
  uploadQueue: UploadItem[];
  failedUploadQueue: UploadItem[];
  files: FileEntry[] | null;
  /** The whole object as received (unknown keys included). */
  raw: Record<string, unknown>;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

function normalizeBattery(v: number | null | undefined): number | null {
  if (v === null || v === undefined || v < 0) return null;
  return Math.min(100, v);
}

function toUploadItem(i: z.infer<typeof UploadItemSchema>): UploadItem {
  return {
    fileName: i.fileName,
    fileSize: i.fileSize ?? null,
    bytesUploaded: i.bytesUploaded ?? null,
    uploadProgress: i.uploadProgress ?? null,
    uploadSpeed: i.uploadSpeed ?? null,
    status: i.status ?? null,
    error: i.error ?? null,
  };
}

/** Validate a parsed JSON value as a device reply; throws `ProtocolError('invalid_reply')`. */
export function parseReply(received: unknown): DeviceReply {
  // Bounded first: everything downstream (zod, status folding, redaction, manifests) is then cheap.
  const value = boundDeviceValue(received);
  const r = RawReplySchema.safeParse(value);
  if (!r.success) {
    throw new ProtocolError('invalid_reply', `device reply is not valid: ${describeIssues(r.error)}`, { reply: value });
  }
  const d = r.data;
  return {
    deviceId: d.deviceId ?? null,
    status: normalizeStatus(d.status),
    rawStatus: d.status,
    timestamp: d.timestamp ?? null,
    batteryLevel: normalizeBattery(d.batteryLevel),
    message: d.message ?? null,
    fileName: d.fileName ?? d.fileId ?? null,
    fileSize: d.fileSize ?? null,
    deviceType: d.deviceType ?? null,
    uploadQueue: (d.uploadQueue ?? []).map(toUploadItem),
    failedUploadQueue: (d.failedUploadQueue ?? []).map(toUploadItem),
    files: d.files
      ? d.files.map((f) => ({
          fileName: f.fileName,
          fileSize: f.fileSize ?? null,
          creationDate: f.creationDate ?? null,
          modificationDate: f.modificationDate ?? null,
        }))
      : null,
    raw: value as Record<string, unknown>,
  };
}

/** GET_VIDEO header: `fileSize` must be a safe non-negative integer. */
export const VideoHeaderSchema = z.looseObject({
  deviceId: optStr,
  fileName: optStr,
  fileId: optStr,
  fileSize: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  status: optStr,
});

export interface VideoHeader {
  deviceId: string | null;
  /** As the device named it. Never used as a path. */
  fileName: string | null;
  fileSize: number;
  status: string | null;
}

export function parseVideoHeader(received: unknown): VideoHeader {
  const value = boundDeviceValue(received);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError('invalid_header', 'GET_VIDEO header is not a JSON object', { reply: value });
  }
  const size = (value as Record<string, unknown>).fileSize;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new ProtocolError('invalid_file_size', `GET_VIDEO header fileSize ${JSON.stringify(size)} is not a non-negative integer`, {
      reply: value,
    });
  }
  const r = VideoHeaderSchema.safeParse(value);
  if (!r.success) throw new ProtocolError('invalid_header', `GET_VIDEO header is not valid: ${describeIssues(r.error)}`, { reply: value });
  return {
    deviceId: r.data.deviceId ?? null,
    fileName: r.data.fileName ?? r.data.fileId ?? null,
    fileSize: r.data.fileSize,
    status: r.data.status ? normalizeStatus(r.data.status) : null,
  };
}

/**
 * Upload results in the take manifest: `devices[i].upload = { key, bucket, bytes, etag, ok,
 * error, confirmedAt }`. Read-modify-write of the raw JSON (fields this module does not know
 * are kept as they are), one write at a time per take folder, atomic (tmp + fsync + rename via
 * the takes module). Never a URL, never a credential: the entry is scrubbed before it is written.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MANIFEST_FILE, writeManifestAtomic, type TakeManifest } from '../takes/manifest';
import { redactSecrets } from './redact';

export interface ManifestUpload {
  key: string;
  bucket: string;
  /** Size of the object in the bucket (HEAD); 0 when not confirmed. */
  bytes: number;
  etag: string | null;
  /** true only when a HEAD confirmed the object with the expected size. */
  ok: boolean;
  error: string | null;
  /** ISO 8601 UTC of the HEAD that confirmed it, null when not confirmed. */
  confirmedAt: string | null;
}

const chains = new Map<string, Promise<unknown>>();

/** Serialise per folder: two devices finishing together must not lose each other's entry. */
function serialised<T>(folder: string, fn: () => Promise<T>): Promise<T> {
  const k = resolve(folder);
  const prev = chains.get(k) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const tail = next.catch(() => undefined);
  chains.set(k, tail);
  void tail.then(() => {
    if (chains.get(k) === tail) chains.delete(k);
  });
  return next;
}

export class ManifestUpdateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestUpdateError';
  }
}

export function recordUploadInManifest(takeFolder: string, deviceKey: string, upload: ManifestUpload): Promise<void> {
  const entry: ManifestUpload = {
    key: String(upload.key),
    bucket: String(upload.bucket),
    bytes: Number.isSafeInteger(upload.bytes) && upload.bytes >= 0 ? upload.bytes : 0,
    etag: upload.etag === null ? null : redactSecrets(String(upload.etag)),
    ok: upload.ok === true,
    error: upload.error === null ? null : redactSecrets(String(upload.error)).slice(0, 4096),
    confirmedAt: upload.confirmedAt,
  };
  return serialised(takeFolder, async () => {
    const path = join(takeFolder, MANIFEST_FILE);
    let raw: string;
    try {
      raw = await readFile(path, 'utf8');
    } catch (e) {
      throw new ManifestUpdateError(`cannot read ${path}: ${(e as Error).message}`);
    }
    let m: unknown;
    try {
      m = JSON.parse(raw);
    } catch {
      throw new ManifestUpdateError(`${path} is not valid JSON`);
    }
    const devices = (m as { devices?: unknown })?.devices;
    if (!m || typeof m !== 'object' || !Array.isArray(devices)) throw new ManifestUpdateError(`${path} has no devices list`);
    const device = devices.find((d): d is Record<string, unknown> => !!d && typeof d === 'object' && (d as { deviceKey?: unknown }).deviceKey === deviceKey);
    if (!device) throw new ManifestUpdateError(`${path} has no device '${deviceKey}'`);
    device.upload = entry;
    await writeManifestAtomic(takeFolder, m as TakeManifest);
  });
}

/** The `upload` entries already in a manifest, by device key (raw read: the takes schema does not know them yet). */
export async function readManifestUploads(takeFolder: string): Promise<Map<string, ManifestUpload>> {
  const out = new Map<string, ManifestUpload>();
  try {
    const m = JSON.parse(await readFile(join(takeFolder, MANIFEST_FILE), 'utf8')) as { devices?: unknown };
    if (!Array.isArray(m?.devices)) return out;
    for (const d of m.devices as Array<Record<string, unknown>>) {
      const u = d?.upload as ManifestUpload | undefined;
      if (typeof d?.deviceKey === 'string' && u && typeof u === 'object' && typeof u.key === 'string') out.set(d.deviceKey, u);
    }
  } catch {
    // No manifest or unreadable: nothing recorded yet.
  }
  return out;
}

/**
 * Upload results in the take manifest: `devices[i].upload = { key, bucket, bytes, etag, ok,
 * error, confirmedAt }`, written through the take store's one writer (../takes). Never a URL,
 * never a credential: the entry is scrubbed before it is handed over.
 */
import { readManifest, updateTake, uploadRecorded, uploadsOf, type UploadRecord } from '../takes';
import { redactSecrets } from '../../../src-shared/redact';

export type ManifestUpload = UploadRecord;

export class ManifestUpdateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManifestUpdateError';
  }
}

export async function recordUploadInManifest(takeFolder: string, deviceKey: string, upload: ManifestUpload): Promise<void> {
  const entry: ManifestUpload = {
    key: String(upload.key),
    bucket: String(upload.bucket),
    bytes: Number.isSafeInteger(upload.bytes) && upload.bytes >= 0 ? upload.bytes : 0,
    etag: upload.etag === null ? null : redactSecrets(String(upload.etag)),
    ok: upload.ok === true,
    error: upload.error === null ? null : redactSecrets(String(upload.error)).slice(0, 4096),
    confirmedAt: upload.confirmedAt,
  };
  let missing = false;
  await updateTake(takeFolder, (m) => {
    if (!m.devices.some((d) => d.deviceKey === deviceKey)) missing = true;
    else uploadRecorded(m, deviceKey, entry);
  });
  if (missing) throw new ManifestUpdateError(`the take in ${takeFolder} has no device '${deviceKey}'`);
}

/** The `upload` entries already in a manifest, by device key (none when there is no readable manifest). */
export async function readManifestUploads(takeFolder: string): Promise<Map<string, ManifestUpload>> {
  try {
    return uploadsOf(await readManifest(takeFolder));
  } catch {
    return new Map();
  }
}

/**
 * Named changes to a take's manifest, for `TakeHandle.update` / `updateTake` (./manifest).
 * Each is a plain function of the manifest and what happened, so it can be tested without files.
 */
import type { DownloadView } from '../../../src-shared/api';
import { emptyDownload, type ManifestDevice, type TakeManifest } from './schema';

/** What the download queue knows beyond the view (DownloadInfo in ../downloads/queue). */
export interface DownloadResultInfo {
  seconds: number | null;
  keptPartials: string[];
  note: string | null;
}

/** The device whose download this is (matched by device and download id), or null. */
export function deviceOfDownload(m: TakeManifest, v: Pick<DownloadView, 'deviceKey' | 'id'>): ManifestDevice | null {
  return m.devices.find((d) => d.deviceKey === v.deviceKey && d.download.id === v.id) ?? null;
}

/** A download was handed to the queue: the device's entry starts afresh, keeping earlier partials. */
export function downloadQueued(e: ManifestDevice, v: Pick<DownloadView, 'id' | 'state' | 'path' | 'total'>): void {
  const kept = e.download.keptPartials;
  e.download = { ...emptyDownload(), id: v.id, state: v.state, path: v.path, total: v.total, keptPartials: kept, partial: kept.length > 0 };
}

/** A download changed state or progressed. Returns false when it is not one of this take's. */
export function downloadChanged(m: TakeManifest, v: DownloadView, info: DownloadResultInfo): boolean {
  const e = deviceOfDownload(m, v);
  if (!e) return false;
  const d = e.download;
  d.state = v.state;
  d.path = v.path;
  d.bytes = v.bytes;
  d.total = v.total;
  d.sha256 = v.sha256;
  d.seconds = info.seconds;
  d.ok = v.state === 'done' ? true : v.state === 'failed' || v.state === 'cancelled' ? false : null;
  d.error = v.error;
  for (const p of info.keptPartials) if (!d.keptPartials.includes(p)) d.keptPartials.push(p);
  d.partial = v.state !== 'done' && d.keptPartials.length > 0;
  if (info.note && !e.warnings.includes(info.note)) e.warnings.push(info.note);
  return true;
}

/** `devices[i].upload = { key, bucket, bytes, etag, ok, error, confirmedAt }` (already scrubbed by the caller). */
export interface UploadRecord {
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

/** An upload's outcome for one device; throws ManifestError-like text when the take has no such device. */
export function uploadRecorded(m: TakeManifest, deviceKey: string, upload: UploadRecord): void {
  const e = m.devices.find((d) => d.deviceKey === deviceKey);
  if (!e) throw new Error(`take '${m.name}' has no device '${deviceKey}'`);
  e.upload = { ...upload };
}

/** The upload entries of a take, by device key. */
export function uploadsOf(m: TakeManifest): Map<string, UploadRecord> {
  const out = new Map<string, UploadRecord>();
  for (const d of m.devices) {
    const u = d.upload as UploadRecord | null | undefined;
    if (u && typeof u === 'object' && typeof u.key === 'string') out.set(d.deviceKey, u);
  }
  return out;
}

/**
 * A whole take to the bucket: which devices have a file (from take.json), one upload each,
 * results recorded back in take.json. Used by `multicam upload` and `multicam record --upload`.
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { StorageSettings, UploadView } from '../../../src-shared/api';
import { readManifest, type TakeManifest } from '../takes/manifest';
import { readManifestUploads } from './manifest';
import { UploadService, type UploadRequest, type UploadServiceOptions } from './service';

/** One request per device that stopped with a file name. */
export function takeUploadRequests(manifest: TakeManifest, folder: string): UploadRequest[] {
  return manifest.devices
    .filter((d) => !!d.stop.fileName)
    .map((d) => ({
      takeId: manifest.takeId,
      takeLabel: manifest.folderName || manifest.name,
      takeCreatedAt: manifest.createdAt,
      takeFolder: folder,
      deviceKey: d.deviceKey,
      deviceName: d.name || d.deviceKey,
      address: d.address,
      fileName: d.stop.fileName!,
      fileSize: d.stop.fileSize,
    }));
}

export type UploadTakeDeps = Omit<UploadServiceOptions, 'storage'> & {
  /** Every view change (progress lines, UI). */
  onUpload?: (upload: UploadView) => void;
  /** Upload again devices whose upload is already confirmed in take.json (default false). */
  force?: boolean;
  /** Skip the HeadBucket check before asking devices (default false). */
  skipConnectionTest?: boolean;
};

export interface UploadTakeResult {
  folder: string;
  uploads: UploadView[];
  /** Devices skipped because take.json already records a confirmed upload. */
  alreadyUploaded: Array<{ deviceKey: string; key: string }>;
  /** Devices that stopped without a file (nothing to upload). */
  withoutFile: string[];
  /** Every device of the take has a file, and each is confirmed in the bucket (now or before). */
  ok: boolean;
}

/** `take.json` or its folder → the folder. */
export async function resolveTakeFolder(manifestPath: string): Promise<string> {
  const p = resolve(manifestPath);
  try {
    if ((await stat(p)).isDirectory()) return p;
  } catch {
    // Fall through: readManifest reports a clear error for a missing folder.
  }
  return basename(p) === 'take.json' ? dirname(p) : p;
}

/**
 * Upload every file of a finished take and record the outcomes in its take.json.
 * Throws StorageError (wrong bucket, unreachable endpoint, missing credentials) before any
 * device is asked, and ManifestError for an unreadable take.
 */
export async function uploadAfterStop(manifestPath: string, storage: StorageSettings, deps: UploadTakeDeps = {}): Promise<UploadTakeResult> {
  const folder = await resolveTakeFolder(manifestPath);
  const manifest = await readManifest(folder);
  const { onUpload, force, skipConnectionTest, ...serviceDeps } = deps;
  const service = new UploadService({ ...serviceDeps, storage });
  const subscription = onUpload ? service.onDidChangeUpload(onUpload) : null;
  try {
    if (!skipConnectionTest) await service.testConnection(storage);
    const recorded = await readManifestUploads(folder);
    const alreadyUploaded: UploadTakeResult['alreadyUploaded'] = [];
    const requests = takeUploadRequests(manifest, folder).filter((r) => {
      const prev = recorded.get(r.deviceKey);
      if (!force && prev?.ok === true) {
        alreadyUploaded.push({ deviceKey: r.deviceKey, key: prev.key });
        return false;
      }
      return true;
    });
    const uploads = await service.uploadTake({ requests });
    const withoutFile = manifest.devices.filter((d) => !d.stop.fileName).map((d) => d.deviceKey);
    return { folder, uploads, alreadyUploaded, withoutFile, ok: uploads.every((u) => u.state === 'done') && withoutFile.length === 0 };
  } finally {
    subscription?.dispose();
    service.close();
  }
}

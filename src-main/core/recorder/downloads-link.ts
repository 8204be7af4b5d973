/** The link from a take to the download queue: a stopped device's file becomes a download. */
import type { DownloadView } from '../../../src-shared/api';
import type { DownloadQueue } from '../downloads/queue';
import { downloadQueued, type ManifestDevice } from '../takes';
import { addressOf, type Session } from './take-state';

/** Queue the device's file; marks the entry (or fails it for an invalid address). */
export function enqueueDownload(q: DownloadQueue, s: Session, e: ManifestDevice): DownloadView | null {
  const address = addressOf(e.address);
  if (!address) {
    Object.assign(e.download, { state: 'failed', ok: false, error: `invalid address '${e.address.slice(0, 300)}'` });
    return null;
  }
  // Mark before enqueue: the queue emits synchronously and onDownload matches by id.
  const view = q.enqueue({
    takeId: s.m.takeId,
    folder: s.folder,
    deviceKey: e.deviceKey,
    deviceName: e.name,
    address,
    fileName: e.stop.fileName!,
    expectedSize: e.stop.fileSize,
  });
  downloadQueued(e, view);
  return view;
}

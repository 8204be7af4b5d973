/**
 * The controller's view of uploads (`UploadsPort` in src-main/core/controller.ts, matched
 * structurally): settings arrive with each call, a take arrives as a TakeView (its folder's
 * take.json supplies the device addresses), and calls return once uploads have STARTED — the
 * UI follows them through `onDidChangeUpload`.
 */
import type { Settings, StorageSettings, TakeView, UploadView } from '../../../src-shared/api';
import type { Event } from '../../../src-shared/event';
import { readManifest } from '../takes/manifest';
import { UploadService, type UploadServiceOptions } from './service';
import { takeUploadRequests } from './take';

export interface UploadsPortImpl {
  list(): UploadView[];
  uploadTake(take: TakeView, settings: Settings): Promise<void>;
  retry(uploadId: string, settings: Settings): Promise<UploadView>;
  testConnection(settings: Settings): Promise<{ bucket: string; message: string }>;
  readonly onDidChangeUpload: Event<UploadView>;
  stop(): Promise<void>;
  /** The service underneath (tests, `settled()`). */
  readonly service: UploadService;
}

export function createUploadsPort(deps: Omit<UploadServiceOptions, 'storage'> = {}): UploadsPortImpl {
  let storage: StorageSettings | null = null;
  const service = new UploadService({
    ...deps,
    storage: () => {
      if (!storage) throw new Error('no storage settings yet');
      return storage;
    },
  });
  return {
    service,
    list: () => service.list(),
    onDidChangeUpload: service.onDidChangeUpload,
    async uploadTake(take, settings) {
      storage = settings.storage;
      const manifest = await readManifest(take.folder);
      // Skip devices with an upload already running or confirmed for this take.
      const busy = new Set(
        service
          .list()
          .filter((u) => u.takeId === manifest.takeId && u.state !== 'failed')
          .map((u) => u.deviceKey),
      );
      for (const r of takeUploadRequests(manifest, take.folder)) if (!busy.has(r.deviceKey)) service.start(r);
    },
    async retry(uploadId, settings) {
      storage = settings.storage;
      return service.retry(uploadId);
    },
    async testConnection(settings) {
      storage = settings.storage;
      return service.testConnection(settings.storage);
    },
    async stop() {
      service.close();
    },
  };
}

/**
 * The controller's side of cloud uploads: which upload each take device shows, the checks before
 * an upload starts, and a take re-announced when one of its devices gets a new upload.
 */
import type { Settings, TakeView, UploadView } from '../../src-shared/api';
import type { ControllerEventInput } from './controller-events';
import type { UploadsPort } from './controller-options';
import type { Disposable } from '../../src-shared/event';

const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

export class UploadsLink {
  /** Which upload each take device was last shown with, so a new upload re-announces its take. */
  private readonly shown = new Map<string, string>();
  private readonly subscription: Disposable | null;

  constructor(
    private readonly port: UploadsPort | null,
    private readonly takeById: (takeId: string) => TakeView | null,
    private readonly emit: (e: ControllerEventInput) => void,
  ) {
    this.subscription = port ? port.onDidChangeUpload((upload) => this.changed(upload)) : null;
  }

  list(): UploadView[] {
    return this.port?.list() ?? [];
  }

  /** The latest upload of each take's device file (the manifest knows nothing of this run's uploads). */
  withUploads(take: TakeView): TakeView {
    if (!this.port) return take;
    const latest = new Map<string, string>();
    for (const u of this.port.list()) if (u.takeId === take.takeId) latest.set(u.deviceKey, u.id);
    if (latest.size === 0) return take;
    return { ...take, devices: take.devices.map((d) => (latest.has(d.deviceKey) ? { ...d, uploadId: latest.get(d.deviceKey)! } : d)) };
  }

  async uploadTake(takeId: string, settings: Settings): Promise<TakeView> {
    const port = this.available();
    if (!settings.storage.bucket) throw coded('not_configured', 'Set a storage bucket in Settings first.');
    const take = this.takeById(takeId);
    if (!take) throw coded('not_found', `no take ${takeId}`);
    await port.uploadTake(take, settings);
    return this.takeById(takeId) ?? take;
  }

  retry(uploadId: string, settings: Settings): Promise<UploadView> {
    return this.available().retry(uploadId, settings);
  }

  testConnection(settings: Settings): Promise<{ bucket: string; message: string }> {
    const port = this.available();
    if (!settings.storage.bucket) throw coded('not_configured', 'Set a storage bucket first.');
    return port.testConnection(settings);
  }

  async stop(): Promise<void> {
    this.subscription?.dispose();
    await this.port?.stop?.().catch(() => undefined);
  }

  private available(): UploadsPort {
    if (!this.port) throw coded('unsupported', 'Cloud upload is not available in this build.');
    return this.port;
  }

  private changed(upload: UploadView): void {
    this.emit({ type: 'uploadChanged', upload });
    const key = `${upload.takeId}\u0000${upload.deviceKey}`;
    if (this.shown.get(key) === upload.id) return;
    this.shown.set(key, upload.id);
    const take = this.takeById(upload.takeId);
    if (take) this.emit({ type: 'takeChanged', take });
  }
}

/**
 * The controller: implements the ControllerApi contract (src-shared/api.ts) on the core services
 * — settings, discovery, fleet, controller clock, recorder, downloads, uploads. The Electron IPC
 * handlers, the WebSocket bridge and tests all drive this one object. It maps the contract onto
 * the services; the work itself lives in them.
 */
import { errorLine } from '../../src-shared/error-line';
import { isAbsolute } from 'node:path';
import { err, ok } from '../../src-shared/api';
import type { ContactSheet, ControllerApi, ControllerClockView, ControllerEvent, DeviceView, DownloadView, ExportFormat } from '../../src-shared/api';
import type { Result, Settings, SettingsPatch, Snapshot, TakeView, UploadView } from '../../src-shared/api';
import { addressKey, parseManualAddress } from './fleet/address';
import { checkRecordingsFolder } from './takes/folder';
import { plainIssue, type IssueLike } from '../../src-shared/plain';
import { ControllerServices } from './services';
import type { ControllerOptions } from './controller-options';
import type { Personality } from './virtual-devices';
import { TakeActions } from './takes/actions';

export { TRASH_FOLDER } from './takes/actions';

export { APP_DATA_NAME, defaultUserDataDir } from './settings/user-data';
export { firstFramePng } from './thumbnails';
export { MAX_VIRTUAL_DEVICES, type Personality, type VirtualDeviceFactory } from './virtual-devices';
export type { ControllerOptions, UploadsPort } from './controller-options';

export class Controller extends ControllerServices implements ControllerApi {
  // ---------------------------------------------------------------- the contract

  subscribe(listener: (event: ControllerEvent) => void): () => void {
    return this.events.subscribe(listener);
  }

  async getSnapshot(): Promise<Result<Snapshot>> {
    return ok({
      seq: this.events.lastSeq,
      devices: this.fleet.list(),
      takes: this.allTakes(),
      downloads: this.allDownloads(),
      uploads: this.uploads.list(),
      activeTakeId: this.activeTakeId,
      settings: structuredClone(this.settings),
      controllerClock: this.clock.state(),
      discovery: this.discovery.view(),
      capabilities: { ...this.capabilities },
    });
  }

  async refreshDiscovery(): Promise<Result<void>> {
    if (!this.discovery.current) return err('unavailable', 'discovery is off');
    this.discovery.current.refresh();
    void this.fleet.pollNow().catch(() => undefined);
    return ok(undefined);
  }

  async addDevice(address: string): Promise<Result<DeviceView>> {
    const added = await this.guard(() => {
      const existing = this.fleet.idAt(address.trim());
      if (existing) {
        const d = this.fleet.get(existing);
        throw Object.assign(new Error(`${address.trim()} is already in the list${d && d.name !== existing ? ` as ${d.name}` : ''}.`), { code: 'exists' });
      }
      const device = this.fleet.addManual(address.trim());
      const canonical = this.fleet.manualKeyOf(device.deviceKey);
      // The canonical key (`[v6]:port` for IPv6) is what parses back unchanged at the next start.
      if (canonical && !this.settings.manualDevices.includes(canonical)) this.persist({ manualDevices: [...this.settings.manualDevices, canonical] });
      return device;
    }, 'invalid_argument');
    if (!added.ok) return added;
    // Ask it once now (bounded by the fleet's status timeout), so the answer to Add says whether
    // the device answered — a refusal is known at once — instead of a card changing seconds later.
    await this.fleet.pollNow(added.value.deviceKey).catch(() => undefined);
    return ok(this.fleet.get(added.value.deviceKey) ?? added.value);
  }

  async removeDevice(id: string): Promise<Result<void>> {
    const d = this.fleet.get(id);
    if (!d) return err('not_found', `no device ${id}`);
    const inTake = this.recorder.activeTake?.devices.find((x) => x.deviceKey === id);
    if (inTake && (inTake.start === 'pending' || inTake.start === 'accepted' || inTake.mayStillBeRecording) && inTake.stop !== 'stopped') {
      return err('busy', `${d.name} is part of the take in progress: stop the take before removing it.`);
    }
    const manualKey = this.fleet.manualKeyOf(id);
    this.fleet.remove(id);
    // Saved entries may be spelled differently from the canonical key (`::1:8080` from older
    // versions, upper case): compare what each one parses to.
    const keyOf = (a: string) => {
      try {
        return parseManualAddress(a).key;
      } catch {
        return a;
      }
    };
    const gone = new Set([manualKey, d.host !== null && d.port !== null ? addressKey(d.host, d.port) : null].filter((k): k is string => k !== null));
    if (this.settings.manualDevices.some((a) => gone.has(keyOf(a))))
      this.persist({ manualDevices: this.settings.manualDevices.filter((a) => !gone.has(keyOf(a))) });
    await this.virtual.removed(id);
    return ok(undefined);
  }

  async renameDevice(id: string, name: string): Promise<Result<DeviceView>> {
    return this.guard(() => {
      const label = name.trim();
      const d = this.fleet.rename(id, label);
      this.store.setDevicePrefs(id, { label: label || null });
      return d;
    }, 'not_found');
  }

  async setDeviceColor(id: string, color: string | null): Promise<Result<DeviceView>> {
    return this.guard(() => {
      const d = this.fleet.setColor(id, color);
      this.store.setDevicePrefs(id, { color });
      return d;
    }, 'not_found');
  }

  async setDeviceIncluded(id: string, included: boolean): Promise<Result<DeviceView>> {
    return this.guard(() => {
      const d = this.fleet.setIncluded(id, included);
      this.store.setDevicePrefs(id, { included });
      return d;
    }, 'not_found');
  }

  async startTake(options: { name?: string; delaySeconds?: number }): Promise<Result<TakeView>> {
    const devices = this.recorderDevices();
    if (devices.length === 0) return err('no_devices', 'No devices to record: add a device or start virtual cameras.');
    if (!devices.some((d) => d.included !== false)) return err('no_devices', 'Every device is excluded from the take.');
    return this.guard(
      () =>
        this.recorder.startTake({
          devices,
          delaySeconds: options.delaySeconds ?? this.settings.delaySeconds,
          ...(options.name !== undefined ? { name: options.name } : {}),
        }),
      'busy',
    );
  }

  async stopTake(): Promise<Result<TakeView>> {
    if (!this.recorder.activeTake) return err('no_take', 'No take is recording.');
    return this.guard(() => this.recorder.stopTake());
  }

  async retryStop(takeId: string, deviceKey: string): Promise<Result<TakeView>> {
    return this.guard(() => this.recorder.retryStop(deviceKey, takeId));
  }

  async retryDownload(downloadId: string): Promise<Result<DownloadView>> {
    return this.guard(() => this.recorder.retryDownload(downloadId), 'not_found');
  }

  async cancelDownload(downloadId: string): Promise<Result<DownloadView>> {
    return this.guard(() => this.downloads.cancel(downloadId), 'not_found');
  }

  /** Take actions (files, reveal, review, trash, sync, export, contact sheet) live in takes/actions.ts. */
  private readonly actions = new TakeActions({
    takes: this.takes,
    downloads: this.downloads,
    thumbnails: this.thumbnails,
    sync: this.sync,
    takeById: (takeId) => this.takeById(takeId),
    recordingsDir: () => this.settings.recordingsDir,
    activeTakeId: () => this.activeTakeId,
    emit: (e) => this.emit(e),
    opener: () => this.options.reveal,
  });

  /** Absolute path of a finished file, proven inside its take folder (drag-out and reveal use it; the renderer only names an id). */
  resolveDownloadPath(downloadId: string): Promise<Result<string>> {
    return this.actions.resolveDownloadPath(downloadId);
  }

  /** What an editor gets for a download: an OAK zip's extracted video(s) once taken out, else the file. */
  resolveEditorFiles(downloadId: string): Promise<Result<string[]>> {
    return this.actions.resolveEditorFiles(downloadId);
  }

  revealDownload(downloadId: string): Promise<Result<void>> {
    return this.actions.revealDownload(downloadId);
  }

  async startDrag(_downloadId: string): Promise<Result<void>> {
    return err('unsupported', 'Drag-out by id needs the desktop app; in the browser the file is dragged by its local address.');
  }

  async startTakeDrag(_takeId: string): Promise<Result<void>> {
    return err('unsupported', 'Dragging a whole take needs the desktop app.');
  }

  resolveTakeFolder(takeId: string): Result<string> {
    return this.actions.resolveTakeFolder(takeId);
  }

  resolveTakeFiles(takeId: string): Promise<Result<string[]>> {
    return this.actions.resolveTakeFiles(takeId);
  }

  revealTake(takeId: string): Promise<Result<void>> {
    return this.actions.revealTake(takeId);
  }

  reviewTake(takeId: string, review: { rating?: 'good' | 'no_good' | null; note?: string }): Promise<Result<TakeView>> {
    return this.actions.reviewTake(takeId, review);
  }

  /** Move a finished take's folder into Trash/ inside the recordings folder (never a delete). */
  trashTake(takeId: string): Promise<Result<{ trashFolder: string; folder: string }>> {
    return this.actions.trashTake(takeId);
  }

  clipDuration(downloadId: string): Promise<Result<number>> {
    return this.actions.clipDuration(downloadId);
  }

  async uploadTake(takeId: string): Promise<Result<TakeView>> {
    return this.guard(() => this.uploads.uploadTake(takeId, this.settings));
  }

  async retryUpload(uploadId: string): Promise<Result<UploadView>> {
    return this.guard(() => this.uploads.retry(uploadId, this.settings), 'not_found');
  }

  async testStorage(): Promise<Result<{ bucket: string; message: string }>> {
    return this.guard(() => this.uploads.testConnection(this.settings), 'storage_error');
  }

  async updateSettings(patch: SettingsPatch): Promise<Result<Settings>> {
    const before = this.settings;
    if (patch.recordingsDir !== undefined && (!isAbsolute(patch.recordingsDir) || patch.recordingsDir.includes('\0'))) {
      return err('invalid_argument', 'Recordings folder: enter an absolute path (for example /home/me/MultiCam Recordings).');
    }
    if (patch.recordingsDir !== undefined && patch.recordingsDir !== before.recordingsDir && this.recorder.activeTake) {
      return err('busy', 'Finish the current take before changing the recordings folder.');
    }
    if (patch.recordingsDir !== undefined && patch.recordingsDir !== before.recordingsDir) {
      // Checked now, bounded, so a folder that cannot take recordings is refused on Save rather
      // than failing (or hanging) the next take.
      const problem = await checkRecordingsFolder(patch.recordingsDir);
      if (problem) return err('invalid_argument', `Recordings folder: ${problem}.`);
    }
    let next: Settings;
    try {
      next = this.persist(patch);
    } catch (e) {
      const issue = (e as { issues?: IssueLike[] }).issues?.[0];
      return err('invalid_argument', issue ? plainIssue(issue) : errorLine(e));
    }
    // Apply what can change while running.
    if (next.ntpServer !== before.ntpServer) this.clock.setServer(next.ntpServer);
    if (next.maxConcurrentDownloads !== before.maxConcurrentDownloads) this.downloads.maxConcurrent = next.maxConcurrentDownloads;
    if (next.pollIntervalMs !== before.pollIntervalMs || next.clockThresholdMs !== before.clockThresholdMs) {
      this.fleet.configure({ pollIntervalMs: next.pollIntervalMs, clockThresholdMs: next.clockThresholdMs });
    }
    // The recorder and the take store read the settings when they need them.
    if (next.recordingsDir !== before.recordingsDir) {
      this.takes.clearHistory();
      await this.takes.loadHistory();
    }
    if (JSON.stringify(next.interfaces) !== JSON.stringify(before.interfaces) && this.discovery.remakeable) {
      this.fleet.setDiscovery(await this.discovery.remake(next.interfaces));
      this.discovery.current?.start();
      this.emit({ type: 'discoveryChanged', discovery: this.discovery.view() });
    }
    return ok(structuredClone(next));
  }

  async addVirtualDevices(count: number, personality?: Personality | 'mixed'): Promise<Result<DeviceView[]>> {
    return this.guard(() => this.virtual.add(count, personality ?? 'mixed'));
  }

  thumbnail(downloadId: string): Promise<Result<string>> {
    return this.actions.thumbnail(downloadId);
  }

  async syncTake(takeId: string): Promise<Result<void>> {
    return this.actions.syncTake(takeId);
  }

  exportTake(takeId: string, format: ExportFormat): Promise<Result<{ path: string; angles: number; skipped: { name: string; reason: string }[] }>> {
    return this.actions.exportTake(takeId, format);
  }

  contactSheet(takeId: string): Promise<Result<ContactSheet>> {
    return this.actions.contactSheet(takeId);
  }

  controllerClock(): ControllerClockView {
    return this.clock.state();
  }
}

/** Build and start a controller. */
export async function createController(options: ControllerOptions = {}): Promise<Controller> {
  const c = new Controller(options);
  await c.start();
  return c;
}

/**
 * The controller: implements the ControllerApi contract (src-shared/api.ts) on the core services
 * — settings, discovery, fleet, controller clock, recorder, downloads, uploads. The Electron IPC
 * handlers, the WebSocket bridge and tests all drive this one object. It maps the contract onto
 * the services; the work itself lives in them.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { err, ok, type ContactSheet, type ControllerApi, type ControllerClockView, type ControllerEvent, type DeviceView, type DownloadView, type ExportFormat, type Result, TAKE_NOTE_MAX, type Settings, type SettingsPatch, type Snapshot, type TakeView, type UploadView } from '../../src-shared/api';
import { ExportError, exportTake as writeExport } from './export';
import { contactSheet as makeContactSheet } from './sync/contact-sheet';
import { realInside } from './takes/folder';
import { addressKey, parseManualAddress } from './fleet/address';
import { checkRecordingsFolder } from './takes/folder';
import { plainIssue, type IssueLike } from '../../src-shared/plain';
import { ControllerServices, operatorMessage } from './services';
import type { ControllerOptions } from './controller-options';
import type { Personality } from './virtual-devices';
import { probeDuration } from './thumbnails/duration';

/** The Trash folder inside the recordings folder (takes moved there are not listed). */
export const TRASH_FOLDER = 'Trash';

export { APP_DATA_NAME, defaultUserDataDir } from './settings/user-data';
export { firstFramePng } from './thumbnails';
export { MAX_VIRTUAL_DEVICES, type Personality, type VirtualDeviceFactory } from './virtual-devices';
export type { ControllerOptions, UploadsPort } from './controller-options';

export class Controller extends ControllerServices implements ControllerApi {
  /** Clip lengths (ffprobe), by download id. */
  private readonly durations = new Map<string, number>();
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
      const canonical = this.fleet.manualKeyOf(device.id);
      // The canonical key (`[v6]:port` for IPv6) is what parses back unchanged at the next start.
      if (canonical && !this.settings.manualDevices.includes(canonical)) this.persist({ manualDevices: [...this.settings.manualDevices, canonical] });
      return device;
    }, 'invalid_argument');
    if (!added.ok) return added;
    // Ask it once now (bounded by the fleet's status timeout), so the answer to Add says whether
    // the device answered — a refusal is known at once — instead of a card changing seconds later.
    await this.fleet.pollNow(added.value.id).catch(() => undefined);
    return ok(this.fleet.get(added.value.id) ?? added.value);
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
    if (this.settings.manualDevices.some((a) => gone.has(keyOf(a)))) this.persist({ manualDevices: this.settings.manualDevices.filter((a) => !gone.has(keyOf(a))) });
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

  /**
   * Absolute path of a finished file, proven to be inside its take folder — for this run's
   * downloads and for earlier takes' files. The Electron shell's drag-out and reveal use it; the
   * renderer only ever names a download id.
   */
  async resolveDownloadPath(downloadId: string): Promise<Result<string>> {
    if (this.downloads.get(downloadId)) return this.guard(() => this.downloads.resolveDownloadPath(downloadId), 'not_found');
    return this.guard(async () => {
      const file = await this.takes.downloadFile(downloadId);
      if (file === null) throw Object.assign(new Error(`no download ${downloadId}`), { code: 'not_found' });
      return file;
    }, 'not_found');
  }

  /** Show a finished file in the OS file manager, through the opener the composition root gave (browser mode, desktop). */
  async revealDownload(downloadId: string): Promise<Result<void>> {
    const reveal = this.options.reveal;
    if (!reveal) return err('unsupported', 'Reveal in folder is not available here.');
    const file = await this.resolveDownloadPath(downloadId);
    if (!file.ok) return file;
    return this.guard(() => reveal(file.value, 'file'), 'reveal_failed');
  }

  async startDrag(_downloadId: string): Promise<Result<void>> {
    return err('unsupported', 'Drag-out by id needs the desktop app; in the browser the file is dragged by its local address.');
  }

  async startTakeDrag(_takeId: string): Promise<Result<void>> {
    return err('unsupported', 'Dragging a whole take needs the desktop app.');
  }

  /** The take's folder, if known. */
  resolveTakeFolder(takeId: string): Result<string> {
    const folder = this.takes.folderOf(takeId);
    return folder ? ok(folder) : err('not_found', `no take ${takeId}`);
  }

  /** Every finished file of a take, each proven inside its folder (the desktop app's whole-take drag). */
  async resolveTakeFiles(takeId: string): Promise<Result<string[]>> {
    const take = this.takeById(takeId);
    if (!take) return err('not_found', `no take ${takeId}`);
    const out: string[] = [];
    for (const d of take.devices) {
      if (!d.downloadId) continue;
      const f = await this.resolveDownloadPath(d.downloadId);
      if (f.ok) out.push(f.value);
    }
    return out.length ? ok(out) : err('not_ready', 'This take has no downloaded files yet.');
  }

  async revealTake(takeId: string): Promise<Result<void>> {
    const reveal = this.options.reveal;
    if (!reveal) return err('unsupported', 'Reveal in folder is not available here.');
    const folder = this.resolveTakeFolder(takeId);
    if (!folder.ok) return folder;
    return this.guard(() => reveal(folder.value, 'folder'), 'reveal_failed');
  }

  async reviewTake(takeId: string, review: { rating?: 'good' | 'no_good' | null; note?: string }): Promise<Result<TakeView>> {
    const folder = this.takes.folderOf(takeId);
    if (!folder) return err('not_found', `no take ${takeId}`);
    return this.guard(async () => {
      await this.takes.update(folder, (m) => {
        const prev = m.review ?? { rating: null, note: '', updatedAt: null };
        m.review = {
          rating: review.rating !== undefined ? review.rating : prev.rating,
          // Notes are for people: keep them printable and bounded.
          note: review.note !== undefined ? review.note.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').slice(0, TAKE_NOTE_MAX) : prev.note,
          updatedAt: new Date().toISOString(),
        };
      });
      const take = this.takeById(takeId)!;
      this.emit({ type: 'takeChanged', take });
      return take;
    });
  }

  /**
   * Move a finished take's folder into `Trash/` inside the recordings folder — never a delete:
   * the operator can move it back by hand. take.json records when.
   */
  async trashTake(takeId: string): Promise<Result<{ trashFolder: string; folder: string }>> {
    const take = this.takeById(takeId);
    const folder = this.takes.folderOf(takeId);
    if (!take || !folder) return err('not_found', `no take ${takeId}`);
    if (takeId === this.activeTakeId || !(take.phase === 'done' || take.phase === 'failed')) return err('busy', `${take.name} is still in progress: stop it and let its downloads finish first.`);
    const live = new Set(take.devices.map((d) => d.downloadId).filter(Boolean));
    if (this.downloads.list().some((d) => live.has(d.id) && (d.state === 'queued' || d.state === 'active'))) return err('busy', `${take.name} is still downloading.`);
    return this.guard(async () => {
      const trashFolder = join(this.settings.recordingsDir, TRASH_FOLDER);
      await mkdir(trashFolder, { recursive: true });
      let target = join(trashFolder, basename(folder));
      for (let i = 2; existsSync(target) && i < 1000; i++) target = join(trashFolder, `${basename(folder)}_${i}`);
      await this.takes.update(folder, (m) => {
        m.trashedAt = new Date().toISOString();
      });
      await rename(folder, target);
      this.takes.forget(takeId);
      this.emit({ type: 'takeRemoved', takeId });
      return { trashFolder, folder: target };
    });
  }

  async clipDuration(downloadId: string): Promise<Result<number>> {
    const cached = this.durations.get(downloadId);
    if (cached !== undefined) return ok(cached);
    const file = await this.resolveDownloadPath(downloadId);
    if (!file.ok) return file;
    const seconds = await this.thumbnails.bounded(() => probeDuration(file.value)).catch(() => null);
    if (seconds === null) return err('unsupported', 'No duration: ffprobe is not installed or the file has no readable length.');
    this.durations.set(downloadId, seconds);
    return ok(seconds);
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
      return err('invalid_argument', issue ? plainIssue(issue) : operatorMessage(e));
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

  async thumbnail(downloadId: string): Promise<Result<string>> {
    return this.guard(async () => {
      const url = await this.thumbnails.of(downloadId, async () => {
        const path = await this.resolveDownloadPath(downloadId);
        if (!path.ok) throw Object.assign(new Error(path.error.message), { code: path.error.code });
        return path.value;
      });
      if (!url) throw Object.assign(new Error('No thumbnail: ffmpeg is not installed or the file has no decodable frame.'), { code: 'unsupported' });
      return url;
    });
  }

  async syncTake(takeId: string): Promise<Result<void>> {
    const take = this.takeById(takeId);
    if (!take) return err('not_found', `no take ${takeId}`);
    if (take.phase !== 'done') return err('busy', 'The take is still recording or downloading; it is analysed once every file is home.');
    if (!take.devices.some((d) => d.downloadState === 'done')) return err('not_ready', 'This take has no downloaded files to analyse.');
    this.sync.run(takeId, take.folder);
    return ok(undefined);
  }

  async exportTake(takeId: string, format: ExportFormat): Promise<Result<{ path: string; angles: number; skipped: { name: string; reason: string }[] }>> {
    const take = this.takeById(takeId);
    if (!take) return err('not_found', `no take ${takeId}`);
    try {
      const r = await writeExport(take.folder, format);
      return ok({ path: r.path, angles: r.angles, skipped: r.skipped });
    } catch (e) {
      return err(e instanceof ExportError ? 'not_ready' : 'failed', operatorMessage(e));
    }
  }

  async contactSheet(takeId: string): Promise<Result<ContactSheet>> {
    const take = this.takeById(takeId);
    if (!take) return err('not_found', `no take ${takeId}`);
    if (take.sync?.state !== 'done') return err('not_ready', 'The take has not been aligned yet.');
    const sync = take.sync;
    return this.guard(() => this.thumbnails.bounded(() => makeContactSheet(sync, (file) => realInside(take.folder, file))));
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

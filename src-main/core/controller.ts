/**
 * The controller: implements the ControllerApi contract (src-shared/api.ts) on the core services
 * — settings, discovery, fleet, controller clock, recorder, downloads, uploads. The Electron IPC
 * handlers, the WebSocket bridge and tests all drive this one object.
 *
 * Events carry a monotonically increasing `seq`; a snapshot reports the last seq it reflects, so
 * a transport can subscribe, snapshot, then apply only newer events.
 */
import { spawn } from 'node:child_process';
import { homedir } from 'node:os';
import pLimit from 'p-limit';
import { isAbsolute, join } from 'node:path';
import {
  err,
  ok,
  type ContactSheet,
  type ControllerApi,
  type ControllerClockView,
  type ControllerEvent,
  type DeviceView,
  type DiscoveryView,
  type DownloadView,
  type ExportFormat,
  type Result,
  type Settings,
  type SettingsPatch,
  type Snapshot,
  type TakeView,
  type UploadView,
} from '../../src-shared/api';
import { ControllerClock } from './clock';
import { download as realDownload, prepareConnection, send as realSend } from './device-client';
import type { Discovery } from './discovery/types';
import { createDiscovery } from './discovery/discovery';
import { DownloadQueue, type DownloadFn } from './downloads';
import { Fleet, type SendFn } from './fleet';
import { addressKey, parseManualAddress } from './fleet/address';
import { checkRecordingsFolder } from './takes/folder';
import { plainIssue, type IssueLike } from '../../src-shared/plain';
import { Recorder, type RecorderDevice, type RecorderOptions, type RecorderTimeouts } from './recorder';
import { SettingsStore, defaultSettings } from './settings/settings-store';
import { TakeStore } from './takes';
import { SyncService } from './sync/service';
import { contactSheet as makeContactSheet } from './sync/contact-sheet';
import { failedSync } from './sync/take';
import { ExportError, exportTake as writeExport } from './export';
import { realInside } from './takes/folder';

export type Personality = 'ios' | 'android' | 'oak' | 'spec';

/** Starts in-process virtual devices for demo mode (the composition root passes sim/ in). */
export type VirtualDeviceFactory = (
  count: number,
  personality: Personality | 'mixed',
) => Promise<Array<{ host: string; port: number; name: string; stop(): Promise<void> }>>;

/** Cloud uploads (src-main/core/uploads), plugged in by the composition root when available. */
export interface UploadsPort {
  list(): UploadView[];
  uploadTake(take: TakeView, settings: Settings): Promise<void>;
  retry(uploadId: string, settings: Settings): Promise<UploadView>;
  testConnection(settings: Settings): Promise<{ bucket: string; message: string }>;
  on(event: 'uploadChanged', listener: (u: UploadView) => void): () => void;
  stop?(): Promise<void>;
}

export interface ControllerOptions {
  /** Where settings.json and devices.json live. Default: defaultUserDataDir(). */
  userDataDir?: string;
  /** Applied over the stored settings at start (not persisted): tests, e2e, CLI flags. */
  settingsOverride?: SettingsPatch;
  /** The transport's abilities (Electron: drag-out and reveal). */
  capabilities?: Partial<Snapshot['capabilities']>;
  /** false = no mDNS at all (tests); a Discovery = use it; default = bonjour on settings.interfaces. */
  discovery?: Discovery | false | ((interfaces: string[]) => Discovery);
  send?: SendFn;
  download?: DownloadFn;
  /** Default: SNTP against settings.ntpServer. */
  clock?: ControllerClock;
  virtualDevices?: VirtualDeviceFactory;
  uploads?: UploadsPort;
  recorderTimeouts?: Partial<RecorderTimeouts>;
  /** Extra fleet tuning (tests shorten offline detection). */
  fleet?: { statusTimeoutMs?: number; offlineAfterMs?: number; staleAfterMs?: number };
  /** Diagnostic log (never given secrets). */
  log?: (line: string) => void;
}

/**
 * Where settings live: the same folder Electron's app.getPath('userData') gives the desktop app
 * (named "MultiCam Controller"), so the desktop app and browser mode share devices and settings.
 */
export function defaultUserDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (env.MULTICAM_USER_DATA) return env.MULTICAM_USER_DATA;
  const appData =
    platform === 'darwin'
      ? join(home, 'Library', 'Application Support')
      : platform === 'win32'
        ? env.APPDATA || join(home, 'AppData', 'Roaming')
        : env.XDG_CONFIG_HOME || join(home, '.config');
  return join(appData, APP_DATA_NAME);
}
export const APP_DATA_NAME = 'MultiCam Controller';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
/** One line for the operator: no stack, no multi-line dumps, bounded. */
const operatorMessage = (e: unknown) => message(e).split('\n')[0]!.trim().slice(0, 500) || 'unexpected error';
/** Virtual cameras in all (each is a TCP server in this process). */
export const MAX_VIRTUAL_DEVICES = 100;
/** Past takes shown in the takes panel. */
const HISTORY_LIMIT = 50;

export class Controller implements ControllerApi {
  private seq = 0;
  private readonly listeners = new Set<(e: ControllerEvent) => void>();
  private readonly store: SettingsStore;
  private settings: Settings;
  private readonly clock: ControllerClock;
  private discovery: Discovery | null = null;
  private discoveryUnsub: Array<() => void> = [];
  private readonly fleet: Fleet;
  private readonly downloads: DownloadQueue;
  private readonly recorder: Recorder;
  /** The recorder reads these at use time, so settings changes apply without a new recorder (and without losing a take in progress). */
  private readonly recorderOpts: RecorderOptions;
  private readonly uploads: UploadsPort | null;
  private readonly virtual = new Map<string, { stop(): Promise<void> }>();
  /** Takes past and present (history, drag-out of earlier runs' files); every take.json change goes through it. */
  private readonly takes: TakeStore;
  /** Sound-based sync of finished takes, in a worker, one take at a time. */
  private readonly sync: SyncService;
  private readonly thumbnails = new Map<string, string>();
  private readonly thumbnailRuns = new Map<string, Promise<Buffer | null>>();
  private readonly thumbnailSlots = pLimit(2);
  private activeTakeId: string | null = null;
  private readonly unsubs: Array<() => void> = [];
  private readonly capabilities: Snapshot['capabilities'];
  private readonly send: SendFn;
  private readonly log: (line: string) => void;
  private stopped = false;
  /** Virtual cameras being started right now (counted against the limit). */
  private virtualStarting = 0;

  constructor(private readonly options: ControllerOptions = {}) {
    this.log = options.log ?? (() => undefined);
    this.store = new SettingsStore(options.userDataDir ?? defaultUserDataDir(), defaultSettings());
    for (const w of this.store.loadWarnings) this.log(`settings: ${w}`);
    this.settings = { ...this.store.get(), ...(options.settingsOverride ?? {}) };
    this.capabilities = {
      dragOut: false,
      reveal: false,
      virtualDevices: Boolean(options.virtualDevices),
      ...options.capabilities,
    };
    this.send = options.send ?? realSend;
    this.clock = options.clock ?? new ControllerClock({ server: this.settings.ntpServer });
    this.unsubs.push(this.clock.on('change', (clock) => this.emit({ type: 'controllerClockChanged', clock })));

    this.fleet = new Fleet({
      send: this.send,
      clock: this.clock,
      pollIntervalMs: this.settings.pollIntervalMs,
      clockThresholdMs: this.settings.clockThresholdMs,
      ...options.fleet,
      ...(this.makeDiscovery() ? { discovery: this.discovery! } : {}),
    });
    this.unsubs.push(
      this.fleet.on('deviceChanged', (device) => this.onDeviceChanged(device)),
      this.fleet.on('deviceRemoved', (id) => this.emit({ type: 'deviceRemoved', id })),
    );

    this.takes = new TakeStore({ recordingsDir: () => this.settings.recordingsDir, historyLimit: HISTORY_LIMIT, log: this.log });
    this.sync = new SyncService({
      log: this.log,
      write: async (folder, sync) => {
        await this.takes.update(folder, (m) => {
          (m as Record<string, unknown>).sync = sync;
        });
      },
      onChanged: (takeId) => {
        const take = this.takeById(takeId);
        if (take) this.emit({ type: 'takeChanged', take });
      },
    });
    this.downloads = new DownloadQueue({ download: options.download ?? realDownload, maxConcurrent: this.settings.maxConcurrentDownloads });
    this.unsubs.push(this.downloads.on('downloadChanged', (download) => this.emit({ type: 'downloadChanged', download })));
    this.recorderOpts = this.makeRecorderOptions();
    this.recorder = new Recorder(this.recorderOpts);
    this.unsubs.push(this.recorder.on('takeChanged', (take) => this.onTakeChanged(take)));
    this.uploads = options.uploads ?? null;
    if (this.uploads) this.unsubs.push(this.uploads.on('uploadChanged', (upload) => this.onUploadChanged(upload)));
  }

  /** Start the services: clock sync, discovery, polling, manual devices, take recovery. */
  async start(): Promise<void> {
    this.clock.start();
    for (const address of this.settings.manualDevices) {
      try {
        this.fleet.addManual(address);
      } catch (e) {
        this.log(`manual device ${address} ignored: ${message(e)}`);
      }
    }
    this.discovery?.start();
    this.fleet.start();
    await this.takes.loadHistory();
    try {
      const recovered = await this.recorder.recoverTakes();
      for (const r of recovered) {
        this.log(`recovered take '${r.take.name}': ${r.owed.mayStillBeRecording.length} may still be recording, ${r.owed.owedFiles.length} files owed`);
        // Files a stopped device still owes: fetch them, as the take would have before the restart.
        if (this.settings.autoDownload && r.owed.owedFiles.length > 0) {
          try {
            this.recorder.downloadOwedFiles(r.take.takeId);
          } catch (e) {
            this.log(`could not queue the files owed by take '${r.take.name}': ${message(e)}`);
          }
        }
      }
      this.activeTakeId = this.recorder.activeTake?.takeId ?? null;
    } catch (e) {
      this.log(`take recovery failed: ${message(e)}`);
    }
  }

  /** Every take change so far is on disk (take.json writes are coalesced). */
  async flush(): Promise<void> {
    await this.recorder.flush();
  }

  /** Clean shutdown: stop discovery and polling, park downloads (partial bytes are kept), stop virtual devices. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.sync.stop();
    for (const d of this.downloads.list()) if (d.state === 'queued' || d.state === 'active') this.downloads.cancel(d.id);
    await this.recorder.flush().catch(() => undefined);
    this.recorder.dispose();
    for (const off of this.unsubs.splice(0)) off();
    for (const off of this.discoveryUnsub.splice(0)) off();
    this.clock.stop();
    await this.fleet.stop();
    await this.discovery?.stop().catch(() => undefined);
    await this.uploads?.stop?.().catch(() => undefined);
    await Promise.all([...this.virtual.values()].map((v) => v.stop().catch(() => undefined)));
    this.virtual.clear();
    this.listeners.clear();
  }

  // ---------------------------------------------------------------- plumbing

  private emit(e: DistributiveOmit<ControllerEvent, 'seq'>): void {
    const event = { ...e, seq: ++this.seq } as ControllerEvent;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (error) {
        this.log(`event listener failed: ${message(error)}`);
      }
    }
  }

  private makeDiscovery(): boolean {
    const opt = this.options.discovery;
    if (opt === false) return false;
    this.discovery = typeof opt === 'function' ? opt(this.settings.interfaces) : (opt ?? createDiscovery(this.settings.interfaces.length ? { interfaces: this.settings.interfaces } : {}));
    this.discoveryUnsub.push(this.discovery.on('status', () => this.emit({ type: 'discoveryChanged', discovery: this.discoveryView() })));
    return true;
  }

  private makeRecorderOptions(): RecorderOptions {
    return {
      recordingsDir: this.settings.recordingsDir,
      takes: this.takes,
      send: this.send,
      // START connections opened during pre-flight; only with the real transport (a test's send has no sockets).
      ...(this.send === realSend ? { preconnect: prepareConnection } : {}),
      clock: this.clock,
      clockOf: (key) => this.fleet.clockOf(key),
      noteReply: (key, reply) => {
        try {
          this.fleet.noteReply(key, reply);
        } catch {
          /* device removed meanwhile */
        }
      },
      downloads: this.downloads,
      autoDownload: this.settings.autoDownload,
      batteryWarnPercent: this.settings.batteryWarnPercent,
      ...(this.options.recorderTimeouts ? { timeouts: this.options.recorderTimeouts } : {}),
      onWriteError: (folder, e) => this.log(`could not write the manifest in ${folder}: ${e.message}`),
    };
  }

  /** The latest upload of each take's device file (the manifest knows nothing of this run's uploads). */
  private withUploads(take: TakeView): TakeView {
    // A `running` analysis no worker of this run is doing was cut short (the app quit meanwhile).
    if (take.sync?.state === 'running' && !this.sync.isRunning(take.takeId)) take = { ...take, sync: failedSync('the analysis was interrupted; run it again') };
    if (!this.uploads) return take;
    const latest = new Map<string, string>();
    for (const u of this.uploads.list()) if (u.takeId === take.takeId) latest.set(u.deviceKey, u.id);
    if (latest.size === 0) return take;
    return { ...take, devices: take.devices.map((d) => (latest.has(d.deviceKey) ? { ...d, uploadId: latest.get(d.deviceKey)! } : d)) };
  }

  /** Which upload each take device was last shown with, so a new upload re-announces its take. */
  private readonly shownUploadIds = new Map<string, string>();
  private onUploadChanged(upload: UploadView): void {
    this.emit({ type: 'uploadChanged', upload });
    const key = `${upload.takeId}\u0000${upload.deviceKey}`;
    if (this.shownUploadIds.get(key) === upload.id) return;
    this.shownUploadIds.set(key, upload.id);
    const take = this.takeById(upload.takeId);
    if (take) this.emit({ type: 'takeChanged', take });
  }

  private onTakeChanged(raw: TakeView): void {
    const take = this.withUploads(raw);
    this.emit({ type: 'takeChanged', take });
    this.sync.noteTake(raw);
    const active = this.recorder.activeTake?.takeId ?? null;
    if (active !== this.activeTakeId) {
      this.activeTakeId = active;
      this.emit({ type: 'activeTakeChanged', takeId: active });
    }
  }

  /** Apply stored labels/colours/inclusion the first time a device shows up. */
  private readonly prefsApplied = new Set<string>();
  private onDeviceChanged(device: DeviceView): void {
    if (!this.prefsApplied.has(device.id)) {
      this.prefsApplied.add(device.id);
      const p = this.store.devicePrefs(device.id);
      try {
        if (p.label) device = this.fleet.rename(device.id, p.label);
        if (p.color !== undefined && p.color !== null) device = this.fleet.setColor(device.id, p.color);
        if (p.included === false) device = this.fleet.setIncluded(device.id, false);
      } catch (e) {
        this.log(`device preferences for ${device.id} not applied: ${message(e)}`);
      }
    }
    this.emit({ type: 'deviceChanged', device: this.fleet.get(device.id) ?? device });
  }

  private discoveryView(): DiscoveryView {
    if (!this.discovery) return { state: 'stopped', reason: 'discovery is off', interfaces: [] };
    const s = this.discovery.status();
    return { state: s.state, reason: s.reason, interfaces: s.interfaces };
  }

  private allTakes(): TakeView[] {
    return this.takes.views().map((t) => this.withUploads(t));
  }

  private allDownloads(): DownloadView[] {
    const live = this.downloads.list();
    return [...this.takes.pastDownloads(new Set(live.map((d) => d.id))), ...live];
  }

  private recorderDevices(): RecorderDevice[] {
    return this.fleet
      .list()
      .filter((d) => d.host !== null && d.port !== null)
      .map((d) => ({ key: d.id, name: d.name, host: d.host!, port: d.port!, deviceType: d.deviceType, included: d.included }));
  }

  private async guard<T>(f: () => T | Promise<T>, code = 'failed'): Promise<Result<T>> {
    try {
      return ok(await f());
    } catch (e) {
      const c = (e as { code?: unknown }).code;
      return err(typeof c === 'string' && /^[a-z_]+$/.test(c) ? c : code, operatorMessage(e));
    }
  }

  // ---------------------------------------------------------------- the contract

  subscribe(listener: (event: ControllerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async getSnapshot(): Promise<Result<Snapshot>> {
    return ok({
      seq: this.seq,
      devices: this.fleet.list(),
      takes: this.allTakes(),
      downloads: this.allDownloads(),
      uploads: this.uploads?.list() ?? [],
      activeTakeId: this.activeTakeId,
      settings: structuredClone(this.settings),
      controllerClock: this.clock.state(),
      discovery: this.discoveryView(),
      capabilities: { ...this.capabilities },
    });
  }

  async refreshDiscovery(): Promise<Result<void>> {
    if (!this.discovery) return err('unavailable', 'discovery is off');
    this.discovery.refresh();
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
    const v = this.virtual.get(id);
    if (v) {
      this.virtual.delete(id);
      await v.stop().catch(() => undefined);
    }
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

  async revealDownload(_downloadId: string): Promise<Result<void>> {
    return err('unsupported', 'Reveal in folder needs the desktop app.');
  }

  async startDrag(_downloadId: string): Promise<Result<void>> {
    return err('unsupported', 'Drag-out needs the desktop app; in the browser, open the take folder instead.');
  }

  private takeById(takeId: string): TakeView | null {
    const take = this.takes.view(takeId);
    return take ? this.withUploads(take) : null;
  }

  async uploadTake(takeId: string): Promise<Result<TakeView>> {
    if (!this.uploads) return err('unsupported', 'Cloud upload is not available in this build.');
    if (!this.settings.storage.bucket) return err('not_configured', 'Set a storage bucket in Settings first.');
    const take = this.takeById(takeId);
    if (!take) return err('not_found', `no take ${takeId}`);
    return this.guard(async () => {
      await this.uploads!.uploadTake(take, this.settings);
      return this.takeById(takeId) ?? take;
    });
  }

  async retryUpload(uploadId: string): Promise<Result<UploadView>> {
    if (!this.uploads) return err('unsupported', 'Cloud upload is not available in this build.');
    return this.guard(() => this.uploads!.retry(uploadId, this.settings), 'not_found');
  }

  async testStorage(): Promise<Result<{ bucket: string; message: string }>> {
    if (!this.uploads) return err('unsupported', 'Cloud upload is not available in this build.');
    if (!this.settings.storage.bucket) return err('not_configured', 'Set a storage bucket first.');
    return this.guard(() => this.uploads!.testConnection(this.settings), 'storage_error');
  }

  private persist(patch: SettingsPatch): Settings {
    const stored = this.store.update(patch);
    this.settings = { ...stored, ...(this.options.settingsOverride ?? {}), ...patch };
    this.emit({ type: 'settingsChanged', settings: structuredClone(this.settings) });
    return this.settings;
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
    // The recorder reads these when it needs them: a take in progress carries on (its folder stays where it is).
    this.recorderOpts.autoDownload = next.autoDownload;
    this.recorderOpts.batteryWarnPercent = next.batteryWarnPercent;
    if (next.recordingsDir !== before.recordingsDir) {
      this.recorderOpts.recordingsDir = next.recordingsDir;
      this.takes.clearHistory();
      await this.takes.loadHistory();
    }
    if (JSON.stringify(next.interfaces) !== JSON.stringify(before.interfaces) && this.discovery && this.options.discovery !== false && typeof this.options.discovery !== 'object') {
      await this.restartDiscovery();
    }
    return ok(structuredClone(next));
  }

  private async restartDiscovery(): Promise<void> {
    for (const off of this.discoveryUnsub.splice(0)) off();
    await this.discovery?.stop().catch(() => undefined);
    this.makeDiscovery();
    this.fleet.setDiscovery(this.discovery);
    this.discovery?.start();
    this.emit({ type: 'discoveryChanged', discovery: this.discoveryView() });
  }

  async addVirtualDevices(count: number, personality?: Personality | 'mixed'): Promise<Result<DeviceView[]>> {
    const factory = this.options.virtualDevices;
    if (!factory) return err('unsupported', 'Virtual cameras are not available here.');
    const room = MAX_VIRTUAL_DEVICES - this.virtual.size - this.virtualStarting;
    if (count > room) {
      return err('limit', room > 0 ? `Only ${room} more virtual camera${room === 1 ? '' : 's'} can be added (${MAX_VIRTUAL_DEVICES} in all).` : `There are already ${MAX_VIRTUAL_DEVICES} virtual cameras.`);
    }
    this.virtualStarting += count;
    return this.guard(async () => {
      let started: Awaited<ReturnType<VirtualDeviceFactory>>;
      try {
        started = await factory(count, personality ?? 'mixed');
      } finally {
        this.virtualStarting -= count;
      }
      const views: DeviceView[] = [];
      const unused: Array<{ stop(): Promise<void> }> = [];
      for (const s of started) {
        if (this.stopped) {
          unused.push(s);
          continue;
        }
        try {
          const v = this.fleet.addManual(`${s.host}:${s.port}`, { source: 'virtual' });
          this.virtual.set(v.id, s);
          // A readable name for the demo: the sim's instance name.
          views.push(this.fleet.rename(v.id, s.name));
          void this.fleet.pollNow(v.id).catch(() => undefined);
        } catch (e) {
          this.log(`virtual camera ${s.name} not added: ${message(e)}`);
          unused.push(s);
        }
      }
      // A camera we could not register would otherwise keep listening until the process exits.
      await Promise.all(unused.map((s) => s.stop().catch(() => undefined)));
      if (views.length === 0 && started.length > 0) throw new Error('No virtual camera could be added.');
      return views;
    });
  }

  async thumbnail(downloadId: string): Promise<Result<string>> {
    const cached = this.thumbnails.get(downloadId);
    if (cached) return ok(cached);
    const path = await this.resolveDownloadPath(downloadId);
    if (!path.ok) return path;
    // One ffmpeg per file however many cards ask, and at most two at once (a 100-camera take).
    let pending = this.thumbnailRuns.get(downloadId);
    if (!pending) {
      pending = this.thumbnailSlots(() => firstFramePng(path.value)).catch(() => null);
      this.thumbnailRuns.set(downloadId, pending);
      void pending.finally(() => this.thumbnailRuns.delete(downloadId));
    }
    const png = await pending;
    if (!png) return err('unsupported', 'No thumbnail: ffmpeg is not installed or the file has no decodable frame.');
    const url = `data:image/png;base64,${png.toString('base64')}`;
    this.thumbnails.set(downloadId, url);
    return ok(url);
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
    return this.guard(() => this.thumbnailSlots(() => makeContactSheet(sync, (file) => realInside(take.folder, file))));
  }

  controllerClock(): ControllerClockView {
    return this.clock.state();
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** First video frame as a small PNG, via ffmpeg when it is installed (no shell, bounded time and size). */
export function firstFramePng(file: string, timeoutMs = 10_000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', '1', '-vf', 'scale=320:-2', '-f', 'image2pipe', '-vcodec', 'png', 'pipe:1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 4 * 1024 * 1024) child.kill('SIGKILL');
      else chunks.push(c);
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 && size > 0 && size <= 4 * 1024 * 1024 ? Buffer.concat(chunks) : null);
    });
  });
}

/** Build and start a controller. */
export async function createController(options: ControllerOptions = {}): Promise<Controller> {
  const c = new Controller(options);
  await c.start();
  return c;
}

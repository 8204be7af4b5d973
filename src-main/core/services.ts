/**
 * The wiring: builds every core service from the controller's options and the settings, starts
 * them, stops them, and connects their events to the controller's event stream. The contract
 * itself is mapped onto these services in controller.ts.
 */
import { err, ok, type DownloadView, type Result, type Settings, type SettingsPatch, type Snapshot, type TakeView } from '../../src-shared/api';
import { DisposableStore, setListenerErrorHandler } from '../../src-shared/event';
import { errorLine } from '../../src-shared/error-line';
import { ControllerClock } from './clock';
import { download as realDownload, prepareConnection, send as realSend } from './device-client';
import { DiscoveryControl } from './discovery/control';
import { ControllerEvents, type ControllerEventInput } from './controller-events';
import { UploadsLink } from './uploads-link';
import { DownloadQueue } from './downloads';
import { Fleet, type SendFn } from './fleet';
import { Recorder, type RecorderDevice } from './recorder';
import { SettingsStore, defaultSettings } from './settings/settings-store';
import { defaultUserDataDir } from './settings/user-data';
import { TakeStore } from './takes';
import { SyncService } from './sync/service';
import { failedSync } from './sync/take';
import { Thumbnails } from './thumbnails';
import { VirtualDevices } from './virtual-devices';
import type { ControllerOptions } from './controller-options';

/** Past takes shown in the takes panel. */
const HISTORY_LIMIT = 50;

export class ControllerServices {
  protected readonly events: ControllerEvents;
  protected readonly store: SettingsStore;
  protected settings: Settings;
  protected readonly clock: ControllerClock;
  protected readonly discovery: DiscoveryControl;
  protected readonly fleet: Fleet;
  protected readonly downloads: DownloadQueue;
  protected readonly recorder: Recorder;
  protected readonly uploads: UploadsLink;
  protected readonly virtual: VirtualDevices;
  /** Takes past and present (history, drag-out of earlier runs' files); every take.json change goes through it. */
  protected readonly takes: TakeStore;
  /** Sound-based sync of finished takes, in a worker, one take at a time. */
  protected readonly sync: SyncService;
  protected readonly thumbnails = new Thumbnails();
  protected activeTakeId: string | null = null;
  protected readonly subscriptions = new DisposableStore();
  protected readonly capabilities: Snapshot['capabilities'];
  protected readonly send: SendFn;
  protected readonly log: (line: string) => void;
  protected stopped = false;

  constructor(protected readonly options: ControllerOptions = {}) {
    this.log = options.log ?? (() => undefined);
    // The one policy for a listener that throws, anywhere in the services: one line in the log
    // (without a log, the Emitter's default: one line on stderr).
    if (options.log) setListenerErrorHandler((e, emitter) => this.log(`${emitter}: a listener failed: ${errorLine(e)}`));
    this.events = new ControllerEvents();
    this.discovery = new DiscoveryControl(options.discovery, () => this.emit({ type: 'discoveryChanged', discovery: this.discovery.view() }));
    this.store = new SettingsStore(options.userDataDir ?? defaultUserDataDir(), defaultSettings());
    for (const w of this.store.loadWarnings) this.log(`settings: ${w}`);
    this.settings = { ...this.store.get(), ...(options.settingsOverride ?? {}) };
    this.capabilities = {
      dragOut: false,
      reveal: Boolean(options.reveal),
      virtualDevices: Boolean(options.virtualDevices),
      ...options.capabilities,
    };
    this.send = options.send ?? realSend;
    this.clock = options.clock ?? new ControllerClock({ server: this.settings.ntpServer });
    this.subscriptions.add(this.clock.onDidChange((clock) => this.emit({ type: 'controllerClockChanged', clock })));

    this.fleet = new Fleet({
      send: this.send,
      // START connections opened during pre-flight; only with the real transport (a test's send has no sockets).
      ...(this.send === realSend ? { preconnect: prepareConnection } : {}),
      clock: this.clock,
      pollIntervalMs: this.settings.pollIntervalMs,
      clockThresholdMs: this.settings.clockThresholdMs,
      ...options.fleet,
      preferences: (id) => this.store.devicePrefs(id),
      ...(this.discovery.make(this.settings.interfaces) ? { discovery: this.discovery.current! } : {}),
    });
    this.virtual = new VirtualDevices(this.fleet, options.virtualDevices, this.log);
    this.subscriptions.add(this.fleet.onDidChangeDevice((device) => this.emit({ type: 'deviceChanged', device })));
    this.subscriptions.add(this.fleet.onDidRemoveDevice((deviceKey) => this.emit({ type: 'deviceRemoved', deviceKey })));

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
    this.subscriptions.add(this.downloads.onDidChangeDownload(({ view }) => this.emit({ type: 'downloadChanged', download: view })));
    this.recorder = new Recorder({
      recordingsDir: this.settings.recordingsDir,
      takes: this.takes,
      send: this.send,
      clock: this.clock,
      clockOf: (key) => this.fleet.clockOf(key),
      noteReply: (key, reply) => this.fleet.noteReplyIfKnown(key, reply),
      downloads: this.downloads,
      // Read at use time: a settings change applies to what comes next, a take in progress carries on.
      settings: () => this.settings,
      ...(options.recorderTimeouts ? { timeouts: options.recorderTimeouts } : {}),
      onWriteError: (folder, e) => this.log(`could not write the manifest in ${folder}: ${errorLine(e)}`),
    });
    this.subscriptions.add(this.recorder.onDidChangeTake((take) => this.onTakeChanged(take)));
    this.uploads = new UploadsLink(
      options.uploads ?? null,
      (id) => this.takeById(id),
      (e) => this.emit(e),
    );
  }

  /** Start the services: clock sync, discovery, polling, manual devices, take recovery. */
  async start(): Promise<void> {
    this.clock.start();
    for (const address of this.settings.manualDevices) {
      try {
        this.fleet.addManual(address);
      } catch (e) {
        this.log(`manual device ${address} ignored: ${errorLine(e)}`);
      }
    }
    this.discovery.current?.start();
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
            this.log(`could not queue the files owed by take '${r.take.name}': ${errorLine(e)}`);
          }
        }
      }
      this.activeTakeId = this.recorder.activeTake?.takeId ?? null;
    } catch (e) {
      this.log(`take recovery failed: ${errorLine(e)}`);
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
    this.subscriptions.dispose();
    this.clock.stop();
    await this.fleet.stop();
    await this.discovery.stop();
    await this.uploads.stop();
    await this.virtual.stopAll();
    this.events.clear();
  }

  // ---------------------------------------------------------------- plumbing

  protected emit(e: ControllerEventInput): void {
    this.events.emit(e);
  }

  /** A take as the UI sees it: this run's uploads, and a sync no worker is doing any more shown as cut short. */
  protected present(take: TakeView): TakeView {
    // A `running` analysis no worker of this run is doing was cut short (the app quit meanwhile).
    if (take.sync?.state === 'running' && !this.sync.isRunning(take.takeId)) take = { ...take, sync: failedSync('the analysis was interrupted; run it again') };
    return this.uploads.withUploads(take);
  }

  protected onTakeChanged(raw: TakeView): void {
    const take = this.present(raw);
    this.emit({ type: 'takeChanged', take });
    this.sync.noteTake(raw);
    const active = this.recorder.activeTake?.takeId ?? null;
    if (active !== this.activeTakeId) {
      this.activeTakeId = active;
      this.emit({ type: 'activeTakeChanged', takeId: active });
    }
  }

  protected allTakes(): TakeView[] {
    return this.takes.views().map((t) => this.present(t));
  }

  protected allDownloads(): DownloadView[] {
    const live = this.downloads.list();
    return [...this.takes.pastDownloads(new Set(live.map((d) => d.id))), ...live];
  }

  protected recorderDevices(): RecorderDevice[] {
    return (
      this.fleet
        .list()
        .filter((d) => d.host !== null && d.port !== null)
        // A device that has not answered yet (no label, no reported id) gets no name here: the take
        // names it by the id it reports at pre-flight, as the fleet will.
        .map((d) => ({
          deviceKey: d.deviceKey,
          name: d.deviceId === null && d.name === d.deviceKey ? '' : d.name,
          host: d.host!,
          port: d.port!,
          deviceType: d.deviceType,
          included: d.included,
        }))
    );
  }

  protected guard<T>(f: () => T | Promise<T>, code = 'failed'): Promise<Result<T>> {
    return guarded(f, code);
  }

  protected takeById(takeId: string): TakeView | null {
    const take = this.takes.view(takeId);
    return take ? this.present(take) : null;
  }

  protected persist(patch: SettingsPatch): Settings {
    const stored = this.store.update(patch);
    this.settings = { ...stored, ...(this.options.settingsOverride ?? {}), ...patch };
    this.emit({ type: 'settingsChanged', settings: structuredClone(this.settings) });
    return this.settings;
  }
}

/** Run `f` and turn a throw into a plain Result error (the thrown `code` if it is one, else `code`). */
export async function guarded<T>(f: () => T | Promise<T>, code = 'failed'): Promise<Result<T>> {
  try {
    return ok(await f());
  } catch (e) {
    const c = (e as { code?: unknown }).code;
    return err(typeof c === 'string' && /^[a-z_]+$/.test(c) ? c : code, errorLine(e));
  }
}

/**
 * The recorder: one take from "Record" to files owed, across every device.
 *
 * pre-flight (DEVICE_STATUS) → one target instant → START to all at once → confirm `recording`
 * after the target → STOP to the devices that may be recording → hand the files to the download
 * queue. Every change is written to the take's `take.json` (atomic) and emitted as `takeChanged`,
 * so a controller restart can pick the take up again (`recoverTakes`). One device's failure is
 * recorded on that device and never blocks the others.
 */
import { errorLine } from '../../../src-shared/error-line';
import { randomUUID } from 'node:crypto';
import type { DownloadView, TakeView } from '../../../src-shared/api';
import { Emitter, nextEvent, type Disposable } from '../../../src-shared/event';
import { isProtocolError, startRecording } from '../../../src-shared/protocol';
import { writeBatch } from '../device-client/send';
import type { DownloadInfo } from '../downloads/queue';
import { redactValue } from '../../../src-shared/redact';
import { downloadChanged, settleOutcome, toTakeView, TakeStore, type ManifestDevice, type OwedWork, type TakeManifest } from '../takes';
import { classifyStart, targetFor } from './classify';
import { enqueueDownload } from './downloads-link';
import { FOLDER_DEADLINE_MS, withDeadline } from '../takes/folder';
import { DeviceSteps } from './steps';
import { realSetTimer, sleepOn } from '../timers';
import {
  ACTIVE_PHASES,
  downloadOwed,
  mayBeRecording,
  newDevice,
  newSession,
  addressOf,
  refusedBeforeSending,
  sec,
  settlePhase,
  type Session,
} from './take-state';
import { DEFAULT_TIMEOUTS, recorderSetting, wallClock, type ControllerClock, type RecorderDevice, type RecorderOptions, type RecorderTimeouts } from './types';

export type { RecorderOptions } from './types';

export interface StartTakeOptions {
  devices: RecorderDevice[];
  delaySeconds?: number;
  name?: string;
}

export interface RecoveredTake {
  take: TakeView;
  owed: OwedWork;
}

export class Recorder {
  private readonly sessions = new Map<string, Session>();
  // Fired in the middle of a take (after START went out, inside download callbacks): the Emitter
  // keeps a throwing listener from aborting the take and leaving devices recording.
  private readonly _onDidChangeTake = new Emitter<TakeView>('recorder: takeChanged');
  /** Every change of a take (also written to take.json, coalesced). */
  readonly onDidChangeTake = this._onDidChangeTake.event;
  private readonly clock: ControllerClock;
  private readonly t: RecorderTimeouts;
  private activeTakeId: string | null = null;
  /** A startTake is between its checks and its session: a second one must wait its turn. */
  private startingTake = false;
  /** The most recent take: the default for `settled()`/`confirmed()` once the take is no longer active. */
  private lastTakeId: string | null = null;
  private readonly subscription: Disposable | null;
  private readonly store: TakeStore;
  private readonly steps: DeviceSteps;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(private readonly opts: RecorderOptions) {
    this.store = opts.takes ?? new TakeStore({ recordingsDir: () => this.opts.recordingsDir });
    this.clock = opts.clock ?? wallClock;
    this.t = { ...DEFAULT_TIMEOUTS, ...opts.timeouts };
    const setTimer = opts.setTimer ?? realSetTimer;
    this.sleep = (ms, signal) => sleepOn(setTimer, ms, signal);
    this.steps = new DeviceSteps(opts, this.clock, this.t, (s) => this.changed(s));
    this.subscription = opts.downloads ? opts.downloads.onDidChangeDownload(({ view, info }) => this.onDownload(view, info)) : null;
  }

  get activeTake(): TakeView | null {
    const s = this.activeTakeId ? this.sessions.get(this.activeTakeId) : undefined;
    return s ? this.view(s) : null;
  }
  takes(): TakeView[] {
    return [...this.sessions.values()].map((s) => this.view(s));
  }
  get(takeId: string): TakeView | null {
    const s = this.sessions.get(takeId);
    return s ? this.view(s) : null;
  }

  /** Everything changed so far is on disk. */
  async flush(): Promise<void> {
    await Promise.all([...this.sessions.values()].map((s) => s.take.flush().catch(() => undefined)));
  }

  /** Let go of every take: nothing more is written from this recorder. */
  dispose(): void {
    this.subscription?.dispose();
    for (const s of this.sessions.values()) {
      s.confirmAbort.abort();
      s.take.close();
    }
    this._onDidChangeTake.dispose();
  }

  // ---------------------------------------------------------------- start

  async startTake(options: StartTakeOptions): Promise<TakeView> {
    // Checked and set before any await: two Record presses must not make two takes at once.
    if (this.startingTake) throw new Error('another take is starting: stop it first');
    this.startingTake = true;
    try {
      return await this.doStart(options);
    } finally {
      this.startingTake = false;
    }
  }

  private async doStart(options: StartTakeOptions): Promise<TakeView> {
    const active = this.activeTakeId ? this.sessions.get(this.activeTakeId) : undefined;
    if (active && ACTIVE_PHASES.has(active.m.phase)) throw new Error(`take '${active.m.name}' is still ${active.m.phase}: stop it first`);
    const delaySeconds = options.delaySeconds ?? 3;
    if (!Number.isFinite(delaySeconds) || delaySeconds < 0 || delaySeconds > 600) throw new RangeError('delaySeconds must be between 0 and 600');
    const seen = new Set<string>();
    const devices = options.devices.filter((d) => !seen.has(d.deviceKey) && seen.add(d.deviceKey));
    if (devices.length === 0) throw new Error('no devices for the take');

    const name = (options.name ?? '').trim() || 'Take';
    const date = this.opts.date?.() ?? new Date();
    const cs = this.clock.state();
    const take = await this.store.create(
      name,
      date,
      ({ folderName }) => ({
        manifestVersion: 1,
        takeId: randomUUID(),
        name,
        folderName,
        createdAt: date.toISOString(),
        targetStart: 0,
        delaySeconds,
        controllerClock: { source: cs.state, offsetMs: cs.offsetMs, uncertaintyMs: cs.uncertaintyMs },
        phase: 'starting',
        outcome: null,
        files: null,
        aborted: false,
        stoppedAt: null,
        devices: devices.map((d) => newDevice(d)),
      }),
      { onError: (e) => this.opts.onWriteError?.(take.folder, e) },
    );
    let markStarted!: () => void;
    const s = newSession(take, new Promise<void>((r) => (markStarted = r)));
    try {
      return await this.startSession(s, devices, delaySeconds);
    } finally {
      markStarted();
    }
  }

  private async startSession(s: Session, devices: RecorderDevice[], delaySeconds: number): Promise<TakeView> {
    const m = s.m;
    this.sessions.set(m.takeId, s);
    this.activeTakeId = m.takeId;
    this.lastTakeId = m.takeId;
    this.changed(s);

    // START connections open while pre-flight runs, so the fan-out below only writes.
    const prepared = new Map(
      this.opts.preconnect
        ? m.devices.flatMap((e) => (addressOf(e.address) ? [[e.deviceKey, this.opts.preconnect!(addressOf(e.address)!)] as const] : []))
        : [],
    );
    const closePrepared = () => prepared.forEach((c) => c.close());
    // Pre-flight, all devices at once; a bad device is skipped with its reason, never silently.
    const byKey = new Map(devices.map((d) => [d.deviceKey, d]));
    await Promise.all(m.devices.map((e) => this.steps.preflight(s, byKey.get(e.deviceKey)!, e)));
    const participants = m.devices.filter((e) => e.start.status === 'pending');
    if (s.stopRequested) {
      closePrepared();
      // Stop was pressed during pre-flight: nothing has been sent, so nothing is started. That is
      // the operator calling the take off (aborted), not a failure of any device.
      for (const e of participants) {
        Object.assign(e.start, { status: 'skipped', skipReason: 'not_started', error: 'take stopped before START was sent' });
        e.stop.status = 'not_sent';
      }
      m.aborted = true;
      m.phase = 'done';
      if (this.activeTakeId === m.takeId) this.activeTakeId = null;
      this.changed(s);
      return this.view(s);
    }

    // One target instant for the take; per device, what to send and why.
    m.targetStart = sec(this.clock.now() + delaySeconds * 1000);
    for (const e of participants) {
      const clock = e.clock.offsetMs !== null && e.clock.uncertaintyMs !== null ? { offsetMs: e.clock.offsetMs, uncertaintyMs: e.clock.uncertaintyMs } : null;
      const decision = targetFor({ deviceKey: e.deviceKey, name: e.name, host: '', port: 0, scheduleOnRawClock: e.scheduleOnRawClock }, m.targetStart, clock);
      e.start.targetSent = decision.targetSent;
      e.start.targetReason = decision.targetReason;
      if (decision.warning) e.warnings.push(decision.warning);
    }
    // On disk before any START leaves: a crash from here on knows these devices may be recording.
    this.changed(s);
    // Bounded: a disk that stopped answering must not hold the START (the take goes on, and says so).
    await withDeadline(s.take.flush(), FOLDER_DEADLINE_MS, 'the take folder').catch((e: unknown) => {
      this.opts.onWriteError?.(s.folder, e instanceof Error ? e : new Error(String(e)));
    });

    // Fan-out: every command built first, then all sends issued in one synchronous loop.
    const plan = participants.map((e) => {
      try {
        return { e, address: addressOf(e.address)!, cmd: startRecording(e.start.targetSent!) };
      } catch (err) {
        return { e, address: null, cmd: null, buildError: err };
      }
    });
    const fanOutAt = this.clock.now();
    // Each send sets up its exchange and adds its write; flush() then writes every START in one
    // loop, so nothing of one device's setup sits between two devices' writes.
    const batch = writeBatch();
    const pending = plan.map(({ e, address, cmd }) =>
      address && cmd
        ? this.opts
            .send(address, cmd, {
              replyTimeoutMs: this.t.startMs,
              connectTimeoutMs: this.t.startMs,
              tries: 2,
              backoffMs: [250],
              now: () => this.clock.now(),
              batch,
              ...(prepared.has(e.deviceKey) ? { connection: prepared.get(e.deviceKey)! } : {}),
            })
            .then(
              (r) => ({ e, r, err: null as unknown }),
              (err: unknown) => ({ e, r: null, err }),
            )
        : null,
    );
    batch.flush();
    closePrepared(); // the unused ones: devices skipped at pre-flight
    for (const [i, { e, buildError }] of plan.entries()) {
      if (pending[i] !== null) continue;
      // Never sent (a bug or an impossible target): the device cannot have started.
      Object.assign(e.start, { status: 'failed', error: `START not sent: ${errorLine(buildError, { withCode: true })}`, transportError: false });
      e.stop.status = 'not_sent';
    }
    for (const { e, r, err } of await Promise.all(pending.filter((p) => p !== null))) {
      e.start.sentAt = sec(r?.sentAt ?? fanOutAt);
      if (r) {
        this.opts.noteReply?.(e.deviceKey, r);
        e.start.replyAt = sec(r.receivedAt);
        // Devices echo presigned upload URLs in their queues: never persist a signature.
        e.start.reply = redactValue(r.reply.raw) as Record<string, unknown>;
        const c = classifyStart(r.reply);
        e.start.status = c.accepted ? 'accepted' : 'failed';
        e.start.error = c.error;
        // The device refused: it is not recording, and an idle iPhone would never answer a STOP.
        if (!c.accepted) e.stop.status = 'not_sent';
      } else {
        e.start.status = 'failed';
        e.start.transportError = !refusedBeforeSending(err);
        e.start.error = errorLine(err, { withCode: true });
        if (isProtocolError(err) && err.reply && typeof err.reply === 'object') e.start.reply = redactValue(err.reply) as Record<string, unknown>;
        if (e.start.transportError) e.warnings.push('START got no usable reply: the device may have started anyway (checked at stop)');
        else e.stop.status = 'not_sent';
      }
    }
    m.phase = m.devices.some((e) => e.start.status === 'accepted') ? 'scheduled' : 'failed';
    if (m.phase === 'failed' && !m.devices.some((e) => e.start.transportError)) this.activeTakeId = null;
    this.changed(s);
    // A stop already waiting for this start aborts the confirmation anyway: do not begin it.
    if (m.phase === 'scheduled' && !s.stopRequested) s.confirm = this.confirm(s);
    return this.view(s);
  }

  // ---------------------------------------------------------------- confirm

  private confirm(s: Session): Promise<void> {
    return this.steps.confirm(s, this.sleep);
  }

  /** Resolves once the post-target confirmation of a take has finished. */
  async confirmed(takeId?: string): Promise<TakeView> {
    const s = this.session(takeId);
    await s.confirm;
    return this.view(s);
  }

  // ---------------------------------------------------------------- stop

  /** STOP the take's devices that may be recording, collect file names, queue downloads. */
  stopTake(takeId?: string): Promise<TakeView> {
    const s = this.session(takeId);
    if (s.stopping) return s.stopping;
    const stoppable = s.m.devices.some((e) => mayBeRecording(e));
    if (!ACTIVE_PHASES.has(s.m.phase) && !stoppable) return Promise.reject(new Error(`take '${s.m.name}' is not recording (${s.m.phase})`));
    s.stopping = this.doStop(s).finally(() => {
      s.stopping = null;
    });
    return s.stopping;
  }

  private async doStop(s: Session): Promise<TakeView> {
    // Stop pressed while the take is still starting: a START may be on its way. Wait for the
    // fan-out (or let pre-flight cancel it) so every device that accepted gets its STOP, rather
    // than deciding now and leaving a late-accepting device recording for ever.
    s.stopRequested = true;
    const requestedAt = this.clock.now();
    await s.started;
    // Before the start instant (or before there was one) Stop calls the take off: devices that
    // had begun capturing on START's arrival are stopped and keep their clips; the others' starts
    // are cancelled, which is what the operator asked for, not a failure.
    if (s.m.targetStart === 0 || requestedAt < s.m.targetStart * 1000) s.m.aborted = true;
    s.confirmAbort.abort();
    await s.confirm;
    s.m.phase = 'stopping';
    s.m.stoppedAt = sec(this.clock.now());
    // A device whose retryStop is already in flight gets no second STOP: a late "not recording"
    // answer could overwrite the file name the first one brings back.
    const targets = s.m.devices.filter((e) => mayBeRecording(e) && !s.stopsInFlight.has(e.deviceKey));
    for (const e of s.m.devices) {
      if (s.stopsInFlight.has(e.deviceKey)) continue;
      if (targets.includes(e)) e.stop.status = 'pending';
      else if (e.stop.status === 'pending') e.stop.status = 'not_sent';
    }
    this.changed(s);
    await Promise.all(targets.map((e) => this.stopDevice(s, e)));
    this.afterStop(s);
    return this.view(s);
  }

  /**
   * STOP one device. A device that accepted START gets its STOP (notes rule 5) even if it has not
   * confirmed: it may still be scheduled, and skipping it would leave it recording for ever. A
   * device whose START is unknown (transport failure) is asked first, because the iPhone app never
   * answers a STOP when idle, which would cost the whole STOP timeout.
   */
  private async stopDevice(s: Session, e: ManifestDevice): Promise<void> {
    s.stopsInFlight.add(e.deviceKey);
    try {
      await this.steps.stop(s, e);
    } finally {
      s.stopsInFlight.delete(e.deviceKey);
    }
  }

  private afterStop(s: Session): void {
    const q = this.opts.downloads;
    if (q && recorderSetting(this.opts, 'autoDownload') !== false) {
      for (const e of s.m.devices) if (downloadOwed(e)) enqueueDownload(q, s, e);
    }
    this.updatePhase(s);
    this.changed(s);
  }

  private updatePhase(s: Session): void {
    settlePhase(s.m);
    const busy = s.m.devices.some((e) => e.download.state === 'queued' || e.download.state === 'active');
    if (!busy && this.activeTakeId === s.m.takeId && !ACTIVE_PHASES.has(s.m.phase) && !s.m.devices.some((e) => e.mayStillBeRecording)) this.activeTakeId = null;
  }

  /** Try STOP again for a device left `mayStillBeRecording` (or whose STOP failed). */
  async retryStop(deviceKey: string, takeId?: string): Promise<TakeView> {
    const s = this.session(takeId);
    const e = s.m.devices.find((d) => d.deviceKey === deviceKey);
    if (!e) throw new Error(`no device '${deviceKey}' in take '${s.m.name}'`);
    // A second STOP while one is in flight (a double click, or Stop then retry) could be answered
    // "not recording" last and overwrite the file name the first one brings back.
    if (s.stopsInFlight.has(e.deviceKey) || s.stopping) throw new Error(`a stop of '${e.name}' is already in progress`);
    if (!e.mayStillBeRecording && e.stop.status !== 'unreachable' && e.stop.status !== 'failed') {
      throw new Error(`device '${e.name}' does not need a STOP (${e.stop.status})`);
    }
    e.stop.status = 'pending';
    this.changed(s);
    await this.stopDevice(s, e);
    this.afterStop(s);
    return this.view(s);
  }

  /**
   * Retry a download by id. Known to the queue: a queue retry (fresh name, kept bytes untouched).
   * From a recovered take (queue restarted): a new download of the device's file.
   */
  retryDownload(downloadId: string): DownloadView {
    const q = this.opts.downloads;
    if (!q) throw new Error('downloads are not available');
    if (q.get(downloadId)) return q.retry(downloadId);
    for (const s of this.sessions.values()) {
      const e = s.m.devices.find((d) => d.download.id === downloadId);
      if (!e) continue;
      if (e.stop.status !== 'stopped' || !e.stop.fileName) throw new Error(`device '${e.name}' has no file to download`);
      const v = enqueueDownload(q, s, e);
      this.updatePhase(s);
      this.changed(s);
      if (!v) throw new Error(`device '${e.name}' has an invalid address`);
      return v;
    }
    throw new Error(`no download ${downloadId}`);
  }

  /** Queue the files a recovered take is still owed (skipping partial transfers: those need a manual retry). */
  downloadOwedFiles(takeId: string): DownloadView[] {
    const s = this.session(takeId);
    const q = this.opts.downloads;
    if (!q) return [];
    const out = s.m.devices
      .filter((e) => downloadOwed(e))
      .map((e) => enqueueDownload(q, s, e))
      .filter((v): v is DownloadView => v !== null);
    this.updatePhase(s);
    this.changed(s);
    return out;
  }

  private onDownload(v: DownloadView, info: DownloadInfo): void {
    const s = this.sessions.get(v.takeId);
    if (!s || !downloadChanged(s.m, v, info)) return;
    this.updatePhase(s);
    this.changed(s);
  }

  /** Resolves when the take has reached `done` or `failed` (downloads finished). */
  settled(takeId?: string): Promise<TakeView> {
    const s = this.session(takeId);
    const finished = () => s.m.phase === 'done' || s.m.phase === 'failed';
    if (finished()) return Promise.resolve(this.view(s));
    return nextEvent(this.onDidChangeTake, (t) => t.takeId === s.m.takeId && finished());
  }

  /** The take's manifest as written to disk (a copy). */
  manifest(takeId?: string): TakeManifest {
    return structuredClone(this.session(takeId).m);
  }

  // ---------------------------------------------------------------- recovery

  /**
   * After a controller restart: load every take under the recordings folder that still owes
   * something (devices that may be recording, files not downloaded), so `stopTake(takeId)`,
   * `retryStop` and `downloadOwedFiles` can finish it.
   */
  async recoverTakes(): Promise<RecoveredTake[]> {
    const out: RecoveredTake[] = [];
    const recoverable = await this.store.recoverable((id) => this.sessions.has(id), { onError: (folder, e) => this.opts.onWriteError?.(folder, e) });
    for (const { take, owed } of recoverable) {
      const s = newSession(take);
      this.sessions.set(s.m.takeId, s);
      if (owed.mayStillBeRecording.length > 0 && !this.activeTakeId) this.activeTakeId = s.m.takeId;
      this.changed(s);
      out.push({ take: this.view(s), owed });
    }
    return out;
  }

  // ---------------------------------------------------------------- plumbing

  private session(takeId?: string): Session {
    const id = takeId ?? this.activeTakeId ?? this.lastTakeId;
    const s = id ? this.sessions.get(id) : undefined;
    if (!s) throw new Error(takeId ? `no take ${takeId}` : 'no active take');
    return s;
  }

  private view(s: Session): TakeView {
    return toTakeView(s.m, s.folder);
  }

  /** Every change: to disk (atomic, coalesced) and to listeners. */
  private changed(s: Session): void {
    settleOutcome(s.m);
    s.take.update();
    this._onDidChangeTake.fire(this.view(s));
  }
}

/**
 * The fleet: every device the controller knows, merged from mDNS sightings and manual
 * `host:port` entries, each with its own status-poll loop, state machine and clock estimate.
 *
 * Keys. An entry is keyed by the mDNS instance name, or by `host:port` when it was added by
 * hand. A sighting at the address of a manual entry (or a manual entry at the address of a
 * sighted device) is the same device: the existing entry keeps its key and gains the other
 * source, so nothing is shown twice and no key ever changes under a running take. Likewise a
 * new instance name announced at the routable address and port of a known entry is that device
 * re-announced under a new id (only one process can listen there): it joins the entry, keeping
 * the operator's label, colour and inclusion; a changed `deviceId` resets the clock estimate.
 *
 * States (at time t, from the last good reply `lastSeen`):
 *   discovered  never answered yet
 *   online      answered within staleAfter
 *   recording   online and reporting `recording`          (wins over uploading)
 *   uploading   online with a non-empty upload queue
 *   stale       no good reply for staleAfter (2.5 s)
 *   offline     no good reply for offlineAfter (5 s); never answered for offlineAfter since
 *               polling began; or an mDNS goodbye not followed by a good reply.
 * A timer fires at each deadline, so `offline` arrives at lastSeen + offlineAfter even when
 * the failing polls are slower. The thresholds are raised if the poll interval would make
 * them unreachable (stale ≥ interval + status timeout, offline ≥ stale + interval).
 *
 * Polling. Each device has its own timer and at most one DEVICE_STATUS in flight, bounded by
 * `statusTimeoutMs` (abort signal, and a fleet-side deadline in case `send` ignores it), one
 * try (the next poll is the retry). A dead device never delays another. Offline devices are
 * polled every `offlinePollIntervalMs`, so one that comes back is online without help. After
 * an mDNS goodbye a device is still polled for `goneGraceMs` (phones re-announce), then left
 * alone unless it was also added by hand; a new sighting resumes polling.
 *
 * Events. `deviceChanged` is emitted only when something the operator can see changed: any
 * field except `lastSeen` (refreshed silently while online; a device that stops answering
 * changes state instead) and the clock's `rttMs`/`samples`; the clock counts when it
 * appears or disappears, when `flagged` flips, or when offset or uncertainty move ≥ 1 ms.
 * `list()`/`get()` always return the current view, `lastSeen` included.
 */
import type { DeviceView } from '../../../src-shared/api';
import { Emitter, type Disposable } from '../../../src-shared/event';
import { deviceStatus as deviceStatusCommand, type Command } from '../../../src-shared/protocol';
import type { ClockEstimate, ClockEstimatorOptions } from '../clock/estimator';
import type { DeviceAddress, SendOptions, TimedReply } from '../device-client/types';
import type { Discovery, Sighting } from '../discovery/types';
import { FleetError, parseManualAddress } from './address';
import {
  applyReply,
  changedForOperator,
  describeFailure,
  deriveState,
  deviceView,
  entryAddress,
  entryAt,
  entryAtEndpoint,
  newEntry,
  seconds,
  type DevicePreferences,
  type Entry,
} from './device-state';
import { realSetTimer, type SetTimer } from '../timers';

export { changedForOperator, describeFailure, type DevicePreferences } from './device-state';
export type SendFn = (address: DeviceAddress, command: Command, options?: SendOptions) => Promise<TimedReply>;
/** Schedule `fn` after `ms`; returns the cancel function. */
export type { SetTimer } from '../timers';

export interface FleetOptions {
  send: SendFn;
  discovery?: Discovery;
  /** The controller time base (ControllerClock): command instants and clock samples use it. */
  clock: { now(): number };
  pollIntervalMs?: number;
  statusTimeoutMs?: number;
  offlineAfterMs?: number;
  staleAfterMs?: number;
  clockThresholdMs?: number;
  /** Poll interval once a device is offline (default 3000 ms). */
  offlinePollIntervalMs?: number;
  /** How long to keep polling after an mDNS goodbye/expiry (default 60 s). */
  goneGraceMs?: number;
  /** Time for lastSeen and deadlines (default clock.now). */
  now?: () => number;
  setTimer?: SetTimer;
  estimator?: ClockEstimatorOptions;
  /** The operator's stored label, colour and inclusion for a device, applied when it is created. */
  preferences?: (id: string) => DevicePreferences;
}

const defaultSetTimer: SetTimer = realSetTimer;

export class Fleet {
  private readonly send: SendFn;
  private discovery: Discovery | undefined;
  private readonly clock: { now(): number };
  private readonly now: () => number;
  private readonly setTimer: SetTimer;
  private pollIntervalMs: number;
  private readonly statusTimeoutMs: number;
  private staleAfterMs: number;
  private offlineAfterMs: number;
  private offlinePollIntervalMs: number;
  private readonly goneGraceMs: number;
  private clockThresholdMs: number;
  private readonly estimatorOptions: ClockEstimatorOptions;
  private readonly preferences: (id: string) => DevicePreferences;

  private readonly entries = new Map<string, Entry>();
  /** mDNS instance → entry id (differs from the instance when a manual entry came first). */
  private readonly instances = new Map<string, string>();
  private readonly _onDidChangeDevice = new Emitter<DeviceView>('fleet: deviceChanged');
  private readonly _onDidRemoveDevice = new Emitter<string>('fleet: deviceRemoved');
  /** Something the operator can see changed (see Events above). */
  readonly onDidChangeDevice = this._onDidChangeDevice.event;
  /** The device with this key left the list. */
  readonly onDidRemoveDevice = this._onDidRemoveDevice.event;
  private running = false;
  private subscriptions: Disposable[] = [];
  private readonly tuning: Pick<FleetOptions, 'staleAfterMs' | 'offlineAfterMs' | 'offlinePollIntervalMs'>;

  constructor(options: FleetOptions) {
    this.send = options.send;
    this.discovery = options.discovery;
    this.clock = options.clock;
    this.now = options.now ?? (() => this.clock.now());
    this.setTimer = options.setTimer ?? defaultSetTimer;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.statusTimeoutMs = options.statusTimeoutMs ?? 1500;
    this.staleAfterMs = Math.max(options.staleAfterMs ?? 2500, this.pollIntervalMs + this.statusTimeoutMs);
    this.offlineAfterMs = Math.max(options.offlineAfterMs ?? 5000, this.staleAfterMs + this.pollIntervalMs);
    this.offlinePollIntervalMs = Math.max(this.pollIntervalMs, options.offlinePollIntervalMs ?? 3000);
    this.goneGraceMs = options.goneGraceMs ?? 60_000;
    this.clockThresholdMs = options.clockThresholdMs ?? 33;
    this.estimatorOptions = options.estimator ?? {};
    this.preferences = options.preferences ?? (() => ({}));
    this.tuning = { staleAfterMs: options.staleAfterMs, offlineAfterMs: options.offlineAfterMs, offlinePollIntervalMs: options.offlinePollIntervalMs };
  }

  /** Change the poll cadence or the clock threshold while running (settings); the next poll uses it. */
  configure(patch: { pollIntervalMs?: number; clockThresholdMs?: number }): void {
    if (patch.pollIntervalMs !== undefined) {
      this.pollIntervalMs = patch.pollIntervalMs;
      this.staleAfterMs = Math.max(this.tuning.staleAfterMs ?? 2500, this.pollIntervalMs + this.statusTimeoutMs);
      this.offlineAfterMs = Math.max(this.tuning.offlineAfterMs ?? 5000, this.staleAfterMs + this.pollIntervalMs);
      this.offlinePollIntervalMs = Math.max(this.pollIntervalMs, this.tuning.offlinePollIntervalMs ?? 3000);
    }
    if (patch.clockThresholdMs !== undefined) this.clockThresholdMs = patch.clockThresholdMs;
    for (const e of this.entries.values()) this.evaluate(e);
  }

  /** Swap the discovery source (the operator changed the interfaces); devices already known stay. */
  setDiscovery(discovery: Discovery | null): void {
    const wasRunning = this.running;
    for (const u of this.subscriptions.splice(0)) u.dispose();
    this.discovery = discovery ?? undefined;
    if (wasRunning && this.discovery) {
      const d = this.discovery;
      this.subscriptions.push(
        d.onDidSeeDevice((s) => this.onSighting(s)),
        d.onDidLoseDevice((g) => this.onGone(g.instance, g.reason)),
      );
      for (const s of d.current()) this.onSighting(s);
    }
  }

  // ---------- lifecycle ----------

  start(): void {
    if (this.running) return;
    this.running = true;
    const d = this.discovery;
    if (d) {
      // Subscribe first, then take the snapshot: nothing falls in between.
      this.subscriptions.push(
        d.onDidSeeDevice((s) => this.onSighting(s)),
        d.onDidLoseDevice((g) => this.onGone(g.instance, g.reason)),
      );
      for (const s of d.current()) this.onSighting(s);
    }
    for (const e of this.entries.values()) this.beginPolling(e);
  }

  /** Stop polling (entries stay); resolves when in-flight polls have settled. */
  async stop(): Promise<void> {
    this.running = false;
    for (const u of this.subscriptions.splice(0)) u.dispose();
    const pending: Promise<void>[] = [];
    for (const e of this.entries.values()) {
      this.halt(e);
      if (e.inFlight) pending.push(e.inFlight);
    }
    await Promise.allSettled(pending);
  }

  // ---------- queries ----------

  list(): DeviceView[] {
    return [...this.entries.values()].map((e) => deviceView(e, this.clockThresholdMs));
  }

  get(id: string): DeviceView | null {
    const e = this.entries.get(id);
    return e ? deviceView(e, this.clockThresholdMs) : null;
  }

  /** Where to send commands to this device (IPv4 preferred), or null. */
  addressOf(id: string): DeviceAddress | null {
    const e = this.entries.get(id);
    return e ? entryAddress(e) : null;
  }

  /** The device's clock estimate (offset = device raw clock − controller clock), or null. */
  clockOf(id: string): ClockEstimate | null {
    return this.entries.get(id)?.estimator.estimate() ?? null;
  }

  /** The id of the device already reached at this address (`host[:port]`), or null. Throws on a malformed address. */
  idAt(address: string): string | null {
    const parsed = parseManualAddress(address);
    return entryAt(this.entries.values(), parsed.host, parsed.port)?.id ?? null;
  }

  /** The canonical `host:port` (`[v6]:port`) a device was added by hand under, or null. */
  manualKeyOf(id: string): string | null {
    const e = this.entries.get(id);
    return e?.manual?.source === 'manual' ? e.manual.key : null;
  }

  /** Manual `host:port` entries (for settings); virtual devices are not included. */
  manualAddresses(): string[] {
    return [...this.entries.values()].filter((e) => e.manual?.source === 'manual').map((e) => e.manual!.key);
  }

  // ---------- operator actions ----------

  /**
   * Add a device by address (`host[:port]`, port default 8080). If a known device already
   * has that address, that device is returned (and remembered as manual too).
   */
  addManual(address: string, options: { source?: 'manual' | 'virtual' } = {}): DeviceView {
    const parsed = parseManualAddress(address);
    const source = options.source ?? 'manual';
    const existing = entryAt(this.entries.values(), parsed.host, parsed.port);
    if (existing) {
      if (!existing.manual || (existing.manual.source === 'virtual' && source === 'manual')) {
        existing.manual = { ...parsed, source };
      }
      this.evaluate(existing);
      return deviceView(existing, this.clockThresholdMs);
    }
    const e = newEntry(parsed.key, this.preferences(parsed.key), this.estimatorOptions);
    e.manual = { ...parsed, source };
    this.entries.set(e.id, e);
    if (this.running) this.beginPolling(e);
    this.evaluate(e);
    return deviceView(e, this.clockThresholdMs);
  }

  remove(id: string): void {
    const e = this.require(id);
    this.halt(e);
    this.entries.delete(id);
    for (const [instance, target] of this.instances) if (target === id) this.instances.delete(instance);
    this._onDidRemoveDevice.fire(id);
  }

  /** Operator label; empty clears it (the instance name shows again). */
  rename(id: string, name: string): DeviceView {
    const e = this.require(id);
    if (typeof name !== 'string') throw new FleetError('invalid_argument', 'name must be text');
    const label = name.trim();
    if (label.length > 64) throw new FleetError('invalid_argument', 'name is longer than 64 characters');
    e.label = label === '' ? null : label;
    this.evaluate(e);
    return deviceView(e, this.clockThresholdMs);
  }

  setColor(id: string, color: string | null): DeviceView {
    const e = this.require(id);
    if (color !== null && (typeof color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(color))) {
      throw new FleetError('invalid_argument', `colour must be #rrggbb or null, not ${JSON.stringify(color)}`);
    }
    e.color = color === null ? null : color.toLowerCase();
    this.evaluate(e);
    return deviceView(e, this.clockThresholdMs);
  }

  setIncluded(id: string, included: boolean): DeviceView {
    const e = this.require(id);
    if (typeof included !== 'boolean') throw new FleetError('invalid_argument', 'included must be true or false');
    e.included = included;
    this.evaluate(e);
    return deviceView(e, this.clockThresholdMs);
  }

  /** Poll one device (or all) now; resolves when the poll(s) finished. Shares an in-flight poll. */
  async pollNow(id?: string): Promise<void> {
    const targets = id === undefined ? [...this.entries.values()] : [this.require(id)];
    await Promise.all(targets.map((e) => this.poll(e, true)));
  }

  /**
   * A reply another service got from this device (START, STOP, …): refreshes lastSeen and the
   * clock, and the fields the reply actually carries.
   */
  /** noteReply for a device that may have been removed meanwhile (the recorder's replies). */
  noteReplyIfKnown(id: string, timed: TimedReply): void {
    if (this.entries.has(id)) this.noteReply(id, timed);
  }

  noteReply(id: string, timed: TimedReply): void {
    const e = this.entries.get(id);
    if (!e) return;
    applyReply(e, timed, false, this.now());
    this.evaluate(e);
  }

  // ---------- discovery ----------

  private onSighting(s: Sighting): void {
    let id = this.instances.get(s.instance);
    let e = id !== undefined ? this.entries.get(id) : undefined;
    if (!e) {
      e = this.entries.get(s.instance) ?? entryAtEndpoint(this.entries.values(), s.addresses, s.port) ?? undefined;
      if (!e) {
        e = newEntry(s.instance, this.preferences(s.instance), this.estimatorOptions);
        this.entries.set(e.id, e);
      }
      id = e.id;
      // One instance per entry: a device that re-announced under a new name drops the old one.
      for (const [instance, target] of this.instances) if (target === id) this.instances.delete(instance);
      this.instances.set(s.instance, id);
    }
    e.instance = s.instance;
    e.sighting = { ...s, addresses: [...s.addresses], txt: { ...s.txt } };
    const wasGone = e.goneAt !== null;
    e.goneAt = null;
    e.goneReason = null;
    // Discovery reports only new or changed answers: fresh evidence, so ask the device now.
    if (this.running && (wasGone || !e.inFlight)) this.beginPolling(e);
    this.evaluate(e);
  }

  private onGone(instance: string, reason: 'goodbye' | 'expired'): void {
    const id = this.instances.get(instance);
    const e = id !== undefined ? this.entries.get(id) : undefined;
    if (!e) return;
    e.goneAt = this.now();
    e.goneReason = reason;
    this.evaluate(e);
  }

  // ---------- polling ----------

  private beginPolling(e: Entry): void {
    if (!this.running) return;
    e.pollingSince = this.now();
    e.cancelPoll?.();
    e.cancelPoll = null;
    if (!e.inFlight) void this.poll(e);
  }

  private shouldPoll(e: Entry): boolean {
    if (!this.running || this.entries.get(e.id) !== e) return false;
    if (e.manual) return true;
    return e.goneAt === null || this.now() - e.goneAt < this.goneGraceMs;
  }

  private schedulePoll(e: Entry, delay: number): void {
    e.cancelPoll?.();
    e.cancelPoll = null;
    if (!this.shouldPoll(e)) return;
    e.cancelPoll = this.setTimer(
      () => {
        e.cancelPoll = null;
        void this.poll(e);
      },
      Math.max(0, delay),
    );
  }

  /** `explicit`: asked for by pollNow, so it runs even when stopped or past the goodbye grace. */
  private poll(e: Entry, explicit = false): Promise<void> {
    if (e.inFlight) return e.inFlight;
    if (this.entries.get(e.id) !== e || (!explicit && !this.shouldPoll(e))) return Promise.resolve();
    e.cancelPoll?.();
    e.cancelPoll = null;
    const startedAt = this.now();
    const p = this.pollOnce(e).finally(() => {
      e.inFlight = null;
      e.abort = null;
      if (this.entries.get(e.id) !== e) return;
      this.evaluate(e);
      const interval = e.state === 'offline' ? this.offlinePollIntervalMs : this.pollIntervalMs;
      this.schedulePoll(e, startedAt + interval - this.now());
    });
    e.inFlight = p;
    return p;
  }

  private async pollOnce(e: Entry): Promise<void> {
    const address = entryAddress(e);
    if (!address) {
      e.lastError = 'no usable address';
      e.lastErrorDetail = null;
      return;
    }
    const abort = new AbortController();
    e.abort = abort;
    let cancelDeadline: () => void = () => undefined;
    // Ends the poll at the status timeout or on abort (stop/remove) even if `send` ignores its signal.
    const deadline = new Promise<never>((_, reject) => {
      const timeout = new Error(`no reply within ${seconds(this.statusTimeoutMs)}`);
      abort.signal.addEventListener('abort', () => reject(timeout), { once: true });
      cancelDeadline = this.setTimer(() => abort.abort(), this.statusTimeoutMs);
    });
    const clockNow = () => this.clock.now();
    try {
      const timed = await Promise.race([
        this.send(address, deviceStatusCommand(clockNow), {
          signal: abort.signal,
          connectTimeoutMs: this.statusTimeoutMs,
          replyTimeoutMs: this.statusTimeoutMs,
          tries: 1,
          now: clockNow,
        }),
        deadline,
      ]);
      if (this.entries.get(e.id) !== e || abort.signal.aborted) return;
      applyReply(e, timed, true, this.now());
    } catch (err) {
      if (this.entries.get(e.id) !== e) return;
      if (!this.running && abort.signal.aborted) return; // stopped, not a device failure
      const failure = describeFailure(err, this.statusTimeoutMs);
      e.lastError = failure.text;
      e.lastErrorDetail = failure.detail;
    } finally {
      cancelDeadline();
      deadline.catch(() => undefined);
    }
  }

  /** Stop this entry's timers and any in-flight poll. */
  private halt(e: Entry): void {
    e.cancelPoll?.();
    e.cancelPoll = null;
    e.cancelDeadline?.();
    e.cancelDeadline = null;
    e.abort?.abort();
  }

  /** Recompute state, re-arm the deadline timer, emit if the view changed. */
  private evaluate(e: Entry): void {
    if (this.entries.get(e.id) !== e) return;
    const now = this.now();
    const d = deriveState(e, now, { staleAfterMs: this.staleAfterMs, offlineAfterMs: this.offlineAfterMs, goneGraceMs: this.goneGraceMs });
    e.state = d.state;
    e.stateReason = d.reason;
    e.cancelDeadline?.();
    e.cancelDeadline = null;
    if (this.running && d.next !== null) {
      e.cancelDeadline = this.setTimer(
        () => {
          e.cancelDeadline = null;
          this.evaluate(e);
        },
        Math.max(0, d.next - now),
      );
    }
    const view = deviceView(e, this.clockThresholdMs);
    if (e.emitted === null || changedForOperator(e.emitted, view)) {
      e.emitted = view;
      this._onDidChangeDevice.fire(view);
    }
  }

  private require(id: string): Entry {
    const e = this.entries.get(id);
    if (!e) throw new FleetError('not_found', `no device ${JSON.stringify(String(id).slice(0, 80))}`);
    return e;
  }
}

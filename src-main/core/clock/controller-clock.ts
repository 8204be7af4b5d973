/**
 * The controller's time base: the local high-resolution clock corrected by an SNTP offset.
 * Every device clock offset and every take's target instant is expressed against `now()`.
 *
 * States: `sntp` while the last good sync is younger than `maxAgeMs`; `unverified` before the
 * first good sync, or when syncs have failed for longer than that (the last measured offset
 * keeps being applied: a jump back to the raw local clock would be worse). A failed re-sync
 * while still `sntp` keeps the state and reports the error.
 */
import { parseAddress } from '../../../src-shared/address';
import { errorLine } from '../../../src-shared/error-line';
import type { ControllerClockView } from '../../../src-shared/api';
import { Emitter } from '../../../src-shared/event';
import { DEFAULT_SNTP_PORT, DEFAULT_SNTP_SERVER, localHighResNow, measureSntp, type SntpMeasurement } from './sntp';

import type { SetTimer } from '../timers';
export type { SetTimer } from '../timers';

export interface ControllerClockOptions {
  /** `host` or `host:port` (`[v6]:port`); empty disables SNTP. Default pool.ntp.org. */
  server?: string;
  /** Between good syncs (default 10 min). */
  resyncIntervalMs?: number;
  /** After a failed sync (default 60 s). */
  retryIntervalMs?: number;
  /** How long a good sync keeps the state `sntp` (default 3 × resyncIntervalMs). */
  maxAgeMs?: number;
  /** Exchanges per sync (default 4) and per-exchange timeout (default 2000 ms). */
  samples?: number;
  timeoutMs?: number;
  localNow?: () => number;
  /** Substitute for tests: measure the offset of `host:port`. */
  measure?: (host: string, port: number) => Promise<SntpMeasurement>;
  setTimer?: SetTimer;
}

/** Split `host`, `host:port` or `[v6]:port`; throws on nonsense. */
export function parseServer(server: string): { host: string; port: number } {
  const r = parseAddress(server, { defaultPort: DEFAULT_SNTP_PORT });
  if (r.ok) return { host: r.value.host, port: r.value.port };
  if (r.why === 'port out of range') throw new Error(`SNTP port is out of range: ${JSON.stringify(server.slice(0, 80))}`);
  throw new Error(`not an SNTP server address: ${JSON.stringify(server.slice(0, 80))}`);
}

const defaultSetTimer: SetTimer = (fn, ms) => {
  // Unref'd: a pending re-sync must not keep a CLI process alive.
  const t = setTimeout(fn, ms);
  t.unref?.();
  return () => clearTimeout(t);
};

export class ControllerClock {
  private server: string;
  private readonly resyncIntervalMs: number;
  private readonly retryIntervalMs: number;
  private readonly maxAgeMs: number;
  private readonly localNow: () => number;
  private readonly measure: (host: string, port: number) => Promise<SntpMeasurement>;
  private readonly setTimer: SetTimer;

  private offsetMs: number | null = null;
  private uncertaintyMs: number | null = null;
  private lastSync: number | null = null;
  private error: string | null = null;
  private view: ControllerClockView;
  private readonly _onDidChange = new Emitter<ControllerClockView>('controller clock: change');
  /** The view changed (fires at sync attempts). */
  readonly onDidChange = this._onDidChange.event;
  private cancelTimer: (() => void) | null = null;
  private inFlight: Promise<ControllerClockView> | null = null;
  private running = false;
  /** Bumped by setServer/stop so a late result from an old server is dropped. */
  private generation = 0;

  constructor(options: ControllerClockOptions = {}) {
    this.server = options.server ?? DEFAULT_SNTP_SERVER;
    this.resyncIntervalMs = options.resyncIntervalMs ?? 600_000;
    this.retryIntervalMs = options.retryIntervalMs ?? 60_000;
    this.maxAgeMs = options.maxAgeMs ?? 3 * this.resyncIntervalMs;
    this.localNow = options.localNow ?? localHighResNow;
    const samples = options.samples ?? 4;
    const timeoutMs = options.timeoutMs ?? 2000;
    this.measure = options.measure ?? ((host, port) => measureSntp({ host, port, samples, timeoutMs, localNow: this.localNow }));
    this.setTimer = options.setTimer ?? defaultSetTimer;
    this.view = this.computeView();
  }

  /** Controller time, ms since the Unix epoch (high resolution). */
  now = (): number => this.localNow() + (this.offsetMs ?? 0);

  /** Current view (freshness evaluated now; `onDidChange` fires at sync attempts). */
  state(): ControllerClockView {
    return this.computeView();
  }

  /** Sync now and then periodically. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.syncNow();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  /** Change the server (settings); re-syncs at once when running. */
  setServer(server: string): void {
    if (server === this.server) return;
    this.server = server;
    this.generation++;
    this.inFlight = null;
    this.offsetMs = null;
    this.uncertaintyMs = null;
    this.lastSync = null;
    this.error = null;
    this.publish();
    if (this.running) void this.syncNow();
  }

  /** One sync; concurrent callers share it. Never rejects. */
  syncNow(): Promise<ControllerClockView> {
    if (!this.inFlight) {
      const gen = this.generation;
      const p = this.runSync(gen).finally(() => {
        if (this.inFlight === p) this.inFlight = null;
      });
      this.inFlight = p;
    }
    return this.inFlight;
  }

  private async runSync(gen: number): Promise<ControllerClockView> {
    let nextIn = this.retryIntervalMs;
    try {
      if (this.server.trim() === '') throw new Error('no SNTP server configured');
      const { host, port } = parseServer(this.server);
      const m = await this.measure(host, port);
      if (gen !== this.generation) return this.state();
      if (!Number.isFinite(m.offsetMs) || !Number.isFinite(m.uncertaintyMs)) throw new Error('SNTP measurement is not finite');
      this.offsetMs = m.offsetMs;
      this.uncertaintyMs = m.uncertaintyMs;
      this.lastSync = this.now();
      this.error = null;
      nextIn = this.resyncIntervalMs;
    } catch (e) {
      if (gen !== this.generation) return this.state();
      this.error = `${this.server || '(none)'}: ${errorLine(e)}`;
    }
    this.publish();
    if (this.running && gen === this.generation) {
      this.cancelTimer?.();
      this.cancelTimer = this.setTimer(() => void this.syncNow(), nextIn);
    }
    return this.state();
  }

  private computeView(): ControllerClockView {
    const fresh = this.lastSync !== null && this.now() - this.lastSync <= this.maxAgeMs;
    return {
      state: fresh ? 'sntp' : 'unverified',
      server: this.server,
      offsetMs: this.offsetMs,
      uncertaintyMs: this.uncertaintyMs,
      lastSync: this.lastSync,
      error: this.error,
    };
  }

  private publish(): void {
    const next = this.computeView();
    const prev = this.view;
    this.view = next;
    const same = (Object.keys(next) as (keyof ControllerClockView)[]).every((k) => next[k] === prev[k]);
    if (same) return;
    this._onDidChange.fire({ ...next });
  }
}

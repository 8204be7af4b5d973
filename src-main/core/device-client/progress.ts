/**
 * Throttled download progress: at most one callback per `intervalMs` (a 1 GiB transfer arrives in
 * ~16k chunks; the UI needs a few updates a second), a smoothed rate so the ETA does not jump,
 * and one final callback. A throwing callback never breaks the transfer.
 */
import { reportListenerError } from '../../../src-shared/event';
import type { DownloadProgress } from './types';

/** Time constant of the rate smoothing: changes show up within a few seconds. */
const RATE_TAU_MS = 2_000;

export class ProgressMeter {
  private total: number | null = null;
  private bytes = 0;
  private lastEmitAt: number;
  private lastEmitBytes = 0;
  private rate = 0;
  private hasRate = false;
  private finished = false;

  constructor(
    private readonly now: () => number,
    private readonly intervalMs: number,
    private readonly callback: ((p: DownloadProgress) => void) | undefined,
  ) {
    this.lastEmitAt = now();
  }

  setTotal(total: number): void {
    this.total = total;
  }

  /** Record the running byte count; emits if the interval has passed. */
  update(bytes: number): void {
    this.bytes = bytes;
    if (!this.callback || this.finished) return;
    const t = this.now();
    if (t - this.lastEmitAt < this.intervalMs) return;
    this.sample(t);
    this.emit(this.eta());
  }

  /** The last callback: exact byte count, ETA 0 when complete, null otherwise. */
  finish(): void {
    if (!this.callback || this.finished) return;
    this.sample(this.now());
    this.finished = true;
    const complete = this.total !== null && this.bytes >= this.total;
    this.emit(complete ? 0 : null);
  }

  private sample(t: number): void {
    const dt = t - this.lastEmitAt;
    if (dt <= 0) return;
    const instant = ((this.bytes - this.lastEmitBytes) * 1000) / dt;
    if (!this.hasRate) {
      this.rate = instant;
      this.hasRate = true;
    } else {
      const alpha = 1 - Math.exp(-dt / RATE_TAU_MS);
      this.rate += alpha * (instant - this.rate);
    }
    this.lastEmitAt = t;
    this.lastEmitBytes = this.bytes;
  }

  private eta(): number | null {
    if (this.total === null || this.rate <= 0) return null;
    return Math.max(0, this.total - this.bytes) / this.rate;
  }

  private emit(etaSeconds: number | null): void {
    try {
      this.callback!({ bytes: this.bytes, total: this.total, rateBps: this.rate, etaSeconds });
    } catch (e) {
      // The UI's problem, not the transfer's: reported like any listener's.
      reportListenerError(e, 'download progress');
    }
  }
}

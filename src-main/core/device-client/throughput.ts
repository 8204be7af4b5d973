/**
 * The minimum-throughput rule for a GET_VIDEO body. The stall timer alone ("no byte for 30 s")
 * never fires on a device that trickles one byte every 20 s, so a transfer could hold its
 * device's download slot forever. Here the body must advance by at least `minBytesPerSecond`
 * averaged over each `windowMs`; a transfer that does not is ended as `stalled` (what arrived
 * is kept by the caller). Pure: the caller owns the timer and the clock.
 */
import { formatBytes } from '../../../src-shared/format';

export interface ThroughputRule {
  /** Averaged over one window. */
  minBytesPerSecond: number;
  /** Long enough to ride out a Wi-Fi hiccup at full speed either side. */
  windowMs: number;
}

/** 16 KiB/s over a minute: a phone on bad Wi-Fi moves hundreds of KiB/s; a trickle moves bytes. */
export const DEFAULT_THROUGHPUT_RULE: ThroughputRule = { minBytesPerSecond: 16 * 1024, windowMs: 60_000 };

export class ThroughputWatch {
  private windowStartBytes = 0;

  constructor(private readonly rule: ThroughputRule) {}

  /** The body started (header received) with `bytes` so far. */
  start(bytes: number): void {
    this.windowStartBytes = bytes;
  }

  /**
   * Called once per window (the caller's interval timer) with the body bytes received so far:
   * null while the rule holds (a new window starts), else the one-line reason it is stalled.
   */
  endOfWindow(bytes: number): string | null {
    const moved = bytes - this.windowStartBytes;
    this.windowStartBytes = bytes;
    const needed = (this.rule.minBytesPerSecond * this.rule.windowMs) / 1000;
    if (moved >= needed) return null;
    const seconds = Math.round(this.rule.windowMs / 1000);
    return `only ${formatBytes(moved)} arrived in the last ${seconds} s (below ${formatBytes(this.rule.minBytesPerSecond)}/s)`;
  }
}

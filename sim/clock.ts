/**
 * A device's raw wall clock: true time + offset, drifting by `driftPpm` from the moment the
 * device starts. Phones report this raw clock in reply `timestamp`s (not NTP-corrected).
 */

export type NowMs = () => number;

/** High-resolution wall clock in ms (performance.now is monotonic and sub-ms). */
export const wallClockMs: NowMs = () => performance.timeOrigin + performance.now();

export interface DeviceClock {
  /** TRUE time, ms. */
  trueNow(): number;
  /** Device raw clock, ms. */
  deviceNow(): number;
  /** Device raw-clock reading → the TRUE instant it happens. */
  toTrue(deviceMs: number): number;
  /** TRUE instant → device raw-clock reading. */
  toDevice(trueMs: number): number;
}

export function makeDeviceClock(now: NowMs, offsetMs = 0, driftPpm = 0): DeviceClock {
  const t0 = now();
  const k = driftPpm / 1e6;
  const toDevice = (t: number) => t + offsetMs + (t - t0) * k;
  return {
    trueNow: now,
    deviceNow: () => toDevice(now()),
    toDevice,
    // Inverse of toDevice: d = t + off + (t - t0)k  ⇒  t = (d - off + t0·k) / (1 + k)
    toTrue: (d) => (d - offsetMs + t0 * k) / (1 + k),
  };
}

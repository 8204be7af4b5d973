/** A device's clock offset from a handful of DEVICE_STATUS round trips (pre-flight, `multicam status`). */
import type { TimedReply } from '../device-client/types';

/** Device raw clock minus controller clock (ms), with its bound. */
export interface OffsetEstimate {
  offsetMs: number;
  uncertaintyMs: number;
  rttMs: number;
  samples: number;
}

/**
 * Cristian-style estimate (notes rule 9) from DEVICE_STATUS samples. Each sample bounds the offset:
 * the device stamped its reply between our send and receive, so
 * `timestamp − receivedAt ≤ offset ≤ timestamp − sentAt`. Intersecting the samples' bounds uses
 * the fast request leg of one sample and the fast reply leg of another, which beats keeping only
 * the minimum-RTT sample when delays are asymmetric. Samples are taken within a second, so drift
 * is negligible; if the bounds do not intersect (a clock step), fall back to the minimum-RTT
 * sample (± RTT/2). Null when no sample carried a device timestamp.
 */
export function estimateClock(samples: readonly TimedReply[]): OffsetEstimate | null {
  let best: TimedReply | null = null;
  let lo = -Infinity;
  let hi = Infinity;
  let used = 0;
  for (const s of samples) {
    if (s.reply.timestamp === null) continue;
    const ts = s.reply.timestamp * 1000;
    // A device timestamp is untrusted: one that overflows (1e308 s) or a non-finite instant would
    // turn every bound into Infinity/NaN and the START target with it.
    if (!Number.isFinite(ts) || !Number.isFinite(s.sentAt) || !Number.isFinite(s.receivedAt)) continue;
    used++;
    lo = Math.max(lo, ts - s.receivedAt);
    hi = Math.min(hi, ts - s.sentAt);
    if (!best || s.receivedAt - s.sentAt < best.receivedAt - best.sentAt) best = s;
  }
  if (!best || best.reply.timestamp === null) return null;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  const rtt = Math.max(0, best.receivedAt - best.sentAt);
  if (lo <= hi) return { offsetMs: (lo + hi) / 2, uncertaintyMs: (hi - lo) / 2, rttMs: rtt, samples: used };
  return {
    offsetMs: best.reply.timestamp * 1000 - (best.sentAt + best.receivedAt) / 2,
    uncertaintyMs: rtt / 2,
    rttMs: rtt,
    samples: used,
  };
}

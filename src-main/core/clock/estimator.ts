/**
 * Per-device clock offset from reply timestamps (Cristian's method, field notes rule 9).
 *
 * A sample is one command round trip: sent at `sentAt`, reply received at `receivedAt` (ms,
 * controller clock), carrying the device's raw clock `deviceTimestampSec` (Unix seconds).
 * Assuming the device stamped its reply at the midpoint, offset = device − midpoint and the
 * true offset lies within ± RTT/2 of it, so low-RTT samples are the trustworthy ones.
 *
 * The estimator keeps a sliding window (count and age). Phone clocks drift (tens to hundreds
 * of ppm), so the best sample goes out of date:
 *  - with enough time span it fits offset = a + drift·t over the window's lower envelope
 *    (the lowest-RTT sample of each time bucket), weighted by 1/RTT², and reports the fitted
 *    offset at the newest sample plus the drift in ppm;
 *  - otherwise it picks the sample with the smallest RTT/2 + age·agingPpm (NTP-style
 *    dispersion), so a recent good sample beats an old excellent one.
 * A device clock that steps (the phone re-synced NTP) shows up as consecutive tight samples
 * that contradict the estimate; after `stepSamples` of them the old window is dropped.
 *
 * Pure code: no timers, no I/O.
 */

export interface ClockSample {
  /** ms, controller clock, just before the command was written. */
  sentAt: number;
  /** ms, controller clock, when the reply arrived. */
  receivedAt: number;
  /** The device's raw wall clock from the reply, Unix seconds. */
  deviceTimestampSec: number;
}

export interface ClockEstimate {
  /** Device raw clock minus controller clock, ms, at `at`. */
  offsetMs: number;
  /** ± ms. Half the best round trip (plus aging / fit residual). */
  uncertaintyMs: number;
  /** Smallest round trip in the window, ms. */
  rttMs: number;
  /** Samples in the window. */
  samples: number;
  /** Device clock rate error, ppm (positive: device runs fast); present once fitted. */
  driftPpm?: number;
  /** Controller-clock ms the offset refers to (midpoint of the newest sample). */
  at: number;
}

export interface ClockEstimatorOptions {
  /** Samples kept (default 128). */
  maxSamples?: number;
  /** Samples older than this (relative to the newest, or to `estimate(now)`) are dropped (default 5 min). */
  maxAgeMs?: number;
  /** A round trip longer than this is absurd for a LAN and discarded (default 1000 ms). */
  maxRttMs?: number;
  /** Time span needed before drift is fitted (default 30 s). */
  minDriftSpanMs?: number;
  /** A fitted drift beyond this is not believed (default 2000 ppm). */
  maxDriftPpm?: number;
  /** How fast an unfitted sample loses credibility with age (default 50 ppm = 0.05 ms/s). */
  agingPpm?: number;
  /** Consecutive contradicting samples that mean the device clock stepped (default 3). */
  stepSamples?: number;
  /** Slack beyond the combined uncertainties before a sample contradicts (default 5 ms). */
  stepMarginMs?: number;
}

export interface SampleVerdict {
  accepted: boolean;
  /** Why it was rejected, or null. */
  reason: string | null;
}

interface Point {
  /** Midpoint, controller ms. */
  t: number;
  offset: number;
  rtt: number;
}

const BUCKETS = 8;

export class ClockEstimator {
  private readonly maxSamples: number;
  private readonly maxAgeMs: number;
  private readonly maxRttMs: number;
  private readonly minDriftSpanMs: number;
  private readonly maxDriftPpm: number;
  private readonly agingRate: number;
  private readonly stepSamples: number;
  private readonly stepMarginMs: number;

  private window: Point[] = [];
  /** Tight samples contradicting the estimate, held aside until confirmed as a step. */
  private pending: Point[] = [];
  private cached: ClockEstimate | null | undefined;

  constructor(options: ClockEstimatorOptions = {}) {
    this.maxSamples = Math.max(1, options.maxSamples ?? 128);
    this.maxAgeMs = options.maxAgeMs ?? 300_000;
    this.maxRttMs = options.maxRttMs ?? 1000;
    this.minDriftSpanMs = options.minDriftSpanMs ?? 30_000;
    this.maxDriftPpm = options.maxDriftPpm ?? 2000;
    this.agingRate = (options.agingPpm ?? 50) / 1e6;
    this.stepSamples = Math.max(1, options.stepSamples ?? 3);
    this.stepMarginMs = options.stepMarginMs ?? 5;
  }

  addSample(sample: ClockSample): SampleVerdict {
    const { sentAt, receivedAt, deviceTimestampSec } = sample;
    if (![sentAt, receivedAt, deviceTimestampSec].every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return reject('non-finite value');
    }
    if (deviceTimestampSec <= 0) return reject(`device timestamp ${deviceTimestampSec} is not a Unix time`);
    const rtt = receivedAt - sentAt;
    if (rtt < 0) return reject(`negative round trip (${rtt.toFixed(1)} ms)`);
    if (rtt > this.maxRttMs) return reject(`round trip ${rtt.toFixed(0)} ms exceeds ${this.maxRttMs} ms`);
    const t = sentAt + rtt / 2;
    const newest = this.window[this.window.length - 1];
    if (newest && t < newest.t - this.maxAgeMs) return reject('older than the window');

    const p: Point = { t, offset: deviceTimestampSec * 1000 - t, rtt };
    // A finite but absurd timestamp (1e308 s) overflows once in ms: an Infinity offset would
    // poison every estimate after it.
    if (!Number.isFinite(p.offset)) return reject(`device timestamp ${deviceTimestampSec} is out of range`);
    const current = this.estimate();
    if (current && this.contradicts(p, current)) {
      this.pending.push(p);
      if (this.pending.length < this.stepSamples || !this.pendingAgree()) {
        if (this.pending.length >= this.stepSamples) this.pending.shift();
        return { accepted: false, reason: 'contradicts the estimate: held until it repeats (clock step)' };
      }
      // The device clock stepped: the old window describes a clock that no longer exists.
      this.window = this.pending;
      this.pending = [];
    } else {
      this.pending = [];
      this.insert(p);
    }
    this.trim(this.window[this.window.length - 1]!.t);
    this.cached = undefined;
    return { accepted: true, reason: null };
  }

  /** Current estimate, or null before the first sample (or when every sample is older than `now − maxAgeMs`). */
  estimate(now?: number): ClockEstimate | null {
    if (now !== undefined) {
      const live = this.window.filter((p) => p.t >= now - this.maxAgeMs);
      if (live.length !== this.window.length) return compute(live, this.params());
    }
    if (this.cached === undefined) this.cached = compute(this.window, this.params());
    return this.cached;
  }

  /** Offset predicted at controller time `t` (extrapolating the drift), or null. */
  offsetAt(t: number): number | null {
    const e = this.estimate();
    if (!e) return null;
    return e.offsetMs + ((e.driftPpm ?? 0) / 1e6) * (t - e.at);
  }

  reset(): void {
    this.window = [];
    this.pending = [];
    this.cached = undefined;
  }

  get size(): number {
    return this.window.length;
  }

  private params(): FitParams {
    return { minDriftSpanMs: this.minDriftSpanMs, maxDriftPpm: this.maxDriftPpm, agingRate: this.agingRate };
  }

  private contradicts(p: Point, e: ClockEstimate): boolean {
    const predicted = e.offsetMs + ((e.driftPpm ?? 0) / 1e6) * (p.t - e.at);
    return Math.abs(p.offset - predicted) > p.rtt / 2 + e.uncertaintyMs + this.stepMarginMs;
  }

  private pendingAgree(): boolean {
    const first = this.pending[0]!;
    return this.pending.every((q) => Math.abs(q.offset - first.offset) <= (q.rtt + first.rtt) / 2 + this.stepMarginMs);
  }

  private insert(p: Point): void {
    // Samples normally arrive in time order; keep the window sorted if one does not.
    let i = this.window.length;
    while (i > 0 && this.window[i - 1]!.t > p.t) i--;
    this.window.splice(i, 0, p);
  }

  private trim(newestT: number): void {
    const cutoff = newestT - this.maxAgeMs;
    let drop = 0;
    while (drop < this.window.length && this.window[drop]!.t < cutoff) drop++;
    drop = Math.max(drop, this.window.length - this.maxSamples);
    if (drop > 0) this.window.splice(0, drop);
  }
}

function reject(reason: string): SampleVerdict {
  return { accepted: false, reason };
}

interface FitParams {
  minDriftSpanMs: number;
  maxDriftPpm: number;
  agingRate: number;
}

function compute(window: readonly Point[], params: FitParams): ClockEstimate | null {
  const newest = window[window.length - 1];
  if (!newest) return null;
  const tRef = newest.t;
  let minRtt = Infinity;
  for (const p of window) minRtt = Math.min(minRtt, p.rtt);

  const fitted = fitDrift(window, tRef, minRtt, params);
  if (fitted) return { ...fitted, rttMs: minRtt, samples: window.length, at: tRef };

  // No drift fit yet: the sample with the smallest bound once aged to tRef.
  let best = newest;
  let bestBound = Infinity;
  for (const p of window) {
    const bound = p.rtt / 2 + params.agingRate * (tRef - p.t);
    if (bound < bestBound) {
      bestBound = bound;
      best = p;
    }
  }
  return { offsetMs: best.offset, uncertaintyMs: bestBound, rttMs: minRtt, samples: window.length, at: tRef };
}

function fitDrift(
  window: readonly Point[],
  tRef: number,
  minRtt: number,
  params: FitParams,
): { offsetMs: number; uncertaintyMs: number; driftPpm: number } | null {
  const first = window[0]!;
  const span = tRef - first.t;
  if (window.length < 4 || span < params.minDriftSpanMs) return null;

  // Lower envelope: the lowest-RTT sample of each time bucket, if it is tight enough.
  const buckets = Math.min(BUCKETS, Math.floor(window.length / 2));
  const width = span / buckets;
  const chosen: (Point | undefined)[] = new Array(buckets);
  for (const p of window) {
    const b = Math.min(buckets - 1, Math.floor((p.t - first.t) / width));
    const c = chosen[b];
    if (!c || p.rtt < c.rtt) chosen[b] = p;
  }
  const tightRtt = minRtt + Math.max(2, minRtt);
  const pts = chosen.filter((p): p is Point => p !== undefined && p.rtt <= tightRtt);
  if (pts.length < 3) return null;
  if (pts[pts.length - 1]!.t - pts[0]!.t < params.minDriftSpanMs / 2) return null;

  // Weighted least squares of offset against (t − tRef).
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (const p of pts) {
    const w = weight(p);
    sw += w;
    sx += w * (p.t - tRef);
    sy += w * p.offset;
  }
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0;
  let sxy = 0;
  for (const p of pts) {
    const w = weight(p);
    const dx = p.t - tRef - mx;
    sxx += w * dx * dx;
    sxy += w * dx * (p.offset - my);
  }
  if (sxx <= 0) return null;
  const slope = sxy / sxx;
  if (Math.abs(slope) * 1e6 > params.maxDriftPpm) return null;
  const intercept = my - slope * mx;

  let sr = 0;
  let bestHalf = Infinity;
  for (const p of pts) {
    const r = p.offset - (intercept + slope * (p.t - tRef));
    sr += weight(p) * r * r;
    bestHalf = Math.min(bestHalf, p.rtt / 2);
  }
  const rms = Math.sqrt(sr / sw);
  return { offsetMs: intercept, uncertaintyMs: Math.max(bestHalf, rms), driftPpm: slope * 1e6 };
}

function weight(p: Point): number {
  const half = p.rtt / 2 + 0.5;
  return 1 / (half * half);
}

/** A device whose |offset| is over the threshold (default one frame at 30 fps). */
export const DEFAULT_CLOCK_THRESHOLD_MS = 33;
export function isClockFlagged(offsetMs: number, thresholdMs: number = DEFAULT_CLOCK_THRESHOLD_MS): boolean {
  return Math.abs(offsetMs) > thresholdMs;
}

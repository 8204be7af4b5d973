/**
 * The coarse pass of the sync analysis: each file's loudness envelope (200 values a second, from a
 * cheap low-rate decode), and per pair of files a first line τj − τi = a + b·τi (audio-stream
 * seconds) from the envelopes: a whole-clip search over every lag (on an envelope shortened to a
 * bounded length, so memory and time do not grow with the clip), then short full-rate segments
 * along the overlap that refine the lag and see the drift.
 */
import { coarseCorrelate, decimate, highPass } from './dsp';
import { fitLine } from './fit';

/** The coarse decode's rate: loudness changes carry the timing here, not the fine waveform. */
export const COARSE_RATE = 8000;
export const ENV_RATE = 200;
const BLOCK = COARSE_RATE / ENV_RATE;
/** Longest envelope the whole-clip search correlates (164 s at 200 Hz); longer ones are decimated. */
const GLOBAL_MAX = 32_768;
/** Segments per pair (spread along the overlap), whatever the clip length. */
const MAX_SEGMENTS = 24;

export interface Envelope {
  /** High-passed log energy, unit RMS, ENV_RATE values a second. */
  env: Float32Array;
  /** Decoded sound, s. */
  seconds: number;
  /** RMS level of the decoded sound (full scale 1). */
  rms: number;
}

/** Streaming envelope: push decoded chunks at COARSE_RATE, then finish. Holds only the envelope. */
export class EnvelopeBuilder {
  private acc = 0;
  private n = 0;
  private sum2 = 0;
  private count = 0;
  private part = new Float32Array(4096);
  private used = 0;
  private readonly parts: Float32Array[] = [];

  push(x: Float32Array): void {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      this.acc += v * v;
      if (++this.n === BLOCK) {
        this.sum2 += this.acc;
        this.count += BLOCK;
        this.part[this.used++] = Math.log(this.acc / BLOCK + 1e-10);
        if (this.used === this.part.length) {
          this.parts.push(this.part);
          this.part = new Float32Array(4096);
          this.used = 0;
        }
        this.acc = 0;
        this.n = 0;
      }
    }
  }

  finish(): Envelope {
    const sum2 = this.sum2 + this.acc;
    const count = this.count + this.n;
    this.parts.push(this.part.subarray(0, this.used));
    const env = new Float32Array(this.parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of this.parts) {
      env.set(p, o);
      o += p.length;
    }
    // Level changes within a second or so carry the timing.
    return { env: highPass(env, ENV_RATE), seconds: count / COARSE_RATE, rms: count ? Math.sqrt(sum2 / count) : 0 };
  }
}

export interface CoarseLine {
  /** τj − τi = a + b·τi (s, audio-stream time of each file). */
  a: number;
  b: number;
  /** Whole-clip correlation peak. */
  rho: number;
  /** How clearly the loudness contours match (whole clip or typical segment). */
  strength: number;
  /** Best correlation away from the peak over the peak (1 = ambiguous). */
  secondRatio: number;
  /** Distance to the nearest place that matches almost as well, s (a repeating sound's period). */
  period: number;
}

/** Coarse line for a pair from the envelopes: whole-clip lag, then segment lags along the overlap. */
export function coarsePair(ea: Float32Array, eb: Float32Array): CoarseLine | null {
  const minOverlap = Math.min(Math.round(3 * ENV_RATE), Math.floor(Math.min(ea.length, eb.length) * 0.8));
  if (minOverlap < ENV_RATE) return null;
  // The whole-clip search on envelopes of bounded length: a long clip's are averaged down first.
  const d = Math.max(1, Math.ceil(Math.max(ea.length, eb.length) / GLOBAL_MAX));
  const da = decimate(ea, d);
  const db = decimate(eb, d);
  // As many values in the smallest overlap as undecimated (a short overlap matches by chance).
  const minDecimated = Math.max(Math.floor(minOverlap / d), Math.min(minOverlap, Math.floor(Math.min(da.length, db.length) * 0.8)));
  // A second peak counts from 0.25 s away, and never within the decimated main peak's own width.
  const g0 = coarseCorrelate(da, db, minDecimated, Math.max(d > 1 ? 3 : 1, Math.round((0.25 * ENV_RATE) / d)));
  if (!g0) return null;
  const g = { ...g0, lag: g0.lag * d, secondLag: g0.secondLag * d };
  // Segments refine the lag and see drift (the whole-clip peak is smeared by it on long clips).
  const seg = Math.round(Math.min(20 * ENV_RATE, Math.max(2 * ENV_RATE, minOverlap / 2)));
  const t0 = Math.max(0, Math.ceil(-g.lag));
  const t1 = Math.min(ea.length, Math.floor(eb.length - g.lag));
  // Wide enough for the decimated peak and 200 ppm of drift between the middle and the ends.
  const search = Math.round(ENV_RATE * Math.max(0.15, 0.05 + (2e-4 * (t1 - t0)) / ENV_RATE / 2));
  const count = Math.max(1, Math.min(MAX_SEGMENTS, Math.floor((t1 - t0) / seg)));
  const stride = count > 1 ? Math.floor((t1 - t0 - seg) / (count - 1)) : 0;
  const pts: { x: number; y: number; w: number }[] = [];
  for (let s = 0; s < count; s++) {
    const start = count > 1 ? t0 + s * stride : t0 + Math.max(0, Math.floor((t1 - t0 - seg) / 2));
    const a = ea.subarray(start, start + seg);
    const bStart = Math.max(0, Math.floor(start + g.lag) - search);
    const bEnd = Math.min(eb.length, Math.ceil(start + g.lag) + seg + search);
    if (a.length < seg || bEnd - bStart < seg) continue;
    const r = coarseCorrelate(a, eb.subarray(bStart, bEnd), seg - search, search, [g.lag + start - bStart - search, g.lag + start - bStart + search]);
    if (!r || r.rho < 0.2) continue;
    pts.push({ x: (start + seg / 2) / ENV_RATE, y: (r.lag + bStart - start) / ENV_RATE, w: r.rho });
  }
  let line = { a: g.lag / ENV_RATE, b: 0 };
  if (pts.length >= 3) {
    line = fitLine(pts);
    // Drop segments far off the line (a wrong local match), refit.
    const keep = pts.filter((p) => Math.abs(p.y - (line.a + line.b * p.x)) < 0.02);
    if (keep.length >= 3) line = fitLine(keep);
  } else if (pts.length > 0) {
    line = { a: pts.reduce((s, p) => s + p.y, 0) / pts.length, b: 0 };
  }
  // How clearly the loudness contours match: the whole-clip peak, or the typical segment (drift
  // smears the whole-clip peak of a long clip; segments are short enough not to care).
  const segRho = pts.length ? [...pts].sort((x, y) => x.w - y.w)[Math.floor(pts.length / 2)]!.w : 0;
  return { ...line, rho: g.rho, strength: Math.max(g.rho, segRho), secondRatio: g.secondRatio, period: Math.abs(g.secondLag) / ENV_RATE };
}

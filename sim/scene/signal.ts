/**
 * The sound of the one shared scene every virtual camera films: a deterministic function of the
 * TRUE sample index (48 kHz, counted from SCENE_EPOCH_MS), so cameras that start at different
 * instants, run at slightly different rates or sit in different processes all "hear" the same
 * thing. Broadband noise (the fine alignment needs every frequency) under a slow random loudness
 * contour (the coarse pass works on that contour), both from an integer hash: no state, no tables,
 * any instant can be computed on its own.
 */

export const SCENE_RATE = 48_000;
/** Sample 0 of the scene (2026-01-01 UTC); keeps indices small enough for exact doubles. */
export const SCENE_EPOCH_MS = Date.UTC(2026, 0, 1);
/** Loudness changes every 80 ms (a phrase-like contour; the coarse pass resolves it). */
const CONTOUR_SAMPLES = 3840;
const TWO32 = 4_294_967_296;

/** 32-bit integer mix of (a, b, seed) → [0, 1). */
function hash01(a: number, b: number, seed: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b ^ 0x27d4eb2f, 0xc2b2ae35) ^ Math.imul(seed, 0x165667b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / TWO32;
}

/** Value in [0, 1) for a non-negative integer `n` (any safe integer) and a seed. */
export function hashIndex(n: number, seed: number): number {
  const hi = Math.floor(n / TWO32);
  return hash01(n - hi * TWO32, hi, seed);
}

/** Loudness contour at integer block `b`: mostly quiet with loud stretches (gain 0.05–1). */
function contourAt(b: number, seed: number): number {
  const u = hashIndex(b, seed ^ 0x51ed);
  return 0.05 + 0.95 * u * u;
}

/**
 * The scene (or a private sound, with another seed) at integer sample `n`, in [-1, 1].
 * `period` > 0 loops the sound every `period` samples (a repetitive scene).
 */
export function sceneAtIndex(n: number, seed = 1, period = 0): number {
  const m = period > 0 ? ((n % period) + period) % period : n;
  const pos = m / CONTOUR_SAMPLES;
  const b = Math.floor(pos);
  const f = pos - b;
  const gain = contourAt(b, seed) * (1 - f) + contourAt(b + 1, seed) * f;
  return gain * (2 * hashIndex(m, seed) - 1);
}

/** The scene at a fractional true sample index (linear interpolation: every camera uses the same one). */
export function sceneAt(x: number, seed = 1, period = 0): number {
  const n = Math.floor(x);
  const f = x - n;
  const a = sceneAtIndex(n, seed, period);
  return f === 0 ? a : a + (sceneAtIndex(n + 1, seed, period) - a) * f;
}

/** RMS of `sceneAtIndex` (measured once: the noise level for a given SNR is set against it). */
let rms = 0;
export function sceneRms(): number {
  if (rms === 0) {
    let s = 0;
    const N = 400_000;
    for (let i = 0; i < N; i++) s += sceneAtIndex(i * 7919 + 12345) ** 2;
    rms = Math.sqrt(s / N);
  }
  return rms;
}

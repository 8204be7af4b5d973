/**
 * The signal processing of the sync analysis: cross-correlation by FFT (fft.js), GCC-PHAT with
 * sub-sample peak interpolation, and the overlap-normalised coarse correlation of loudness
 * envelopes with its ambiguity check; the high-pass that turns a loudness envelope into level changes.
 * Pure functions on typed arrays.
 */
import FFT from 'fft.js';

const ffts = new Map<number, FFT>();
function fftOf(n: number): FFT {
  let f = ffts.get(n);
  if (!f) {
    f = new FFT(n);
    if (ffts.size > 8) ffts.clear();
    ffts.set(n, f);
  }
  return f;
}

export function nextPow2(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

/** Full complex spectrum of a real signal zero-padded to `n` (interleaved re/im). */
/**
 * Work buffers by role and size, reused from call to call (the analysis is one synchronous caller
 * at a time): thousands of FFTs would otherwise leave hundreds of MB of arrays for the collector.
 */
const scratchBuffers = new Map<string, Float64Array>();
function scratch(role: string, size: number): Float64Array {
  const key = `${role}:${size}`;
  let b = scratchBuffers.get(key);
  if (!b) {
    if (scratchBuffers.size > 24) scratchBuffers.clear();
    b = new Float64Array(size);
    scratchBuffers.set(key, b);
  }
  return b;
}

export function spectrum(x: ArrayLike<number>, n: number): Float64Array {
  const f = fftOf(n);
  const input = scratch('in', n);
  const len = Math.min(n, x.length);
  for (let i = 0; i < len; i++) input[i] = x[i]!;
  input.fill(0, len);
  const out = new Float64Array(2 * n);
  f.realTransform(out, input);
  f.completeSpectrum(out);
  return out;
}

/**
 * Circular cross-correlation r[k] = Σ a[t]·b[t+k] from two spectra (conj(A)·B), optionally
 * PHAT-weighted (unit magnitude per bin: every frequency votes equally, the peak is sharp). The
 * result is a work buffer, valid until the next call.
 */
export function correlate(A: Float64Array, B: Float64Array, phat: boolean): Float64Array {
  const n = A.length / 2;
  const prod = scratch('prod', 2 * n);
  for (let i = 0; i < 2 * n; i += 2) {
    const ar = A[i]!;
    const ai = A[i + 1]!;
    const br = B[i]!;
    const bi = B[i + 1]!;
    let re = ar * br + ai * bi;
    let im = ar * bi - ai * br;
    if (phat) {
      const m = Math.sqrt(re * re + im * im);
      if (m > 1e-20) {
        re /= m;
        im /= m;
      } else {
        re = 0;
        im = 0;
      }
    }
    prod[i] = re;
    prod[i + 1] = im;
  }
  const out = scratch('out', 2 * n);
  fftOf(n).inverseTransform(out, prod);
  const r = scratch('r', n); // valid until the next call
  for (let i = 0; i < n; i++) r[i] = out[2 * i]!;
  return r;
}

/** Vertex of the parabola through (−1, a), (0, b), (1, c): the sub-sample peak offset in [−0.5, 0.5]. */
export function parabolicPeak(a: number, b: number, c: number): number {
  const d = a - 2 * b + c;
  if (d >= 0) return 0;
  return Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / d));
}

let taper: Float64Array | null = null;
function hann(n: number): Float64Array {
  if (taper?.length !== n) {
    taper = new Float64Array(n);
    for (let i = 0; i < n; i++) taper[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
  }
  return taper;
}

/** Spectrum of a Hann-tapered window (its length a power of two): reusable as gccPhat's `a`. */
export function taperedSpectrum(x: Float32Array): Float64Array {
  const n = x.length;
  const w = hann(n);
  const t = scratch('taper', n);
  for (let i = 0; i < n; i++) t[i] = x[i]! * w[i]!;
  return spectrum(t, n);
}

export interface GccResult {
  /** Content of `a` at sample t is found in `b` at t + lag (fractional samples). */
  lag: number;
  /** Peak over the RMS of the correlation away from the peak (≈4–5 for unrelated signals). */
  psr: number;
}

/**
 * GCC-PHAT between two windows of equal length `n` (a power of two), searching lags within
 * ±maxLag. A Hann taper keeps the window edges from correlating with themselves. `a` may be
 * given as its taperedSpectrum (one window compared with many).
 */
export function gccPhat(a: Float32Array | Float64Array, b: Float32Array, maxLag: number): GccResult {
  const A = a instanceof Float64Array ? a : taperedSpectrum(a);
  const n = b.length;
  const r = correlate(A, taperedSpectrum(b), true);
  const lim = Math.min(maxLag, n / 2 - 2);
  const at = (k: number) => r[((k % n) + n) % n]!;
  let best = 0;
  let bestV = -Infinity;
  for (let k = -lim; k <= lim; k++) {
    const v = at(k);
    if (v > bestV) {
      bestV = v;
      best = k;
    }
  }
  let s2 = 0;
  let cnt = 0;
  for (let k = -lim; k <= lim; k++) {
    if (Math.abs(k - best) <= 3) continue;
    const v = at(k);
    s2 += v * v;
    cnt++;
  }
  const floor = Math.sqrt(s2 / Math.max(1, cnt));
  return { lag: best + parabolicPeak(at(best - 1), bestV, at(best + 1)), psr: floor > 0 ? bestV / floor : 0 };
}

export interface CoarseResult {
  /** Content of `a` at index t is found in `b` at t + lag (fractional envelope samples). */
  lag: number;
  /** Overlap-normalised correlation at the peak (−1…1). */
  rho: number;
  /** Best correlation at least `exclude` samples away from the peak, over `rho` (1 = ambiguous). */
  secondRatio: number;
  /** Distance from the first peak to the nearest one almost as high (else the second peak), samples. */
  secondLag: number;
}

/**
 * Normalised cross-correlation of two zero-mean envelopes over every lag that leaves at least
 * `minOverlap` samples of overlap (or only lags within `window` = [lo, hi] when given).
 */
export function coarseCorrelate(a: Float32Array, b: Float32Array, minOverlap: number, exclude: number, window?: [number, number]): CoarseResult | null {
  const na = a.length;
  const nb = b.length;
  if (na < minOverlap || nb < minOverlap) return null;
  const n = nextPow2(na + nb);
  // r[k] = Σ a[t]·b[t+k]; negative k wrap around. A narrow window of lags is cheaper directly.
  const r =
    window && (window[1] - window[0] + 3) * Math.min(na, nb) < 8 * n * Math.log2(n)
      ? directCorrelation(a, b, n, window)
      : correlate(spectrum(a, n), spectrum(b, n), false);
  // Prefix sums of squares: the energy of each side inside the overlap of a given lag.
  const pa = new Float64Array(na + 1);
  for (let i = 0; i < na; i++) pa[i + 1] = pa[i]! + a[i]! * a[i]!;
  const pb = new Float64Array(nb + 1);
  for (let i = 0; i < nb; i++) pb[i + 1] = pb[i]! + b[i]! * b[i]!;
  let lo = -(na - minOverlap);
  let hi = nb - minOverlap;
  if (window) {
    lo = Math.max(lo, Math.floor(window[0]));
    hi = Math.min(hi, Math.ceil(window[1]));
  }
  if (lo > hi) return null;
  const rho = new Float64Array(hi - lo + 1);
  for (let k = lo; k <= hi; k++) {
    // Overlap: a[t] with t in [max(0, -k), min(na, nb - k)).
    const t0 = Math.max(0, -k);
    const t1 = Math.min(na, nb - k);
    const ea = pa[t1]! - pa[t0]!;
    const eb = pb[t1 + k]! - pb[t0 + k]!;
    const c = r[((k % n) + n) % n]!;
    rho[k - lo] = ea > 0 && eb > 0 ? c / Math.sqrt(ea * eb) : 0;
  }
  let best = 0;
  for (let i = 1; i < rho.length; i++) if (rho[i]! > rho[best]!) best = i;
  let second = -Infinity;
  let secondAt = 0;
  for (let i = 0; i < rho.length; i++) {
    if (Math.abs(i - best) < exclude) continue;
    if (rho[i]! > second) {
      second = rho[i]!;
      secondAt = i;
    }
  }
  const top = rho[best]!;
  // The nearest place that matches almost as well: for a repeating sound, its period.
  let near = secondAt;
  for (let i = 0; i < rho.length; i++) if (Math.abs(i - best) >= exclude && rho[i]! >= 0.85 * top && Math.abs(i - best) < Math.abs(near - best)) near = i;
  const frac = best > 0 && best < rho.length - 1 ? parabolicPeak(rho[best - 1]!, top, rho[best + 1]!) : 0;
  return {
    lag: lo + best + frac,
    rho: top,
    secondRatio: second === -Infinity || top <= 0 ? 0 : Math.max(0, second / top),
    secondLag: near - best,
  };
}

/** r[k] = Σ a[t]·b[t+k] for k within `window` (rounded out), laid out like the circular correlation of size n. */
function directCorrelation(a: Float32Array, b: Float32Array, n: number, window: [number, number]): Float64Array {
  const r = new Float64Array(n);
  for (let k = Math.floor(window[0]) - 1; k <= Math.ceil(window[1]) + 1; k++) {
    const t0 = Math.max(0, -k);
    const t1 = Math.min(a.length, b.length - k);
    let c = 0;
    for (let t = t0; t < t1; t++) c += a[t]! * b[t + k]!;
    r[((k % n) + n) % n] = c;
  }
  return r;
}

/** Subtract a centred moving average (`width` samples) and scale to unit RMS. */
export function highPass(x: Float32Array, width: number): Float32Array {
  const n = x.length;
  const pre = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) pre[i + 1] = pre[i]! + x[i]!;
  const out = new Float32Array(n);
  const h = Math.floor(width / 2);
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - h);
    const hi = Math.min(n, i + h + 1);
    const v = x[i]! - (pre[hi]! - pre[lo]!) / (hi - lo);
    out[i] = v;
    s2 += v * v;
  }
  const rms = Math.sqrt(s2 / Math.max(1, n));
  if (rms > 0) for (let i = 0; i < n; i++) out[i] = out[i]! / rms;
  return out;
}

/** Means of consecutive groups of `factor` samples (a box low-pass, then every factor-th): a shorter envelope for a wide search. */
export function decimate(x: Float32Array, factor: number): Float32Array {
  if (factor <= 1) return x;
  const out = new Float32Array(Math.floor(x.length / factor));
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let k = 0; k < factor; k++) s += x[i * factor + k]!;
    out[i] = s / factor;
  }
  return out;
}

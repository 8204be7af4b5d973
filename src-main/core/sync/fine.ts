/**
 * The fine pass of the sync analysis. The coarse lines put every file on a rough common timeline
 * (a least-squares solution per group of files that match, good to a few ms); a fixed number of
 * instants on it are then decoded in every file as short 48 kHz windows (ffmpeg seeks there: no
 * second full decode), and each pair compares its windows at the same instants with GCC-PHAT and
 * sub-sample peak interpolation, then fits a robust line (offset + drift). Work and memory depend
 * on the number of files and instants, not on the clip length.
 */
import { gccPhat, taperedSpectrum } from './dsp';
import type { CoarseLine } from './coarse';
import { fitLine, solveLeastSquares } from './fit';
import type { DecodedWindow } from './media';

export const RATE = 48_000;
/** GCC window (0.34 s). */
export const WIN = 16_384;
/** Decoded on each side of a window: room for a pair's own coarse line to differ from the common timeline. */
export const MARGIN = 4_800;
/** Samples decoded per instant and file. */
export const LONG = WIN + 2 * MARGIN;
const PSR_MIN = 7;
/** Plain normalised correlation a window's peak must have (shared sound at 10 dB SNR: ≥ 0.5; unrelated: ≈ 0.03). */
const NCC_MIN = 0.1;
/** Windows that must agree before a pair counts: one or two can agree by chance. */
const MIN_INLIERS = 3;
/** ±20 ms around the coarse line: a wider search only invites chance peaks (a codec's frame structure). */
const FINE_SEARCH = Math.round(0.02 * RATE);
/** Loudness contours must visibly match. */
export const STRENGTH_MIN = 0.3;
const INLIER_MS = 0.5;
/** A coarse edge this far off its group's solution is dropped from it, s. */
const PLACE_TOLERANCE = 0.01;

/** A pair's coarse result and what it can at best score (the fine windows only lower it). */
export interface PairPlan {
  i: number;
  j: number;
  coarse: CoarseLine;
  /** Upper bound of the score: clarity × strength. */
  bound: number;
  /** The sound matches well but repeats: fine windows still decide whether to call it ambiguous. */
  repeats: boolean;
}

export function planPair(i: number, j: number, coarse: CoarseLine): PairPlan {
  const clarity = Math.max(0, Math.min(1, (1 - coarse.secondRatio) / 0.3));
  const strength = Math.min(1, coarse.strength / STRENGTH_MIN);
  return { i, j, coarse, bound: clarity * strength, repeats: coarse.secondRatio > 0.85 && strength >= 1 };
}

/** Where each file sits on its group's rough timeline: common time T ↔ audio time τ = e^ρ·(T − o). */
export interface Placement {
  group: number[];
  o: number[];
  rho: number[];
}

/**
 * Groups of files tied by pairs that could be trusted (or that repeat), and per group a weighted
 * least-squares timeline from their coarse lines; an edge that disagrees with its group by more
 * than PLACE_TOLERANCE is dropped (while the group stays connected) and the group solved again.
 */
export function placeFiles(n: number, plans: PairPlan[], threshold: number): Placement {
  type Edge = { p: PairPlan; w: number };
  let edges: Edge[] = plans.filter((p) => p.bound >= threshold || p.repeats).map((p) => ({ p, w: p.repeats && p.bound < threshold ? 0.05 : p.bound }));
  const group = new Array<number>(n).fill(-1);
  const o = new Array<number>(n).fill(0);
  const rho = new Array<number>(n).fill(0);
  const components = (es: Edge[]): number[][] => {
    const parent = Array.from({ length: n }, (_, i) => i);
    const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x]!)));
    for (const { p } of es) parent[find(p.i)] = find(p.j);
    const m = new Map<number, Set<number>>();
    for (const { p } of es) for (const f of [p.i, p.j]) m.set(find(f), (m.get(find(f)) ?? new Set()).add(f));
    return [...m.values()].map((c) => [...c].sort((x, y) => x - y));
  };
  components(edges).forEach((members, g) => {
    const set = new Set(members);
    for (let round = 0; round < Math.min(50, 2 * members.length); round++) {
      const inside = edges.filter(({ p }) => set.has(p.i));
      const sol = solveGroup(members, inside);
      members.forEach((f, q) => {
        group[f] = g;
        o[f] = sol.o[q]!;
        rho[f] = sol.rho[q]!;
      });
      // The worst edge beyond tolerance goes, if the group holds together without it.
      const off = inside
        .map((e) => ({ e, res: Math.abs(o[e.p.j]! - o[e.p.i]! + e.p.coarse.a / Math.exp(rho[e.p.j]!)) }))
        .filter((x) => x.res > PLACE_TOLERANCE)
        .sort((x, y) => y.res - x.res)
        .slice(0, 10);
      const worst = off.find(({ e }) => components(inside.filter((x) => x !== e)).some((c) => c.length === members.length))?.e;
      if (!worst) break;
      edges = edges.filter((x) => x !== worst);
    }
  });
  return { group, o, rho };
}

/** Rates (log form) then offsets, gauge: the group's first file. */
function solveGroup(members: number[], edges: { p: PairPlan; w: number }[]): { o: number[]; rho: number[] } {
  const idx = new Map(members.map((f, q) => [f, q]));
  const rows = edges.map(({ p, w }) => ({ idx: [idx.get(p.i)!, idx.get(p.j)!] as [number, number], w, p }));
  const rho = solveLeastSquares(
    rows.map((r) => ({ idx: r.idx, y: Math.log1p(r.p.coarse.b), w: r.w })),
    members.length,
    0,
  );
  const o = solveLeastSquares(
    rows.map((r) => ({ idx: r.idx, y: -r.p.coarse.a / Math.exp(rho[r.idx[1]]!), w: r.w })),
    members.length,
    0,
  );
  return { o, rho };
}

/**
 * Instants (common time of the group) and, per file, the audio-stream time each window should
 * start at; `seconds[f]` is how much sound file f has. Instants spread over the span where at
 * least two of the group's files have room for a window.
 */
export function planInstants(place: Placement, seconds: number[], k: number): Map<number, number>[] {
  const n = seconds.length;
  const out = Array.from({ length: n }, () => new Map<number, number>());
  const half = LONG / 2 / RATE;
  const lo = half + 0.05;
  const hi = (f: number) => seconds[f]! - half - 0.05;
  const groups = new Set(place.group.filter((g) => g >= 0));
  let instant = 0;
  for (const g of groups) {
    const members = place.group.flatMap((x, f) => (x === g && hi(f) > lo ? [f] : []));
    if (members.length < 2) continue;
    const toT = (f: number, tau: number) => place.o[f]! + tau / Math.exp(place.rho[f]!);
    const starts = members.map((f) => toT(f, lo)).sort((a, b) => a - b);
    const ends = members.map((f) => toT(f, hi(f))).sort((a, b) => b - a);
    const from = starts[1]!;
    const to = ends[1]!;
    if (to < from) continue;
    for (let q = 0; q < k; q++) {
      const T = from + ((to - from) * (q + 0.5)) / k;
      for (const f of members) {
        const tau = Math.exp(place.rho[f]!) * (T - place.o[f]!);
        if (tau >= lo && tau <= hi(f)) out[f]!.set(instant, tau - half);
      }
      instant++;
    }
  }
  return out;
}

export interface PairResult {
  i: number;
  j: number;
  /** τj − τi = a + b·τi (seconds, media time of each file). */
  a: number;
  b: number;
  score: number;
  ok: boolean;
  ambiguous: boolean;
  period: number;
  inliers: number;
  windows: number;
}

/** A pair the fine pass did not look at: it cannot reach the threshold, its score is the bound. */
export function unmeasured(plan: PairPlan): PairResult {
  const { i, j, coarse } = plan;
  return { i, j, a: coarse.a, b: coarse.b, score: plan.bound, ok: false, ambiguous: false, period: coarse.period, inliers: 0, windows: 0 };
}

/**
 * Measure every pair of the same group on the windows both files have: i's central WIN against
 * the place in j's window where the pair's own coarse line puts the same sound, GCC-PHAT within
 * ±FINE_SEARCH. One instant at a time (each window's spectrum is computed once and dropped after).
 * `audioStart` (s, per file) turns audio-stream times into media times.
 */
export function measurePairs(plans: PairPlan[], windows: Map<number, DecodedWindow>[], audioStart: number[], group: number[], threshold: number): PairResult[] {
  const measured = plans.map((p) => group[p.i]! >= 0 && group[p.i] === group[p.j]);
  const pts = plans.map(() => [] as { x: number; y: number }[]);
  const total = plans.map(() => 0);
  const instants = new Set(windows.flatMap((m) => [...m.keys()]));
  for (const k of instants) {
    const spectra = new Map<number, Float64Array>();
    plans.forEach((p, q) => {
      const A = windows[p.i]!.get(k);
      const B = windows[p.j]!.get(k);
      if (!measured[q] || !A || !B) return;
      total[q]!++;
      const ci = A.t0 + (MARGIN + WIN / 2) / RATE;
      const cj = ci + p.coarse.a + p.coarse.b * ci;
      const sj = Math.round((cj - B.t0) * RATE - WIN / 2);
      if (sj < 0 || sj + WIN > B.samples.length) return;
      let SA = spectra.get(p.i);
      if (!SA) {
        SA = taperedSpectrum(A.samples.subarray(MARGIN, MARGIN + WIN));
        spectra.set(p.i, SA);
      }
      const r = gccPhat(SA, B.samples.subarray(sj, sj + WIN), FINE_SEARCH);
      if (r.psr < PSR_MIN) return;
      // The waveforms themselves must agree at that lag: PHAT whitening also finds the codec's
      // frame grid in unrelated sounds (a steady false peak), whose plain correlation is ~0.
      if (ncc(A.samples.subarray(MARGIN, MARGIN + WIN), B.samples, sj, Math.round(r.lag)) < NCC_MIN) return;
      // Window centre in i → where the same sound sits in j, both as media times (s).
      const x = ci + audioStart[p.i]!;
      const y = B.t0 + (sj + WIN / 2 + r.lag) / RATE + audioStart[p.j]!;
      pts[q]!.push({ x, y: y - x });
    });
  }
  return plans.map((p, q) => (measured[q] ? fitPair(p, pts[q]!, total[q]!, audioStart[p.i]!, audioStart[p.j]!, threshold) : unmeasured(p)));
}

/** A pair's robust line from its window points, and its score. */
function fitPair(plan: PairPlan, pts: { x: number; y: number }[], total: number, si: number, sj: number, threshold: number): PairResult {
  const cb = plan.coarse.b;
  let line = { a: plan.coarse.a + sj - si * (1 + cb), b: cb };
  let inliers = pts;
  if (pts.length >= 2) {
    // Robust: fit, keep points within INLIER_MS of the median-residual line, refit.
    line = fitLine(pts);
    for (let round = 0; round < 2; round++) {
      const res = pts.map((p) => p.y - (line.a + line.b * p.x));
      const med = [...res].sort((x, y) => x - y)[Math.floor(res.length / 2)]!;
      inliers = pts.filter((_, n) => Math.abs(res[n]! - med) < INLIER_MS / 1000);
      if (inliers.length >= 2) line = fitLine(inliers);
      else if (inliers.length === 1) line = { a: inliers[0]!.y - cb * inliers[0]!.x, b: cb };
    }
    if (inliers.length < 3) line.b = cb; // too few points for a trustworthy slope
  } else if (pts.length === 1) {
    line = { a: pts[0]!.y - cb * pts[0]!.x, b: cb };
  }
  const share = total ? inliers.length / total : 0;
  const score = share * plan.bound;
  return {
    i: plan.i,
    j: plan.j,
    a: line.a,
    b: line.b,
    score,
    ok: score >= threshold && inliers.length >= MIN_INLIERS,
    // Repetitive: the sound itself matches well (the windows agree) but equally well elsewhere.
    ambiguous: plan.repeats && share >= 0.5,
    period: plan.coarse.period,
    inliers: inliers.length,
    windows: total,
  };
}

/** Normalised correlation of window a with b[start + lag …] (the same length), −1…1. */
export function ncc(a: Float32Array, b: Float32Array, start: number, lag: number): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let t = 0; t < a.length; t++) {
    const u = start + lag + t;
    if (u < 0 || u >= b.length) continue;
    const x = a[t]!;
    const y = b[u]!;
    ab += x * y;
    aa += x * x;
    bb += y * y;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

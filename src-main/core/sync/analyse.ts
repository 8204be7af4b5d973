/**
 * Sync analysis: where every file's first media sample sits on one timeline, from the sound.
 *
 *  1. ffprobe facts; decode each file's audio once (streamed) into a 200 Hz loudness envelope.
 *  2. Coarse: overlap-normalised correlation of envelopes over every lag (with an ambiguity check
 *     for repetitive sound), then short envelope segments along the overlap for a first drift line.
 *  3. Fine: a second streamed decode keeps only the 48 kHz windows the coarse lines point at;
 *     GCC-PHAT with sub-sample peak interpolation per window; a robust line per pair (offset + drift).
 *  4. Global least squares over every trusted pair (rates in log form, then offsets), expressed on
 *     the earliest file's own media time.
 * Memory is the envelopes (200 values a second) plus a fixed number of windows per pair.
 */
import { errorLine } from '../../../src-shared/error-line';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import type { SyncDevice, TakeSync } from '../../../src-shared/sync';
import { coarseCorrelate, gccPhat, highPass } from './dsp';
import { fitLine, solveLeastSquares } from './fit';
import { DEFAULT_TOOLS, MediaError, decodeAudio, probe, type MediaFacts, type MediaTools } from './media';

export const RATE = 48_000;
const BLOCK = 240; // envelope: 200 values a second
const ENV_RATE = RATE / BLOCK;
const WIN = 16_384; // fine window (0.34 s)
const PSR_MIN = 7;
const FINE_SEARCH = Math.round(0.02 * RATE); // ±20 ms around the coarse line
const STRENGTH_MIN = 0.3; // loudness contours must visibly match // a window's peak must stand this far above its correlation floor
const INLIER_MS = 0.5;
const SILENCE_RMS = 10 ** (-66 / 20);
export const SCORE_THRESHOLD = 0.5;

export interface SyncInput {
  name: string;
  /** Relative to the take folder (reported as is). */
  file: string;
  /** Absolute path to read. */
  path: string;
  deviceKey?: string | null;
  /** The controller's plan: when this file should start, ms (any common time base), or null. */
  expectedStartMs?: number | null;
}

export interface SyncOptions {
  tools?: MediaTools;
  /** Files decoded at once (default 2). */
  concurrency?: number;
  /** Fine windows per pair (default 8). */
  windows?: number;
  onProgress?: (message: string) => void;
}

interface FileState {
  input: SyncInput;
  facts: MediaFacts | null;
  error: string | null;
  env: Float32Array | null;
  samples: number;
  rms: number;
  /** Requested windows: start sample → buffer (filled by the second decode). */
  windows: Map<number, Float32Array>;
}

interface PairResult {
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

/** Envelope + level from one streamed decode. */
async function firstPass(f: FileState, tools: MediaTools): Promise<void> {
  const blocks: number[] = [];
  let acc = 0;
  let n = 0;
  let sum2 = 0;
  let count = 0;
  let chunkEnv = new Float32Array(4096);
  let used = 0;
  const parts: Float32Array[] = [];
  await decodeAudio(
    f.input.path,
    RATE,
    (x) => {
      for (let i = 0; i < x.length; i++) {
        const v = x[i]!;
        acc += v * v;
        if (++n === BLOCK) {
          sum2 += acc;
          count += n;
          chunkEnv[used++] = Math.log(acc / n + 1e-10);
          if (used === chunkEnv.length) {
            parts.push(chunkEnv);
            chunkEnv = new Float32Array(4096);
            used = 0;
          }
          acc = 0;
          n = 0;
        }
      }
    },
    { tools },
  );
  void blocks;
  sum2 += acc;
  count += n;
  parts.push(chunkEnv.subarray(0, used));
  const len = parts.reduce((s, p) => s + p.length, 0);
  const env = new Float32Array(len);
  let o = 0;
  for (const p of parts) {
    env.set(p, o);
    o += p.length;
  }
  f.samples = count;
  f.rms = count ? Math.sqrt(sum2 / count) : 0;
  f.env = highPass(env, Math.round(ENV_RATE)); // level changes within a second or so carry the timing
}

/** Coarse line for a pair from the envelopes: whole-clip lag, then segment lags along the overlap. */
function coarsePair(ea: Float32Array, eb: Float32Array): { a: number; b: number; rho: number; strength: number; secondRatio: number; period: number } | null {
  const minOverlap = Math.min(Math.round(3 * ENV_RATE), Math.floor(Math.min(ea.length, eb.length) * 0.8));
  if (minOverlap < ENV_RATE) return null;
  const g = coarseCorrelate(ea, eb, minOverlap, Math.round(0.25 * ENV_RATE));
  if (!g) return null;
  // Segments refine the lag and see drift (the whole-clip peak is smeared by it on long clips).
  const seg = Math.round(Math.min(20 * ENV_RATE, Math.max(2 * ENV_RATE, minOverlap / 2)));
  const search = Math.round(0.15 * ENV_RATE);
  const pts: { x: number; y: number; w: number }[] = [];
  const t0 = Math.max(0, Math.ceil(-g.lag));
  const t1 = Math.min(ea.length, Math.floor(eb.length - g.lag));
  const count = Math.max(1, Math.floor((t1 - t0) / seg));
  for (let s = 0; s < count; s++) {
    const start = t0 + s * seg + Math.floor((t1 - t0 - count * seg) / 2);
    const a = ea.subarray(start, start + seg);
    const bStart = Math.max(0, Math.floor(start + g.lag) - search);
    const bEnd = Math.min(eb.length, Math.ceil(start + g.lag) + seg + search);
    if (bEnd - bStart < seg) continue;
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

interface PairPlan {
  i: number;
  j: number;
  coarse: NonNullable<ReturnType<typeof coarsePair>>;
  /** [start sample in i, start sample in j] per window. */
  windows: [number, number][];
}

function planWindows(fi: FileState, fj: FileState, coarse: PairPlan['coarse'], k: number): [number, number][] {
  const di = fi.samples / RATE;
  const dj = fj.samples / RATE;
  const margin = WIN / RATE;
  // τi range where the matching τj = τi + a + b·τi is inside file j, keeping a window's margin.
  const lo = Math.max(margin, (margin - coarse.a) / (1 + coarse.b));
  const hi = Math.min(di - margin, (dj - margin - coarse.a) / (1 + coarse.b));
  if (hi - lo < 0) return [];
  const out: [number, number][] = [];
  const n = Math.max(1, Math.min(k, Math.floor(((hi - lo) * RATE) / WIN) + 1));
  for (let w = 0; w < n; w++) {
    const c = n === 1 ? (lo + hi) / 2 : lo + ((hi - lo) * w) / (n - 1);
    const cj = c + coarse.a + coarse.b * c;
    out.push([Math.round(c * RATE) - WIN / 2, Math.round(cj * RATE) - WIN / 2]);
  }
  return out;
}

/** Second decode: copy out only the requested windows. */
async function secondPass(f: FileState, tools: MediaTools): Promise<void> {
  if (f.windows.size === 0) return;
  const wins = [...f.windows.entries()].sort((x, y) => x[0] - y[0]);
  let pos = 0;
  await decodeAudio(
    f.input.path,
    RATE,
    (x) => {
      const end = pos + x.length;
      for (const [start, buf] of wins) {
        const s = Math.max(start, pos);
        const e = Math.min(start + buf.length, end);
        if (s < e) buf.set(x.subarray(s - pos, e - pos), s - start);
      }
      pos = end;
    },
    { tools },
  );
}

function finePair(plan: PairPlan, fi: FileState, fj: FileState, k: number): PairResult {
  const pts: { x: number; y: number; psr: number }[] = [];
  for (const [si, sj] of plan.windows) {
    const a = fi.windows.get(si);
    const b = fj.windows.get(sj);
    if (!a || !b) continue;
    // The coarse line is good to a few ms; a wider search only invites chance peaks (a codec's
    // frame structure correlates at multiples of its frame length).
    const r = gccPhat(a, b, FINE_SEARCH);
    if (r.psr < PSR_MIN) continue;
    // Window centre in i (s) → where the same sound sits in j (s); audio start offsets included.
    const ci = (si + WIN / 2) / RATE + (fi.facts?.audioStartMs ?? 0) / 1000;
    const cj = (sj + WIN / 2 + r.lag) / RATE + (fj.facts?.audioStartMs ?? 0) / 1000;
    pts.push({ x: ci, y: cj - ci, psr: r.psr });
  }
  const total = Math.max(1, plan.windows.length);
  let line = { a: plan.coarse.a, b: plan.coarse.b };
  let inliers = pts;
  if (pts.length >= 2) {
    // Robust: fit, keep points within INLIER_MS of the median-residual line, refit.
    line = fitLine(pts);
    for (let round = 0; round < 2; round++) {
      const res = pts.map((p) => p.y - (line.a + line.b * p.x));
      const med = [...res].sort((x, y) => x - y)[Math.floor(res.length / 2)]!;
      inliers = pts.filter((_, n) => Math.abs(res[n]! - med) < INLIER_MS / 1000);
      if (inliers.length >= 2) line = fitLine(inliers);
      else if (inliers.length === 1) line = { a: inliers[0]!.y - plan.coarse.b * inliers[0]!.x, b: plan.coarse.b };
    }
    if (inliers.length < 3) line.b = plan.coarse.b; // too few points for a trustworthy slope
  } else if (pts.length === 1) {
    line = { a: pts[0]!.y - plan.coarse.b * pts[0]!.x, b: plan.coarse.b };
  }
  const share = inliers.length / total;
  const clarity = Math.max(0, Math.min(1, (1 - plan.coarse.secondRatio) / 0.3));
  const strength = Math.min(1, plan.coarse.strength / STRENGTH_MIN);
  const score = share * clarity * strength;
  // Repetitive: the sound itself matches well (the windows agree) but equally well elsewhere.
  const ambiguous = plan.coarse.secondRatio > 0.85 && strength >= 1 && share >= 0.5;
  return {
    i: plan.i,
    j: plan.j,
    a: line.a,
    b: line.b,
    score,
    ok: score >= SCORE_THRESHOLD && inliers.length >= Math.min(3, total),
    ambiguous,
    period: plan.coarse.period,
    inliers: inliers.length,
    windows: total,
  };
}

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

/** Analyse a set of files (one per camera) and report where each sits on one timeline. */
export async function analyseFiles(inputs: SyncInput[], opts: SyncOptions = {}): Promise<TakeSync> {
  const began = performance.now();
  const tools = opts.tools ?? DEFAULT_TOOLS;
  const limit = pLimit(Math.max(1, opts.concurrency ?? 2));
  const progress = opts.onProgress ?? (() => undefined);
  const k = Math.max(2, Math.min(32, opts.windows ?? 8));
  const files: FileState[] = inputs.map((input) => ({ input, facts: null, error: null, env: null, samples: 0, rms: 0, windows: new Map() }));

  // 1. Facts and envelopes.
  await Promise.all(
    files.map((f) =>
      limit(async () => {
        try {
          f.facts = await probe(f.input.path, tools);
          if (!f.facts.hasAudio) return;
          progress(`decoding ${f.input.name}`);
          await firstPass(f, tools);
        } catch (e) {
          f.error = e instanceof MediaError ? e.message : `cannot read the file: ${errorLine(e)}`;
        }
      }),
    ),
  );
  const usable = (f: FileState) => !f.error && f.facts?.hasAudio && f.rms >= SILENCE_RMS && f.env !== null && f.env.length >= ENV_RATE;

  // 2. Coarse lines for every usable pair.
  const plans: PairPlan[] = [];
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      const fi = files[i]!;
      const fj = files[j]!;
      if (!usable(fi) || !usable(fj)) continue;
      const coarse = coarsePair(fi.env!, fj.env!);
      if (!coarse) continue;
      const windows = planWindows(fi, fj, coarse, k);
      for (const [si, sj] of windows) {
        if (!fi.windows.has(si)) fi.windows.set(si, new Float32Array(WIN));
        if (!fj.windows.has(sj)) fj.windows.set(sj, new Float32Array(WIN));
      }
      plans.push({ i, j, coarse, windows });
    }
  }

  // 3. Fine windows.
  progress('measuring');
  await Promise.all(
    files.map((f) =>
      limit(async () => {
        try {
          await secondPass(f, tools);
        } catch (e) {
          f.error = e instanceof MediaError ? e.message : `cannot read the file: ${errorLine(e)}`;
        }
      }),
    ),
  );
  const pairs = plans.filter((p) => !files[p.i]!.error && !files[p.j]!.error).map((p) => finePair(p, files[p.i]!, files[p.j]!, k));
  for (const f of files) f.windows.clear();

  // 4. The largest group of files tied together by trusted pairs.
  const n = files.length;
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x]!)));
  for (const p of pairs) if (p.ok) parent[find(p.i)] = find(p.j);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) if (usable(files[i]!)) groups.set(find(i), [...(groups.get(find(i)) ?? []), i]);
  let main: number[] = [];
  for (const g of groups.values()) if (g.length > main.length) main = g;
  if (main.length < 2) main = [];
  const inMain = new Set(main);
  const okPairs = pairs.filter((p) => p.ok && inMain.has(p.i) && inMain.has(p.j));

  const offsets = new Map<number, number>(); // ms, earliest file's media time
  const rates = new Map<number, number>(); // ppm relative to the earliest file
  const fitErr = new Map<number, number>();
  if (main.length >= 2) {
    const idx = new Map(main.map((f, q) => [f, q]));
    const gauge = 0;
    // Rates: log(1+b) = ρj − ρi.
    const rho = solveLeastSquares(
      okPairs.map((p) => ({ idx: [idx.get(p.i)!, idx.get(p.j)!], y: Math.log1p(p.b), w: p.score * p.inliers })),
      main.length,
      gauge,
    );
    // Offsets on the gauge file's timeline: o_j − o_i = −a/(1+r_j).
    const o = solveLeastSquares(
      okPairs.map((p) => ({ idx: [idx.get(p.i)!, idx.get(p.j)!], y: -p.a / Math.exp(rho[idx.get(p.j)!]!), w: p.score * p.inliers })),
      main.length,
      gauge,
    );
    let e = 0;
    for (let q = 1; q < main.length; q++) if (o[q]! < o[e]!) e = q;
    const re = Math.exp(rho[e]!);
    main.forEach((f, q) => {
      offsets.set(f, (o[q]! - o[e]!) * re * 1000);
      rates.set(f, (Math.exp(rho[q]! - rho[e]!) - 1) * 1e6);
    });
    for (const f of main) {
      const mine = okPairs.filter((p) => p.i === f || p.j === f);
      const sq = mine.map((p) => {
        const qi = idx.get(p.i)!;
        const qj = idx.get(p.j)!;
        return ((o[qj]! - o[qi]! + p.a / Math.exp(rho[qj]!)) * 1000) ** 2;
      });
      fitErr.set(f, sq.length ? Math.sqrt(sq.reduce((s, v) => s + v, 0) / sq.length) : 0);
    }
  }

  // Plan residuals: measured minus expected, with the median difference (a common shift) removed.
  const expected = new Map<number, number>();
  const withPlan = main.filter((f) => typeof files[f]!.input.expectedStartMs === 'number' && Number.isFinite(files[f]!.input.expectedStartMs));
  if (withPlan.length > 0) {
    const minExp = Math.min(...withPlan.map((f) => files[f]!.input.expectedStartMs!));
    for (const f of withPlan) expected.set(f, files[f]!.input.expectedStartMs! - minExp);
  }
  const diffs = withPlan.map((f) => offsets.get(f)! - expected.get(f)!).sort((x, y) => x - y);
  const shift = diffs.length ? diffs[Math.floor((diffs.length - 1) / 2)]! : 0;

  const devices: SyncDevice[] = files.map((f, i) => {
    const facts = f.facts;
    const mine = pairs.filter((p) => p.i === i || p.j === i);
    const score = mine.length ? Math.max(...mine.map((p) => p.score)) : 0;
    const ok = inMain.has(i);
    const fpsV = facts?.fps ?? null;
    const off = offsets.get(i) ?? null;
    let reason: string | null = null;
    if (!ok) reason = whyNot(f, mine, files.filter(usable).length, main.length);
    return {
      deviceKey: f.input.deviceKey ?? null,
      name: f.input.name,
      file: f.input.file,
      ok,
      reason,
      offsetMs: off === null ? null : round(off, 3),
      offsetFrames: off === null || !fpsV ? null : round((off * fpsV.num) / fpsV.den / 1000, 3),
      driftPpm: rates.has(i) ? round(rates.get(i)!, 2) : null,
      score: round(Math.max(0, Math.min(1, score)), 3),
      residualMs: off !== null && expected.has(i) ? round(off - expected.get(i)! - shift, 3) : null,
      expectedOffsetMs: expected.has(i) ? round(expected.get(i)!, 3) : null,
      fitErrorMs: fitErr.has(i) ? round(fitErr.get(i)!, 4) : null,
      media: facts
        ? {
            durationMs: facts.durationMs,
            fps: facts.fps,
            width: facts.width,
            height: facts.height,
            videoCodec: facts.videoCodec,
            hasAudio: facts.hasAudio,
            audioCodec: facts.audioCodec,
            audioSampleRate: facts.audioSampleRate,
          }
        : null,
    };
  });
  const ref = main.length ? devices.find((d, i) => inMain.has(i) && d.offsetMs === 0) : undefined;
  return {
    version: 1,
    state: 'done',
    analysedAt: new Date().toISOString(),
    seconds: round((performance.now() - began) / 1000, 3),
    error: null,
    reference: ref?.name ?? null,
    threshold: SCORE_THRESHOLD,
    devices,
  };
}

function whyNot(f: FileState, mine: PairResult[], usableCount: number, mainSize: number): string {
  if (f.error) return f.error;
  if (!f.facts?.hasAudio) return 'the file has no sound track, so it cannot be aligned by sound';
  if (f.rms < SILENCE_RMS) return 'the sound track is silent (microphone off or muted?), so there is nothing to align';
  if (!f.env || f.env.length < ENV_RATE) return 'the recording is too short to align (under one second of sound)';
  if (usableCount < 2) return 'no other camera recorded usable sound to align with';
  const amb = mine.find((p) => p.ambiguous);
  if (amb) return `the sound repeats (about every ${amb.period.toFixed(2)} s), so it matches the other cameras at several places and the offset is ambiguous`;
  const best = mine.reduce<PairResult | null>((b, p) => (!b || p.score > b.score ? p : b), null);
  if (!best) return 'the recordings do not overlap in time enough to compare';
  if (mainSize === 0) return `the cameras heard no sound in common (best match score ${best.score.toFixed(2)}, needs ${SCORE_THRESHOLD})`;
  return `no sound shared with the other cameras (best match score ${best.score.toFixed(2)}, needs ${SCORE_THRESHOLD})`;
}

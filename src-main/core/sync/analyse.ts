/**
 * Sync analysis: where every file's first media sample sits on one timeline, from the sound.
 *
 *  1. ffprobe facts; decode each file's audio once, cheaply (mono 8 kHz 16-bit), into a 200 Hz
 *     loudness envelope (coarse.ts).
 *  2. Coarse: per pair, envelope correlation over every lag (with an ambiguity check for
 *     repetitive sound), then envelope segments along the overlap for a first drift line.
 *  3. Fine (fine.ts): the coarse lines give each group of matching files a rough common timeline;
 *     ffmpeg seeks to a fixed number of instants on it in every file and decodes only short
 *     48 kHz windows there; GCC-PHAT with sub-sample peak interpolation per pair and instant; a
 *     robust line per pair (offset + drift).
 *  4. Global least squares over every trusted pair (rates in log form, then offsets), expressed on
 *     the earliest file's own media time.
 * Memory: the envelopes (200 values a second per file) plus a fixed number of windows per file;
 * the whole-clip envelope search works on a bounded length, so nothing else grows with the clip.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import pLimit from 'p-limit';
import { errorLine } from '../../../src-shared/error-line';
import type { SyncDevice, TakeSync } from '../../../src-shared/sync';
import { COARSE_RATE, ENV_RATE, EnvelopeBuilder, coarsePair } from './coarse';
import { LONG, measurePairs, placeFiles, planInstants, planPair, RATE, type PairPlan, type PairResult } from './fine';
import { solveLeastSquares } from './fit';
import { DEFAULT_TOOLS, MediaError, decodeAudio, decodeWindows, probe, type DecodedWindow, type MediaFacts, type MediaTools } from './media';

export { RATE } from './fine';
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
  /** Known before reading: why this file cannot be analysed (e.g. a zip that cannot be unpacked). */
  error?: string;
}

export interface SyncOptions {
  tools?: MediaTools;
  /** ffmpeg runs at once (default: the machine's cores). */
  concurrency?: number;
  /** Instants along the clips where fine windows are decoded (default 12). */
  windows?: number;
  onProgress?: (message: string) => void;
}

interface FileState {
  input: SyncInput;
  facts: MediaFacts | null;
  error: string | null;
  env: Float32Array | null;
  /** Seconds of decoded sound. */
  seconds: number;
  rms: number;
  /** Fine windows by instant. */
  windows: Map<number, DecodedWindow>;
}

const failure = (e: unknown) => (e instanceof MediaError ? e.message : `cannot read the file: ${errorLine(e)}`);

const round = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

/** Analyse a set of files (one per camera) and report where each sits on one timeline. */
export async function analyseFiles(inputs: SyncInput[], opts: SyncOptions = {}): Promise<TakeSync> {
  const began = performance.now();
  const tools = opts.tools ?? DEFAULT_TOOLS;
  const limit = pLimit(Math.max(1, opts.concurrency ?? availableParallelism()));
  const progress = opts.onProgress ?? (() => undefined);
  const k = Math.max(2, Math.min(32, opts.windows ?? 12));
  const files: FileState[] = inputs.map((input) => ({ input, facts: null, error: input.error ?? null, env: null, seconds: 0, rms: 0, windows: new Map() }));

  // 1. Facts and envelopes.
  await Promise.all(
    files.map((f) =>
      limit(async () => {
        if (f.error) return;
        try {
          f.facts = await probe(f.input.path, tools);
          if (!f.facts.hasAudio) return;
          progress(`decoding ${f.input.name}`);
          const env = new EnvelopeBuilder();
          await decodeAudio(f.input.path, COARSE_RATE, (x) => env.push(x), { tools, format: 's16' });
          Object.assign(f, env.finish());
        } catch (e) {
          f.error = failure(e);
        }
      }),
    ),
  );
  const usable = (f: FileState) => !f.error && f.facts?.hasAudio && f.rms >= SILENCE_RMS && f.env !== null && f.env.length >= ENV_RATE;

  // 2. Coarse lines for every usable pair.
  const plans: PairPlan[] = [];
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      if (!usable(files[i]!) || !usable(files[j]!)) continue;
      const coarse = coarsePair(files[i]!.env!, files[j]!.env!);
      if (coarse) plans.push(planPair(i, j, coarse));
    }
  }

  // 3. Fine windows at common instants, only for pairs that could reach the threshold.
  progress('measuring');
  const place = placeFiles(files.length, plans, SCORE_THRESHOLD);
  const starts = planInstants(
    place,
    files.map((f) => f.seconds),
    k,
  );
  await Promise.all(
    files.map((f, n) =>
      limit(async () => {
        const wanted = [...starts[n]!];
        if (wanted.length === 0 || f.error) return;
        try {
          const got = await decodeWindows(
            f.input.path,
            wanted.map(([, t]) => t),
            LONG,
            RATE,
            { tools, audioStartMs: f.facts?.audioStartMs ?? 0, inputRate: f.facts?.audioSampleRate },
          );
          wanted.forEach(([instant], q) => f.windows.set(instant, got[q]!));
        } catch (e) {
          f.error = failure(e);
        }
      }),
    ),
  );
  const live = plans.filter((p) => !files[p.i]!.error && !files[p.j]!.error);
  const pairs: PairResult[] = measurePairs(
    live,
    files.map((f) => f.windows),
    files.map((f) => (f.facts?.audioStartMs ?? 0) / 1000),
    place.group,
    SCORE_THRESHOLD,
  );
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

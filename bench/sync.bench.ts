/**
 * `npm run bench sync`: the sync analysis against the shared-scene sim's ground truth.
 * 8 cameras, 10-minute clips (--quick: 2 minutes), random start offsets 0–3 s, clock drift
 * ±100 ppm, 10 dB SNR. Reports offset error (p50, max) and drift error against the truth, wall
 * time of the whole analysis including decoding (and its ratio to a plain ffmpeg decode of the
 * same files' audio, measured before and after it), the load average, peak memory of the
 * analysis process and how it grows with clip length (the same cameras at a quarter of the length). Then a negative set — no shared sound, silence, a
 * looped 1 s sound — where no camera may be reported ok. Clips are generated into a temp dir
 * first; generation is not timed.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TakeSync } from '../src-shared/sync';
import { mulberry32 } from '../src-shared/prng';
import { ffmpegAvailable, writeSceneRecording, type SceneRecordingSpec } from '../sim/scene/recording';
import type { BenchContext } from './run';

const repoRoot = resolve(import.meta.dirname, '..');
const child = join(import.meta.dirname, 'sync-child.ts');

interface ChildResult {
  seconds: number;
  cpuSeconds: number;
  startRssBytes: number;
  peakRssBytes: number;
  peakHeldBytes: number;
  maxRssBytes: number;
  result?: TakeSync;
}

function runChild(mode: 'analyse' | 'decode', files: string[]): Promise<ChildResult> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', child, mode, ...files], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) =>
      code === 0 ? res(JSON.parse(out.trim().split('\n').pop()!)) : rej(new Error(`sync-child ${mode} exited ${code}: ${err.slice(-500)}`)),
    );
  });
}

const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const MB = 1024 * 1024;

export default async function syncBench(ctx: BenchContext): Promise<void> {
  if (!(await ffmpegAvailable())) {
    ctx.report('skipped: ffmpeg is not installed');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-sync-'));
  try {
    const cores = availableParallelism();
    const rand = mulberry32(20261121);
    const T0 = Date.UTC(2026, 10, 21, 10, 0, 0);
    const minutes = ctx.quick ? 2 : 10;
    const cams: (SceneRecordingSpec & { file: string })[] = Array.from({ length: 8 }, (_, i) => ({
      file: join(dir, `cam${i + 1}.mp4`),
      trueStartMs: T0 + rand() * 3000,
      durationMs: minutes * 60_000,
      driftPpm: (rand() * 2 - 1) * 100,
      snrDb: 10,
      noiseSeed: i + 1,
    }));
    const g0 = performance.now();
    for (const c of cams) await writeSceneRecording(c.file, c);
    const short = cams.map((c, i) => ({ ...c, file: join(dir, `short${i + 1}.mp4`), durationMs: c.durationMs / 4 }));
    for (const c of short) await writeSceneRecording(c.file, c);
    ctx.report(
      `generated 8 × ${minutes} min + 8 × ${minutes / 4} min clips (160×90 H.264, AAC 48 kHz) in ${((performance.now() - g0) / 1000).toFixed(0)} s (not timed below)`,
    );

    // The machine is shared: the load goes with the figures, and the baseline is measured on
    // both sides of the analysis (the mean is the ratio's base).
    const load = () => loadavg()[0]!.toFixed(1);
    const loadBefore = load();
    const files = cams.map((c) => c.file);
    const base1 = await runChild('decode', files);
    const run = await runChild('analyse', files);
    const base2 = await runChild('decode', files);
    const small = await runChild(
      'analyse',
      short.map((c) => c.file),
    );
    const loadAfter = load();
    const base = (base1.seconds + base2.seconds) / 2;
    const r = run.result!;
    const ref = cams.reduce((a, b) => (b.trueStartMs < a.trueStartMs ? b : a));
    const kRef = ref.driftPpm! * 1e-6;
    const offErr: number[] = [];
    const driftErr: number[] = [];
    let notOk = 0;
    cams.forEach((c, i) => {
      const d = r.devices[i]!;
      if (!d.ok) {
        notOk++;
        return;
      }
      offErr.push(Math.abs(d.offsetMs! - (c.trueStartMs - ref.trueStartMs) * (1 + kRef)));
      driftErr.push(Math.abs(d.driftPpm! - ((1 + c.driftPpm! * 1e-6) / (1 + kRef) - 1) * 1e6));
    });
    ctx.report(`aligned: ${8 - notOk} of 8 cameras ok`);
    if (offErr.length) {
      ctx.report(`offset error vs truth: p50 ${(pct(offErr, 0.5) * 1000).toFixed(1)} µs, max ${(Math.max(...offErr) * 1000).toFixed(1)} µs (goal ≤ 100 µs)`);
      ctx.report(`drift error vs truth: p50 ${pct(driftErr, 0.5).toFixed(3)} ppm, max ${Math.max(...driftErr).toFixed(3)} ppm (goal ≤ 2 ppm)`);
    }
    ctx.report(
      `wall time, whole analysis incl. decoding: ${run.seconds.toFixed(1)} s (goal ≤ 30 s; ${cores} cores, load average ${loadBefore} before, ${loadAfter} after); ` +
        `a plain ffmpeg decode of every file's audio alone: ${base1.seconds.toFixed(1)} s / ${base2.seconds.toFixed(1)} s before/after → ratio ${(run.seconds / base).toFixed(2)}`,
    );
    ctx.report(`CPU of the analysis process itself (JavaScript, not ffmpeg): ${run.cpuSeconds.toFixed(1)} s`);
    const grew = (r: ChildResult) => (r.peakRssBytes - r.startRssBytes) / MB;
    ctx.report(
      `peak RSS during the analysis: ${(run.peakRssBytes / MB).toFixed(0)} MiB at ${minutes} min (+${grew(run).toFixed(0)} MiB over the idle process), ` +
        `${(small.peakRssBytes / MB).toFixed(0)} MiB at ${minutes / 4} min (+${grew(small).toFixed(0)} MiB) → ×${(run.peakRssBytes / small.peakRssBytes).toFixed(2)} for ×4 the length ` +
        `(process high-water mark incl. start-up: ${(run.maxRssBytes / MB).toFixed(0)} / ${(small.maxRssBytes / MB).toFixed(0)} MiB)`,
    );
    ctx.report(
      `peak heap + typed arrays during the analysis: ${(run.peakHeldBytes / MB).toFixed(0)} MiB at ${minutes} min, ${(small.peakHeldBytes / MB).toFixed(0)} MiB at ${minutes / 4} min → ×${(run.peakHeldBytes / small.peakHeldBytes).toFixed(2)}`,
    );

    // Negative set: nothing here may come back ok.
    const neg: { label: string; sound: SceneRecordingSpec['sound'] }[] = [
      { label: 'no shared sound', sound: 'private' },
      { label: 'silence', sound: 'silence' },
      { label: 'looped 1 s sound', sound: 'loop' },
    ];
    let wrong = 0;
    for (const n of neg) {
      const files: string[] = [];
      for (let i = 0; i < 4; i++) {
        const file = join(dir, `${n.sound}${i}.mp4`);
        await writeSceneRecording(file, {
          trueStartMs: T0 + rand() * 3000,
          durationMs: 60_000,
          driftPpm: (rand() * 2 - 1) * 100,
          snrDb: 10,
          noiseSeed: 100 + i,
          sound: n.sound,
        });
        files.push(file);
      }
      const nr = (await runChild('analyse', files)).result!;
      const okCount = nr.devices.filter((d) => d.ok).length;
      wrong += okCount;
      ctx.report(`negative (${n.label}, 4 × 1 min): ${okCount} reported ok; reason: ${nr.devices[0]?.reason ?? '-'}`);
    }
    ctx.report(`negative set: ${wrong} wrong answers reported ok (goal 0)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

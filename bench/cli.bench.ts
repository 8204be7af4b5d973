/**
 * `npm run bench cli [--quick]`: how long a `multicam` command takes to say something, built
 * (bin/multicam.js → dist-cli/, what operators run) vs from the TypeScript sources through tsx
 * (bench/cli-from-source.mjs, how it started before), with a bare `node` start as the floor, all
 * measured in the same run, interleaved:
 * - `status --help` and `record --help`: time to the first byte on stdout;
 * - `download` from a virtual device: time to the first progress line (on a pseudo-terminal from
 *   `script`, since progress is drawn only on a terminal).
 * Medians and spreads over the rounds; the goal is a first output in < 300 ms.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startSimDevice } from '../sim';
import type { BenchContext } from './run';

const root = path.resolve(import.meta.dirname, '..');
const built = path.join(root, 'bin', 'multicam.js');
const fromSource = path.join(import.meta.dirname, 'cli-from-source.mjs');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const fmt = (n: number, digits = 0) => n.toFixed(digits);

/** Milliseconds from spawn to the first stdout byte matching `ready`; the process then runs to its end. */
function firstOutput(argv: string[], ready: (s: string) => boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let at: number | null = null;
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (at === null && ready(out)) at = performance.now() - t0;
    });
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (at === null) reject(new Error(`${argv.join(' ')} (exit ${code}) printed nothing matching: ${(out + err).slice(-400)}`));
      else resolve(at);
    });
  });
}

/** `cmd` on a pseudo-terminal (util-linux `script`), whose output then arrives on stdout. */
const onTty = (argv: string[]) => ['script', '-qfec', argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' '), '/dev/null'];

export default async function cliBench(ctx: BenchContext): Promise<void> {
  const rounds = ctx.quick ? 3 : 7;
  const node = process.execPath;
  // Make sure the build is current, outside the measurement.
  await firstOutput([node, built, '--help'], () => true);

  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'multicam-cli-bench-'));
  const sim = await startSimDevice({ personality: 'spec', filesDir: path.join(work, 'device') });
  await fs.writeFile(path.join(work, 'device', 'clip.mp4'), Buffer.alloc(4 * 1024 * 1024, 1));
  const hasScript = existsSync('/usr/bin/script') || existsSync('/bin/script');
  let n = 0;
  const downloadArgs = () => ['download', '--device', `${sim.host}:${sim.port}`, '--file', 'clip.mp4', '--out', path.join(work, `out-${n++}`)];
  const progress = (s: string) => s.includes('[') && s.includes('%');

  type Case = { label: string; bare: () => string[]; before: () => string[]; after: () => string[]; ready: (s: string) => boolean };
  const cases: Case[] = [
    {
      label: 'status --help',
      bare: () => [node, '-e', 'process.stdout.write("x")'],
      before: () => [node, fromSource, 'status', '--help'],
      after: () => [node, built, 'status', '--help'],
      ready: () => true,
    },
    {
      label: 'record --help',
      bare: () => [node, '-e', 'process.stdout.write("x")'],
      before: () => [node, fromSource, 'record', '--help'],
      after: () => [node, built, 'record', '--help'],
      ready: () => true,
    },
  ];
  if (hasScript) {
    cases.push({
      label: 'download → first progress line',
      bare: () => onTty([node, '-e', 'process.stderr.write("[ 0%]")']),
      before: () => onTty([node, fromSource, ...downloadArgs()]),
      after: () => onTty([node, built, ...downloadArgs()]),
      ready: progress,
    });
  }
  try {
    ctx.report(`time to first output, ${rounds} rounds each, interleaved — median (min–max), ms:`);
    for (const c of cases) {
      const t = { bare: [] as number[], before: [] as number[], after: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        for (const k of ['after', 'before', 'bare'] as const) t[k].push(await firstOutput(c[k](), c.ready));
      }
      const show = (xs: number[]) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
      ctx.report(`${c.label}:`);
      ctx.report(`  bare node start        ${show(t.bare)}`);
      ctx.report(`  from sources (tsx)     ${show(t.before)}`);
      ctx.report(`  built (bin/multicam)   ${show(t.after)}  (goal < 300)`);
      ctx.report(`  built/sources ${fmt(median(t.after) / median(t.before), 2)}, built/bare node ${fmt(median(t.after) / median(t.bare), 2)}`);
    }
    if (!hasScript) ctx.report('download: skipped (no `script` command for a pseudo-terminal)');
  } finally {
    await sim.kill();
    await fs.rm(work, { recursive: true, force: true });
  }
}

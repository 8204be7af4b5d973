/**
 * `npm run bench cli [--quick]`: how long a `multicam` command takes to say something, against a
 * bare `node` start measured in the same run, interleaved (the machine is shared: the ratio to
 * bare node is the figure that travels; the goal is a first output in < 300 ms):
 * - `status --help`, `record --help`: time to the first byte on stdout (printed from usage.ts
 *   before the command's module loads);
 * - `status` of one virtual device: time to its status line (loads the protocol code and zod);
 * - `download` from a virtual device: time to the first progress line (on a pseudo-terminal from
 *   `script`, since progress is drawn only on a terminal), and to the end of a 4 MiB download.
 * Each is run built (bin/multicam.js → dist-cli/, what operators run) with V8's code cache
 * (scripts/ensure-built.mjs), built without it (NODE_DISABLE_COMPILE_CACHE), and from the
 * TypeScript sources through tsx (bench/cli-from-source.mjs, how it started before). It also
 * lists, from esbuild's metafile, how much JavaScript each command loads before its first output.
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

/** Milliseconds from spawn to the first stdout text matching `ready`; the process then runs to its end. */
function firstOutput(argv: string[], ready: (s: string) => boolean, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(argv[0]!, argv.slice(1), { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
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

type Metafile = { outputs: Record<string, { bytes: number; imports: Array<{ path: string; kind: string; external?: boolean }> }> };

/** An output's path inside the build folder (esbuild names them in the temporary folder it built in). */
const inBuild = (p: string) => p.replace(/^.*\.tmp-\d+-\d+\//, '');

/** KiB of JavaScript loaded before the first dynamic import: `chunk` and what it imports statically. */
function staticKiB(meta: Metafile, chunk: string): number {
  const outputs = new Map(Object.entries(meta.outputs).map(([k, v]) => [inBuild(k), v]));
  const seen = new Set<string>();
  const stack = [chunk];
  let bytes = 0;
  while (stack.length > 0) {
    const k = stack.pop()!;
    if (seen.has(k)) continue;
    seen.add(k);
    const o = outputs.get(k);
    if (!o) throw new Error(`no ${k} in the build`);
    bytes += o.bytes;
    for (const i of o.imports) if (i.kind === 'import-statement' && !i.external) stack.push(inBuild(i.path));
  }
  return bytes / 1024;
}

/** The chunk `multicam.mjs` imports dynamically for a command (its entry in the command table). */
function commandChunk(meta: Metafile, name: string): string {
  const entry = Object.entries(meta.outputs).find(([k]) => inBuild(k) === 'multicam.mjs')?.[1];
  const hit = entry?.imports.find((i) => i.kind === 'dynamic-import' && path.basename(i.path).startsWith(`${name}-`));
  if (!hit) throw new Error(`no chunk for ${name}`);
  return inBuild(hit.path);
}

async function loadedBeforeFirstOutput(ctx: BenchContext, work: string): Promise<void> {
  const { buildCli } = (await import(path.join(root, 'scripts', 'build-cli.mjs'))) as {
    buildCli: (o: { outDir: string }) => Promise<{ metafile: Metafile }>;
  };
  const outDir = path.join(work, 'dist-cli');
  const { metafile } = await buildCli({ outDir });
  const entry = staticKiB(metafile, 'multicam.mjs');
  const chunk = (name: string) => `${fmt(entry + staticKiB(metafile, commandChunk(metafile, name)))} KiB`;
  ctx.report('JavaScript loaded before the first output (esbuild metafile: entry + static imports):');
  ctx.report(`  any --help ${fmt(entry)} KiB; status ${chunk('status')}; record ${chunk('record')}; download ${chunk('download')}; upload ${chunk('upload')}`);
}

export default async function cliBench(ctx: BenchContext): Promise<void> {
  const rounds = ctx.quick ? 3 : 7;
  const node = process.execPath;
  // Make sure the build is current and its code cache written, outside the measurement.
  await firstOutput([node, built, '--help'], () => true);

  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'multicam-cli-bench-'));
  const sim = await startSimDevice({ personality: 'spec', filesDir: path.join(work, 'device') });
  await fs.writeFile(path.join(work, 'device', 'clip.mp4'), Buffer.alloc(4 * 1024 * 1024, 1));
  const hasScript = existsSync('/usr/bin/script') || existsSync('/bin/script');
  let n = 0;
  const device = `${sim.host}:${sim.port}`;
  const downloadArgs = () => ['download', '--device', device, '--file', 'clip.mp4', '--out', path.join(work, `out-${n++}`)];
  const progress = (s: string) => s.includes('[') && s.includes('%');
  const bareArgs = [node, '-e', 'process.stdout.write("x")'];
  const noCache = { ...process.env, NODE_DISABLE_COMPILE_CACHE: '1' };

  type Case = { label: string; cmd: (bin: string) => string[]; tty?: boolean; ready: (s: string) => boolean };
  const cases: Case[] = [
    { label: 'status --help', cmd: (bin) => [node, bin, 'status', '--help'], ready: () => true },
    { label: 'record --help', cmd: (bin) => [node, bin, 'record', '--help'], ready: () => true },
    { label: 'status of one device → its line', cmd: (bin) => [node, bin, 'status', '--device', device, '--samples', '1'], ready: (s) => s.includes('\n') },
  ];
  if (hasScript) {
    cases.push(
      { label: 'download → first progress line', cmd: (bin) => [node, bin, ...downloadArgs()], tty: true, ready: progress },
      { label: 'download of 4 MiB → done', cmd: (bin) => [node, bin, ...downloadArgs()], tty: true, ready: (s) => s.includes('sha256') },
    );
  }
  try {
    ctx.report(`time to first output, ${rounds} rounds each, interleaved — median (min–max), ms:`);
    for (const c of cases) {
      const wrap = (argv: string[]) => (c.tty ? onTty(argv) : argv);
      const variants = {
        bare: () => firstOutput(wrap(c.tty ? [node, '-e', 'process.stderr.write("[ 0%]")'] : bareArgs), c.ready === progress ? progress : () => true),
        built: () => firstOutput(wrap(c.cmd(built)), c.ready),
        noCache: () => firstOutput(wrap(c.cmd(built)), c.ready, noCache),
        sources: () => firstOutput(wrap(c.cmd(fromSource)), c.ready),
      };
      const t = { bare: [] as number[], built: [] as number[], noCache: [] as number[], sources: [] as number[] };
      for (let r = 0; r < rounds; r++) {
        for (const k of ['built', 'noCache', 'sources', 'bare'] as const) t[k].push(await variants[k]());
      }
      const show = (xs: number[]) => `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
      const vsBare = (xs: number[]) => `${fmt(median(xs) / median(t.bare), 2)}× bare node`;
      ctx.report(`${c.label}:`);
      ctx.report(`  bare node start               ${show(t.bare)}`);
      ctx.report(`  built, code cache (shipped)   ${show(t.built)}  ${vsBare(t.built)}  (goal < 300)`);
      ctx.report(`  built, no code cache          ${show(t.noCache)}  ${vsBare(t.noCache)}`);
      ctx.report(`  from sources (tsx)            ${show(t.sources)}  ${vsBare(t.sources)}`);
    }
    if (!hasScript) ctx.report('download: skipped (no `script` command for a pseudo-terminal)');
    await loadedBeforeFirstOutput(ctx, work);
    ctx.report(
      `load average now: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (${os.cpus().length} CPUs)`,
    );
  } finally {
    await sim.kill();
    await fs.rm(work, { recursive: true, force: true });
  }
}

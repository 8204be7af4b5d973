/**
 * `npm run bench download`: how the device client's GET_VIDEO download performs, against
 * baselines measured in the same run (the machine is shared, so only ratios mean much).
 * 1. Throughput of `download()` (frame decoding + SHA-256 + fsync) vs a raw socket→file copy.
 * 2. Peak RSS of a child process downloading a small vs a large file: streaming means the
 *    difference stays small (target < 32 MiB) however big the file.
 * 3. The reader PROTOCOL.md shows (8 KiB recv, whole file in memory) on a smaller file.
 * Files are served by a `spec` virtual device (sim/) from a folder in os.tmpdir(), removed after.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { startSimDevice } from '../sim';
import { download } from '../src-main/core/device-client';
import type { BenchContext } from './run';
import { rawCopy } from './download-readers';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const repoRoot = path.resolve(import.meta.dirname, '..');
const childScript = path.join(import.meta.dirname, 'download-child.ts');

const mibps = (bytes: number, seconds: number) => bytes / MiB / seconds;
const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** A file of `size` bytes (a random 4 MiB block repeated); returns its SHA-256. */
async function makeFile(file: string, size: number): Promise<string> {
  const block = randomBytes(4 * MiB);
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let left = size; left > 0; ) {
    const part = left >= block.length ? block : block.subarray(0, left);
    hash.update(part);
    if (!out.write(part)) await once(out, 'drain');
    left -= part.length;
  }
  out.end();
  await once(out, 'close');
  return hash.digest('hex');
}

interface ChildResult {
  bytes: number;
  seconds: number;
  maxRssBytes: number;
}

function runChild(mode: 'download' | 'naive', port: number, fileName: string, destDir: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, mode, '127.0.0.1', String(port), fileName, destDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`child ${mode} exited ${code}: ${err.trim().slice(-500)}`));
      try {
        resolve(JSON.parse(last) as ChildResult);
      } catch {
        reject(new Error(`child ${mode} printed no result: ${out.slice(-300)} ${err.slice(-300)}`));
      }
    });
  });
}

export default async function downloadBench(ctx: BenchContext): Promise<void> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'multicam-download-bench-'));
  const deviceDir = path.join(work, 'device');
  const destDir = path.join(work, 'dest');
  await fs.mkdir(deviceDir);
  await fs.mkdir(destDir);
  const sim = await startSimDevice({ personality: 'spec', filesDir: deviceDir });
  const address = { host: sim.host, port: sim.port };
  const clearDest = async () => {
    for (const f of await fs.readdir(destDir)) await fs.rm(path.join(destDir, f), { force: true });
  };
  try {
    // 1. Throughput, alternating raw and download runs; best of each (noise only ever slows a run).
    // On disk the fsync dominates both; on tmpfs (fsync is free) the ratio shows the client's own
    // cost: frame decoding, SHA-256, stream plumbing.
    const tpSize = ctx.quick ? 256 * MiB : GiB;
    const tpName = 'throughput.mp4';
    const tpSha = await makeFile(path.join(deviceDir, tpName), tpSize);
    const targets: Array<[string, string]> = [['disk (os.tmpdir)', destDir]];
    const shm = await fs.mkdtemp('/dev/shm/multicam-download-bench-').catch(() => null);
    if (shm) targets.push(['tmpfs (/dev/shm)', shm]);
    try {
      for (const [label, dir] of targets) {
        const clear = async () => {
          for (const f of await fs.readdir(dir)) await fs.rm(path.join(dir, f), { force: true });
        };
        let rawBest = 0;
        let dlBest = 0;
        for (let round = 0; round < 3; round++) {
          let t0 = performance.now();
          await rawCopy(address, tpName, tpSize, path.join(dir, 'raw.bin'));
          rawBest = Math.max(rawBest, mibps(tpSize, (performance.now() - t0) / 1000));
          await clear();
          t0 = performance.now();
          const r = await download(address, tpName, dir, { tries: 1 });
          dlBest = Math.max(dlBest, mibps(tpSize, (performance.now() - t0) / 1000));
          if (r.sha256 !== tpSha || r.bytes !== tpSize) throw new Error('download produced the wrong bytes');
          await clear();
        }
        ctx.report(`throughput, ${tpSize / MiB} MiB over loopback to ${label} (best of 3, both fsync at the end):`);
        ctx.report(`  raw socket→file copy     ${fmt(rawBest)} MiB/s`);
        ctx.report(`  download() + SHA-256     ${fmt(dlBest)} MiB/s`);
        ctx.report(`  ratio download/raw       ${fmt(dlBest / rawBest, 2)}  (target ≥ 0.80)`);
      }
    } finally {
      if (shm) await fs.rm(shm, { recursive: true, force: true });
    }
    await fs.rm(path.join(deviceDir, tpName));
    // Context for the tmpfs ratio: the hash runs on the event-loop thread, so it bounds the rate.
    const block = randomBytes(64 * 1024);
    const hashStart = performance.now();
    const h = createHash('sha256');
    for (let i = 0; i < (256 * MiB) / block.length; i++) h.update(block);
    h.digest();
    ctx.report(`SHA-256 alone on this machine: ${fmt(mibps(256 * MiB, (performance.now() - hashStart) / 1000))} MiB/s`);

    // 2. Peak RSS of a child process: small vs large file.
    const [small, large] = ctx.quick ? [64 * MiB, 512 * MiB] : [256 * MiB, 2 * GiB];
    const rss: number[] = [];
    for (const size of [small, large]) {
      const name = `rss-${size}.mp4`;
      await makeFile(path.join(deviceDir, name), size);
      const r = await runChild('download', sim.port, name, destDir);
      if (r.bytes !== size) throw new Error(`child downloaded ${r.bytes} of ${size} bytes`);
      rss.push(r.maxRssBytes);
      ctx.report(`peak RSS, download() of ${size / MiB} MiB in a child: ${fmt(r.maxRssBytes / MiB)} MiB (${fmt(mibps(size, r.seconds))} MiB/s)`);
      await fs.rm(path.join(deviceDir, name));
      await clearDest();
    }
    ctx.report(`  difference ${fmt((rss[1]! - rss[0]!) / MiB)} MiB for ${(large - small) / MiB} MiB more file  (target < 32 MiB)`);

    // 3. The protocol document's reader, vs download(), on the same smaller file, each in a child.
    const naiveSize = ctx.quick ? 4 * MiB : 8 * MiB; // quadratic: every 8 KiB read copies all so far
    const naiveName = 'naive.mp4';
    await makeFile(path.join(deviceDir, naiveName), naiveSize);
    const naive = await runChild('naive', sim.port, naiveName, destDir);
    await clearDest();
    const ours = await runChild('download', sim.port, naiveName, destDir);
    await clearDest();
    ctx.report(`PROTOCOL.md reader (8 KiB recv, concatenate in memory) on ${naiveSize / MiB} MiB:`);
    ctx.report(`  naive      ${fmt(mibps(naiveSize, naive.seconds))} MiB/s, peak RSS ${fmt(naive.maxRssBytes / MiB)} MiB`);
    ctx.report(`  download() ${fmt(mibps(naiveSize, ours.seconds))} MiB/s, peak RSS ${fmt(ours.maxRssBytes / MiB)} MiB`);
    ctx.report(`  download() is ${fmt(naive.seconds / ours.seconds)}× faster (child times include no process start-up)`);
  } finally {
    await sim.kill();
    await fs.rm(work, { recursive: true, force: true });
  }
}

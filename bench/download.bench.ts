/**
 * `npm run bench download [--quick] [--rounds=N]`: how the device client's GET_VIDEO download
 * performs against a raw copy of the same transfer measured in the same run (the machine is
 * shared, so only ratios mean much):
 * 1. One download of 1 GiB and of 4 GiB (quick: 256 MiB): `download()` (frame decoding, SHA-256,
 *    fsync) vs a raw socket→file copy with one fsync at the end (download-readers.ts).
 * 2. 8 concurrent downloads from 8 devices (8 × 512 MiB; quick: 8 × 64 MiB), aggregate rate.
 * 3. Peak RSS and CPU time of each, every transfer running in a child process of its own, and how
 *    busy the event loop was (in the app that loop also serves the UI, IPC and every device).
 * 4. The reader PROTOCOL.md shows (8 KiB recv, whole file in memory) on a small file.
 * Raw and download alternate, in both orders; each line gives the median and the spread over the
 * rounds, and the median of the per-round ratios. The devices are `spec` virtual devices in their
 * own process (download-sims.ts), serving files from a folder in os.tmpdir(), removed after.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BenchContext } from './run';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const repoRoot = path.resolve(import.meta.dirname, '..');
const childScript = path.join(import.meta.dirname, 'download-child.ts');
const simsScript = path.join(import.meta.dirname, 'download-sims.ts');
const DEVICES = 8;

const mibps = (bytes: number, seconds: number) => bytes / MiB / seconds;
const fmt = (n: number, digits = 0) => n.toFixed(digits);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[], digits = 0) => `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;

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
  cpuSeconds: number;
  mainThreadCpuSeconds: number;
  eventLoopUtilization: number;
  maxRssBytes: number;
}

type Mode = 'download' | 'raw' | 'naive';

function runChild(mode: Mode, ports: number[], fileName: string, size: number, destDir: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const args = ['--import', 'tsx', childScript, mode, '127.0.0.1', ports.join(','), fileName, String(size), destDir];
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return reject(new Error(`child ${mode} exited ${code}: ${err.trim().slice(-500)}`));
      try {
        const r = JSON.parse(last) as ChildResult;
        if (r.bytes !== size * ports.length) return reject(new Error(`child ${mode} moved ${r.bytes} of ${size * ports.length} bytes`));
        resolve(r);
      } catch {
        reject(new Error(`child ${mode} printed no result: ${out.slice(-300)} ${err.slice(-300)}`));
      }
    });
  });
}

/** The devices, in a process of their own; device i serves `<filesDir>/device-<i>/`. */
async function startSims(filesDir: string): Promise<{ ports: number[]; stop: () => Promise<void> }> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', simsScript, String(DEVICES), filesDir], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const ports = await new Promise<number[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => reject(new Error(`sims exited ${code}: ${err.slice(-500)}`)));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { ports: number[] }).ports);
    });
  });
  return {
    ports,
    stop: async () => {
      child.removeAllListeners('close');
      const closed = once(child, 'close');
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await closed;
      clearTimeout(t);
    },
  };
}

interface Round {
  raw: ChildResult;
  dl: ChildResult;
}

export default async function downloadBench(ctx: BenchContext): Promise<void> {
  const roundsArg = process.argv.find((a) => a.startsWith('--rounds='));
  const rounds = roundsArg ? Math.max(1, Number(roundsArg.slice('--rounds='.length)) | 0) : ctx.quick ? 3 : 5;
  const singles = ctx.quick ? [256 * MiB] : [GiB, 4 * GiB];
  const perDevice = ctx.quick ? 64 * MiB : 512 * MiB;

  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'multicam-download-bench-'));
  const deviceDir = path.join(work, 'device');
  const destDir = path.join(work, 'dest');
  await fs.mkdir(destDir);
  for (let i = 1; i <= DEVICES; i++) await fs.mkdir(path.join(deviceDir, `device-${i}`), { recursive: true });
  // Room for the largest device file plus its copy, with a margin.
  const need = 2 * Math.max(...singles, DEVICES * perDevice) + GiB;
  const free = await fs.statfs(work).then((s) => s.bavail * s.bsize);
  if (free < need) {
    await fs.rm(work, { recursive: true, force: true });
    throw new Error(`needs ${fmt(need / GiB, 1)} GiB free in ${os.tmpdir()}, has ${fmt(free / GiB, 1)} GiB`);
  }
  const sims = await startSims(deviceDir);
  const clearDest = async () => {
    for (const f of await fs.readdir(destDir)) await fs.rm(path.join(destDir, f), { force: true });
  };
  const measure = async (ports: number[], name: string, size: number): Promise<Round[]> => {
    const out: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate the order, so neither side always runs on a warmer (or dirtier) machine.
      const order: Mode[] = r % 2 === 0 ? ['raw', 'download'] : ['download', 'raw'];
      const got: Partial<Record<Mode, ChildResult>> = {};
      for (const mode of order) {
        got[mode] = await runChild(mode, ports, name, size, destDir);
        await clearDest();
      }
      out.push({ raw: got.raw!, dl: got.download! });
    }
    return out;
  };
  const report = (label: string, rs: Round[], bytes: number) => {
    const raw = rs.map((r) => mibps(bytes, r.raw.seconds));
    const dl = rs.map((r) => mibps(bytes, r.dl.seconds));
    const ratios = rs.map((r) => r.raw.seconds / r.dl.seconds);
    const cpu = (xs: ChildResult[]) => fmt(median(xs.map((x) => x.cpuSeconds / (bytes / GiB))), 2);
    const rss = (xs: ChildResult[]) => fmt(Math.max(...xs.map((x) => x.maxRssBytes)) / MiB);
    ctx.report(`${label} — ${rs.length} rounds, median (min–max):`);
    ctx.report(
      `  raw copy + fsync   ${fmt(median(raw))} MiB/s (${spread(raw)})  CPU ${cpu(rs.map((r) => r.raw))} s/GiB  peak RSS ${rss(rs.map((r) => r.raw))} MiB`,
    );
    ctx.report(
      `  download()         ${fmt(median(dl))} MiB/s (${spread(dl)})  CPU ${cpu(rs.map((r) => r.dl))} s/GiB  peak RSS ${rss(rs.map((r) => r.dl))} MiB`,
    );
    ctx.report(`  ratio download/raw ${fmt(median(ratios), 2)} (${spread(ratios, 2)})  (target ≥ 0.80)`);
    const loop = (xs: ChildResult[]) =>
      `busy ${fmt(median(xs.map((x) => x.eventLoopUtilization * 100)))}%, its CPU ${fmt(median(xs.map((x) => x.mainThreadCpuSeconds / (bytes / GiB))), 2)} s/GiB`;
    ctx.report(`  event loop during the transfer: raw ${loop(rs.map((r) => r.raw))}; download() ${loop(rs.map((r) => r.dl))} (SHA-256 on a worker)`);
  };

  try {
    const rssPeaks: Array<[number, number]> = [];
    for (const size of singles) {
      const name = `single-${size}.mp4`;
      await makeFile(path.join(deviceDir, 'device-1', name), size);
      const rs = await measure([sims.ports[0]!], name, size);
      report(`one download of ${fmt(size / MiB)} MiB over loopback to disk (${os.tmpdir()})`, rs, size);
      rssPeaks.push([size, Math.max(...rs.map((r) => r.dl.maxRssBytes))]);
      await fs.rm(path.join(deviceDir, 'device-1', name));
    }
    const [small, large] = [rssPeaks[0]!, rssPeaks.at(-1)!];
    if (large[0] > small[0]) {
      ctx.report(
        `  download() peak RSS grows ${fmt((large[1] - small[1]) / MiB, 1)} MiB for ${fmt((large[0] - small[0]) / MiB)} MiB more file  (target < 32 MiB: memory stays flat)`,
      );
    }

    // One file, hard-linked into every device's folder: the page cache holds it once.
    const conc = 'concurrent.mp4';
    await makeFile(path.join(deviceDir, 'device-1', conc), perDevice);
    for (let i = 2; i <= DEVICES; i++) await fs.link(path.join(deviceDir, 'device-1', conc), path.join(deviceDir, `device-${i}`, conc));
    const rs = await measure(sims.ports, conc, perDevice);
    report(`${DEVICES} concurrent downloads from ${DEVICES} devices, ${fmt(perDevice / MiB)} MiB each (aggregate)`, rs, DEVICES * perDevice);
    for (let i = 1; i <= DEVICES; i++) await fs.rm(path.join(deviceDir, `device-${i}`, conc));

    // Context: what hashing costs, now taken off the event loop by a worker thread.
    const block = randomBytes(64 * 1024);
    const hashStart = performance.now();
    const h = createHash('sha256');
    for (let i = 0; i < (256 * MiB) / block.length; i++) h.update(block);
    h.digest();
    ctx.report(`SHA-256 alone on this machine: ${fmt(mibps(256 * MiB, (performance.now() - hashStart) / 1000))} MiB/s`);

    // The protocol document's reader, vs download(), on the same smaller file, each in a child.
    const naiveSize = ctx.quick ? 4 * MiB : 8 * MiB; // quadratic: every 8 KiB read copies all so far
    const naiveName = 'naive.mp4';
    await makeFile(path.join(deviceDir, 'device-1', naiveName), naiveSize);
    const naive = await runChild('naive', [sims.ports[0]!], naiveName, naiveSize, destDir);
    await clearDest();
    const ours = await runChild('download', [sims.ports[0]!], naiveName, naiveSize, destDir);
    await clearDest();
    ctx.report(`PROTOCOL.md reader (8 KiB recv, concatenate in memory) on ${naiveSize / MiB} MiB:`);
    ctx.report(`  naive      ${fmt(mibps(naiveSize, naive.seconds), 1)} MiB/s, peak RSS ${fmt(naive.maxRssBytes / MiB)} MiB`);
    ctx.report(`  download() ${fmt(mibps(naiveSize, ours.seconds), 1)} MiB/s, peak RSS ${fmt(ours.maxRssBytes / MiB)} MiB`);
    ctx.report(`  download() is ${fmt(naive.seconds / ours.seconds, 1)}× faster (child times include no process start-up)`);
  } finally {
    await sims.stop();
    await fs.rm(work, { recursive: true, force: true });
  }
}

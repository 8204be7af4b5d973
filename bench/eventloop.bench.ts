/**
 * Event-loop delay while devices misbehave. One fleet of 8 devices runs in a CHILD process
 * (sim/hostile/cli.ts), so only the controller's work is on this event loop: the fleet polls every
 * device at 1 Hz and a real take runs (pre-flight, START, 2 s of recording, STOP, downloads). It
 * runs twice: all 8 devices well-behaved (baseline), then 4 well-behaved + 4 hostile devices whose
 * every reply is ~1 MiB of pathological `<X-Amz-…>` fragments (the input that once blocked the
 * process for minutes). perf_hooks.monitorEventLoopDelay measures the whole run; the figure that
 * matters is hostile p99 / baseline p99, which must stay near 1. On a shared machine p99 moves with
 * other processes' load, so the bench also reports how long this loop was busy (event-loop
 * utilization): the controller's own cost of the hostile replies, which load hardly changes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { BenchContext } from './run';
import { download, send } from '../src-main/core/device-client';
import { DownloadQueue } from '../src-main/core/downloads/queue';
import { Fleet } from '../src-main/core/fleet';
import { Recorder } from '../src-main/core/recorder/recorder';

const N = 8;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

interface Figures {
  p50: number;
  p99: number;
  max: number;
  /** Milliseconds this event loop was busy (eventLoopUtilization): the controller's own work, less sensitive to other load than p99. */
  busyMs: number;
  seconds: number;
  outcome: string;
}

async function startFleet(good: number, hostile: number): Promise<{ child: ChildProcess; addresses: string[] }> {
  const tsx = resolve(import.meta.dirname, '../node_modules/.bin/tsx');
  const cli = resolve(import.meta.dirname, '../sim/hostile/cli.ts');
  const child = spawn(tsx, [cli, '--good', String(good), '--hostile', String(hostile), '--behaviour', 'huge', '--file-size', String(256 * 1024)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (b) => (stderr += String(b)));
  const addresses: string[] = [];
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`devices did not start within 60 s: ${stderr.slice(0, 300)}`)), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^\S+ (\S+:\d+)\s*$/.exec(line);
      if (m) addresses.push(m[1]!);
      if (addresses.length === good + hostile) {
        clearTimeout(timer);
        ok();
      }
    });
    child.once('exit', (code) => fail(new Error(`device process exited early (${code}): ${stderr.slice(0, 300)}`)));
  });
  return { child, addresses };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise<void>((r) => {
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      r();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(t);
      r();
    });
  });
}

async function scenario(good: number, hostile: number, settleMs: number): Promise<Figures> {
  const { child, addresses } = await startFleet(good, hostile);
  const dir = await mkdtemp(join(tmpdir(), 'bench-eventloop-'));
  const fleet = new Fleet({ send, clock: { now }, pollIntervalMs: 1000 });
  const queue = new DownloadQueue({ download });
  const recorder = new Recorder({ recordingsDir: dir, send, downloads: queue, autoDownload: true, noteReply: (k, r) => fleet.noteReply(k, r) });
  try {
    for (const a of addresses) fleet.addManual(a, { source: 'virtual' });
    fleet.start();
    const deadline = performance.now() + 30_000;
    while (!fleet.list().every((d) => d.state === 'online') && performance.now() < deadline) await sleep(100);

    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    await sleep(settleMs); // polling alone
    const devices = fleet
      .list()
      .filter((d) => d.host !== null && d.port !== null)
      .map((d) => ({ deviceKey: d.deviceKey, name: d.name, host: d.host!, port: d.port!, deviceType: d.deviceType }));
    const take = await recorder.startTake({ devices, delaySeconds: 1 });
    await sleep(Math.max(0, take.targetStart * 1000 + 2000 - Date.now()));
    await recorder.stopTake(take.takeId);
    const final = await recorder.settled(take.takeId);
    await recorder.flush();
    await sleep(settleMs); // polling alone again
    h.disable();
    const elu = performance.eventLoopUtilization(elu0);
    const m = recorder.manifest(final.takeId);
    const ok = m.devices.filter((d) => d.download.ok === true).length;
    return {
      p50: h.percentile(50) / 1e6,
      p99: h.percentile(99) / 1e6,
      max: h.max / 1e6,
      busyMs: elu.active,
      seconds: (performance.now() - t0) / 1000,
      outcome: `${ok} of ${m.devices.length} files downloaded and verified`,
    };
  } finally {
    await fleet.stop();
    recorder.dispose();
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  }
}

export default async function eventLoopBench(ctx: BenchContext): Promise<void> {
  const settleMs = ctx.quick ? 2000 : 5000;
  const fmt = (f: Figures) =>
    `p50 ${f.p50.toFixed(2)} ms, p99 ${f.p99.toFixed(2)} ms, max ${f.max.toFixed(1)} ms, loop busy ${f.busyMs.toFixed(0)} ms over ${f.seconds.toFixed(1)} s; ${f.outcome}`;
  // Alternating rounds, medians: a shared machine's load drifts over a minute.
  const rounds = ctx.quick ? 1 : 3;
  const bases: Figures[] = [];
  const bads: Figures[] = [];
  for (let r = 0; r < rounds; r++) {
    bases.push(await scenario(N, 0, settleMs));
    ctx.report(`round ${r + 1}: well-behaved fleet (${N} devices, 1 Hz polling + one take): ${fmt(bases.at(-1)!)}`);
    bads.push(await scenario(N / 2, N / 2, settleMs));
    ctx.report(`round ${r + 1}: ${N / 2} well-behaved + ${N / 2} hostile (every reply ~1 MiB of <X-Amz-…> fragments): ${fmt(bads.at(-1)!)}`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p99 = median(bads.map((f) => f.p99)) / median(bases.map((f) => f.p99));
  const max = median(bads.map((f) => f.max)) / median(bases.map((f) => f.max));
  const busy = median(bads.map((f) => f.busyMs)) / median(bases.map((f) => f.busyMs));
  ctx.report(`ratio hostile/well-behaved (medians of ${rounds}): p99 ${p99.toFixed(2)}, max ${max.toFixed(2)}, loop busy ${busy.toFixed(2)} (target: near 1)`);
  ctx.report(`machine load (1-minute average) at the end: ${loadavg()[0]!.toFixed(2)} on ${availableParallelism()} cores`);
}

/**
 * Takes: START fan-out to 100 devices (with and without the START connections opened during
 * pre-flight, 20 runs each, against the machine's own timer spread), start alignment of raw-clock devices with and without the
 * offset correction, and download throughput four-at-once vs one. One run each; figures are
 * ratios or spreads measured in the same run (the machine is shared and noisy).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import type { BenchContext } from './run';
import { startSimDevice, type SimDevice } from '../sim/index';
import { download, prepareConnection, send } from '../src-main/core/device-client/index';
import type { TimedReply } from '../src-main/core/device-client/types';
import { DownloadQueue } from '../src-main/core/downloads/queue';
import { ClockEstimator } from '../src-main/core/clock/index';
import { deviceStatus } from '../src-shared/protocol/index';
import { Recorder } from '../src-main/core/recorder/recorder';
import type { RecorderDevice, SendFn } from '../src-main/core/recorder/types';

const BIN = resolve(import.meta.dirname, '../bin/multicam.js');

/** `multicam sim` in a child process, so the devices do not share the controller's event loop. */
async function childSims(count: number, extra: string[] = []): Promise<{ devices: RecorderDevice[]; child: ChildProcess }> {
  const child = spawn(process.execPath, [BIN, 'sim', '--count', String(count), '--personality', 'spec', ...extra], { stdio: ['ignore', 'pipe', 'inherit'] });
  const devices: RecorderDevice[] = [];
  const rl = createInterface({ input: child.stdout! });
  await new Promise<void>((res, rej) => {
    child.on('exit', (code) => rej(new Error(`multicam sim exited with ${code}`)));
    rl.on('line', (line) => {
      const m = /^(\S+) (\S+):(\d+)$/.exec(line.trim());
      if (!m) return;
      devices.push({ key: `${m[2]}:${m[3]}`, name: m[1]!, host: m[2]!, port: Number(m[3]) });
      if (devices.length === count) res();
    });
  });
  child.removeAllListeners('exit');
  return { devices, child };
}
function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null) return res();
    child.once('exit', () => res());
    child.kill('SIGTERM');
  });
}

const spread = (xs: number[]) => Math.max(...xs) - Math.min(...xs);
const f1 = (n: number) => n.toFixed(1);

export default async function takesBench(ctx: BenchContext): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'mc-bench-takes-'));
  try {
    await fanOut(ctx, root);
    await alignment(ctx, root);
    await throughput(ctx, root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function fanOut(ctx: BenchContext, root: string): Promise<void> {
  const n = ctx.quick ? 30 : 100;
  const runs = ctx.quick ? 5 : 20;
  const { devices, child } = await childSims(n);
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
  try {
    // With and without the START connections opened during pre-flight, alternating runs.
    const modes = [
      { label: 'connections opened during pre-flight', preconnect: true },
      { label: 'connect inside the fan-out (before)', preconnect: false },
    ];
    const results = new Map<string, { spread: number[]; written: number[]; lastWritten: number[] }>(
      modes.map((m) => [m.label, { spread: [], written: [], lastWritten: [] }]),
    );
    let accepted = 0;
    for (let run = 0; run < runs; run++) {
      for (const mode of run % 2 === 0 ? modes : [...modes].reverse()) {
        // Wrap the real send to see when the fan-out began and when each START was written.
        let firstCall: number | null = null;
        const starts: TimedReply[] = [];
        const timedSend: SendFn = async (address, command, options) => {
          if (command.command === 'START_RECORDING') firstCall ??= performance.timeOrigin + performance.now();
          const r = await send(address, command, options);
          if (command.command === 'START_RECORDING') starts.push(r);
          return r;
        };
        const rec = new Recorder({
          recordingsDir: join(root, 'fanout'),
          send: timedSend,
          ...(mode.preconnect ? { preconnect: (a: { host: string; port: number }) => prepareConnection(a) } : {}),
          autoDownload: false,
          timeouts: { stopMs: 10_000 },
        });
        const t = await rec.startTake({ devices, delaySeconds: 2, name: 'fanout' });
        accepted = t.devices.filter((d) => d.start === 'accepted').length;
        // The spec sim stamps its reply on receipt with its clock (offset 0, same machine): the
        // spread of reply timestamps is the spread of receive instants, seen from another process.
        const r = results.get(mode.label)!;
        r.spread.push(spread(starts.map((s) => s.reply.timestamp! * 1000)));
        r.written.push(spread(starts.map((s) => s.sentAt)));
        r.lastWritten.push(Math.max(...starts.map((s) => s.sentAt)) - firstCall!);
        await rec.confirmed();
        await rec.stopTake();
        rec.dispose();
      }
    }
    // The machine's share: one process firing n timers set for the same instant (the sims' own
    // scheduling) — how far apart n handlers run in one Node process here, with no network at all.
    const jitter: number[] = [];
    const floor: number[] = [];
    for (let run = 0; run < runs; run++) {
      jitter.push(await timerSpread(n));
      floor.push(await receiveFloor(n));
    }
    ctx.report(`START fan-out to ${n} devices (child-process sims), ${runs} runs per mode, ${accepted}/${n} accepted in the last run:`);
    for (const m of modes) {
      const r = results.get(m.label)!;
      ctx.report(`  ${m.label}:`);
      ctx.report(
        `    receive-instant spread (device reply timestamps): p50 ${f1(pct(r.spread, 50))} ms, p95 ${f1(pct(r.spread, 95))} ms, max ${f1(Math.max(...r.spread))} ms  (goal p95 ≤ 5 ms)`,
      );
      ctx.report(`    first → last START written: p50 ${f1(pct(r.written, 50))} ms; call → last written p50 ${f1(pct(r.lastWritten, 50))} ms`);
    }
    ctx.report(`  the machine alone — ${n} timers for one instant in a child process: spread p50 ${f1(pct(jitter, 50))} ms, p95 ${f1(pct(jitter, 95))} ms`);
    ctx.report(
      `  the floor — one byte written on ${n} open connections in one loop, stamped on arrival by a bare child process: spread p50 ${f1(pct(floor, 50))} ms, p95 ${f1(pct(floor, 95))} ms`,
    );
  } finally {
    await stopChild(child);
  }
}

/**
 * Spread (ms) of arrival stamps when one byte is written on each of `n` already-open loopback
 * connections in one synchronous loop, to a child process that only stamps each arrival: the best
 * a pre-connected fan-out can do here, with one process standing in for all devices.
 */
async function receiveFloor(n: number): Promise<number> {
  const code = `const net=require('net');const t=[];const s=net.createServer(c=>c.once('data',()=>{t.push(performance.now());if(t.length===${n}){console.log(Math.max(...t)-Math.min(...t));process.exit(0)}}));s.listen(0,'127.0.0.1',()=>console.log(s.address().port));`;
  const c = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: c.stdout! })[Symbol.asyncIterator]();
  const port = Number((await lines.next()).value);
  const socks = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((res, rej) => {
          const k = connect({ host: '127.0.0.1', port }, () => res(k));
          k.setNoDelay(true);
          k.once('error', rej);
        }),
    ),
  );
  await new Promise((r) => setTimeout(r, 50));
  for (const k of socks) k.write('x');
  const result = Number((await lines.next()).value);
  for (const k of socks) k.destroy();
  return result;
}

/** Spread (ms) between the first and last of `n` timers set for the same instant, in a fresh child process. */
function timerSpread(n: number): Promise<number> {
  const code = `const at=performance.now()+200;const fired=[];for(let i=0;i<${n};i++)setTimeout(()=>{fired.push(performance.now());if(fired.length===${n})console.log(Math.max(...fired)-Math.min(...fired))},at-performance.now());`;
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    c.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    c.on('error', rej);
    c.on('exit', () => res(Number(out.trim())));
  });
}

async function alignment(ctx: BenchContext, root: string): Promise<void> {
  const n = 20;
  const sims: SimDevice[] = [];
  try {
    for (let i = 0; i < n; i++) {
      sims.push(
        await startSimDevice({
          personality: 'spec',
          scheduleOnRawClock: true,
          clockOffsetMs: -2000 + (4000 * i) / (n - 1),
          jitterMs: Math.round(Math.random() * 20),
          stopDelayMs: 0,
        }),
      );
    }
    const entries = (corrected: boolean): RecorderDevice[] =>
      sims.map((d) => ({ key: `${d.host}:${d.port}`, name: d.deviceId, host: d.host, port: d.port, scheduleOnRawClock: corrected }));
    // What the fleet does in production: poll DEVICE_STATUS and keep a per-device estimator.
    const estimators = new Map<string, ClockEstimator>();
    for (let round = 0; round < 20; round++) {
      await Promise.all(
        sims.map(async (d) => {
          const key = `${d.host}:${d.port}`;
          const r = await send({ host: d.host, port: d.port }, deviceStatus(), { tries: 1 });
          const est = estimators.get(key) ?? new ClockEstimator();
          estimators.set(key, est);
          if (r.reply.timestamp !== null) est.addSample({ sentAt: r.sentAt, receivedAt: r.receivedAt, deviceTimestampSec: r.reply.timestamp });
        }),
      );
      await new Promise((r) => setTimeout(r, 25));
    }
    const modes = [
      { label: 'without correction', corrected: false, clockOf: undefined, samples: 8 },
      { label: 'corrected, pre-flight estimate (8 samples, bounds intersected)', corrected: true, clockOf: undefined, samples: 8 },
      {
        label: 'corrected, fleet ClockEstimator (20 polls) vs 1 pre-flight sample',
        corrected: true,
        clockOf: (k: string) => estimators.get(k)?.estimate() ?? null,
        samples: 1,
      },
    ];
    const lines: string[] = [];
    for (const mode of modes) {
      const rec = new Recorder({
        recordingsDir: join(root, 'align'),
        send,
        autoDownload: false,
        clockSamples: mode.samples,
        timeouts: { stopMs: 10_000 },
        ...(mode.clockOf ? { clockOf: mode.clockOf } : {}),
      });
      const before = sims.map((d) => d.recordings.length);
      const t = await rec.startTake({ devices: entries(mode.corrected), delaySeconds: 3, name: 'align' });
      await rec.confirmed();
      // Uncorrected, a device 2 s behind starts 2 s late: let every device start before STOP.
      await new Promise((r) => setTimeout(r, Math.max(0, t.targetStart * 1000 + 2_300 - Date.now())));
      await rec.stopTake();
      rec.dispose();
      const startsMs = sims.map((d, i) => d.recordings[before[i]!]?.trueStartMs).filter((x): x is number => typeof x === 'number');
      if (startsMs.length !== n) throw new Error(`${mode.label}: only ${startsMs.length}/${n} devices recorded`);
      // The controller's share: when each device's raw clock reads the target it was sent, in true
      // time (offsets known here) — the rest of the measured spread is the sims' timer lateness.
      const m = rec.manifest(t.takeId);
      const predicted = m.devices.map((e, i) => e.start.targetSent! * 1000 - sims[i]!.options.clockOffsetMs!);
      lines.push(`  ${mode.label}: true-start spread ${f1(spread(startsMs))} ms (from the targets sent alone: ${f1(spread(predicted))} ms)`);
    }
    ctx.report(`start alignment, ${n} raw-clock devices (in-process sims), offsets ±2 s, 0–20 ms jitter (target ≤ 2 ms corrected):`);
    for (const l of lines) ctx.report(l);
  } finally {
    await Promise.all(sims.map((d) => d.stop()));
  }
}

async function throughput(ctx: BenchContext, root: string): Promise<void> {
  const size = (ctx.quick ? 16 : 64) * 1024 * 1024;
  const { devices, child } = await childSims(4, ['--file-size', String(size)]);
  try {
    const rec = new Recorder({ recordingsDir: join(root, 'tp'), send, autoDownload: false, timeouts: { stopMs: 60_000 } });
    await rec.startTake({ devices, delaySeconds: 0.5, name: 'throughput' });
    await rec.confirmed();
    const t = await rec.stopTake();
    rec.dispose();
    const files = t.devices.map((d, i) => ({ device: devices[i]!, fileName: d.fileName! }));
    const run = async (sel: typeof files, dir: string) => {
      const q = new DownloadQueue({ download, maxConcurrent: 4 });
      await mkdir(join(root, dir), { recursive: true });
      const t0 = performance.now();
      for (const f of sel) {
        q.enqueue({ takeId: dir, folder: join(root, dir), deviceKey: f.device.key, deviceName: f.device.name, address: f.device, remoteName: f.fileName });
      }
      await q.idle();
      const secs = (performance.now() - t0) / 1000;
      const views = q.list();
      const failed = views.filter((v) => v.state !== 'done');
      if (failed.length) throw new Error(`download failed: ${failed[0]!.error}`);
      return views.reduce((s, v) => s + v.bytes, 0) / secs;
    };
    const one = await run(files.slice(0, 1), 'one');
    const four = await run(files, 'four');
    ctx.report(
      `downloads (child-process sims, ${size / 1024 / 1024} MiB files): one ${f1(one / 1048576)} MiB/s, four at once ${f1(four / 1048576)} MiB/s aggregate (×${(four / one).toFixed(2)})`,
    );
  } finally {
    await stopChild(child);
  }
}

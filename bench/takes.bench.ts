/**
 * Takes: START fan-out to 100 devices (with and without the START connections opened during
 * pre-flight, sims spread over processes or all in one, 20 runs each, against the sims' own timer
 * spread and a bare receive floor), start alignment of raw-clock devices with and without the
 * offset correction, and download throughput four-at-once vs one. One run each; figures are
 * ratios or spreads measured in the same run (the machine is shared and noisy).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
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
const FANOUT_SIMS = resolve(import.meta.dirname, 'fanout-sims.ts');

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
      devices.push({ deviceKey: `${m[2]}:${m[3]}`, name: m[1]!, host: m[2]!, port: Number(m[3]) });
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

/** Virtual devices spread over `processes` child processes (bench/fanout-sims.ts), each reporting when its devices received START. */
async function simProcesses(total: number, processes: number) {
  const children = await Promise.all(
    Array.from({ length: processes }, async (_, i) => {
      const count = Math.floor(total / processes) + (i < total % processes ? 1 : 0);
      const child = spawn(process.execPath, ['--import', 'tsx', FANOUT_SIMS, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] });
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      const first = await lines.next();
      if (first.done) throw new Error('fanout-sims exited before listening');
      const { ports } = JSON.parse(first.value) as { ports: number[] };
      return { child, lines, ports };
    }),
  );
  const devices: RecorderDevice[] = children.flatMap((c, i) =>
    c.ports.map((port, j) => ({ deviceKey: `127.0.0.1:${port}`, name: `p${i}-${j}`, host: '127.0.0.1', port })),
  );
  /** One request to every process, one JSON answer from each. */
  const ask = async <T>(line: string): Promise<T[]> =>
    Promise.all(
      children.map(async (c) => {
        c.child.stdin!.write(`${line}\n`);
        const r = await c.lines.next();
        if (r.done) throw new Error('fanout-sims exited');
        return JSON.parse(r.value) as T;
      }),
    );
  return {
    devices,
    /** When each device received its latest START (ms, comparable across processes). */
    starts: async () => {
      const replies = await ask<{ receivedAt: Array<[number, number | null]>; gcMs: number }>('starts');
      // gcMs: garbage collection time in the sim processes during the arrival window.
      return { times: replies.flatMap((r) => r.receivedAt.map(([, t]) => t)), gcMs: Math.max(...replies.map((r) => r.gcMs)) };
    },
    /** The widest spread of same-instant timers (one per device) among the processes. */
    timers: async () => Math.max(...(await ask<{ spread: number }>(`timers ${Math.ceil(total / processes)}`)).map((r) => r.spread)),
    stop: () =>
      Promise.all(
        children.map((c) => {
          c.child.stdin!.end();
          return stopChild(c.child);
        }),
      ),
  };
}

async function fanOut(ctx: BenchContext, root: string): Promise<void> {
  const n = ctx.quick ? 30 : 100;
  const runs = ctx.quick ? 5 : 20;
  // A phone receives on a CPU of its own; here the sims share the machine's cores. Spread over a
  // few processes (each stamping arrivals before handling them) they stand in for that; all in
  // one process they show what the earlier single-process measurement included.
  const processes = Math.max(2, 2 * cpus().length);
  const spreadSims = await simProcesses(n, processes);
  const oneSims = await simProcesses(n, 1);
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;
  try {
    const modes = [
      { label: `connections opened during pre-flight, sims in ${processes} processes`, preconnect: true, sims: spreadSims },
      { label: `connect inside the fan-out (before), sims in ${processes} processes`, preconnect: false, sims: spreadSims },
      { label: 'connections opened during pre-flight, all sims in 1 process', preconnect: true, sims: oneSims },
    ];
    const results = new Map(
      modes.map((m) => [
        m.label,
        { spread: [] as number[], gcFree: [] as number[], gcRuns: 0, replySpread: [] as number[], written: [] as number[], lastWritten: [] as number[] },
      ]),
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
        const t = await rec.startTake({ devices: mode.sims.devices, delaySeconds: 2, name: 'fanout' });
        accepted = t.devices.filter((d) => d.start === 'accepted').length;
        const arrivals = await mode.sims.starts();
        const received = arrivals.times.filter((x): x is number => x !== null);
        if (received.length !== n) throw new Error(`${mode.label}: ${received.length}/${n} devices received START`);
        const r = results.get(mode.label)!;
        r.spread.push(spread(received));
        if (arrivals.gcMs > 0) r.gcRuns++;
        else r.gcFree.push(spread(received));
        // The sims' reply timestamps (stamped when each reply is built): what this bench reported before.
        r.replySpread.push(spread(starts.map((s) => s.reply.timestamp! * 1000)));
        r.written.push(spread(starts.map((s) => s.sentAt)));
        r.lastWritten.push(Math.max(...starts.map((s) => s.sentAt)) - firstCall!);
        await rec.confirmed();
        await rec.stopTake();
        rec.dispose();
      }
    }
    // The machine's share, in the same run: the sims' own timers (one per device, set for one
    // instant, in each sim process), and one byte written on n open connections in one loop to
    // bare processes that only stamp arrivals (the best a pre-connected fan-out can do here).
    const jitter: number[] = [];
    const floor: number[] = [];
    const floorOne: number[] = [];
    for (let run = 0; run < runs; run++) {
      jitter.push(await spreadSims.timers());
      floor.push(await receiveFloor(n, processes));
      floorOne.push(await receiveFloor(n, 1));
    }
    const ms = (xs: number[]) => `p50 ${f1(pct(xs, 50))} ms, p95 ${f1(pct(xs, 95))} ms, max ${f1(Math.max(...xs))} ms`;
    ctx.report(`START fan-out to ${n} devices, ${runs} runs per mode, ${accepted}/${n} accepted in the last run:`);
    for (const m of modes) {
      const r = results.get(m.label)!;
      ctx.report(`  ${m.label}:`);
      ctx.report(`    receive-instant spread (stamped by each sim on arrival): ${ms(r.spread)}  (goal p95 ≤ 5 ms)`);
      ctx.report(
        `      ${r.gcRuns}/${runs} runs had a garbage collection in a sim process during the arrivals${r.gcFree.length > 0 ? `; the other runs: ${ms(r.gcFree)}` : ''}`,
      );
      ctx.report(`    reply-timestamp spread (stamped as each reply is built): ${ms(r.replySpread)}`);
      ctx.report(
        `    first → last START written: p50 ${f1(pct(r.written, 50))} ms, p95 ${f1(pct(r.written, 95))} ms; fan-out call → last written p50 ${f1(pct(r.lastWritten, 50))} ms`,
      );
    }
    ctx.report(`  the machine alone — ${Math.ceil(n / processes)} timers for one instant in each sim process: spread ${ms(jitter)}`);
    ctx.report(`  the floor — one byte on ${n} open connections in one loop, stamped on arrival by ${processes} bare processes: spread ${ms(floor)}`);
    ctx.report(`  the floor with 1 bare process: spread ${ms(floorOne)}`);
    ctx.report(
      `  load average after: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} (${cpus().length} CPUs)`,
    );
  } finally {
    await spreadSims.stop();
    await oneSims.stop();
  }
}

/**
 * Spread (ms) of arrival stamps when one byte is written on each of `n` already-open loopback
 * connections in one synchronous loop, to `processes` child processes that only stamp each
 * arrival (performance.timeOrigin + performance.now(), comparable across processes).
 */
async function receiveFloor(n: number, processes: number): Promise<number> {
  const per = Array.from({ length: processes }, (_, i) => Math.floor(n / processes) + (i < n % processes ? 1 : 0));
  const servers = await Promise.all(
    per.map(async (k) => {
      const code = `const net=require('net');const t=[];const s=net.createServer(c=>c.once('data',()=>{t.push(performance.timeOrigin+performance.now());if(t.length===${k}){console.log(JSON.stringify([Math.min(...t),Math.max(...t)]));process.exit(0)}}));s.listen(0,'127.0.0.1',()=>console.log(s.address().port));`;
      const c = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      const lines = createInterface({ input: c.stdout! })[Symbol.asyncIterator]();
      const port = Number((await lines.next()).value);
      return { k, port, lines };
    }),
  );
  const socks = await Promise.all(
    servers.flatMap(({ k, port }) =>
      Array.from(
        { length: k },
        () =>
          new Promise<Socket>((res, rej) => {
            const s = connect({ host: '127.0.0.1', port }, () => res(s));
            s.setNoDelay(true);
            s.once('error', rej);
          }),
      ),
    ),
  );
  await new Promise((r) => setTimeout(r, 50));
  for (const s of socks) s.write('x');
  const ranges = await Promise.all(servers.map(async (s) => JSON.parse((await s.lines.next()).value as string) as [number, number]));
  for (const s of socks) s.destroy();
  return Math.max(...ranges.map((r) => r[1])) - Math.min(...ranges.map((r) => r[0]));
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
      sims.map((d) => ({ deviceKey: `${d.host}:${d.port}`, name: d.deviceId, host: d.host, port: d.port, scheduleOnRawClock: corrected }));
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
        q.enqueue({ takeId: dir, folder: join(root, dir), deviceKey: f.device.deviceKey, deviceName: f.device.name, address: f.device, fileName: f.fileName });
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

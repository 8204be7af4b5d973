/**
 * Fleet polling cost: 100 sim devices (mixed personalities) on loopback, polled at 1 Hz for 20 s
 * (8 s with --quick). The devices run in a CHILD process (`multicam sim --count 100`), so only
 * the controller's work is in process.cpuUsage(). Reports the controller's CPU share of one core
 * (target < 5 %), polls/s, deviceChanged events/s after the clock estimates settled (the
 * change-only rule: ~0 for a steady fleet) and CPU per poll. Baseline: this process idle for 2 s in the same run.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import type { BenchContext } from './run';
import { send } from '../src-main/core/device-client';
import { Fleet } from '../src-main/core/fleet';
import type { SendFn } from '../src-main/core/fleet';

const N = 100;
const TARGET = 0.05;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const now = () => performance.timeOrigin + performance.now();

function cpuShare(ms: number): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return sleep(ms).then(() => {
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / (performance.now() - t0);
  });
}

export default async function pollingBench(ctx: BenchContext): Promise<void> {
  const seconds = ctx.quick ? 8 : 20;
  const bin = resolve(import.meta.dirname, '../bin/multicam.js');
  const child = spawn(process.execPath, [bin, 'sim', '--count', String(N), '--personality', 'mixed'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += String(b)));
  const addresses: string[] = [];
  try {
    await new Promise<void>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`sims did not start within 60 s: ${stderr.slice(0, 300)}`)), 60_000);
      const rl = createInterface({ input: child.stdout });
      rl.on('line', (line) => {
        const m = /^\S+ (\S+:\d+)(?: mdns \S+)?\s*$/.exec(line);
        if (m) addresses.push(m[1]!);
        if (addresses.length === N) {
          clearTimeout(timer);
          ok();
        }
      });
      child.once('exit', (code) => fail(new Error(`sim exited early (${code}): ${stderr.slice(0, 300)}`)));
    });

    const idle = await cpuShare(2000);
    let polls = 0;
    let failures = 0;
    const counted: SendFn = (a, c, o) => {
      polls++;
      return send(a, c, o).catch((e) => {
        failures++;
        throw e;
      });
    };
    const fleet = new Fleet({ send: counted, clock: { now }, pollIntervalMs: 1000 });
    let events = 0;
    fleet.onDidChangeDevice(() => events++);
    for (const a of addresses) fleet.addManual(a, { source: 'virtual' });
    fleet.start();
    // Warm-up: everyone online (first events) before measuring the steady state.
    const deadline = performance.now() + 20_000;
    while (!fleet.list().every((d) => d.state === 'online') && performance.now() < deadline) await sleep(100);
    const onlineAtStart = fleet.list().filter((d) => d.state === 'online').length;
    const warmEvents = events;
    // Clock estimates tighten over the first polls (each ≥ 1 ms improvement is an event): let them settle.
    const settleMs = ctx.quick ? 5000 : 15_000;
    await sleep(settleMs);
    const settleEvents = events - warmEvents;

    const p0 = polls;
    const e0 = events;
    const f0 = failures;
    const share = await cpuShare(seconds * 1000);
    const wall = seconds;
    const dp = polls - p0;
    const de = events - e0;
    await fleet.stop();
    const onlineAtEnd = fleet.list().filter((d) => d.state === 'online').length;

    ctx.report(`${N} devices (child process), 1 Hz polling, ${seconds} s measured; online ${onlineAtStart}/${N} at start, ${onlineAtEnd}/${N} at end`);
    ctx.report(
      `controller CPU: ${(share * 100).toFixed(2)} % of one core (idle baseline ${(idle * 100).toFixed(2)} %; target < ${TARGET * 100} %) ${share < TARGET ? 'OK' : 'OVER TARGET'}`,
    );
    ctx.report(`polls: ${(dp / wall).toFixed(1)}/s (${failures - f0} failed); CPU per poll ≈ ${((share * wall * 1e6) / Math.max(1, dp)).toFixed(0)} µs`);
    ctx.report(
      `deviceChanged events: ${warmEvents} until all online, ${settleEvents} while clocks settled (${settleMs / 1000} s), then ${(de / wall).toFixed(2)}/s in steady state (${de} in ${seconds} s)`,
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise<void>((r) => {
      if (child.exitCode !== null) return r();
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
}

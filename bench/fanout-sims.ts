/**
 * Virtual devices in a process of their own for the START fan-out bench (bench/takes.bench.ts):
 *   node --import tsx bench/fanout-sims.ts <count>
 * Prints one JSON line `{ "ports": [...] }` once all listen. Then, for each line `starts` on
 * stdin, one JSON line `{ "receivedAt": [[port, ms], ...] }`: when each device received its latest
 * START_RECORDING (the sim's true clock, performance.timeOrigin + performance.now(), comparable
 * across processes on one machine). For `timers N`, the spread (ms) of N timers set for one instant
 * in this process: its own scheduling jitter, next to its devices. Ends when stdin closes.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { startSimFleet } from '../sim';

const count = Number(process.argv[2]);
if (!Number.isInteger(count) || count < 1) {
  console.error('usage: fanout-sims.ts <count>');
  process.exit(1);
}
const sims = await startSimFleet({ count, personality: 'spec' });
console.log(JSON.stringify({ ports: sims.map((s) => s.port) }));

function timerSpread(n: number): Promise<number> {
  return new Promise((resolve) => {
    const at = performance.now() + 100;
    const fired: number[] = [];
    for (let i = 0; i < n; i++) {
      setTimeout(() => {
        fired.push(performance.now());
        if (fired.length === n) resolve(Math.max(...fired) - Math.min(...fired));
      }, at - performance.now());
    }
  });
}

// Garbage collections in this process (start, end; comparable across processes): one during a
// START's arrival shows up as spread, though no phone shares a heap with 99 others.
const gcs: Array<[number, number]> = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push([performance.timeOrigin + e.startTime, performance.timeOrigin + e.startTime + e.duration]);
  if (gcs.length > 1000) gcs.splice(0, gcs.length - 1000);
}).observe({ entryTypes: ['gc'] });

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd === 'starts') {
    const receivedAt = sims.map((s) => [s.port, s.received.findLast((r) => r.command === 'START_RECORDING')?.trueReceivedAtMs ?? null]);
    const times = receivedAt.map(([, t]) => t).filter((t): t is number => t !== null);
    const [from, to] = [Math.min(...times), Math.max(...times)];
    const gcMs = gcs.filter(([a, b]) => b >= from && a <= to).reduce((sum, [a, b]) => sum + (b - a), 0);
    console.log(JSON.stringify({ receivedAt, gcMs }));
  } else if (cmd === 'timers') {
    void timerSpread(Number(arg) || count).then((spread) => console.log(JSON.stringify({ spread })));
  }
});
lines.on('close', () => {
  void Promise.all(sims.map((s) => s.kill())).then(() => process.exit(0));
});

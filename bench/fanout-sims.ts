/**
 * Virtual devices in a process of their own for the START fan-out bench (bench/takes.bench.ts):
 *   node --import tsx bench/fanout-sims.ts <count>
 * Prints one JSON line `{ "ports": [...] }` once all listen. Then, for each line `starts` on
 * stdin, one JSON line `{ "receivedAt": [[port, ms], ...] }`: when each device received its latest
 * START_RECORDING (the sim's true clock, performance.timeOrigin + performance.now(), comparable
 * across processes on one machine). For `timers N`, the spread (ms) of N timers set for one instant
 * in this process: its own scheduling jitter, next to its devices. Ends when stdin closes.
 */
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

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [cmd, arg] = line.trim().split(/\s+/);
  if (cmd === 'starts') {
    const receivedAt = sims.map((s) => [s.port, s.received.findLast((r) => r.command === 'START_RECORDING')?.trueReceivedAtMs ?? null]);
    console.log(JSON.stringify({ receivedAt }));
  } else if (cmd === 'timers') {
    void timerSpread(Number(arg) || count).then((spread) => console.log(JSON.stringify({ spread })));
  }
});
lines.on('close', () => {
  void Promise.all(sims.map((s) => s.kill())).then(() => process.exit(0));
});

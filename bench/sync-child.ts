/**
 * The sync analysis in its own process, so its memory is the analysis alone:
 *   node --expose-gc --import tsx bench/sync-child.ts <analyse|decode> <file> [<file>…]
 * `decode` is the baseline: ffmpeg decodes each file's whole audio track once and throws it away
 * (`-f null`, as many at once as the analysis runs), the least any analysis that listens to
 * the whole clip pays. Prints one JSON line: { seconds, cpuSeconds, startRssBytes, peakHeldBytes,
 * peakRssBytes, maxRssBytes, result? } — peak RSS sampled every 5 ms during the work, after a
 * collection at the start, so module loading does not count.
 */
import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import pLimit from 'p-limit';
import { analyseFiles } from '../src-main/core/sync/analyse';

const [mode, ...files] = process.argv.slice(2);
if ((mode !== 'analyse' && mode !== 'decode') || files.length === 0) {
  console.error('usage: sync-child.ts <analyse|decode> <file>…');
  process.exit(1);
}

function plainDecode(file: string): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn('ffmpeg', ['-v', 'error', '-nostdin', '-i', file, '-map', '0:a:0', '-f', 'null', '-'], { stdio: 'ignore' });
    p.on('error', rej);
    p.on('close', (code) => (code === 0 ? res() : rej(new Error(`ffmpeg exited ${code}`))));
  });
}

(globalThis as { gc?: () => void }).gc?.();
const startRss = process.memoryUsage().rss;
let peakRss = startRss;
let peakHeld = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  // What the analysis holds in typed arrays and objects (garbage included until collected).
  peakHeld = Math.max(peakHeld, m.heapUsed + m.arrayBuffers);
}, 5);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let result: unknown;
if (mode === 'analyse') {
  result = await analyseFiles(files.map((path) => ({ name: basename(path), file: basename(path), path })));
} else {
  const limit = pLimit(availableParallelism());
  await Promise.all(files.map((f) => limit(() => plainDecode(f))));
}
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const cpu = process.cpuUsage(cpu0);
console.log(
  JSON.stringify({
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    startRssBytes: startRss,
    peakRssBytes: peakRss,
    peakHeldBytes: peakHeld,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    result,
  }),
);

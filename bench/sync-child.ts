/**
 * The sync analysis in its own process, so peak RSS is the analysis alone:
 *   node --import tsx bench/sync-child.ts <analyse|decode> <file> [<file>…]
 * `decode` is the baseline: ffmpeg decodes each file's audio once (as the analysis' first pass
 * does) and the samples are dropped. Prints one JSON line: { seconds, maxRssBytes, result? }.
 */
import pLimit from 'p-limit';
import { basename } from 'node:path';
import { analyseFiles } from '../src-main/core/sync/analyse';
import { decodeAudio } from '../src-main/core/sync/media';

const [mode, ...files] = process.argv.slice(2);
if ((mode !== 'analyse' && mode !== 'decode') || files.length === 0) {
  console.error('usage: sync-child.ts <analyse|decode> <file>…');
  process.exit(1);
}
const t0 = performance.now();
let result: unknown;
if (mode === 'analyse') {
  result = await analyseFiles(files.map((path) => ({ name: basename(path), file: basename(path), path })));
} else {
  const limit = pLimit(2);
  await Promise.all(files.map((f) => limit(() => decodeAudio(f, 48_000, () => undefined))));
}
console.log(JSON.stringify({ seconds: (performance.now() - t0) / 1000, maxRssBytes: process.resourceUsage().maxRSS * 1024, result }));

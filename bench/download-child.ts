/**
 * One transfer in its own process, so its peak RSS is its own:
 *   node --import tsx bench/download-child.ts <download|naive> <host> <port> <fileName> <destDir>
 * Prints one JSON line: { bytes, seconds, maxRssBytes }.
 */
import path from 'node:path';
import { download } from '../src-main/core/device-client';
import { naiveDownload } from './download-readers';

const [mode, host, portText, fileName, destDir] = process.argv.slice(2);
if (!mode || !host || !portText || !fileName || !destDir) {
  console.error('usage: download-child.ts <download|naive> <host> <port> <fileName> <destDir>');
  process.exit(1);
}
const address = { host, port: Number(portText) };
const t0 = performance.now();
let bytes: number;
if (mode === 'download') {
  bytes = (await download(address, fileName, destDir, { tries: 1 })).bytes;
} else if (mode === 'naive') {
  bytes = await naiveDownload(address, fileName, path.join(destDir, fileName));
} else {
  throw new Error(`unknown mode ${mode}`);
}
const seconds = (performance.now() - t0) / 1000;
// maxRSS is in KiB on Linux and macOS.
console.log(JSON.stringify({ bytes, seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));

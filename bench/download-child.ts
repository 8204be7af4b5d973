/**
 * Transfers in their own process, so peak RSS and CPU time are theirs alone:
 *   node --import tsx bench/download-child.ts <download|raw|naive> <host> <port[,port…]> <fileName> <fileSize> <destDir>
 * One transfer per port, all at once (device i's file goes to `<destDir>/<i>-<fileName>`).
 * Prints one JSON line: { bytes, seconds, cpuSeconds, mainThreadCpuSeconds, eventLoopUtilization, maxRssBytes } (seconds: first connect to
 * last fsync, process start-up excluded).
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { download } from '../src-main/core/device-client';
import { naiveDownload, rawCopy } from './download-readers';

const [mode, host, portsText, fileName, sizeText, destDir] = process.argv.slice(2);
if (!mode || !host || !portsText || !fileName || !sizeText || !destDir) {
  console.error('usage: download-child.ts <download|raw|naive> <host> <port[,port…]> <fileName> <fileSize> <destDir>');
  process.exit(1);
}
const ports = portsText.split(',').map(Number);
const size = Number(sizeText);
const cpu0 = process.cpuUsage();
const main0 = process.threadCpuUsage();
const elu0 = performance.eventLoopUtilization();
const t0 = performance.now();
const one = async (port: number, i: number): Promise<number> => {
  const address = { host, port };
  const local = `${i + 1}-${fileName}`;
  if (mode === 'download') return (await download(address, fileName, destDir, { tries: 1, localName: local })).bytes;
  if (mode === 'raw') return rawCopy(address, fileName, size, path.join(destDir, local));
  if (mode === 'naive') return naiveDownload(address, fileName, path.join(destDir, local));
  throw new Error(`unknown mode ${mode}`);
};
const counts = await Promise.all(ports.map(one));
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
// The event loop's share: in the app the same loop serves the UI, IPC and every device.
const main = process.threadCpuUsage(main0);
const elu = performance.eventLoopUtilization(elu0);
// maxRSS is in KiB on Linux and macOS.
console.log(
  JSON.stringify({
    bytes: counts.reduce((a, b) => a + b, 0),
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    mainThreadCpuSeconds: (main.user + main.system) / 1e6,
    eventLoopUtilization: elu.utilization,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  }),
);

/**
 * Virtual devices in their own process for the download bench, so the sending side does not
 * share the downloader's event loop:
 *   node --import tsx bench/download-sims.ts <count> <filesDir>
 * Device i serves `<filesDir>/device-<i>/`. Prints one JSON line with the ports once all listen,
 * then runs until stdin closes (the parent exiting ends it too).
 */
import { startSimFleet } from '../sim';

const [countText, filesDir] = process.argv.slice(2);
if (!countText || !filesDir) {
  console.error('usage: download-sims.ts <count> <filesDir>');
  process.exit(1);
}
const sims = await startSimFleet({ count: Number(countText), personality: 'spec', filesDir });
console.log(JSON.stringify({ ports: sims.map((s) => s.port) }));
process.stdin.resume();
process.stdin.on('end', () => {
  void Promise.all(sims.map((s) => s.kill())).then(() => process.exit(0));
});
process.stdin.on('close', () => process.exit(0));

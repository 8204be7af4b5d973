#!/usr/bin/env node
// Browser e2e: build the renderer, then run Playwright against the real controller over the
// WebSocket bridge in Debian's Chromium. Without Chromium this skips (and fails under CI=true,
// where .ci/run installs it).
import './require-node.mjs'; // first: one line on a Node too old
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  const msg = `e2e: no Chromium at ${chromium} (install it: apt-get install -y chromium)`;
  if (process.env.CI) {
    console.error(`${msg} — required in CI`);
    process.exit(1);
  }
  console.log(`skipped: ${msg}`);
  process.exit(0);
}
const run = (cmd, args) => spawnSync(cmd, args, { cwd: root, stdio: 'inherit' }).status ?? 1;
if (run(bin('vite'), ['build', '--logLevel', 'warn']) !== 0) process.exit(1);
const reporter = process.env.PLAYWRIGHT_JSON_OUTPUT_NAME ? 'list,json' : 'list';
process.exit(run(bin('playwright'), ['test', `--reporter=${reporter}`, ...process.argv.slice(2)]));

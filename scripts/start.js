#!/usr/bin/env node
// `npm start [-- --demo N]`: build the UI, then run the desktop app — or, where no Electron
// binary can be had (it is downloaded on first run, from GitHub), the same app in browser mode.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const args = process.argv.slice(2);
const browserOnly = args.includes('--browser');
const passArgs = args.filter((a) => a !== '--browser');
const run = (cmd, argv) => spawnSync(cmd, argv, { cwd: root, stdio: 'inherit' }).status ?? 1;

function electronBinary() {
  const dir = join(root, 'node_modules', 'electron');
  const pathTxt = join(dir, 'path.txt');
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return join(process.env.ELECTRON_OVERRIDE_DIST_PATH, 'electron');
  if (!existsSync(pathTxt)) return null;
  const exe = join(dir, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(exe) ? exe : null;
}

/** Electron fetches its binary on first use; give it one bounded try. */
function tryDownloadElectron() {
  if (process.env.CI || process.env.MULTICAM_NO_ELECTRON_DOWNLOAD) return false;
  const installer = join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(installer)) return false;
  console.log('Fetching the Electron binary (first run)…');
  const r = spawnSync(process.execPath, [installer], { cwd: root, stdio: 'inherit', timeout: 180_000 });
  return r.status === 0;
}

console.log('Building the interface…');
if (run(bin('vite'), ['build', '--logLevel', 'warn']) !== 0) process.exit(1);

let exe = browserOnly ? null : electronBinary();
if (!exe && !browserOnly && tryDownloadElectron()) exe = electronBinary();

if (exe) {
  if (run(process.execPath, [join(root, 'scripts', 'build-electron.mjs')]) !== 0) process.exit(1);
  const child = spawn(exe, [root, ...passArgs], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  if (!browserOnly) {
    console.log('\nNo Electron binary here (it could not be downloaded), so the controller runs in browser mode:');
    console.log('the same app, served on 127.0.0.1 — open the address below in Chromium, Chrome, Firefox or Safari.\n');
  }
  const child = spawn(process.execPath, [join(root, 'scripts', 'serve.js'), ...passArgs], { cwd: root, stdio: 'inherit' });
  const forward = (sig) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code) => process.exit(code ?? 0));
}

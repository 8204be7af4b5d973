#!/usr/bin/env node
// `npm start [-- --demo N]`: build the UI, then run the desktop app — or, where no Electron
// binary can be had (Electron downloads it on first use), the same app in browser mode.
import './require-node.mjs'; // first: one line on a Node too old
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

const FETCH_PROBE_MS = 5_000;
const FETCH_INSTALL_MS = 180_000;

/** Where Electron's installer downloads from (its own mirror settings), for a quick reachability probe. */
function electronMirror() {
  return process.env.ELECTRON_MIRROR || process.env.npm_config_electron_mirror || 'https://github.com/electron/electron/releases/download/';
}

/**
 * Electron fetches its binary on first use. Offline, that used to hang for minutes (a network
 * that silently drops traffic) and end in a stack trace, on every run. Now: a bounded probe of the
 * download host first, the installer's own output kept out of the terminal, and one line saying
 * why when it fails. Returns null on success, else the reason.
 */
async function tryDownloadElectron() {
  if (process.env.CI || process.env.MULTICAM_NO_ELECTRON_DOWNLOAD) return 'downloads are disabled here';
  const installer = join(root, 'node_modules', 'electron', 'install.js');
  if (!existsSync(installer)) return 'the electron package is not installed';
  const mirror = electronMirror();
  try {
    await fetch(mirror, { method: 'HEAD', signal: AbortSignal.timeout(FETCH_PROBE_MS), redirect: 'manual' });
  } catch (e) {
    const why = e?.name === 'TimeoutError' ? `no answer within ${FETCH_PROBE_MS / 1000} s` : (e?.cause?.code ?? e?.message ?? 'unreachable');
    return `${new URL(mirror).host} is not reachable: ${why}`;
  }
  console.log('Fetching the desktop runtime (Electron)…');
  const r = spawnSync(process.execPath, [installer], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: FETCH_INSTALL_MS, encoding: 'utf8' });
  if (r.status === 0) return null;
  if (r.error?.code === 'ETIMEDOUT') return `the download did not finish within ${FETCH_INSTALL_MS / 1000} s`;
  // The installer's last words, without its stack trace.
  const last = `${r.stderr ?? ''}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('at '))
    .pop();
  return last ? last.replace(/^(Error|RequestError|HTTPError):\s*/, '').slice(0, 200) : `the installer exited with ${r.status ?? r.signal}`;
}

let exe = browserOnly ? null : electronBinary();
let fetchFailure = null;
if (!exe && !browserOnly) {
  fetchFailure = await tryDownloadElectron();
  if (fetchFailure === null) exe = electronBinary();
  if (!exe) console.log(`The desktop runtime (Electron) could not be fetched (${fetchFailure ?? 'no binary after the download'}); starting browser mode.`);
}

console.log('Building the interface…');
if (run(bin('vite'), ['build', '--logLevel', 'warn']) !== 0) process.exit(1);

if (exe) {
  if (run(process.execPath, [join(root, 'scripts', 'build-electron.mjs')]) !== 0) process.exit(1);
  const child = spawn(exe, [root, ...passArgs], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const child = spawn(process.execPath, [join(root, 'scripts', 'serve.js'), ...passArgs], { cwd: root, stdio: 'inherit' });
  const forward = (sig) => () => child.kill(sig);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code) => process.exit(code ?? 0));
}

/**
 * `npm start` where the desktop runtime cannot be fetched: a download host that accepts
 * connections and never answers (what a network that silently drops traffic looks like to the
 * installer), on loopback. Expected: within a short bound, one plain line saying the runtime could
 * not be fetched and browser mode is starting — no stack trace, no "first run".
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const hasElectron = existsSync(join(root, 'node_modules', 'electron', 'path.txt'));
let server: Server | null = null;
const held: Socket[] = [];

afterEach(async () => {
  for (const s of held.splice(0)) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});

describe('npm start offline', () => {
  it.skipIf(hasElectron)(
    'says in one line that the desktop runtime could not be fetched and browser mode is starting, within seconds',
    async () => {
      server = createServer((s) => held.push(s)); // accept, never answer
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
      const port = (server.address() as { port: number }).port;
      const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_MIRROR: `http://127.0.0.1:${port}/` };
      delete env.CI;
      delete env.MULTICAM_NO_ELECTRON_DOWNLOAD;
      delete env.ELECTRON_OVERRIDE_DIST_PATH;
      // Its own process group, so the build and server it starts go with it.
      const child = spawn(process.execPath, [join(root, 'scripts', 'start.js')], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const t0 = Date.now();
      try {
        await new Promise<void>((ok, fail) => {
          const onData = (b: Buffer) => {
            output += String(b);
            if (/Building the interface/.test(output)) ok();
          };
          child.stdout!.on('data', onData);
          child.stderr!.on('data', onData);
          child.once('exit', (code) => fail(new Error(`start.js exited (${code}) before building: ${output}`)));
        });
      } finally {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      const seconds = (Date.now() - t0) / 1000;
      const lines = output.split('\n').filter((l) => l.trim() !== '' && !/Building the interface/.test(l));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^The desktop runtime \(Electron\) could not be fetched \(.*\); starting browser mode\.$/);
      expect(output).not.toMatch(/first run/i);
      expect(output).not.toMatch(/^\s+at /m);
      // The probe is bounded by 5 s; a wide margin for a loaded machine (the old path waited 180 s).
      expect(seconds).toBeLessThan(45);
    },
    120_000,
  );
});

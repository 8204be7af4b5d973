/** The timer seam and the virtual time the recorder's tests run on (timers.testing.ts). */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { realSetTimer, sleepOn } from './timers';
import { startVirtualTime, type VirtualTime } from './timers.testing';

let time: VirtualTime | null = null;
let server: Server | null = null;
let dir = '';
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
  await time?.stop();
  time = null;
});

/** A loopback server that answers each line after real file work (write, read back, write again). */
async function slowEcho(): Promise<number> {
  dir = await mkdtemp(join(tmpdir(), 'mc-vtime-'));
  const s = createServer((sock) => {
    sock.on('error', () => undefined);
    sock.once('data', async (chunk) => {
      const f = join(dir, `${Date.now()}-${Math.random()}`);
      for (let i = 0; i < 5; i++) {
        await writeFile(f, randomBytes(256 * 1024));
        await readFile(f);
      }
      sock.end(chunk);
    });
  });
  server = s;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return (s.address() as { port: number }).port;
}

/** Send one line; resolves with the reply, rejects when `deadlineMs` (a timer) passes first. */
function ask(port: number, deadlineMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = connect({ host: '127.0.0.1', port });
    c.on('error', reject);
    const t = setTimeout(() => {
      c.destroy();
      reject(new Error(`no reply within ${deadlineMs} ms`));
    }, deadlineMs);
    c.once('data', (b) => {
      clearTimeout(t);
      c.destroy();
      resolve(b.toString());
    });
    c.write('hello');
  });
}

describe('sleepOn', () => {
  it('waits on the given timers and rejects when aborted', async () => {
    const ac = new AbortController();
    const started = performance.now();
    await sleepOn(realSetTimer, 20);
    expect(performance.now() - started).toBeGreaterThanOrEqual(15);
    const p = sleepOn(realSetTimer, 60_000, ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow('aborted');
  });
});

describe('virtual time', () => {
  it('a minute of waiting costs no real time, and the clocks move with it', async () => {
    time = startVirtualTime();
    const real = process.hrtime.bigint();
    const t0 = Date.now();
    const p0 = performance.now();
    await new Promise((r) => setTimeout(r, 60_000));
    expect(Date.now() - t0).toBe(60_000);
    expect(performance.now() - p0).toBeCloseTo(60_000, 0);
    expect(Number(process.hrtime.bigint() - real) / 1e6).toBeLessThan(5_000);
    expect(time.fired).toBe(1);
  });

  it('never moves while real I/O is under way: a 10 ms deadline is not overtaken by slow file work', async () => {
    time = startVirtualTime();
    const port = await slowEcho();
    // A far timer is pending the whole time: jumping to it early would fire the deadline first.
    const far = new Promise((r) => setTimeout(r, 30_000));
    for (let i = 0; i < 3; i++) expect(await ask(port, 10)).toBe('hello');
    expect(time.elapsed()).toBe(0);
    await far;
    expect(time.elapsed()).toBe(30_000);
  });

  it('a deadline fires when nothing will answer', async () => {
    time = startVirtualTime();
    const s = createServer((sock) => sock.on('error', () => undefined).resume()); // reads, never answers
    server = s;
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
    const port = (s.address() as { port: number }).port;
    await expect(ask(port, 1_500)).rejects.toThrow('no reply within 1500 ms');
    expect(time.elapsed()).toBe(1_500);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChunkFileWriter } from './file-writer';

const KiB = 1024;
const MiB = 1024 * KiB;
let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'file-writer-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Feed `body` in socket-sized chunks, waiting whenever the writer asks to. */
async function feed(w: ChunkFileWriter, body: Buffer, chunk = 64 * KiB): Promise<void> {
  for (let off = 0; off < body.length; off += chunk) {
    if (!w.write(body.subarray(off, off + chunk))) await w.drained();
  }
}

describe('ChunkFileWriter', () => {
  it('coalesces 64 KiB chunks into writes of at least 1 MiB (but the last), in order, and fsyncs on finish', async () => {
    const file = path.join(dir, 'a.part');
    const body = randomBytes(20 * MiB + 12_345);
    const w = new ChunkFileWriter(await fs.open(file, 'w'), { syncEveryBytes: 4 * MiB });
    await feed(w, body);
    await w.finish();
    await w.close();
    expect(w.error).toBeNull();
    expect(sha256(await fs.readFile(file))).toBe(sha256(body));
    expect(w.bytesWritten).toBe(body.length);
    // 20 MiB in 64 KiB chunks would be 321 writes one per chunk.
    expect(w.stats.writes).toBeLessThanOrEqual(21);
    expect(w.stats.writes).toBeGreaterThan(1);
    expect(w.stats.largestWrite).toBeGreaterThanOrEqual(MiB);
    // Flushed along the way (background fdatasync every 4 MiB written), plus the final fsync.
    expect(w.stats.syncs).toBeGreaterThan(2);
  });

  it('copy mode: the caller may reuse its buffer at once (a socket reading into one buffer); memory stays bounded', async () => {
    const file = path.join(dir, 'copy.part');
    const body = randomBytes(9 * MiB + 777);
    const w = new ChunkFileWriter(await fs.open(file, 'w'), { copy: true, minWriteBytes: MiB, maxBufferedBytes: 4 * MiB, syncEveryBytes: 2 * MiB });
    const scratch = Buffer.alloc(100 * KiB);
    let peak = 0;
    for (let off = 0; off < body.length; off += scratch.length) {
      const n = body.copy(scratch, 0, off, off + scratch.length);
      const more = w.write(scratch.subarray(0, n));
      scratch.fill(0xee); // what the next read would do to the buffer
      peak = Math.max(peak, w.bytesQueued - w.bytesWritten);
      if (!more) await w.drained();
    }
    await w.finish();
    await w.close();
    expect(w.error).toBeNull();
    expect(sha256(await fs.readFile(file))).toBe(sha256(body));
    expect(w.stats.smallestWrite).toBeGreaterThanOrEqual(777); // whole buffers, the tail last
    expect(w.stats.largestWrite).toBeGreaterThanOrEqual(MiB);
    expect(peak).toBeLessThanOrEqual(4 * MiB + scratch.length);
  });

  it('copy mode with an observer: written buffers handed over in file order, held ones neither refilled nor beyond the limit, returned ones reused', async () => {
    const file = path.join(dir, 'observed.part');
    const body = randomBytes(6 * MiB + 4321);
    const seen: Buffer[] = [];
    const held: Array<{ views: Buffer[]; copies: Buffer[]; give: (b: Buffer[]) => void }> = [];
    const memories = new Set<ArrayBufferLike>();
    const w = new ChunkFileWriter(await fs.open(file, 'w'), {
      copy: true,
      minWriteBytes: MiB,
      maxBufferedBytes: 3 * MiB,
      observe: (views) => {
        for (const v of views) {
          seen.push(Buffer.from(v));
          memories.add(v.buffer);
          expect(v.byteOffset).toBe(0); // the whole memory is the writer's: it may be moved
        }
        // Held until given back below: the writer must not fill these buffers again meanwhile.
        return new Promise<Buffer[]>((give) => held.push({ views, copies: views.map((v) => Buffer.from(v)), give }));
      },
    });
    const giveBack = () => {
      for (const h of held.splice(0)) {
        h.views.forEach((v, i) => expect(v.equals(h.copies[i]!)).toBe(true)); // untouched while held
        h.give(h.views.map((v) => Buffer.from(v.buffer)));
      }
    };
    const scratch = Buffer.alloc(128 * KiB);
    for (let off = 0; off < body.length; off += scratch.length) {
      const n = body.copy(scratch, 0, off, off + scratch.length);
      if (!w.write(scratch.subarray(0, n))) {
        // The writer stops the caller while the observer holds its buffers, even once written.
        await w.flush();
        expect(w.bytesQueued - w.bytesWritten).toBe(0);
        let woke = false;
        const drained = w.drained().then(() => {
          woke = true;
        });
        await new Promise((r) => setTimeout(r, 20));
        expect(woke).toBe(false);
        giveBack();
        await drained;
      }
    }
    await w.finish();
    giveBack();
    await w.close();
    expect(w.error).toBeNull();
    expect(sha256(Buffer.concat(seen))).toBe(sha256(body));
    expect(seen.slice(0, -1).every((b) => b.length === MiB)).toBe(true);
    expect(sha256(await fs.readFile(file))).toBe(sha256(body));
    // Given-back buffers are filled again: 7 MiB went through at most 4 buffers' worth of memory.
    expect(memories.size).toBeLessThanOrEqual(4);
  });

  it('asks the caller to wait beyond its buffer limit, so memory stays bounded', async () => {
    const file = path.join(dir, 'b.part');
    const w = new ChunkFileWriter(await fs.open(file, 'w'), { minWriteBytes: MiB, maxBufferedBytes: 4 * MiB });
    let accepted = 0;
    const chunk = Buffer.alloc(64 * KiB, 1);
    while (w.write(chunk)) accepted += chunk.length;
    accepted += chunk.length;
    expect(accepted).toBeLessThanOrEqual(4 * MiB);
    await w.drained();
    expect(w.bytesQueued - w.bytesWritten).toBeLessThanOrEqual(2 * MiB);
    await w.finish();
    await w.close();
    expect((await fs.stat(file)).size).toBe(accepted);
  });

  it('flush() writes a tail smaller than one write (a failed transfer keeps every received byte)', async () => {
    const file = path.join(dir, 'c.part');
    const body = randomBytes(3 * MiB + 100);
    const w = new ChunkFileWriter(await fs.open(file, 'w'));
    await feed(w, body, 100_000);
    await w.close();
    expect(sha256(await fs.readFile(file))).toBe(sha256(body));
  });

  it('a write failure is reported, later chunks are refused, and finish() throws it', async () => {
    const file = path.join(dir, 'd.part');
    await fs.writeFile(file, '');
    const fh = await fs.open(file, 'r'); // read-only: every write fails with EBADF
    const w = new ChunkFileWriter(fh, { minWriteBytes: 64 * KiB });
    w.write(Buffer.alloc(64 * KiB));
    await w.flush();
    expect((w.error as NodeJS.ErrnoException).code).toBe('EBADF');
    expect(w.write(Buffer.alloc(10))).toBe(false);
    await expect(w.finish()).rejects.toMatchObject({ code: 'EBADF' });
    await w.close();
  });
});

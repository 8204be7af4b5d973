import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createStreamHash, stopHashWorker } from './hash-off-thread';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;
/** A buffer whose memory is its own (what the file writer hands over). */
const own = (b: Buffer) => {
  const out = Buffer.allocUnsafeSlow(b.length);
  b.copy(out);
  return out;
};

describe('SHA-256 off the event loop', () => {
  it('equals node:crypto with streams interleaved; the memory moves away and comes back whole', async () => {
    const a = randomBytes(5 * MiB + 3);
    const b = randomBytes(2 * MiB + 11);
    const ha = createStreamHash();
    const hb = createStreamHash();
    const updates: Array<Promise<Buffer[]>> = [];
    const memorySizes: number[] = [];
    for (let off = 0; off < Math.max(a.length, b.length); off += MiB) {
      if (off < a.length) {
        const view = own(a.subarray(off, off + MiB));
        memorySizes.push(view.byteLength);
        updates.push(ha.update([view]));
        expect(view.byteLength).toBe(0); // moved to the worker, not copied
      }
      // A short view of a larger memory: only the view's bytes are hashed, the whole memory returns.
      if (off < b.length) {
        const part = b.subarray(off, off + MiB);
        const mem = Buffer.allocUnsafeSlow(MiB + 100);
        part.copy(mem);
        memorySizes.push(mem.byteLength);
        updates.push(hb.update([mem.subarray(0, part.length)]));
      }
    }
    const back = (await Promise.all(updates)).flat();
    expect(back.map((buf) => buf.byteLength)).toEqual(memorySizes);
    expect(await ha.digest()).toBe(sha256(a));
    expect(await hb.digest()).toBe(sha256(b));
    await expect(ha.digest()).rejects.toThrow(/twice/);
  });

  it('an empty stream has the empty digest; the in-place fallback agrees', async () => {
    expect(await createStreamHash().digest()).toBe(sha256(Buffer.alloc(0)));
    const inPlace = createStreamHash({ offThread: false });
    const body = randomBytes(300_000);
    expect(await inPlace.update([own(body.subarray(0, 1000)), own(body.subarray(1000))])).toHaveLength(2);
    expect(await inPlace.digest()).toBe(sha256(body));
  });

  it('a stopped worker fails the streams it held with a clear error, and the next stream gets a new worker', async () => {
    const h = createStreamHash();
    await h.update([own(randomBytes(1000))]);
    await stopHashWorker();
    await expect(h.digest()).rejects.toMatchObject({ code: 'write_failed', message: expect.stringMatching(/SHA-256 thread stopped.*cannot be verified/) });
    const next = createStreamHash();
    const abc = own(Buffer.from('abc'));
    const back = next.update([abc]);
    expect(abc.byteLength).toBe(0); // moved to a (new) worker, not hashed in place
    await back;
    expect(await next.digest()).toBe(sha256(Buffer.from('abc')));
  });

  it('dispose() ends waiting updates and refuses a digest still awaited', async () => {
    const h = createStreamHash();
    const update = h.update([own(randomBytes(4 * MiB))]);
    const digest = h.digest();
    h.dispose();
    await expect(update).resolves.toEqual([]);
    await expect(digest).rejects.toMatchObject({ code: 'aborted' });
  });
});

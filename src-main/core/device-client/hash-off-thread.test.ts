import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createStreamHash, sharedBuffer, stopHashWorker } from './hash-off-thread';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

describe('SHA-256 off the event loop', () => {
  it('equals node:crypto for shared and ordinary buffers, with streams interleaved', async () => {
    const a = randomBytes(5 * MiB + 3);
    const b = randomBytes(2 * MiB + 11);
    const ha = createStreamHash();
    const hb = createStreamHash();
    const updates: Promise<void>[] = [];
    for (let off = 0; off < Math.max(a.length, b.length); off += MiB) {
      if (off < a.length) {
        const part = a.subarray(off, off + MiB);
        const shared = sharedBuffer(part.length);
        part.copy(shared);
        updates.push(ha.update(shared));
      }
      if (off < b.length) updates.push(hb.update(b.subarray(off, off + MiB))); // copied, not shared
    }
    await Promise.all(updates);
    expect(await ha.digest()).toBe(sha256(a));
    expect(await hb.digest()).toBe(sha256(b));
    await expect(ha.digest()).rejects.toThrow(/twice/);
  });

  it('an empty stream has the empty digest; the in-place fallback agrees', async () => {
    expect(await createStreamHash().digest()).toBe(sha256(Buffer.alloc(0)));
    const inPlace = createStreamHash({ offThread: false });
    const body = randomBytes(300_000);
    await inPlace.update(body);
    expect(await inPlace.digest()).toBe(sha256(body));
  });

  it('a stopped worker fails the streams it held with a clear error, and the next stream gets a new worker', async () => {
    const h = createStreamHash();
    await h.update(randomBytes(1000));
    await stopHashWorker();
    await expect(h.digest()).rejects.toMatchObject({ code: 'write_failed', message: expect.stringMatching(/SHA-256 thread stopped.*cannot be verified/) });
    const next = createStreamHash();
    await next.update(Buffer.from('abc'));
    expect(await next.digest()).toBe(sha256(Buffer.from('abc')));
  });

  it('dispose() frees waiting buffers and refuses a digest still awaited', async () => {
    const h = createStreamHash();
    const update = h.update(randomBytes(4 * MiB));
    const digest = h.digest();
    h.dispose();
    await expect(update).resolves.toBeUndefined();
    await expect(digest).rejects.toMatchObject({ code: 'aborted' });
  });
});

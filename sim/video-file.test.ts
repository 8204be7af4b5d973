/** Generated video files: valid ISO-BMFF boxes from byte 0 to the exact size, SHA-256 as written. */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freeBoxHeader, sampleMp4, writeVideoFile } from './video-file';

const dir = mkdtempSync(join(tmpdir(), 'sim-video-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Walk the top-level boxes of a file without reading the payloads: [type, size] in order. */
function topLevelBoxes(path: string): [string, number][] {
  const fd = openSync(path, 'r');
  try {
    const total = statSync(path).size;
    const out: [string, number][] = [];
    const h = Buffer.alloc(16);
    for (let pos = 0; pos < total; ) {
      readSync(fd, h, 0, 16, pos);
      let size = h.readUInt32BE(0);
      const type = h.toString('latin1', 4, 8);
      if (size === 1) size = Number(h.readBigUInt64BE(8));
      if (size < 8) throw new Error(`bad box size ${size} at ${pos}`);
      out.push([type, size]);
      pos += size;
      if (pos > total) throw new Error(`box ${type} runs past the end`);
    }
    return out;
  } finally {
    closeSync(fd);
  }
}
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('sample MP4', () => {
  it('is a small real MP4 (ftyp first, moov and mdat present)', () => {
    const s = sampleMp4();
    expect(s.length).toBeGreaterThan(1000);
    expect(s.length).toBeLessThan(200 * 1024);
    const p = join(dir, 'sample.mp4');
    writeFileSync(p, s);
    const types = topLevelBoxes(p).map(([t]) => t);
    expect(types[0]).toBe('ftyp');
    expect(types).toContain('moov');
    expect(types).toContain('mdat');
  });
});

describe('writeVideoFile', () => {
  const s = () => sampleMp4().length;
  it.each([
    ['the sample size exactly', () => s()],
    ['larger: sample + one free box', () => 5 * 1024 * 1024 + 3],
    ['sample + 3 bytes (too few for a box): ftyp + free', () => s() + 3],
    ['smaller than the sample: ftyp + free', () => 1000],
  ])('%s: boxes cover the exact size, ftyp first, sha256 matches', async (_label, size) => {
    const want = size();
    const p = join(dir, `v-${want}.mp4`);
    const w = await writeVideoFile(p, want);
    expect(statSync(p).size).toBe(want);
    expect(w.size).toBe(want);
    expect(w.sha256).toBe(sha(p));
    const boxes = topLevelBoxes(p);
    expect(boxes[0]![0]).toBe('ftyp');
    expect(boxes.reduce((a, [, n]) => a + n, 0)).toBe(want);
    if (want > s() + 7) expect(boxes.at(-1)![0]).toBe('free');
  });

  it('writes given bytes as they are, under the final name only when complete', async () => {
    const p = join(dir, 'given.bin');
    const w = await writeVideoFile(p, Buffer.from('hello'));
    expect(readFileSync(p, 'utf8')).toBe('hello');
    expect(w.sha256).toBe(createHash('sha256').update('hello').digest('hex'));
    await expect(writeVideoFile(join(dir, 'bad.mp4'), -1)).rejects.toThrow(RangeError);
  });

  it('noise blocks of a large file differ (not one repeated block)', async () => {
    const p = join(dir, 'big.mp4');
    await writeVideoFile(p, 9 * 1024 * 1024);
    const b = readFileSync(p);
    const a1 = b.subarray(s() + 8, s() + 8 + 64);
    const a2 = b.subarray(s() + 8 + 4 * 1024 * 1024, s() + 8 + 4 * 1024 * 1024 + 64);
    expect(a1.equals(a2)).toBe(false);
  });

  it('uses the 64-bit largesize form above 4 GiB - 1', () => {
    const small = freeBoxHeader(100);
    expect([small.length, small.readUInt32BE(0), small.toString('latin1', 4, 8)]).toEqual([8, 100, 'free']);
    const big = freeBoxHeader(5 * 1024 ** 3);
    expect([big.length, big.readUInt32BE(0), big.toString('latin1', 4, 8), Number(big.readBigUInt64BE(8))]).toEqual([16, 1, 'free', 5 * 1024 ** 3]);
    expect(() => freeBoxHeader(7)).toThrow(RangeError);
  });
});

/**
 * Recorded-video files for the virtual devices: the shipped sample MP4, grown to any size with an
 * ISO-BMFF `free` box so the file stays a valid MP4. Large files are streamed from one reusable
 * buffer (no whole file in memory) and hashed as they are written.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SAMPLE_MP4_PATH = join(dirname(fileURLToPath(import.meta.url)), 'assets', 'sample.mp4');

let sample: Buffer | null = null;
/** The sample clip (~11 KB, 1.5 s 160×120 H.264). */
export function sampleMp4(): Buffer {
  sample ??= readFileSync(SAMPLE_MP4_PATH);
  return sample;
}

/** A minimal `ftyp` box, for files smaller than the sample (still a valid ISO-BMFF start). */
const FTYP = Buffer.from([
  0,
  0,
  0,
  24,
  0x66,
  0x74,
  0x79,
  0x70, // size 24, 'ftyp'
  0x69,
  0x73,
  0x6f,
  0x6d,
  0,
  0,
  2,
  0, // major 'isom', minor 0x200
  0x69,
  0x73,
  0x6f,
  0x6d,
  0x6d,
  0x70,
  0x34,
  0x31, // compatible 'isom' 'mp41'
]);

const BLOCK = 4 * 1024 * 1024;
let noise: Buffer | null = null;
function noiseBlock(): Buffer {
  noise ??= randomBytes(BLOCK);
  return noise;
}

/** Header of a `free` box `total` bytes long (largesize form above 4 GiB - 1). */
export function freeBoxHeader(total: number): Buffer {
  if (total < 8) throw new RangeError(`a box is at least 8 bytes, not ${total}`);
  if (total <= 0xffffffff) {
    const h = Buffer.alloc(8);
    h.writeUInt32BE(total, 0);
    h.write('free', 4, 'latin1');
    return h;
  }
  const h = Buffer.alloc(16);
  h.writeUInt32BE(1, 0); // 1 = the real size follows as a 64-bit largesize
  h.write('free', 4, 'latin1');
  h.writeBigUInt64BE(BigInt(total), 8);
  return h;
}

/** The leading bytes of a `size`-byte video: the sample (or an ftyp) plus the free-box header, if any. */
function videoPrefix(size: number): Buffer {
  const s = sampleMp4();
  if (size <= s.length) return size === s.length ? s : size >= FTYP.length + 8 ? Buffer.concat([FTYP, freeBoxHeader(size - FTYP.length)]) : s.subarray(0, size);
  const rest = size - s.length;
  if (rest >= 8) return Buffer.concat([s, freeBoxHeader(rest)]);
  // 1–7 spare bytes cannot hold a box after the sample: use the ftyp-only layout instead.
  return Buffer.concat([FTYP, freeBoxHeader(size - FTYP.length)]);
}

export interface WrittenFile {
  size: number;
  sha256: string;
}

/** Write `content` (bytes, or a size to generate a valid MP4 of) to `finalPath` via a hidden temp name. */
export async function writeVideoFile(finalPath: string, content: Buffer | number): Promise<WrittenFile> {
  const size = typeof content === 'number' ? content : content.length;
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`file size must be a non-negative integer, not ${size}`);
  const temp = join(dirname(finalPath), `.${Date.now()}-${Math.random().toString(36).slice(2)}.partial`);
  const hash = createHash('sha256');
  const fh = await open(temp, 'w');
  try {
    const write = async (buf: Buffer) => {
      hash.update(buf);
      let off = 0;
      while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
    };
    if (typeof content !== 'number') {
      await write(content);
    } else {
      const prefix = videoPrefix(size);
      await write(prefix.subarray(0, Math.min(prefix.length, size)));
      let left = size - Math.min(prefix.length, size);
      // A private copy: concurrent writers must not see each other's block stamps.
      const block = left > 0 ? Buffer.from(noiseBlock().subarray(0, Math.min(left, BLOCK))) : Buffer.alloc(0);
      let n = 0;
      while (left > 0) {
        // Stamp the block index so blocks differ (cheap; keeps the file from being one repeated block).
        block.writeUInt32BE(n++ >>> 0, 0);
        const len = Math.min(left, block.length);
        await write(block.subarray(0, len));
        left -= len;
      }
    }
    await fh.close();
    await rename(temp, finalPath);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw e;
  }
  return { size, sha256: hash.digest('hex') };
}

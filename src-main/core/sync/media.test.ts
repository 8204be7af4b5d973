/**
 * Window decoding against a known signal: a click train at exact sample positions, encoded to
 * AAC by the real ffmpeg in mp4, mov and a stored zip (as the OAK server packages it). Each
 * window decoded by seeking must report where its first sample sits: every click inside it must
 * land where the file's own sample grid puts it (exact at 48 kHz; within about a sample when
 * ffmpeg resamples 44.1 kHz). Also the cheap coarse decode: mono 8 kHz 16-bit, whole length.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegAvailable, wrapInZip } from '../../../sim/scene/recording';
import { decodeAudio, decodeWindows, probe } from './media';

const hasFfmpeg = await ffmpegAvailable();
let dir = '';
const SECONDS = 20;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multicam-media-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function ffmpeg(args: string[]): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn('ffmpeg', ['-v', 'error', '-nostdin', '-y', ...args], { stdio: 'ignore' });
    p.on('error', rej);
    p.on('close', (code) => (code === 0 ? res() : rej(new Error(`ffmpeg exited ${code}`))));
  });
}

/** A click every 94 ms (plus a little noise so the encoder has something to do); click times in s. */
async function clickFile(name: string, rate: number, container: 'mp4' | 'mov' | 'zip'): Promise<{ path: string; clicks: number[] }> {
  const pcm = Buffer.alloc(SECONDS * rate * 2);
  let seed = 7;
  for (let i = 0; i < SECONDS * rate; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    pcm.writeInt16LE(((seed >>> 16) % 200) - 100, i * 2);
  }
  const clicks: number[] = [];
  for (let t = 0.5; t < SECONDS - 0.5; t += 0.0937) {
    const i = Math.round(t * rate);
    clicks.push(i / rate);
    pcm.writeInt16LE(24_000, i * 2);
  }
  const raw = join(dir, `${name}.raw`);
  await writeFile(raw, pcm);
  const media = join(dir, `${name}.${container === 'mov' ? 'mov' : 'mp4'}`);
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `color=c=black:s=64x36:r=25:d=${SECONDS}`,
    '-f',
    's16le',
    '-ar',
    String(rate),
    '-ac',
    '1',
    '-i',
    raw,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-c:a',
    'aac',
    '-b:a',
    '192k',
    '-shortest',
    media,
  ]);
  if (container !== 'zip') return { path: media, clicks };
  await wrapInZip(media, 'video.mp4');
  const zip = join(dir, `${name}.zip`);
  await rename(media, zip);
  return { path: zip, clicks };
}

/** Sub-sample position of the loudest sample near `around` (parabola through the peak). */
function peakNear(x: Float32Array, around: number): number {
  let b = Math.max(1, Math.round(around) - 100);
  for (let i = b; i < Math.min(x.length - 1, Math.round(around) + 100); i++) if (Math.abs(x[i]!) > Math.abs(x[b]!)) b = i;
  const [l, m, r] = [Math.abs(x[b - 1]!), Math.abs(x[b]!), Math.abs(x[b + 1]!)];
  return b + (0.5 * (l - r)) / (l - 2 * m + r);
}

describe.skipIf(!hasFfmpeg)('decoding windows by seeking', { timeout: 120_000 }, () => {
  const starts = [0.2, 1.2345, 5.55, 9.0101, 13.3333, 17.9];
  const WIN = 16_384;

  for (const [label, rate, container, tolerance] of [
    ['48 kHz mp4', 48_000, 'mp4', 0.05],
    ['48 kHz mov', 48_000, 'mov', 0.05],
    ['48 kHz mp4 inside a stored zip', 48_000, 'zip', 0.05],
    ['44.1 kHz mp4 (resampled)', 44_100, 'mp4', 1.5],
  ] as const) {
    it(`${label}: every click lands where the window's start says (within ${tolerance} samples)`, async () => {
      const { path, clicks } = await clickFile(label.replace(/\W+/g, '-'), rate, container);
      const facts = await probe(path);
      const windows = await decodeWindows(path, starts, WIN, 48_000, { audioStartMs: facts.audioStartMs, inputRate: facts.audioSampleRate });
      expect(windows).toHaveLength(starts.length);
      let seen = 0;
      windows.forEach((w, k) => {
        expect(w.samples).toHaveLength(WIN);
        expect(w.t0).toBeGreaterThanOrEqual(starts[k]! - 1e-9);
        expect(w.t0 - starts[k]!).toBeLessThan(1 / 44_100);
        for (const c of clicks) {
          const at = (c - w.t0) * 48_000;
          if (at < 200 || at > WIN - 200) continue;
          expect(Math.abs(peakNear(w.samples, at) - at), `click at ${c} s in the window from ${w.t0} s`).toBeLessThan(tolerance);
          seen++;
        }
      });
      expect(seen).toBeGreaterThanOrEqual(12);
    });
  }

  it('the coarse decode delivers the whole track as mono 8 kHz, with the clicks where they belong', async () => {
    const { path, clicks } = await clickFile('coarse', 48_000, 'mp4');
    const parts: Float32Array[] = [];
    const total = await decodeAudio(path, 8000, (x) => parts.push(x.slice()), { format: 's16' });
    expect(Math.abs(total - SECONDS * 8000)).toBeLessThan(8000 * 0.05);
    const all = new Float32Array(total);
    let o = 0;
    for (const p of parts) {
      all.set(p, o);
      o += p.length;
    }
    for (const c of clicks.slice(0, 10)) expect(Math.abs(peakNear(all, c * 8000) - c * 8000)).toBeLessThan(1);
  });
});

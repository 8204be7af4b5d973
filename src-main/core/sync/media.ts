/**
 * ffprobe facts and streaming audio decode with ffmpeg (spawned directly: no wrapper library;
 * fluent-ffmpeg is archived). Output of both is bounded and every run has a timeout. A stored
 * (uncompressed) zip, as the OAK server packages its video, is read in place through ffmpeg's
 * `subfile` protocol.
 */
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';

export interface MediaTools {
  ffmpeg: string;
  ffprobe: string;
}
export const DEFAULT_TOOLS: MediaTools = { ffmpeg: 'ffmpeg', ffprobe: 'ffprobe' };

export interface Rational {
  num: number;
  den: number;
}

export interface MediaFacts {
  durationMs: number | null;
  fps: Rational | null;
  width: number | null;
  height: number | null;
  videoCodec: string | null;
  hasAudio: boolean;
  audioCodec: string | null;
  audioSampleRate: number | null;
  /** Start of the audio stream relative to the file's earliest stream, ms (normally 0). */
  audioStartMs: number;
  /** Inside a zip: the member ffmpeg reads. */
  member: string | null;
}

/** One-line error for the operator. */
export class MediaError extends Error {}

/** Where ffmpeg should read `path`: the file itself, or the stored video member of a zip. */
export async function mediaInput(path: string): Promise<{ url: string; member: string | null }> {
  if (!/\.zip$/i.test(path)) return { url: path, member: null };
  const m = await storedZipMember(path);
  // subfile: ffmpeg reads bytes [start, end) of the file as if they were a file of their own.
  return { url: `subfile,,start,${m.start},end,${m.end},,:${path}`, member: m.name };
}

const VIDEO_EXT = /\.(mp4|mov|m4v|mkv|avi|mts|m2ts|webm)$/i;

/** The first video member of a zip stored without compression: its byte range. */
export async function storedZipMember(path: string): Promise<{ name: string; start: number; end: number }> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const tailLen = Math.min(size, 65_557); // end record (22) + the longest comment
    const tail = Buffer.alloc(tailLen);
    await fh.read(tail, 0, tailLen, size - tailLen);
    let eocd = -1;
    for (let i = tailLen - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === 0x06054b50) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new MediaError('not a zip archive');
    const entries = tail.readUInt16LE(eocd + 10);
    const cdSize = tail.readUInt32LE(eocd + 12);
    const cdOffset = tail.readUInt32LE(eocd + 16);
    if (cdSize > 4 * 1024 * 1024 || cdOffset + cdSize > size) throw new MediaError('zip directory is damaged');
    const cd = Buffer.alloc(cdSize);
    await fh.read(cd, 0, cdSize, cdOffset);
    let p = 0;
    for (let e = 0; e < entries && p + 46 <= cd.length; e++) {
      if (cd.readUInt32LE(p) !== 0x02014b50) throw new MediaError('zip directory is damaged');
      const method = cd.readUInt16LE(p + 10);
      const compressed = cd.readUInt32LE(p + 20);
      const nameLen = cd.readUInt16LE(p + 28);
      const extraLen = cd.readUInt16LE(p + 30);
      const commentLen = cd.readUInt16LE(p + 32);
      const local = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLen);
      p += 46 + nameLen + extraLen + commentLen;
      if (!VIDEO_EXT.test(name)) continue;
      if (method !== 0) throw new MediaError(`the video in this zip (${name.slice(0, 80)}) is compressed; unzip it first`);
      const lh = Buffer.alloc(30);
      await fh.read(lh, 0, 30, local);
      if (lh.readUInt32LE(0) !== 0x04034b50) throw new MediaError('zip entry is damaged');
      const start = local + 30 + lh.readUInt16LE(26) + lh.readUInt16LE(28);
      if (start + compressed > size) throw new MediaError('zip entry is truncated');
      return { name, start, end: start + compressed };
    }
    throw new MediaError('no video file in this zip');
  } finally {
    await fh.close();
  }
}

/** Run a tool, collecting at most `maxBytes` of stdout; rejects with a one-line reason. */
function runTool(bin: string, args: string[], timeoutMs: number, maxBytes = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new MediaError(`${bin} took longer than ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
    p.stdout.on('data', (d: Buffer) => {
      if (out.length < maxBytes) out += d.toString();
    });
    p.stderr.on('data', (d: Buffer) => {
      if (err.length < 4000) err += d.toString();
    });
    p.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new MediaError(e.code === 'ENOENT' ? `${bin} is not installed` : `${bin}: ${e.message}`));
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new MediaError(`${bin} cannot read the file: ${lastLine(err) || `exit ${code}`}`));
    });
  });
}

const lastLine = (s: string) => (s.trim().split('\n').pop() ?? '').replace(/^.*?: /, '').slice(0, 200);

function parseRate(s: unknown): Rational | null {
  if (typeof s !== 'string') return null;
  const m = /^(\d{1,9})\/(\d{1,9})$/.exec(s);
  if (!m) return null;
  const num = Number(m[1]);
  const den = Number(m[2]);
  return num > 0 && den > 0 && num / den < 1000 ? { num, den } : null;
}

const num = (v: unknown): number | null => {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : null;
};
const str = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, 64) : null);

export async function probe(path: string, tools: MediaTools = DEFAULT_TOOLS, timeoutMs = 30_000): Promise<MediaFacts> {
  const input = await mediaInput(path);
  const text = await runTool(tools.ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', input.url], timeoutMs);
  let j: { format?: Record<string, unknown>; streams?: Record<string, unknown>[] };
  try {
    j = JSON.parse(text) as typeof j;
  } catch {
    throw new MediaError('ffprobe gave no readable answer');
  }
  const streams = Array.isArray(j.streams) ? j.streams.slice(0, 64) : [];
  const v = streams.find((s) => s.codec_type === 'video' && (s.disposition as Record<string, number> | undefined)?.attached_pic !== 1);
  const a = streams.find((s) => s.codec_type === 'audio');
  const starts = streams.map((s) => num(s.start_time)).filter((x): x is number => x !== null);
  const t0 = starts.length ? Math.min(...starts) : 0;
  const dur = num(j.format?.duration);
  return {
    durationMs: dur !== null && dur >= 0 ? dur * 1000 : null,
    fps: v ? (parseRate(v.avg_frame_rate) ?? parseRate(v.r_frame_rate)) : null,
    width: v ? num(v.width) : null,
    height: v ? num(v.height) : null,
    videoCodec: v ? str(v.codec_name) : null,
    hasAudio: !!a,
    audioCodec: a ? str(a.codec_name) : null,
    audioSampleRate: a ? num(a.sample_rate) : null,
    audioStartMs: a ? ((num(a.start_time) ?? t0) - t0) * 1000 : 0,
    member: input.member,
  };
}

/** Receives decoded samples; the array is reused for the next chunk (copy what you keep). */
type Chunk = (samples: Float32Array) => void;

/**
 * Run ffmpeg writing raw mono PCM (`s16le` or `f32le`) to stdout and hand it on as floats, chunk
 * by chunk (nothing accumulates here). Resolves with the number of samples delivered.
 */
function runPcm(tools: MediaTools, args: string[], format: 's16' | 'f32', onChunk: Chunk, timeoutMs: number): Promise<number> {
  // (`-flush_packets 0` in `args`: ffmpeg fills its 32 KiB buffer before writing, instead of one
  // small write per audio frame; thirty times fewer wake-ups here.)
  const width = format === 's16' ? 2 : 4;
  return new Promise((resolve, reject) => {
    const p = spawn(tools.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let total = 0;
    let carry: Buffer | null = null;
    let failed: Error | null = null;
    let floats = new Float32Array(0);
    const timer = setTimeout(() => {
      failed = new MediaError(`decoding took longer than ${Math.round(timeoutMs / 1000)} s`);
      p.kill('SIGKILL');
    }, timeoutMs);
    p.stdout.on('data', (d: Buffer) => {
      if (failed) return;
      const buf = carry ? Buffer.concat([carry, d]) : d;
      const whole = buf.length - (buf.length % width);
      carry = whole < buf.length ? Buffer.from(buf.subarray(whole)) : null;
      if (whole === 0) return;
      const n = whole / width;
      // One float buffer reused for every chunk (onChunk consumes it synchronously): a long
      // decode leaves nothing behind for the collector but the pipe's own chunks.
      if (floats.length < n) floats = new Float32Array(n);
      const f = floats.subarray(0, n);
      if (format === 's16') {
        // Little-endian hosts only (every platform the app ships for); a copy when unaligned.
        const src = buf.byteOffset % 2 === 0 ? buf : Buffer.from(buf.subarray(0, whole));
        const s16 = new Int16Array(src.buffer, src.byteOffset, n);
        for (let i = 0; i < n; i++) f[i] = s16[i]! / 32768;
      }
      // An aligned copy: the chunk's byteOffset need not be a multiple of 4.
      else Buffer.from(f.buffer).set(buf.subarray(0, whole));
      total += n;
      try {
        onChunk(f);
      } catch (e) {
        failed = e as Error;
        p.kill('SIGKILL');
      }
    });
    p.stderr.on('data', (d: Buffer) => {
      if (err.length < 4000) err += d.toString();
    });
    p.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new MediaError(e.code === 'ENOENT' ? `${tools.ffmpeg} is not installed` : e.message));
    });
    p.on('close', (code) => {
      clearTimeout(timer);
      if (failed) reject(failed);
      else if (code !== 0) reject(new MediaError(`ffmpeg cannot decode the audio: ${lastLine(err) || `exit ${code}`}`));
      else resolve(total);
    });
  });
}

/**
 * Decode the whole first audio track to mono at `rate`, handing chunks to `onChunk` as they
 * arrive (memory stays flat however long the clip). `s16` halves what crosses the pipe; a low
 * `rate` (the coarse pass) shrinks it further: ffmpeg resamples cheaper than JavaScript copies.
 */
export async function decodeAudio(
  path: string,
  rate: number,
  onChunk: Chunk,
  opts: { tools?: MediaTools; timeoutMs?: number; format?: 's16' | 'f32' } = {},
): Promise<number> {
  const tools = opts.tools ?? DEFAULT_TOOLS;
  const format = opts.format ?? 'f32';
  const input = await mediaInput(path);
  const args = [
    '-v',
    'error',
    '-nostdin',
    '-i',
    input.url,
    '-map',
    '0:a:0',
    '-ac',
    '1',
    '-ar',
    String(rate),
    '-flush_packets',
    '0',
    '-f',
    `${format}le`,
    'pipe:1',
  ];
  return runPcm(tools, args, format, onChunk, opts.timeoutMs ?? 600_000);
}

/** Samples decoded before each window and dropped: the first AAC frame after a seek lacks its overlap. */
export const PREROLL_SECONDS = 2048 / 48_000;
/** Windows per ffmpeg run (each is an input of its own: a bounded number of open demuxers). */
const WINDOWS_PER_RUN = 16;

export interface DecodedWindow {
  /** Audio-stream time (s) of samples[0]: exact, on the file's own sample grid. */
  t0: number;
  samples: Float32Array;
}

/**
 * Decode short windows of the first audio track, mono at `rate`, each starting at (or within one
 * sample after) the audio-stream time in `starts` (s) and `length` samples long. One ffmpeg run
 * holds many windows: an input per window that seeks there (`-ss` before `-i`: the demuxer jumps,
 * nothing before is read), trimmed to exact sample counts and concatenated. ffmpeg's input seek
 * is sample-accurate for audio (it decodes from the packet before and trims), but the first frame
 * decoded after a seek is damaged, so each window starts PREROLL_SECONDS early and that part is
 * dropped here. A window past the end of the sound is padded with silence.
 */
export async function decodeWindows(
  path: string,
  starts: number[],
  length: number,
  rate: number,
  opts: { tools?: MediaTools; timeoutMs?: number; audioStartMs?: number; inputRate?: number | null } = {},
): Promise<DecodedWindow[]> {
  const out: DecodedWindow[] = [];
  for (let i = 0; i < starts.length; i += WINDOWS_PER_RUN) out.push(...(await decodeWindowRun(path, starts.slice(i, i + WINDOWS_PER_RUN), length, rate, opts)));
  return out;
}

async function decodeWindowRun(
  path: string,
  starts: number[],
  length: number,
  rate: number,
  opts: { tools?: MediaTools; timeoutMs?: number; audioStartMs?: number; inputRate?: number | null },
): Promise<DecodedWindow[]> {
  if (starts.length === 0) return [];
  const tools = opts.tools ?? DEFAULT_TOOLS;
  const input = await mediaInput(path);
  // Seek on the file's own sample grid, so the first output sample's time is known exactly.
  const sr = opts.inputRate && opts.inputRate > 0 ? opts.inputRate : rate;
  const skew = (opts.audioStartMs ?? 0) / 1000;
  const plan = starts.map((start) => {
    const seekIn = Math.max(0, Math.floor(start * sr) - Math.ceil(PREROLL_SECONDS * sr));
    const seek = seekIn / sr;
    const drop = Math.max(0, Math.ceil((start - seek) * rate - 1e-6));
    return { seek, drop, total: drop + length };
  });
  const args = ['-v', 'error', '-nostdin'];
  for (const w of plan) args.push('-ss', (skew + w.seek).toFixed(6), '-t', ((w.total + rate / 10) / rate).toFixed(6), '-i', input.url);
  const chains = plan.map(
    (w, k) =>
      `[${k}:a:0]aformat=sample_fmts=flt:sample_rates=${rate}:channel_layouts=mono,asetpts=N/SR/TB,atrim=end_sample=${w.total},apad=whole_len=${w.total}[w${k}]`,
  );
  const graph = `${chains.join(';')};${plan.map((_, k) => `[w${k}]`).join('')}concat=n=${plan.length}:v=0:a=1[out]`;
  args.push('-filter_complex', graph, '-map', '[out]', '-flush_packets', '0', '-f', 'f32le', 'pipe:1');
  // Exact when the file's audio is at `rate`; a resampled window (a 44.1 kHz file) starts within
  // about one output sample of this (ffmpeg's resampler settles on its own grid): ≤ 25 µs.
  const windows = plan.map((w) => ({ t0: w.seek + w.drop / rate, samples: new Float32Array(length) }));
  // Scatter the concatenated stream into the windows (dropping each pre-roll) as it arrives.
  let k = 0;
  let pos = 0;
  await runPcm(
    tools,
    args,
    'f32',
    (x) => {
      let i = 0;
      while (i < x.length && k < plan.length) {
        const w = plan[k]!;
        const take = Math.min(x.length - i, w.total - pos);
        const from = Math.max(pos, w.drop);
        const to = pos + take;
        if (to > from) windows[k]!.samples.set(x.subarray(i + (from - pos), i + (to - pos)), from - w.drop);
        i += take;
        pos += take;
        if (pos === w.total) {
          k++;
          pos = 0;
        }
      }
    },
    opts.timeoutMs ?? 120_000,
  );
  if (k < plan.length) throw new MediaError('ffmpeg returned less audio than asked for');
  return windows;
}

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

/**
 * Decode the first audio track to mono 32-bit float at `rate`, handing chunks to `onChunk` as
 * they arrive (nothing accumulates here: memory stays flat however long the clip).
 */
export async function decodeAudio(
  path: string,
  rate: number,
  onChunk: (samples: Float32Array) => void,
  opts: { tools?: MediaTools; timeoutMs?: number } = {},
): Promise<number> {
  const tools = opts.tools ?? DEFAULT_TOOLS;
  const input = await mediaInput(path);
  const args = ['-v', 'error', '-nostdin', '-i', input.url, '-map', '0:a:0', '-ac', '1', '-ar', String(rate), '-f', 'f32le', 'pipe:1'];
  return new Promise((resolve, reject) => {
    const p = spawn(tools.ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let total = 0;
    let carry: Buffer | null = null;
    let failed: Error | null = null;
    const timer = setTimeout(() => {
      failed = new MediaError(`decoding took longer than ${Math.round((opts.timeoutMs ?? 600_000) / 1000)} s`);
      p.kill('SIGKILL');
    }, opts.timeoutMs ?? 600_000);
    p.stdout.on('data', (d: Buffer) => {
      if (failed) return;
      let buf = carry ? Buffer.concat([carry, d]) : d;
      const whole = buf.length - (buf.length % 4);
      carry = whole < buf.length ? Buffer.from(buf.subarray(whole)) : null;
      buf = buf.subarray(0, whole);
      if (whole === 0) return;
      // Copy into an aligned Float32Array (the chunk's byteOffset may not be a multiple of 4).
      const f = new Float32Array(whole / 4);
      Buffer.from(f.buffer).set(buf);
      total += f.length;
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

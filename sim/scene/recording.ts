/**
 * A virtual camera's recording of the shared scene, made with ffmpeg: H.264 video (small frame,
 * the TRUE time burnt in) and AAC 48 kHz mono audio whose every sample is the scene at the true
 * instant that camera's clock put it (start instant, clock drift, audio/video skew), plus the
 * camera's own noise at the requested SNR. The spec is the ground truth the sync tests and the
 * benchmark check the analysis against.
 */
import { spawn } from 'node:child_process';
import { crc32 } from 'node:zlib';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mulberry32 } from '../../src-shared/prng';
import { SCENE_EPOCH_MS, SCENE_RATE, sceneAt, sceneRms } from './signal';

export type SceneSound = 'scene' | 'silence' | 'private' | 'loop';

export interface SceneRecordingSpec {
  /** TRUE instant (ms epoch) of the file's media time 0 (its first video frame). */
  trueStartMs: number;
  /** Media duration, ms. */
  durationMs: number;
  /** The camera clock runs (1 + ppm·1e-6) times true time: media time τ ↔ true trueStart + τ/(1+k). */
  driftPpm?: number;
  /**
   * Audio/video skew, media ms: the sound heard at an instant lands this much later in the file
   * than the picture of that instant (a phone's audio path latency). The file itself does not say
   * so; only the truth records it.
   */
  avSkewMs?: number;
  /** Scene to camera-noise ratio, dB (default 30). */
  snrDb?: number;
  /** Seed of this camera's own noise (default 1). */
  noiseSeed?: number;
  /** What the microphone hears: the shared scene (default), silence, a private sound nobody else hears, or the scene looped every second. */
  sound?: SceneSound;
  /** Frame rate as a rational (default 25/1). */
  fps?: { num: number; den: number };
  width?: number;
  height?: number;
  /** Container: mp4 (default), mov, or an uncompressed zip holding `video.mp4` (as the OAK server packages). */
  container?: 'mp4' | 'mov' | 'zip';
}

export type SceneTruth = Required<Omit<SceneRecordingSpec, 'fps'>> & { fps: { num: number; den: number } };

export function normaliseSpec(s: SceneRecordingSpec): SceneTruth {
  return {
    trueStartMs: s.trueStartMs,
    durationMs: s.durationMs,
    driftPpm: s.driftPpm ?? 0,
    avSkewMs: s.avSkewMs ?? 0,
    snrDb: s.snrDb ?? 30,
    noiseSeed: s.noiseSeed ?? 1,
    sound: s.sound ?? 'scene',
    fps: s.fps ?? { num: 25, den: 1 },
    width: s.width ?? 160,
    height: s.height ?? 90,
    container: s.container ?? 'mp4',
  };
}

let ffmpegCheck: Promise<boolean> | null = null;
/** Whether `ffmpeg` runs here (checked once per process). */
export function ffmpegAvailable(bin = 'ffmpeg'): Promise<boolean> {
  ffmpegCheck ??= new Promise<boolean>((res) => {
    const p = spawn(bin, ['-hide_banner', '-version'], { stdio: 'ignore' });
    p.on('error', () => res(false));
    p.on('close', (code) => res(code === 0));
  });
  return ffmpegCheck;
}

/** Int16 PCM of the camera's audio, in chunks (never the whole clip in memory). */
function* audioChunks(t: SceneTruth, chunk = SCENE_RATE): Generator<Buffer> {
  const total = Math.max(0, Math.round((t.durationMs / 1000) * SCENE_RATE));
  const k = t.driftPpm * 1e-6;
  // True sample index heard in this camera's audio sample j: (start + (j/rate - skew)/(1+k)) · rate.
  const base = ((t.trueStartMs - SCENE_EPOCH_MS) / 1000 - t.avSkewMs / 1000 / (1 + k)) * SCENE_RATE;
  const step = 1 / (1 + k);
  const noiseAmp = t.sound === 'silence' ? 0 : (sceneRms() / 10 ** (t.snrDb / 20)) * Math.sqrt(3);
  const rand = mulberry32(t.noiseSeed * 2654435761);
  const gain = 0.45;
  for (let j0 = 0; j0 < total; j0 += chunk) {
    const n = Math.min(chunk, total - j0);
    const buf = Buffer.alloc(n * 2);
    for (let i = 0; i < n; i++) {
      const x = base + (j0 + i) * step;
      let v = 0;
      if (t.sound === 'scene') v = sceneAt(x);
      else if (t.sound === 'loop') v = sceneAt(x, 1, SCENE_RATE);
      else if (t.sound === 'private') v = sceneAt(x, 1000 + t.noiseSeed);
      if (t.sound !== 'silence') v += noiseAmp * (2 * rand() - 1);
      buf.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * gain * 32767))), i * 2);
    }
    yield buf;
  }
}

/** Seconds of the UTC day, for the burnt-in clock. */
const secondsOfDay = (ms: number) => (((ms / 1000) % 86400) + 86400) % 86400;

function ffmpegArgs(t: SceneTruth, out: string, format: 'mp4' | 'mov', text: boolean): string[] {
  const dur = (t.durationMs / 1000).toFixed(6);
  const rate = `${t.fps.num}/${t.fps.den}`;
  const video = ['-f', 'lavfi', '-i', `color=c=0x1f2a36:s=${t.width}x${t.height}:r=${rate}:d=${dur}`];
  const audio = ['-f', 's16le', '-ar', String(SCENE_RATE), '-ac', '1', '-i', 'pipe:0'];
  const inputs = [...video, ...audio];
  const fontSize = Math.max(8, Math.round(t.height / 7));
  const vf = text ? ['-vf', `drawtext=text='%{pts\\:hms\\:${secondsOfDay(t.trueStartMs).toFixed(3)}}':fontcolor=white:fontsize=${fontSize}:x=3:y=3`] : [];
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    ...inputs,
    ...vf,
    '-map',
    '0:v',
    '-map',
    '1:a',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(Math.max(1, Math.round((2 * t.fps.num) / t.fps.den))),
    '-c:a',
    'aac',
    '-b:a',
    '96k',
    '-f',
    format,
    out,
  ];
}

function runFfmpeg(bin: string, args: string[], t: SceneTruth): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => {
      if (err.length < 4000) err += d.toString();
    });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}: ${err.trim().split('\n').pop() ?? ''}`))));
    p.stdin.on('error', () => undefined); // ffmpeg may exit first; 'close' reports why
    const chunks = audioChunks(t);
    const pump = () => {
      for (;;) {
        const next = chunks.next();
        if (next.done) {
          p.stdin.end();
          return;
        }
        if (!p.stdin.write(next.value)) {
          p.stdin.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

let textWorks: boolean | null = null;

/** Write the recording to `path` (via a hidden temp name) and return its ground truth. */
export async function writeSceneRecording(path: string, spec: SceneRecordingSpec, opts: { ffmpeg?: string } = {}): Promise<SceneTruth & { size: number }> {
  const t = normaliseSpec(spec);
  if (!(t.durationMs > 0) || !Number.isFinite(t.trueStartMs)) throw new RangeError('a scene recording needs a positive duration and a finite start');
  const bin = opts.ffmpeg ?? 'ffmpeg';
  const tmp = join(dirname(path), `.${Date.now()}-${Math.random().toString(36).slice(2)}.scene`);
  const format = t.container === 'mov' ? 'mov' : 'mp4';
  try {
    // The burnt-in clock needs a font; without one (a bare CI box) the picture is plain.
    if (textWorks !== false) {
      try {
        await runFfmpeg(bin, ffmpegArgs(t, tmp, format, true), t);
        textWorks = true;
      } catch (e) {
        if (textWorks === true) throw e;
        textWorks = false;
      }
    }
    if (textWorks === false) await runFfmpeg(bin, ffmpegArgs(t, tmp, format, false), t);
    if (t.container === 'zip') await wrapInZip(tmp, 'video.mp4');
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { ...t, size: (await stat(path)).size };
}

/** Replace `file` by an uncompressed (stored) zip archive holding it as `member`. */
export async function wrapInZip(file: string, member: string): Promise<void> {
  const data = await readFile(file);
  const name = Buffer.from(member, 'utf8');
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4); // version needed
  local.writeUInt16LE(0, 6); // flags
  local.writeUInt16LE(0, 8); // method: stored
  local.writeUInt32LE(0, 10); // time/date
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0, 8);
  central.writeUInt16LE(0, 10);
  central.writeUInt32LE(0, 12);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(0, 42); // local header offset
  const cdOffset = local.length + name.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(Buffer.concat([local, name, data, central, name, end]));
  } finally {
    await fh.close();
  }
}

/**
 * The editor-neutral model of an export: one angle per aligned camera, every time an integer
 * number of frames at the project rate (so no format rounds start and duration separately and
 * nothing drifts at 1001-based rates), and the cameras left out with the reason.
 */
import { pathToFileURL } from 'node:url';
import type { Rational, TakeSync } from '../../../src-shared/sync';

export interface ExportAngle {
  /** Angle name (the device's name). */
  name: string;
  /** Absolute path of the file. */
  path: string;
  /** file:// URL of the file. */
  url: string;
  /** Where the file's first frame sits on the timeline, frames at the project rate. */
  offsetFrames: number;
  /** Clip length, whole frames at the project rate. */
  durationFrames: number;
  /** The measured offset before rounding, ms. */
  offsetMs: number;
  width: number;
  height: number;
  hasAudio: boolean;
  audioRate: number;
}

export interface ExportModel {
  name: string;
  /** Project frame rate. */
  fps: Rational;
  width: number;
  height: number;
  angles: ExportAngle[];
  /** Timeline length: the last angle's end, frames. */
  durationFrames: number;
  skipped: { name: string; reason: string }[];
}

/** The rates editors know; a measured rate within 0.1 % snaps to one. */
export const STANDARD_RATES: Rational[] = [
  { num: 24000, den: 1001 },
  { num: 24, den: 1 },
  { num: 25, den: 1 },
  { num: 30000, den: 1001 },
  { num: 30, den: 1 },
  { num: 50, den: 1 },
  { num: 60000, den: 1001 },
  { num: 60, den: 1 },
];

export function snapRate(r: Rational | null): Rational | null {
  if (!r) return null;
  const v = r.num / r.den;
  for (const s of STANDARD_RATES) if (Math.abs(v / (s.num / s.den) - 1) < 0.001) return s;
  return null;
}

/** Frames at `fps` for `ms`, rounded to the nearest frame. */
export const msToFrames = (ms: number, fps: Rational) => Math.round((ms * fps.num) / (fps.den * 1000));
const framesDown = (ms: number, fps: Rational) => Math.floor((ms * fps.num) / (fps.den * 1000) + 1e-6);

export class ExportError extends Error {}

export interface ModelSource {
  name: string;
  /** Absolute take folder: file paths in the sync result are relative to it. */
  folder: string;
  sync: TakeSync;
  /** Override the project rate (default: the reference camera's rate, snapped; else 30). */
  fps?: Rational;
  /** Turn a relative file into an absolute path (default: folder + file). */
  resolvePath?: (file: string) => string;
}

export function buildModel(src: ModelSource): ExportModel {
  const { sync } = src;
  if (sync.state !== 'done') throw new ExportError(`the take has no sync result to export${sync.error ? `: ${sync.error}` : ''}`);
  const okDevices = sync.devices.filter((d) => d.ok && d.offsetMs !== null);
  if (okDevices.length === 0) throw new ExportError('no camera of this take is aligned; run the sync analysis first (each camera says why)');
  const ref = okDevices.find((d) => d.name === sync.reference) ?? okDevices[0]!;
  const fps = src.fps ??
    snapRate(ref.media?.fps ?? null) ??
    okDevices.map((d) => snapRate(d.media?.fps ?? null)).find((r) => r !== null) ?? { num: 30, den: 1 };
  const resolvePath = src.resolvePath ?? ((f: string) => `${src.folder.replace(/[\\/]+$/, '')}/${f}`);
  const angles: ExportAngle[] = okDevices.map((d) => {
    const path = resolvePath(d.file);
    const durationMs = d.media?.durationMs ?? 0;
    return {
      name: d.name,
      path,
      url: pathToFileURL(path).href,
      offsetFrames: msToFrames(d.offsetMs!, fps),
      durationFrames: Math.max(1, framesDown(durationMs, fps)),
      offsetMs: d.offsetMs!,
      width: d.media?.width ?? 1920,
      height: d.media?.height ?? 1080,
      hasAudio: d.media?.hasAudio ?? true,
      audioRate: d.media?.audioSampleRate ?? 48000,
    };
  });
  const first = angles.find((a) => a.name === ref.name) ?? angles[0]!;
  return {
    name: src.name,
    fps,
    width: first.width,
    height: first.height,
    angles,
    durationFrames: Math.max(...angles.map((a) => a.offsetFrames + a.durationFrames)),
    skipped: sync.devices.filter((d) => !d.ok || d.offsetMs === null).map((d) => ({ name: d.name, reason: d.reason ?? 'not aligned' })),
  };
}

/** `frames` at `fps` as an FCPXML rational time, e.g. 3003/30000s (reduced), 0s, 5s. */
export function rationalTime(frames: number, fps: Rational): string {
  if (frames === 0) return '0s';
  let n = frames * fps.den;
  let d = fps.num;
  const g = gcd(Math.abs(n), d);
  n /= g;
  d /= g;
  return d === 1 ? `${n}s` : `${n}/${d}s`;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

export function xmlEscape(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * Contact sheet: for every aligned camera, a strip of frames at the SAME timeline instants (so a
 * glance shows the cameras agree: a clap, a burnt-in clock). Instants are spread over the time
 * all aligned cameras were filming; each camera's frames come from one ffmpeg run that seeks to
 * each instant on that file's own clock and stacks the frames side by side.
 */
import { errorLine } from '../../../src-shared/error-line';
import { spawn } from 'node:child_process';
import type { ContactSheet } from '../../../src-shared/api';
import type { TakeSync } from '../../../src-shared/sync';
import { mediaInput } from './media';

const MAX_JPEG = 2 * 1024 * 1024;

/** Timeline instants (ms) inside the span every aligned camera covers, or null when there is none. */
export function sheetInstants(sync: TakeSync, count: number): number[] | null {
  const ok = sync.devices.filter((d) => d.ok && d.offsetMs !== null && d.media?.durationMs);
  if (ok.length === 0) return null;
  const start = Math.max(...ok.map((d) => d.offsetMs!));
  const end = Math.min(...ok.map((d) => d.offsetMs! + d.media!.durationMs!));
  if (end - start < 100) return null;
  // Centres of `count` equal slices (never the very first or last frame).
  return Array.from({ length: count }, (_, k) => start + ((end - start) * (k + 0.5)) / count);
}

function strip(path: string, timesSec: number[], height: number, timeoutMs: number): Promise<string> {
  return mediaInput(path).then(
    (input) =>
      new Promise<string>((resolve, reject) => {
        const args = ['-v', 'error', '-nostdin'];
        for (const t of timesSec) args.push('-ss', t.toFixed(3), '-i', input.url);
        const scaled = timesSec.map((_, i) => `[${i}:v:0]scale=-2:${height},setsar=1[f${i}]`).join(';');
        const stack = timesSec.length > 1 ? `${timesSec.map((_, i) => `[f${i}]`).join('')}hstack=inputs=${timesSec.length}[out]` : '[f0]null[out]';
        args.push('-filter_complex', `${scaled};${stack}`, '-map', '[out]', '-frames:v', '1', '-q:v', '5', '-f', 'image2pipe', '-vcodec', 'mjpeg', 'pipe:1');
        const p = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
        const chunks: Buffer[] = [];
        let size = 0;
        let err = '';
        const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
        p.stdout.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_JPEG) p.kill('SIGKILL');
          else chunks.push(c);
        });
        p.stderr.on('data', (d: Buffer) => {
          if (err.length < 2000) err += d.toString();
        });
        p.on('error', (e: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          reject(new Error(e.code === 'ENOENT' ? 'ffmpeg is not installed' : e.message));
        });
        p.on('close', (code) => {
          clearTimeout(timer);
          if (code === 0 && size > 0 && size <= MAX_JPEG) resolve(`data:image/jpeg;base64,${Buffer.concat(chunks).toString('base64')}`);
          else reject(new Error(`no frames: ${(err.trim().split('\n').pop() ?? '').slice(0, 160) || `ffmpeg exit ${code}`}`));
        });
      }),
  );
}

/** Build the contact sheet of a synced take; `resolvePath` maps a device's relative file to a checked absolute path. */
export async function contactSheet(
  sync: TakeSync,
  resolvePath: (file: string) => Promise<string | null>,
  opts: { count?: number; height?: number; timeoutMs?: number } = {},
): Promise<ContactSheet> {
  const count = Math.max(1, Math.min(12, opts.count ?? 6));
  const instantsMs = sheetInstants(sync, count);
  if (!instantsMs) throw new Error('the aligned cameras never filmed at the same time, so there is no common instant to show');
  const strips: ContactSheet['strips'] = [];
  for (const d of sync.devices) {
    if (!d.ok || d.offsetMs === null) continue;
    const path = await resolvePath(d.file);
    if (!path) {
      strips.push({ deviceKey: d.deviceKey, name: d.name, url: null, error: 'the file is missing from the take folder' });
      continue;
    }
    // Timeline ms → this file's own clock (its drift stretches time slightly).
    const k = 1 + (d.driftPpm ?? 0) * 1e-6;
    const times = instantsMs.map((t) => Math.max(0, ((t - d.offsetMs!) * k) / 1000));
    try {
      strips.push({ deviceKey: d.deviceKey, name: d.name, url: await strip(path, times, opts.height ?? 135, opts.timeoutMs ?? 30_000), error: null });
    } catch (e) {
      strips.push({ deviceKey: d.deviceKey, name: d.name, url: null, error: errorLine(e) });
    }
  }
  return { instantsMs, strips };
}

/**
 * Thumbnails of downloaded files: the first video frame as a small PNG data URL, made by ffmpeg
 * when it is installed. One ffmpeg per file however many cards ask, at most two at once (a
 * 100-camera take), cached for the life of the process.
 */
import { spawn } from 'node:child_process';
import pLimit from 'p-limit';

export class Thumbnails {
  private readonly cache = new Map<string, string>();
  private readonly runs = new Map<string, Promise<Buffer | null>>();
  private readonly slots = pLimit(2);

  constructor(private readonly makePng: (file: string) => Promise<Buffer | null> = firstFramePng) {}

  /** Other ffmpeg work (contact sheets) shares the same two slots. */
  bounded<T>(fn: () => Promise<T>): Promise<T> {
    return this.slots(fn);
  }

  /** The data URL for a download's file (`file` is resolved only when not cached); null when none can be made. */
  async of(downloadId: string, file: () => Promise<string>): Promise<string | null> {
    const cached = this.cache.get(downloadId);
    if (cached) return cached;
    let pending = this.runs.get(downloadId);
    if (!pending) {
      const path = await file();
      pending = this.runs.get(downloadId);
      if (!pending) {
        pending = this.slots(() => this.makePng(path)).catch(() => null);
        this.runs.set(downloadId, pending);
        void pending.finally(() => this.runs.delete(downloadId));
      }
    }
    const png = await pending;
    if (!png) return null;
    const url = `data:image/png;base64,${png.toString('base64')}`;
    this.cache.set(downloadId, url);
    return url;
  }
}

/** First video frame as a small PNG, via ffmpeg when it is installed (no shell, bounded time and size). */
export function firstFramePng(file: string, timeoutMs = 10_000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const child = spawn('ffmpeg', ['-v', 'error', '-i', file, '-frames:v', '1', '-vf', 'scale=320:-2', '-f', 'image2pipe', '-vcodec', 'png', 'pipe:1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 4 * 1024 * 1024) child.kill('SIGKILL');
      else chunks.push(c);
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 && size > 0 && size <= 4 * 1024 * 1024 ? Buffer.concat(chunks) : null);
    });
  });
}

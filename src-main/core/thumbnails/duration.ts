/** Clip lengths for the takes panel: ffprobe when it is installed (no shell, bounded time and output), cached per download. */
import { spawn } from 'node:child_process';

/** A media file's duration in seconds, or null. */
export function probeDuration(file: string, timeoutMs = 10_000): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=noprint_wrappers=1:nokey=1', file], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      if (out.length < 256) out += c.toString('utf8');
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve(null);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const n = Number(out.trim());
      resolve(code === 0 && out.trim() !== '' && Number.isFinite(n) && n >= 0 ? n : null);
    });
  });
}

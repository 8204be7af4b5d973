/**
 * A full disk during a take: a real tmpfs of a few hundred KiB mounted for this test (root only;
 * skipped, saying why, elsewhere). A well-behaved device's small file fits; the other device's
 * file does not. Expected: the good file intact, the failed download's partial kept (or trimmed so
 * the manifest fits), the final take.json written and exact, no temp files, "disk full" in words.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostileDevice, type HostileDevice } from '../../sim/hostile/device';
import { download, send } from '../../src-main/core/device-client';
import { DownloadQueue } from '../../src-main/core/downloads/queue';
import { Recorder } from '../../src-main/core/recorder/recorder';
import { loadManifestFile } from '../../src-main/core/takes/schema';

let mountPoint = '';
let skipReason: string | null = null;

function tryMount(dir: string, size: string): string | null {
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
    return null;
  } catch (e) {
    return `cannot mount a tmpfs: ${(e as Error).message.split('\n')[0]}`;
  }
}

beforeAll(async () => {
  mountPoint = await mkdtemp(join(tmpdir(), 'enospc-'));
  skipReason = tryMount(mountPoint, '640k');
  if (skipReason) console.warn(`enospc tests skipped: ${skipReason}`);
});
afterAll(async () => {
  if (!skipReason) execFileSync('umount', [mountPoint], { stdio: 'pipe' });
  await rm(mountPoint, { recursive: true, force: true });
});

const sha256 = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');

describe('a full disk during downloads', () => {
  it('keeps the good file, records the failed download exactly, writes the final take.json, leaves no temp files', async (ctx) => {
    if (skipReason) ctx.skip();
    const recordings = join(mountPoint, 'rec');
    await mkdir(recordings);
    const good: HostileDevice = await startHostileDevice({ name: 'good', fileSize: 100_000 });
    const big: HostileDevice = await startHostileDevice({ name: 'big', fileSize: 2_000_000 });
    // One transfer at a time, the good device first: its file lands before the disk fills.
    const queue = new DownloadQueue({ download, maxConcurrent: 1 });
    const recorder = new Recorder({ recordingsDir: recordings, send, downloads: queue, autoDownload: true });
    try {
      const parse = (s: string) => ({ host: s.split(':')[0]!, port: Number(s.split(':')[1]) });
      const take = await recorder.startTake({
        devices: [good, big].map((d) => ({ deviceKey: d.address, name: d.name, ...parse(d.address) })),
        delaySeconds: 0.3,
      });
      await new Promise((r) => setTimeout(r, Math.max(0, take.targetStart * 1000 + 300 - Date.now())));
      await recorder.stopTake(take.takeId);
      const final = await Promise.race([recorder.settled(take.takeId), new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
      expect(final, 'the take settles').not.toBeNull();
      await recorder.flush();
      const folder = final!.folder;
      const m = await loadManifestFile(folder); // valid as the app reads it, though the disk filled up
      expect(['done', 'failed']).toContain(m.phase);
      const g = m.devices.find((d) => d.address === good.address)!;
      expect(g.download.ok).toBe(true);
      expect(await sha256(join(folder, g.download.path!))).toBe([...good.files.values()][0]);
      const b = m.devices.find((d) => d.address === big.address)!;
      expect(b.download.state).toBe('failed');
      expect(b.download.ok).toBe(false);
      expect(b.download.error).toMatch(/disk (is )?full/i);
      expect(b.download.keptPartials).toHaveLength(1);
      const partial = join(folder, b.download.keptPartials[0]!);
      expect(b.download.bytes).toBe((await stat(partial)).size);
      const names = await readdir(folder);
      expect(names.filter((n) => n.endsWith('.tmp') || n.endsWith('.part'))).toEqual([]);
    } finally {
      recorder.dispose();
      await good.close();
      await big.close();
    }
  }, 60_000);
});

/** DownloadQueue with a fake `download` (the real one is covered by the recorder's sim tests). */
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProtocolError } from '../../../src-shared/protocol';
import type { DeviceAddress, DownloadOptions, DownloadResult } from '../device-client/types';
import { DownloadQueue, type DownloadRequest } from './queue';
import { localFileName, remoteBasename, withSuffix } from './naming';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function folder(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'mc-dlq-'));
  dirs.push(d);
  return d;
}

interface Call {
  address: DeviceAddress;
  fileName: string;
  dir: string;
  opts: DownloadOptions;
  finish: (mode: 'ok' | 'fail' | 'partial') => Promise<void>;
}

/** A controllable fake: each call waits until the test finishes it; writes like the real client. */
function fakeDownload() {
  const calls: Call[] = [];
  let running = 0;
  let maxRunning = 0;
  const fn = (address: DeviceAddress, fileName: string, dir: string, opts: DownloadOptions = {}): Promise<DownloadResult> =>
    new Promise((res, rej) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      const final = join(dir, opts.localName!);
      opts.signal?.addEventListener('abort', () => {
        running--;
        rej(new ProtocolError('aborted', 'aborted'));
      });
      calls.push({
        address,
        fileName,
        dir,
        opts,
        finish: async (mode) => {
          running--;
          if (mode === 'ok') {
            await writeFile(final, 'data', { flag: 'wx' });
            res({ path: final, bytes: 4, sha256: 'a'.repeat(64), seconds: 0.1, header: { deviceId: null, fileName, fileSize: 4, status: null } });
          } else if (mode === 'partial') {
            await writeFile(`${final}.partial`, 'da', { flag: 'wx' });
            rej(
              Object.assign(new ProtocolError('closed_early', 'device closed after 2 of 4 bytes', { bytesReceived: 2 }), { partialPath: `${final}.partial` }),
            );
          } else rej(new ProtocolError('device_error', 'file not found'));
        },
      });
    });
  return { fn, calls, maxRunning: () => maxRunning };
}

const tick = () => new Promise((r) => setTimeout(r, 20));
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await tick();
  expect(cond()).toBe(true);
}

const req = (f: string, deviceKey: string, fileName = 'video_1.mp4'): DownloadRequest => ({
  takeId: 't1',
  folder: f,
  deviceKey,
  deviceName: deviceKey,
  address: { host: '127.0.0.1', port: 1 },
  fileName,
});

describe('download naming', () => {
  it('uses the device name and the basename only, sanitised', () => {
    expect(localFileName('Cam A', '../../x')).toBe('Cam-A_x');
    expect(localFileName('iPhone/1', 'C:\\dir\\clip.mov')).toBe('iPhone-1_clip.mov');
    expect(localFileName('..', '..')).toBe('device_video');
    // iPhone/Android name files `{deviceId}_…`: the device name is not repeated.
    expect(localFileName('Mountain-5701F594', 'Mountain-5701F594_1795259256591.mov')).toBe('Mountain-5701F594_1795259256591.mov');
    expect(localFileName('Wide', 'Mountain-5701F594_1795259256591.mov')).toBe('Wide_Mountain-5701F594_1795259256591.mov');
    // Known by its mDNS instance name (which ends with the id the file starts with): not doubled.
    expect(localFileName('multiCam-Forest-1A2B3C4D', 'Forest-1A2B3C4D_1795259256591.mov')).toBe('Forest-1A2B3C4D_1795259256591.mov');
    expect(localFileName('multiCam-oak-1234', 'video_1795259256.zip')).toBe('multiCam-oak-1234_video_1795259256.zip');
    expect(remoteBasename('/etc/passwd')).toBe('passwd');
    expect(withSuffix('a.mp4', 2)).toBe('a_2.mp4');
    expect(withSuffix('noext', 3)).toBe('noext_3');
  });
});

describe('DownloadQueue', () => {
  it('one transfer per device, a global limit, progress, and the others are not blocked by a failure', async () => {
    const f = await folder();
    const fake = fakeDownload();
    const q = new DownloadQueue({ download: fake.fn, maxConcurrent: 2 });
    const a1 = q.enqueue(req(f, 'a', 'one.mp4'));
    const a2 = q.enqueue(req(f, 'a', 'two.mp4'));
    const b = q.enqueue(req(f, 'b'));
    const c = q.enqueue(req(f, 'c'));
    await until(() => fake.calls.length === 2);
    expect(fake.calls.map((x) => x.opts.localName)).toEqual(['a_one.mp4', 'b_video_1.mp4']); // a2 waits for a1; c for the limit
    fake.calls[0]!.opts.onProgress?.({ bytes: 2, total: 4, rateBps: 10, etaSeconds: 0.2 });
    expect(q.get(a1.id)).toMatchObject({ state: 'active', bytes: 2, total: 4, rateBps: 10, etaSeconds: 0.2 });
    await fake.calls[1]!.finish('fail');
    await until(() => fake.calls.length === 3);
    expect(q.get(b.id)).toMatchObject({
      state: 'failed',
      error: 'the device said: file not found',
      errorDetail: 'device_error: file not found',
      partial: false,
    });
    await fake.calls[0]!.finish('ok');
    await until(() => fake.calls.length === 4);
    await fake.calls[2]!.finish('ok');
    await fake.calls[3]!.finish('ok');
    await q.idle();
    expect(fake.maxRunning()).toBe(2);
    expect(q.get(a2.id)!.state).toBe('done');
    expect(q.get(c.id)).toMatchObject({ state: 'done', path: 'c_video_1.mp4', sha256: 'a'.repeat(64) });
  });

  it('keeps partial bytes and a retry writes to a fresh name, never touching them', async () => {
    const f = await folder();
    const fake = fakeDownload();
    const q = new DownloadQueue({ download: fake.fn });
    const infos: string[][] = [];
    q.onDidChangeDownload(({ info }) => infos.push(info.keptPartials));
    const d = q.enqueue(req(f, 'oak', 'video.zip'));
    await until(() => fake.calls.length === 1);
    await fake.calls[0]!.finish('partial');
    await q.idle();
    expect(q.get(d.id)).toMatchObject({ state: 'failed', partial: true, bytes: 2 });
    expect(infos.at(-1)).toEqual(['oak_video.zip.partial']);
    expect(() => q.retry(q.enqueue(req(f, 'x')).id)).toThrow(/only a failed or cancelled/);

    q.retry(d.id);
    await until(() => fake.calls.length >= 2 && fake.calls.some((c) => c.opts.localName === 'oak_video_2.zip'));
    const call = fake.calls.find((c) => c.opts.localName === 'oak_video_2.zip')!;
    await call.finish('ok');
    await until(() => q.get(d.id)!.state === 'done');
    expect(await readFile(join(f, 'oak_video.zip.partial'), 'utf8')).toBe('da');
    expect(q.get(d.id)!.path).toBe('oak_video_2.zip');
  });

  it('cancel: queued at once, active through the AbortSignal', async () => {
    const f = await folder();
    const fake = fakeDownload();
    const q = new DownloadQueue({ download: fake.fn, maxConcurrent: 1 });
    const a = q.enqueue(req(f, 'a'));
    const b = q.enqueue(req(f, 'b'));
    await until(() => fake.calls.length === 1);
    expect(q.cancel(b.id).state).toBe('cancelled');
    q.cancel(a.id);
    await q.idle();
    expect(q.get(a.id)!.state).toBe('cancelled');
    expect(fake.calls).toHaveLength(1);
  });

  it('never picks a name that exists in any form', async () => {
    const f = await folder();
    await writeFile(join(f, 'a_video_1.mp4'), 'x');
    await writeFile(join(f, 'a_video_1_2.mp4.partial'), 'x');
    const fake = fakeDownload();
    const q = new DownloadQueue({ download: fake.fn });
    q.enqueue(req(f, 'a'));
    await until(() => fake.calls.length === 1);
    expect(fake.calls[0]!.opts.localName).toBe('a_video_1_3.mp4');
    await fake.calls[0]!.finish('ok');
    await q.idle();
  });

  it('resolveDownloadPath: only finished files, proven inside the take folder', async () => {
    const f = await folder();
    const outside = await folder();
    const fake = fakeDownload();
    const q = new DownloadQueue({ download: fake.fn });
    const d = q.enqueue(req(f, 'a'));
    await until(() => fake.calls.length === 1);
    await expect(q.resolveDownloadPath(d.id)).rejects.toThrow(/not finished/);
    await fake.calls[0]!.finish('ok');
    await q.idle();
    expect(await q.resolveDownloadPath(d.id)).toMatch(/a_video_1\.mp4$/);
    await expect(q.resolveDownloadPath('dl-nope')).rejects.toThrow(/no download/);

    // A finished file replaced by a symlink pointing outside is refused.
    const e = q.enqueue(req(f, 'b'));
    await until(() => fake.calls.length === 2);
    await fake.calls[1]!.finish('ok');
    await q.idle();
    await rm(join(f, 'b_video_1.mp4'));
    await writeFile(join(outside, 'secret'), 's');
    await symlink(join(outside, 'secret'), join(f, 'b_video_1.mp4'));
    await expect(q.resolveDownloadPath(e.id)).rejects.toThrow(/outside/);
  });
});

describe('DownloadQueue: a listener bug', () => {
  it('a throwing downloadChanged listener neither fails a finished download nor breaks enqueue/cancel', async () => {
    const f = await folder();
    const fake = fakeDownload();
    const q = new DownloadQueue({ download: fake.fn, maxConcurrent: 2 });
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const seen: string[] = [];
    q.onDidChangeDownload(({ view: v }) => {
      seen.push(v.state);
      throw new Error('listener bug');
    });
    const a = q.enqueue(req(f, 'a'));
    const b = q.enqueue(req(f, 'b'));
    await until(() => fake.calls.length === 2);
    await fake.calls[0]!.finish('ok');
    await until(() => q.get(a.id)!.state !== 'active');
    expect(q.get(a.id)!.state).toBe('done');
    expect(q.cancel(b.id).id).toBe(b.id);
    await until(() => q.get(b.id)!.state === 'cancelled');
    expect(seen).toContain('done');
    expect(logged).toHaveBeenCalled(); // the bug is visible, not swallowed
    logged.mockRestore();
  });
});

/** UPLOAD_TO_CLOUD against a real HTTP server on 127.0.0.1: success, 403, progress, per-personality reporting and deletion. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimDevice } from './device';
import { ask, command, sleep } from './client.testing';
import type { Personality, SimDevice } from './types';

interface Put {
  url: string;
  contentLength: string | undefined;
  sha256: string;
  bytes: number;
}
const puts: Put[] = [];
/** Behaviour per path: `/ok/…` 200, `/deny/…` 403, `/hold/…` reads a little then waits for `release()`. */
let release: () => void = () => undefined;
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let held = false;
    const done = () => {
      puts.push({ url: req.url ?? '', contentLength: req.headers['content-length'], sha256: hash.digest('hex'), bytes });
      if (req.url?.startsWith('/deny/')) {
        res.writeHead(403, 'Forbidden').end('<Error><Code>AccessDenied</Code></Error>');
      } else res.writeHead(200).end();
    };
    req.on('data', (c: Buffer) => {
      hash.update(c);
      bytes += c.length;
      if (req.url?.startsWith('/hold/') && !held) {
        held = true;
        req.pause();
        release = () => req.resume();
      }
    });
    req.on('end', done);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const started: SimDevice[] = [];
async function device(p: Personality, size = 300_000): Promise<{ d: SimDevice; sha: string }> {
  const d = await startSimDevice({ personality: p, packagingMs: 20 });
  started.push(d);
  await d.addFile('clip.mp4', size);
  const { readFileSync } = await import('node:fs');
  return { d, sha: createHash('sha256').update(readFileSync(d.files()[0]!.path)).digest('hex') };
}
afterEach(async () => {
  release();
  await Promise.all(started.splice(0).map((d) => d.stop()));
});
const upload = (d: SimDevice, url: string, fileName = 'clip.mp4') => ask(d.port, command('UPLOAD_TO_CLOUD', { fileName, fileId: fileName, uploadUrl: url }));
async function statusUntil(d: SimDevice, cond: (r: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let i = 0; i < 500; i++) {
    const r = await ask(d.port, command('DEVICE_STATUS'));
    if (cond(r)) return r;
    await sleep(20);
  }
  throw new Error('device status never reached the expected state');
}
const queues = (r: Record<string, unknown>) => ({ up: r.uploadQueue as Record<string, unknown>[], failed: r.failedUploadQueue as Record<string, unknown>[] });

describe('UPLOAD_TO_CLOUD', () => {
  it.each([
    ['ios', false],
    ['android', true],
    ['oak', false],
    ['spec', false],
  ] as const)('%s: PUTs the exact file with Content-Length, then the item disappears (file kept: %s)', async (p, keeps) => {
    const { d, sha } = await device(p);
    const url = `${base}/ok/${p}/clip.mp4?X-Amz-Signature=abc`;
    const r = await upload(d, url);
    expect(r).toMatchObject({ status: 'upload_queued', fileName: 'clip.mp4', fileSize: 300_000 });
    await statusUntil(d, (s) => queues(s).up.length === 0);
    const put = puts.find((x) => x.url === `/ok/${p}/clip.mp4?X-Amz-Signature=abc`)!;
    expect(put).toMatchObject({ contentLength: '300000', bytes: 300_000, sha256: sha });
    expect(queues(await ask(d.port, command('DEVICE_STATUS'))).failed).toEqual([]);
    // Deletion happens right after the PUT succeeds; give it a moment to land.
    for (let i = 0; i < 100 && existsSync(`${d.filesDir}/clip.mp4`) !== keeps; i++) await sleep(10);
    expect(d.files().length).toBe(keeps ? 1 : 0);
  });

  it.each(['android', 'oak', 'spec'] as const)('%s: a 403 lands in failedUploadQueue with the error; the file is kept', async (p) => {
    const { d } = await device(p);
    await upload(d, `${base}/deny/${p}/clip.mp4`);
    const s = await statusUntil(d, (x) => queues(x).failed.length > 0);
    expect(queues(s).up).toEqual([]);
    expect(queues(s).failed[0]).toMatchObject({ fileName: 'clip.mp4', status: 'failed', error: expect.stringMatching(/403/) });
    expect(d.files().map((f) => f.fileName)).toEqual(['clip.mp4']);
  });

  it('ios: a 403 is never reported — the item just disappears, the file stays', async () => {
    const { d } = await device('ios');
    await upload(d, `${base}/deny/ios/clip.mp4`);
    for (let i = 0; i < 500 && !puts.some((x) => x.url === '/deny/ios/clip.mp4'); i++) await sleep(10);
    const s = await statusUntil(d, (x) => queues(x).up.length === 0);
    expect(queues(s).failed).toEqual([]);
    expect(d.files().map((f) => f.fileName)).toEqual(['clip.mp4']);
  });

  it('while it runs, the item is in uploadQueue with bytesUploaded/uploadProgress/uploadSpeed and status uploading', async () => {
    const { d } = await device('spec', 32 * 1024 * 1024);
    await upload(d, `${base}/hold/spec/clip.mp4`);
    const s = await statusUntil(d, (x) => queues(x).up.length === 1 && Number(queues(x).up[0]!.bytesUploaded) > 0);
    const item = queues(s).up[0]!;
    expect(item).toMatchObject({ fileName: 'clip.mp4', fileSize: 32 * 1024 * 1024, status: 'uploading', uploadUrl: `${base}/hold/spec/clip.mp4`, error: null });
    expect(Number(item.bytesUploaded)).toBeLessThan(32 * 1024 * 1024); // the server holds the rest back
    expect(Number(item.uploadProgress)).toBeCloseTo((100 * Number(item.bytesUploaded)) / (32 * 1024 * 1024), 6);
    expect(Number(item.uploadSpeed)).toBeGreaterThanOrEqual(0);
    release();
    await statusUntil(d, (x) => queues(x).up.length === 0);
    expect(puts.find((x) => x.url === '/hold/spec/clip.mp4')!.bytes).toBe(32 * 1024 * 1024);
  });

  it('a failed connection is reported too (nothing listening)', async () => {
    const { d } = await device('android');
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    await upload(d, `http://127.0.0.1:${port}/x`);
    const s = await statusUntil(d, (x) => queues(x).failed.length > 0);
    expect(String(queues(s).failed[0]!.error)).toMatch(/ECONNREFUSED/);
  });

  it('refuses a missing file or an unusable uploadUrl, per personality', async () => {
    const { d: spec } = await device('spec');
    expect((await upload(spec, `${base}/ok/x`, 'nope.mp4')).status).toBe('file_not_found');
    expect((await upload(spec, 'ftp://example/x')).status).toBe('error');
    const { d: ios } = await device('ios');
    expect((await upload(ios, `${base}/ok/x`, 'nope.mp4')).status).toBe('error');
    const { d: oak } = await device('oak');
    expect((await upload(oak, `${base}/ok/x`, 'nope.mp4')).message).toMatch(/^Failed to finalize/);
  });

  it('oak answers only after packaging', async () => {
    const d = await startSimDevice({ personality: 'oak', packagingMs: 400 });
    started.push(d);
    await d.addFile('video_1.zip', 1000);
    const t0 = performance.now();
    expect((await upload(d, `${base}/ok/oak/video_1.zip`, 'video_1.zip')).status).toBe('upload_queued');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(390);
  });
});

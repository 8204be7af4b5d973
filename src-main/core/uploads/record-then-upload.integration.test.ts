/**
 * The `record … --upload` path: a real take by the Recorder against sim devices (manifest as
 * the recorder writes it, OAK with fileSize 0), then uploadAfterStop → every file confirmed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimDevice, type SimDevice } from '../../../sim/index';
import { send } from '../device-client/index';
import { Recorder } from '../recorder/recorder';
import { readManifest } from '../takes/manifest';
import { readManifestUploads } from './manifest';
import { headObject } from './s3';
import { uploadAfterStop } from './take';
import { startS3Server, type TestS3Server } from './s3-server.testing';

let s3: TestS3Server;
let root: string;
const sims: SimDevice[] = [];
beforeAll(async () => {
  s3 = await startS3Server();
  root = await mkdtemp(join(tmpdir(), 'multicam-record-upload-'));
});
afterAll(async () => {
  await Promise.all(sims.map((d) => d.stop().catch(() => undefined)));
  await s3?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('record, then upload', { timeout: 60_000 }, () => {
  it('uploads every file of a real take and records each object in its take.json', async () => {
    for (const o of [
      { personality: 'ios' as const },
      { personality: 'android' as const, stopDelayMs: 300 },
      { personality: 'oak' as const },
      { personality: 'spec' as const },
    ]) {
      sims.push(await startSimDevice({ ...o, fileSize: 150_000 }));
    }
    const rec = new Recorder({ recordingsDir: root, send, downloads: null, autoDownload: false, timeouts: { stopMs: 15_000, confirmIntervalMs: 400 } });
    const started = await rec.startTake({
      devices: sims.map((d) => ({ deviceKey: `${d.host}:${d.port}`, name: `${d.personality} cam`, host: d.host, port: d.port })),
      delaySeconds: 1,
      name: 'Up 1',
    });
    await rec.confirmed();
    await rec.stopTake();
    const done = await rec.settled();
    await rec.flush();
    expect(done.devices.map((d) => d.stop)).toEqual(['stopped', 'stopped', 'stopped', 'stopped']);

    const r = await uploadAfterStop(started.folder, s3.storage(), { clientFactory: (s) => s3.client(s), pollIntervalMs: 250 });
    expect(r.uploads.map((u) => [u.deviceName, u.state, u.error])).toEqual(sims.map((d) => [`${d.personality} cam`, 'done', null]));
    expect(r.ok).toBe(true);

    const m = await readManifest(started.folder);
    const recorded = await readManifestUploads(started.folder);
    const date = m.createdAt.slice(0, 10);
    for (const [i, d] of m.devices.entries()) {
      const up = recorded.get(d.deviceKey)!;
      expect(up.key).toBe(`${date}/${m.folderName}/${sims[i]!.personality}-cam/${d.stop.fileName}`);
      expect(up.ok).toBe(true);
      expect((await headObject(s3.client(), s3.storage(), s3.bucket, up.key))?.size).toBe(up.bytes);
      expect(up.bytes).toBe(sims[i]!.recordings[0]!.size);
    }
    expect(await readFile(join(started.folder, 'take.json'), 'utf8')).not.toContain('X-Amz-Signature');
  });
});

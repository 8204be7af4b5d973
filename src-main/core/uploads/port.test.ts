/** The controller-facing port: a TakeView in, uploads started, progress out as uploadChanged. Real sims + s3rver. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Settings, UploadView } from '../../../src-shared/api';
import { startSimDevice, type SimDevice } from '../../../sim/index';
import { readManifest, toTakeView } from '../takes/manifest';
import { readManifestUploads } from './manifest';
import { createUploadsPort } from './port';
import { startS3Server, type TestS3Server } from './s3-server.testing';
import { writeFixtureTake } from './take-fixture.testing';

let s3: TestS3Server;
let work: string;
const sims: SimDevice[] = [];
beforeAll(async () => {
  s3 = await startS3Server();
  work = await mkdtemp(join(tmpdir(), 'multicam-upload-port-'));
});
afterAll(async () => {
  await Promise.all(sims.map((d) => d.stop()));
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

const settings = (bucket = s3.bucket): Settings => ({
  recordingsDir: work,
  delaySeconds: 3,
  pollIntervalMs: 1000,
  clockThresholdMs: 50,
  ntpServer: '',
  interfaces: [],
  manualDevices: [],
  autoDownload: false,
  maxConcurrentDownloads: 2,
  batteryWarnPercent: 20,
  storage: s3.storage({ bucket }),
});

describe('createUploadsPort', () => {
  it('uploads a TakeView, streams uploadChanged, records take.json; retry and testConnection use the settings passed', async () => {
    const d = await startSimDevice({ personality: 'spec' });
    sims.push(d);
    await d.addFile('clip.mp4', 64_000);
    const folder = await writeFixtureTake(work, {
      devices: [{ deviceKey: 'k1', name: 'Cam', address: `${d.host}:${d.port}`, fileName: 'clip.mp4', fileSize: 64_000 }],
    });
    const take = toTakeView(await readManifest(folder), folder);
    const port = createUploadsPort({ clientFactory: (s) => s3.client(s), pollIntervalMs: 100 });
    const events: UploadView[] = [];
    port.onDidChangeUpload((u) => events.push(u));

    await expect(port.testConnection(settings('nope'))).rejects.toMatchObject({ code: 'no_such_bucket' });
    expect(await port.testConnection(settings())).toMatchObject({ bucket: s3.bucket });

    // Wrong bucket first: the device's PUT fails, reported; then retry with good settings.
    await port.uploadTake(take, settings('nope'));
    const [first] = port.list();
    expect(first).toMatchObject({ takeId: take.takeId, deviceKey: 'k1', deviceName: 'Cam', fileName: 'clip.mp4' });
    const failed = await port.service.settled(first!.id);
    expect(failed.state).toBe('failed');
    await port.retry(first!.id, settings());
    const done = await port.service.settled(first!.id);
    expect(done).toMatchObject({ state: 'done', bytes: 64_000, total: 64_000, percent: 100 });
    expect(events.at(-1)).toEqual(done);
    expect((await readManifestUploads(folder)).get('k1')).toMatchObject({ ok: true, bucket: s3.bucket, key: done.key });

    // Uploading the take again does not start a second upload of a confirmed file.
    await port.uploadTake(take, settings());
    expect(port.list()).toHaveLength(1);
    await port.stop();
  });
});

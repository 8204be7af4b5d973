/**
 * Real parts end to end: sim devices of every personality doing real HTTP PUTs to presigned
 * URLs on a real S3-compatible server (s3rver, 127.0.0.1), over real TCP. Completion is checked
 * against the bucket; every event, log line and manifest is scanned for credentials at the end.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { StorageSettings, UploadView } from '../../../src-shared/api';
import { startSimDevice, type Personality, type SimDevice, type SimDeviceOptions } from '../../../sim/index';
import { readManifest } from '../takes/manifest';
import { readManifestUploads } from './manifest';
import { headObject } from './s3';
import { UploadService, type UploadRequest } from './service';
import { uploadAfterStop } from './take';
import { startS3Server, type TestS3Server } from './s3-server.testing';
import { writeFixtureTake } from './take-fixture.testing';

let s3: TestS3Server;
let work: string;
const sims: SimDevice[] = [];
const events: UploadView[] = [];
const logs: string[] = [];
const manifests: string[] = [];

async function sim(personality: Personality, opts: Partial<SimDeviceOptions> = {}): Promise<SimDevice> {
  const d = await startSimDevice({ personality, ...opts });
  sims.push(d);
  return d;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function service(storage: StorageSettings | (() => StorageSettings) = s3.storage(), extra: Partial<ConstructorParameters<typeof UploadService>[0]> = {}) {
  const svc = new UploadService({
    storage,
    clientFactory: (s) => s3.client(s),
    pollIntervalMs: 250,
    verifyDelayMs: 200,
    log: (l) => logs.push(l),
    ...extra,
  });
  svc.onDidChangeUpload((v) => events.push(v));
  return svc;
}

function request(d: SimDevice, fileName: string, fileSize: number | null, o: Partial<UploadRequest> = {}): UploadRequest {
  return {
    takeId: 'take-x',
    takeLabel: 'Take-X',
    takeCreatedAt: '2026-11-21T10:15:03.000Z',
    deviceKey: d.name,
    deviceName: d.name,
    address: `${d.host}:${d.port}`,
    fileName,
    fileSize,
    ...o,
  };
}

/** The presigned URLs a sim device was sent (to prove none of them leaked). */
function sentUrls(): string[] {
  return sims.flatMap((d) => d.received.filter((c) => c.command === 'UPLOAD_TO_CLOUD').map((c) => String((c.raw as { uploadUrl?: unknown }).uploadUrl)));
}

beforeAll(async () => {
  s3 = await startS3Server();
  work = await mkdtemp(join(tmpdir(), 'multicam-upload-it-'));
});

afterAll(async () => {
  await Promise.all(sims.map((d) => d.stop().catch(() => undefined)));
  await s3?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('uploads from sim devices to s3rver', () => {
  it('a take from every personality lands with the right key, size and bytes, and is recorded in take.json', async () => {
    const personalities: Personality[] = ['ios', 'android', 'oak', 'spec'];
    const devices = await Promise.all(personalities.map((p) => sim(p)));
    const files = devices.map((d, i) => ({ d, fileName: `${d.personality}_clip_${i}.${d.personality === 'oak' ? 'zip' : 'mp4'}`, size: 200_000 + i * 7_919 }));
    const hashes = new Map<string, string>();
    for (const f of files) {
      await f.d.addFile(f.fileName, f.size);
      hashes.set(f.fileName, sha256(await readFile(join(f.d.filesDir, f.fileName))));
    }
    const folder = await writeFixtureTake(work, {
      devices: files.map((f) => ({
        deviceKey: f.d.name,
        name: `${f.d.personality} cam`,
        address: `${f.d.host}:${f.d.port}`,
        fileName: f.fileName,
        // OAK reports 0 at STOP: the size must come from its UPLOAD_TO_CLOUD reply.
        fileSize: f.d.personality === 'oak' ? 0 : f.size,
      })),
    });
    manifests.push(join(folder, 'take.json'));

    const seen: UploadView[] = [];
    const r = await uploadAfterStop(join(folder, 'take.json'), s3.storage(), {
      clientFactory: (s) => s3.client(s),
      pollIntervalMs: 250,
      log: (l) => logs.push(l),
      onUpload: (v) => {
        seen.push(v);
        events.push(v);
      },
    });
    expect(r.uploads.map((u) => [u.deviceName, u.state, u.error])).toEqual(files.map((f) => [`${f.d.personality} cam`, 'done', null]));
    expect(r.ok).toBe(true);

    const client = s3.client();
    const recorded = await readManifestUploads(folder);
    for (const f of files) {
      const key = `2026-11-21/2026-11-21_10-15-03_Scene-1/${f.d.personality}-cam/${f.fileName}`;
      const u = r.uploads.find((x) => x.deviceKey === f.d.name)!;
      expect(u.key).toBe(key);
      expect([u.bytes, u.total, u.percent]).toEqual([f.size, f.size, 100]);
      const head = await headObject(client, s3.storage(), s3.bucket, key);
      expect(head?.size).toBe(f.size);
      const body = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }));
      expect(sha256(Buffer.from(await body.Body!.transformToByteArray()))).toBe(hashes.get(f.fileName));
      expect(recorded.get(f.d.name)).toMatchObject({ key, bucket: s3.bucket, bytes: f.size, ok: true, error: null, etag: head?.etag });
      expect(Date.parse(recorded.get(f.d.name)!.confirmedAt!)).toBeGreaterThan(0);
      // Delete after upload, per personality: the Android app keeps its file.
      expect(f.d.files().some((x) => x.fileName === f.fileName)).toBe(f.d.personality === 'android');
    }
    // The manifest stays valid for the takes module (its other fields untouched).
    const m = await readManifest(folder);
    expect(m.devices.map((d) => d.stop.fileName)).toEqual(files.map((f) => f.fileName));
    // Each device went queued → verifying → done, never done without a HEAD.
    for (const f of files) {
      const states = seen.filter((v) => v.deviceKey === f.d.name).map((v) => v.state);
      expect(states).toContain('verifying');
      expect(states.indexOf('verifying')).toBeLessThan(states.indexOf('done'));
    }

    // A second run skips what is already confirmed.
    const again = await uploadAfterStop(folder, s3.storage(), { clientFactory: (s) => s3.client(s), pollIntervalMs: 250 });
    expect(again.uploads).toEqual([]);
    expect(again.alreadyUploaded).toHaveLength(4);
    expect(again.ok).toBe(true);
  });

  it('an expired URL fails and is reported by device name (OAK packages for 3 s, the link lives 1 s)', async () => {
    const d = await sim('oak', { packagingMs: 3_000 });
    await d.addFile('video_1.zip', 50_000);
    const svc = service(s3.storage(), { expiry: () => 1 });
    const v = await svc.uploadFile(request(d, 'video_1.zip', 0, { deviceName: 'Oak Left' }));
    expect(v.state).toBe('failed');
    expect(v.deviceName).toBe('Oak Left');
    expect(v.error).toMatch(/the device reported the upload failed: HTTP 403: AccessDenied \(Request has expired\)/);
    expect(logs.some((l) => l.startsWith('Oak Left: upload of video_1.zip failed') && l.includes('Request has expired'))).toBe(true);
    expect(await headObject(s3.client(), s3.storage(), s3.bucket, v.key)).toBeNull();
  });

  it('an iPhone-style silent failure is caught by the HEAD check; an Android device reports it', async () => {
    const ios = await sim('ios');
    const android = await sim('android');
    await ios.addFile('ios_1.mov', 40_000);
    await android.addFile('and_1.mp4', 40_000);
    // The URL points at a bucket that does not exist: every PUT gets 404 NoSuchBucket.
    const svc = service(s3.storage({ bucket: 'no-such-bucket' }));
    const [vi, va] = await Promise.all([svc.uploadFile(request(ios, 'ios_1.mov', 40_000)), svc.uploadFile(request(android, 'and_1.mp4', 40_000))]);
    expect(vi.state).toBe('failed');
    expect(vi.error).toBe(`device reported nothing, but the object is not in the bucket (s3://no-such-bucket/${vi.key})`);
    expect(va.state).toBe('failed');
    expect(va.error).toMatch(/^the device reported the upload failed: HTTP 404: NoSuchBucket/);
    // The iPhone really did try (and really did fail), and kept its file.
    expect(ios.received.some((c) => c.command === 'UPLOAD_TO_CLOUD')).toBe(true);
    expect(ios.files().map((f) => f.fileName)).toContain('ios_1.mov');
  });

  it('a device error (file_not_found) fails the upload with the device message', async () => {
    const d = await sim('spec');
    const v = await service().uploadFile(request(d, 'missing.mp4', 10));
    expect(v.state).toBe('failed');
    expect(v.error).toMatch(/^the device refused the upload: file_not_found/);
  });

  it('retry after a failure uses a fresh URL and the current settings, then confirms', async () => {
    const d = await sim('android');
    await d.addFile('retry.mp4', 30_000);
    let storage = s3.storage({ bucket: 'no-such-bucket' });
    const svc = service(() => storage);
    const first = await svc.uploadFile(request(d, 'retry.mp4', 30_000));
    expect(first.state).toBe('failed');
    storage = s3.storage();
    expect(svc.retry(first.id).state).toBe('queued');
    const second = await svc.settled(first.id);
    expect(second).toMatchObject({ id: first.id, state: 'done', bytes: 30_000, error: null });
    const urls = d.received.filter((c) => c.command === 'UPLOAD_TO_CLOUD').map((c) => (c.raw as { uploadUrl: string }).uploadUrl);
    expect(urls).toHaveLength(2);
    expect(urls[0]).not.toBe(urls[1]);
    expect(() => svc.retry(first.id)).toThrow(/already in the bucket/);
  });

  it('credentials never appear in events, logs or manifests', async () => {
    const urls = sentUrls();
    expect(urls.length).toBeGreaterThanOrEqual(8);
    const signatures = urls.map((u) => new URL(u).searchParams.get('X-Amz-Signature')).filter((s): s is string => !!s);
    expect(signatures.length).toBe(urls.length);
    const haystack = [JSON.stringify(events), ...logs, ...(await Promise.all(manifests.map((p) => readFile(p, 'utf8'))))].join('\n');
    expect(events.length).toBeGreaterThan(10);
    expect(logs.length).toBeGreaterThan(5);
    expect(haystack).not.toContain(s3.secretAccessKey);
    expect(haystack).not.toContain('X-Amz-Signature');
    expect(haystack).not.toContain('X-Amz-Credential');
    for (const sig of signatures) expect(haystack).not.toContain(sig);
    // And the scan can fail: the URLs the devices got do carry a signature.
    expect(urls.join('\n')).toContain('X-Amz-Signature');
  });
});

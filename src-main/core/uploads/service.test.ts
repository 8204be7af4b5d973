/**
 * UploadService decisions with a scripted device (fake `send`) and a real s3rver for presigning
 * and HEAD: progress for a progress bar, failure attribution, HEAD as the only proof, lost
 * contact, stalls, key clashes, retry rules. Poll interval is short; nothing asserts timing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UploadView } from '../../../src-shared/api';
import { ProtocolError, parseReply, type Command } from '../../../src-shared/protocol';
import { UploadService, parseDeviceAddress, summariseDeviceError, type SendFn, type UploadRequest } from './service';
import { startS3Server, type TestS3Server } from './s3-server.testing';

interface WireItem {
  fileName: string;
  fileSize?: number;
  bytesUploaded?: number;
  uploadProgress?: number;
  uploadSpeed?: number;
  status?: string;
  error?: string;
  uploadUrl?: string;
}

/** A device whose queues the test scripts; `onPoll` runs before each status reply after the upload was queued. */
class FakeDevice {
  queue: WireItem[] = [];
  failed: WireItem[] = [];
  urls: string[] = [];
  polls = 0;
  reachable = true;
  echoUrl = false;
  uploadReply: Record<string, unknown> | null = null;
  onPoll: (d: FakeDevice, n: number) => void | Promise<void> = () => undefined;

  send: SendFn = async (_address, cmd: Command) => {
    if (!this.reachable) throw new ProtocolError('connection_refused', `${cmd.command}: connection refused`);
    const t = Date.now();
    if (cmd.command === 'UPLOAD_TO_CLOUD') {
      this.urls.push(cmd.uploadUrl!);
      const body = this.uploadReply ?? { status: 'upload_queued', fileName: cmd.fileName, fileSize: 10 };
      if (body.status === 'upload_queued')
        this.queue.push({
          fileName: cmd.fileName!,
          fileSize: 10,
          bytesUploaded: 0,
          uploadProgress: 0,
          status: 'queued',
          ...(this.echoUrl ? { uploadUrl: cmd.uploadUrl! } : {}),
        });
      return { reply: parseReply({ deviceId: 'fake', timestamp: t / 1000, ...body }), sentAt: t, receivedAt: t, attempts: 1 };
    }
    if (this.urls.length > 0) await this.onPoll(this, ++this.polls);
    if (!this.reachable) throw new ProtocolError('connection_refused', `${cmd.command}: connection refused`);
    return {
      reply: parseReply({ deviceId: 'fake', status: 'ready', timestamp: t / 1000, uploadQueue: this.queue, failedUploadQueue: this.failed }),
      sentAt: t,
      receivedAt: t,
      attempts: 1,
    };
  };

  /** Do what a device does on success: PUT `body` to the last URL, drop the item. */
  async putAndFinish(body = 'x'.repeat(10)): Promise<void> {
    const r = await fetch(this.urls.at(-1)!, { method: 'PUT', body });
    if (r.status !== 200) throw new Error(`PUT ${r.status}`);
    this.queue = [];
  }
}

let s3: TestS3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3?.stop();
});

let n = 0;
function setup(dev: FakeDevice, extra: Partial<ConstructorParameters<typeof UploadService>[0]> = {}) {
  const svc = new UploadService({ storage: s3.storage(), clientFactory: (s) => s3.client(s), send: dev.send, pollIntervalMs: 20, verifyDelayMs: 20, ...extra });
  const views: UploadView[] = [];
  svc.onDidChangeUpload((v) => views.push(v));
  return { svc, views };
}
const req = (o: Partial<UploadRequest> = {}): UploadRequest => ({
  takeId: 't',
  takeLabel: `unit-${++n}`,
  takeCreatedAt: '2026-11-21T10:00:00Z',
  deviceKey: 'dev-1',
  deviceName: 'Cam 1',
  address: '127.0.0.1:9',
  fileName: 'clip.mp4',
  fileSize: 10,
  ...o,
});

describe('UploadService', () => {
  it('reports progress a progress bar can draw, then verifies, then done', async () => {
    const dev = new FakeDevice();
    dev.onPoll = async (d, i) => {
      if (i === 1) Object.assign(d.queue[0]!, { status: 'uploading', bytesUploaded: 5, uploadProgress: 50, uploadSpeed: 1000 });
      if (i === 2) Object.assign(d.queue[0]!, { bytesUploaded: 10, uploadProgress: 100 });
      if (i === 3) await d.putAndFinish();
    };
    const { svc, views } = setup(dev);
    const v = await svc.uploadFile(req());
    expect(v).toMatchObject({ state: 'done', bytes: 10, total: 10, percent: 100, error: null, key: `2026-11-21/unit-${n}/Cam-1/clip.mp4` });
    expect(views).toContainEqual(expect.objectContaining({ state: 'uploading', bytes: 5, total: 10, percent: 50, rateBps: 1000 }));
    const states = views.map((x) => x.state);
    expect(states.indexOf('uploading')).toBeLessThan(states.indexOf('verifying'));
    expect(states.at(-1)).toBe('done');
    expect(svc.get(v.id)).toEqual(v);
    expect(svc.list()).toEqual([v]);
  });

  it('disappearance is not success: a missing object fails, a short object fails', async () => {
    const gone = new FakeDevice();
    gone.onPoll = (d) => void (d.queue = []);
    const a = await setup(gone).svc.uploadFile(req());
    expect(a.state).toBe('failed');
    expect(a.error).toMatch(/^device reported nothing, but the object is not in the bucket \(s3:\/\/multicam-test\//);

    const short = new FakeDevice();
    short.onPoll = (d) => d.putAndFinish('abc');
    const b = await setup(short).svc.uploadFile(req());
    expect(b.state).toBe('failed');
    expect(b.error).toMatch(/^the object in the bucket is 3 bytes, but the device's file is 10 bytes/);
  });

  it('attributes failures: an older failure of the same file is not ours, a new one is', async () => {
    const dev = new FakeDevice();
    dev.failed = [{ fileName: 'clip.mp4', status: 'failed', error: 'old failure' }];
    dev.onPoll = (d, i) => {
      if (i === 3) {
        d.queue = [];
        d.failed.push({
          fileName: 'clip.mp4',
          status: 'failed',
          error: 'HTTP 403 Forbidden: <Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>1</X-Amz-Expires></Error>',
        });
      }
    };
    const v = await setup(dev).svc.uploadFile(req());
    expect(v.state).toBe('failed');
    expect(v.error).toBe('the device reported the upload failed: HTTP 403: AccessDenied (Request has expired)');
    expect(dev.polls).toBe(3);
  });

  it('when the device echoes URLs, only a failure carrying our URL is ours', async () => {
    const dev = new FakeDevice();
    dev.echoUrl = true;
    dev.onPoll = async (d, i) => {
      if (i === 1) d.failed.push({ fileName: 'clip.mp4', status: 'failed', error: 'someone else', uploadUrl: 'http://127.0.0.1:1/other?X-Amz-Signature=1' });
      if (i === 3) await d.putAndFinish();
    };
    const v = await setup(dev).svc.uploadFile(req());
    expect(v.state).toBe('done');
  });

  it('a device that stops answering fails the upload as lost contact', async () => {
    const dev = new FakeDevice();
    dev.onPoll = (d, i) => {
      if (i === 2) d.reachable = false;
    };
    const v = await setup(dev, { unreachableTimeoutMs: 1 }).svc.uploadFile(req());
    expect(v.state).toBe('failed');
    expect(v.error).toMatch(/^lost contact with the device for \d+ s: DEVICE_STATUS: connection refused/);
  });

  it('an upload with no new bytes fails as stalled', async () => {
    const dev = new FakeDevice();
    dev.onPoll = (d) => void Object.assign(d.queue[0]!, { status: 'uploading', bytesUploaded: 4 });
    const v = await setup(dev, { stallTimeoutMs: 1 }).svc.uploadFile(req());
    expect(v.state).toBe('failed');
    expect(v.error).toMatch(/^the upload stalled: no progress for \d+ s at 4 bytes/);
  });

  it('device answers other than upload_queued, and unreachable devices, fail before anything is queued', async () => {
    const refusing = new FakeDevice();
    refusing.uploadReply = { status: 'file_not_found', message: 'File clip.mp4 not found' };
    expect(await setup(refusing).svc.uploadFile(req())).toMatchObject({
      state: 'failed',
      error: 'the device refused the upload: file_not_found: File clip.mp4 not found',
    });
    const off = new FakeDevice();
    off.reachable = false;
    expect((await setup(off).svc.uploadFile(req())).error).toMatch(/^device unreachable: DEVICE_STATUS: connection refused/);
    expect(off.urls).toEqual([]);
  });

  it('refuses a second file on the same key, a busy retry and unknown ids', async () => {
    const dev = new FakeDevice();
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    dev.onPoll = async (d) => {
      await hold;
      await d.putAndFinish();
    };
    const { svc } = setup(dev, { storage: s3.storage({ prefixTemplate: 'same/{file}' }) });
    const a = svc.start(req({ deviceKey: 'a', deviceName: 'A' }));
    const b = await svc.uploadFile(req({ deviceKey: 'b', deviceName: 'B' }));
    expect(b.state).toBe('failed');
    expect(b.error).toBe('object key same/clip.mp4 is already being uploaded by A; add {device} to the prefix template');
    expect(() => svc.retry(a.id)).toThrow(/still in progress/);
    expect(() => svc.retry('nope')).toThrow(/no upload nope/);
    release();
    expect((await svc.settled(a.id)).state).toBe('done');
  });

  it('close() settles uploads in flight as failed', async () => {
    const dev = new FakeDevice();
    const { svc } = setup(dev);
    const v = svc.start(req());
    while (dev.polls < 1) await new Promise((r) => setTimeout(r, 10));
    svc.close();
    const s = await svc.settled(v.id);
    expect(s.state).toBe('failed');
    expect(s.error).toMatch(/upload service stopped/);
  });

  it('a bad address or template fails with a clear message', async () => {
    const dev = new FakeDevice();
    expect((await setup(dev).svc.uploadFile(req({ address: 'not an address' }))).error).toMatch(/is not host:port/);
    expect((await setup(dev, { storage: s3.storage({ prefixTemplate: '{nope}/{file}' }) }).svc.uploadFile(req())).error).toMatch(
      /unknown prefix template variable/,
    );
    expect((await setup(dev, { storage: s3.storage({ bucket: '' }) }).svc.uploadFile(req())).error).toBe('no storage bucket configured');
  });
});

describe('helpers', () => {
  it('parseDeviceAddress', () => {
    expect(parseDeviceAddress('10.0.0.5:8080')).toEqual({ host: '10.0.0.5', port: 8080 });
    expect(parseDeviceAddress('[fe80::1]:9000')).toEqual({ host: 'fe80::1', port: 9000 });
    expect(parseDeviceAddress('host')).toEqual({ host: 'host', port: 8080 });
    expect(() => parseDeviceAddress('a:99999')).toThrow();
  });
  it('summariseDeviceError keeps the S3 code and message, drops the rest', () => {
    expect(
      summariseDeviceError(
        'HTTP 404 Not Found: <?xml version="1.0"?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>b</BucketName></Error>',
      ),
    ).toBe('HTTP 404: NoSuchBucket (The specified bucket does not exist)');
    expect(summariseDeviceError('upload failed: connect ECONNREFUSED http://h/k?X-Amz-Signature=abc')).toBe(
      'upload failed: connect ECONNREFUSED http://h/k?<redacted>',
    );
    expect(summariseDeviceError(null)).toBe('no reason given');
  });
});

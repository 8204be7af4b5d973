/**
 * UploadService: devices upload their files straight to S3-compatible storage.
 *
 * Per file: render the object key, take a DEVICE_STATUS baseline, presign a PUT URL, send
 * UPLOAD_TO_CLOUD, then poll DEVICE_STATUS (one poller per device, ~1 Hz) for progress in
 * `uploadQueue` and failures in `failedUploadQueue`. Disappearance from the queue is NEVER
 * success (the iPhone app drops failed items silently): only a HEAD of the object with the
 * expected size is. Results go to `onDidChangeUpload` and, given a take folder, take.json.
 *
 * The presigned URL is a bearer credential: it is kept in memory only, and every message that
 * leaves this module goes through redactSecrets().
 */
import { parseAddress } from '../../../src-shared/address';
import { errorLine } from '../../../src-shared/error-line';
import { Emitter } from '../../../src-shared/event';
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { StorageSettings, UploadView } from '../../../src-shared/api';
import { deviceStatus, uploadToCloud, type Command, type DeviceReply } from '../../../src-shared/protocol';
import { send as deviceSend, type DeviceAddress, type SendOptions, type TimedReply } from '../device-client/index';
import { keyDate, renderKey } from './keys';
import { recordUploadInManifest, type ManifestUpload } from './manifest';
import { expirySeconds, presignPut, type ExpiryPolicy } from './presign';
import { redactSecrets } from '../../../src-shared/redact';
import { ourFailure, ourItem, progressOf, sleep, summariseDeviceError } from './device-queue';
import { StorageError, createS3Client, describeStorageError, headObject, testConnection, type S3ClientFactory } from './s3';

export type SendFn = (address: DeviceAddress, command: Command, options?: SendOptions) => Promise<TimedReply>;
/** One DEVICE_STATUS reply for a device (default: `send` with the DEVICE_STATUS command). */
export type StatusSource = (device: { deviceKey: string; address: DeviceAddress }) => Promise<DeviceReply>;

export interface UploadRequest {
  takeId: string;
  /** `{take}` in the key template (the take folder name is a good choice); default takeId. */
  takeLabel?: string | null;
  /** ISO instant the take was created: `{date}`; default today. */
  takeCreatedAt?: string | null;
  /** When set, the outcome is recorded in `<takeFolder>/take.json`. */
  takeFolder?: string | null;
  deviceKey: string;
  deviceName: string;
  /** `host:port`, `[v6]:port`, or an address object. */
  address: string | DeviceAddress;
  fileName: string;
  /** From STOP (0/null when unknown, e.g. OAK); the UPLOAD_TO_CLOUD reply may tell us. */
  fileSize: number | null;
}

export interface UploadServiceOptions {
  /** Current storage settings (a getter, so settings changes apply to the next upload). */
  storage: StorageSettings | (() => StorageSettings);
  clientFactory?: S3ClientFactory;
  send?: SendFn;
  statusSource?: StatusSource;
  /** Controller wall clock, ms. */
  now?: () => number;
  /** DEVICE_STATUS poll interval while a device has active uploads (default 1000). */
  pollIntervalMs?: number;
  /** No new byte for this long while `uploading` → failed (default 5 min). */
  stallTimeoutMs?: number;
  /** No status reply for this long → failed (default 60 s). */
  unreachableTimeoutMs?: number;
  /** Presigned URL lifetime: a policy, or a function of the file size returning seconds. */
  expiry?: Partial<ExpiryPolicy> | ((sizeBytes: number | null) => number);
  /** HEAD attempts on network errors (default 3), and the pause between them (default 1000 ms). */
  verifyTries?: number;
  verifyDelayMs?: number;
  /** Operator log lines (already scrubbed of secrets). */
  log?: (line: string) => void;
  /**
   * Where an outcome is recorded (default recordUploadInManifest on take.json). The app passes
   * the recorder's own manifest writer here when it holds the take open, so writes never race.
   */
  recordUpload?: (takeFolder: string, deviceKey: string, upload: ManifestUpload) => Promise<void>;
}

export class UploadError extends Error {
  constructor(
    readonly code: 'not_found' | 'busy' | 'already_done' | 'invalid_argument',
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

interface Entry {
  view: UploadView;
  req: UploadRequest;
  address: DeviceAddress;
  bucket: string;
  /** The presigned URL (secret; memory only). */
  url: string | null;
  expectedSize: number | null;
  expiresAt: number;
  baselineFailed: number;
  lastBytes: number;
  lastProgressAt: number;
  lastContactAt: number;
  started: boolean;
  running: boolean;
  waiters: Array<(v: UploadView) => void>;
}

type PollOutcome = { kind: 'gone' } | { kind: 'failed'; message: string };

interface Watcher {
  entry: Entry;
  onPoll(reply: DeviceReply | null, error: unknown): void;
}

export function parseDeviceAddress(a: string | DeviceAddress): DeviceAddress {
  if (typeof a === 'object' && a && typeof a.host === 'string' && Number.isInteger(a.port)) return { host: a.host, port: a.port };
  const r = parseAddress(String(a ?? ''));
  if (!r.ok)
    throw new UploadError(
      'invalid_argument',
      `device address '${String(a ?? '')
        .trim()
        .slice(0, 100)}' is not host:port (${r.why})`,
    );
  return { host: r.value.host, port: r.value.port };
}

const isActive = (v: UploadView) => v.state === 'queued' || v.state === 'uploading' || v.state === 'verifying';
export { summariseDeviceError } from './device-queue';

const errorText = (e: unknown) => redactSecrets(errorLine(e));

export class UploadService {
  private readonly entries = new Map<string, Entry>();
  private readonly pollers = new Map<string, { watchers: Set<Watcher>; running: boolean }>();
  private readonly _onDidChangeUpload = new Emitter<UploadView>('uploads: uploadChanged');
  /** An UploadView changed (state, bytes/total/percent/rateBps for a progress bar, error). */
  readonly onDidChangeUpload = this._onDidChangeUpload.event;
  private readonly clients = new Map<string, S3Client>();
  private readonly closing = new AbortController();
  private readonly now: () => number;
  private readonly sendFn: SendFn;
  private readonly statusSource: StatusSource;

  constructor(private readonly opts: UploadServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.sendFn = opts.send ?? deviceSend;
    this.statusSource =
      opts.statusSource ?? (async ({ address }) => (await this.sendFn(address, deviceStatus(), { tries: 1, signal: this.closing.signal })).reply);
  }

  list(): UploadView[] {
    return [...this.entries.values()].map((e) => ({ ...e.view }));
  }

  get(uploadId: string): UploadView | null {
    const e = this.entries.get(uploadId);
    return e ? { ...e.view } : null;
  }

  /** HeadBucket with the given (or current) settings; throws StorageError with a clear message. */
  async testConnection(storage: StorageSettings = this.storage()): Promise<{ bucket: string; message: string }> {
    let client: S3Client;
    try {
      client = this.client(storage);
    } catch (e) {
      throw describeStorageError(e, storage);
    }
    return testConnection(client, storage);
  }

  /** Begin one upload in the background; returns its first view. */
  start(req: UploadRequest): UploadView {
    const id = `upload-${randomBytes(6).toString('hex')}`;
    const entry: Entry = {
      view: {
        id,
        takeId: String(req.takeId),
        deviceKey: String(req.deviceKey),
        deviceName: String(req.deviceName || req.deviceKey),
        fileName: String(req.fileName),
        key: '',
        state: 'queued',
        bytes: 0,
        total: req.fileSize && req.fileSize > 0 ? req.fileSize : null,
        percent: 0,
        rateBps: null,
        error: null,
      },
      req,
      address: { host: '', port: 0 },
      bucket: '',
      url: null,
      expectedSize: null,
      expiresAt: 0,
      baselineFailed: 0,
      lastBytes: 0,
      lastProgressAt: 0,
      lastContactAt: 0,
      started: false,
      running: false,
      waiters: [],
    };
    this.entries.set(id, entry);
    this.launch(entry);
    return { ...entry.view };
  }

  /** One upload, start to a terminal state (`done` only after the bucket confirmed it). */
  async uploadFile(req: UploadRequest): Promise<UploadView> {
    return this.settled(this.start(req).id);
  }

  /** Every device's file of a take, concurrently; resolves when all are done or failed. */
  async uploadTake(take: { requests: UploadRequest[] }): Promise<UploadView[]> {
    const views = take.requests.map((r) => this.start(r));
    return Promise.all(views.map((v) => this.settled(v.id)));
  }

  /** Try a failed upload again with a fresh URL. */
  retry(uploadId: string): UploadView {
    const e = this.entries.get(uploadId);
    if (!e) throw new UploadError('not_found', `no upload ${uploadId}`);
    if (e.running || isActive(e.view)) throw new UploadError('busy', `upload of ${e.view.fileName} from ${e.view.deviceName} is still in progress`);
    if (e.view.state === 'done') throw new UploadError('already_done', `${e.view.fileName} from ${e.view.deviceName} is already in the bucket`);
    Object.assign(e.view, { state: 'queued', bytes: 0, percent: 0, rateBps: null, error: null });
    this.launch(e);
    return { ...e.view };
  }

  /** Resolves with the view once the upload is done or failed. */
  settled(uploadId: string): Promise<UploadView> {
    const e = this.entries.get(uploadId);
    if (!e) return Promise.reject(new UploadError('not_found', `no upload ${uploadId}`));
    if (!e.running) return Promise.resolve({ ...e.view });
    return new Promise((res) => e.waiters.push(res));
  }

  /** Stop polling; uploads still in flight settle as failed (the devices may still finish them). */
  close(): void {
    this.closing.abort();
  }

  // ---- internals ---------------------------------------------------------------------------

  private storage(): StorageSettings {
    return typeof this.opts.storage === 'function' ? this.opts.storage() : this.opts.storage;
  }

  private client(storage: StorageSettings): S3Client {
    const k = JSON.stringify([storage.endpoint, storage.region, storage.profile, storage.forcePathStyle]);
    let c = this.clients.get(k);
    if (!c) {
      c = (this.opts.clientFactory ?? ((s) => createS3Client(s)))(storage);
      this.clients.set(k, c);
    }
    return c;
  }

  private log(line: string): void {
    this.opts.log?.(redactSecrets(line));
  }

  private emit(e: Entry, patch: Partial<UploadView>): void {
    const before = JSON.stringify(e.view);
    Object.assign(e.view, patch);
    if (patch.error) e.view.error = redactSecrets(patch.error);
    if (JSON.stringify(e.view) !== before) this._onDidChangeUpload.fire({ ...e.view });
  }

  private launch(e: Entry): void {
    e.running = true;
    e.url = null;
    e.started = false;
    void this.run(e)
      .catch((err) => this.fail(e, errorText(err)))
      .finally(() => {
        e.running = false;
        e.url = null;
        const waiters = e.waiters.splice(0);
        for (const w of waiters) w({ ...e.view });
      });
  }

  private async fail(e: Entry, message: string): Promise<void> {
    const msg = redactSecrets(message);
    this.emit(e, { state: 'failed', error: msg, rateBps: null });
    this.log(`${e.view.deviceName}: upload of ${e.view.fileName} failed: ${msg}`);
    await this.record(e, { key: e.view.key, bucket: e.bucket, bytes: 0, etag: null, ok: false, error: msg, confirmedAt: null });
  }

  private async record(e: Entry, upload: ManifestUpload): Promise<void> {
    if (!e.req.takeFolder || !upload.key) return;
    try {
      await (this.opts.recordUpload ?? recordUploadInManifest)(e.req.takeFolder, e.view.deviceKey, upload);
    } catch (err) {
      this.log(`${e.view.deviceName}: could not record the upload in take.json: ${errorText(err)}`);
    }
  }

  private async run(e: Entry): Promise<void> {
    const storage = this.storage();
    const bucket = storage.bucket.trim();
    e.bucket = bucket;
    let key: string;
    try {
      e.address = parseDeviceAddress(e.req.address);
      if (!bucket) throw new StorageError('no_bucket', 'no storage bucket configured');
      if (typeof e.req.fileName !== 'string' || !e.req.fileName) throw new UploadError('invalid_argument', 'no file name to upload');
      key = renderKey(storage.prefixTemplate, {
        date: keyDate(e.req.takeCreatedAt, this.now),
        take: e.req.takeLabel || e.req.takeId,
        takeId: e.req.takeId,
        device: e.req.deviceName || e.req.deviceKey,
        deviceKey: e.req.deviceKey,
        file: e.req.fileName,
      });
    } catch (err) {
      this.emit(e, { state: 'failed', error: errorText(err) });
      this.log(`${e.view.deviceName}: upload of ${e.view.fileName} not started: ${errorText(err)}`);
      return;
    }
    // Two devices' files on one key would overwrite each other: refuse the second.
    const clash = [...this.entries.values()].find((o) => o !== e && o.running && o.bucket === bucket && o.view.key === key);
    this.emit(e, { key });
    if (clash) return this.fail(e, `object key ${key} is already being uploaded by ${clash.view.deviceName}; add {device} to the prefix template`);

    // Baseline: failures already on the device for this file are not this attempt's.
    let baseline: DeviceReply;
    try {
      baseline = await this.statusSource({ deviceKey: e.view.deviceKey, address: e.address });
    } catch (err) {
      return this.fail(e, `device unreachable: ${errorText(err)}`);
    }
    if (baseline.uploadQueue.some((i) => i.fileName === e.view.fileName)) {
      return this.fail(e, `the device is already uploading ${e.view.fileName}; retry once it has finished`);
    }
    e.baselineFailed = baseline.failedUploadQueue.filter((i) => i.fileName === e.view.fileName).length;

    const size = e.req.fileSize && e.req.fileSize > 0 ? e.req.fileSize : null;
    const expiresIn = typeof this.opts.expiry === 'function' ? this.opts.expiry(size) : expirySeconds(size, this.opts.expiry);
    let url: string;
    try {
      url = await presignPut(this.client(storage), { bucket, key, size, expiresInSeconds: expiresIn });
    } catch (err) {
      return this.fail(e, describeStorageError(err, storage).message);
    }
    e.url = url;
    e.expiresAt = this.now() + expiresIn * 1000;

    let reply: DeviceReply;
    try {
      reply = (await this.sendFn(e.address, uploadToCloud(e.view.fileName, url), { signal: this.closing.signal })).reply;
    } catch (err) {
      return this.fail(e, `UPLOAD_TO_CLOUD failed: ${errorText(err)}`);
    }
    if (reply.status !== 'upload_queued') {
      return this.fail(e, `the device refused the upload: ${reply.status}${reply.message ? `: ${reply.message}` : ''}`);
    }
    // The device knows its file best (OAK reports 0 at STOP and the real size here).
    e.expectedSize = reply.fileSize && reply.fileSize > 0 ? reply.fileSize : size;
    e.lastContactAt = e.lastProgressAt = this.now();
    e.lastBytes = 0;
    this.emit(e, { state: 'queued', total: e.expectedSize, bytes: 0, percent: 0 });
    this.log(`${e.view.deviceName}: upload of ${e.view.fileName} queued to s3://${bucket}/${key} (link valid ${expiresIn} s)`);

    const outcome = await this.watch(e);
    e.url = null;
    if (outcome.kind === 'failed') return this.fail(e, outcome.message);
    await this.verify(e, storage);
  }

  /** Wait, via the device's poller, until our item leaves the queue or fails. */
  private watch(e: Entry): Promise<PollOutcome> {
    return new Promise<PollOutcome>((resolve) => {
      const pollerKey = e.view.deviceKey;
      let poller = this.pollers.get(pollerKey);
      if (!poller) {
        poller = { watchers: new Set(), running: false };
        this.pollers.set(pollerKey, poller);
      }
      const p = poller;
      const watcher: Watcher = {
        entry: e,
        onPoll: (reply, error) => {
          const o = this.onPoll(e, reply, error);
          if (o) {
            p.watchers.delete(watcher);
            resolve(o);
          }
        },
      };
      p.watchers.add(watcher);
      if (!p.running) void this.pollLoop(pollerKey, p, e.address);
    });
  }

  private async pollLoop(deviceKey: string, p: { watchers: Set<Watcher>; running: boolean }, address: DeviceAddress): Promise<void> {
    p.running = true;
    try {
      while (p.watchers.size > 0) {
        await sleep(this.opts.pollIntervalMs ?? 1000, this.closing.signal);
        if (this.closing.signal.aborted) {
          for (const w of [...p.watchers]) w.onPoll(null, new Error('the upload service stopped; the device may still finish the upload'));
          break;
        }
        let reply: DeviceReply | null = null;
        let error: unknown = null;
        try {
          reply = await this.statusSource({ deviceKey, address });
        } catch (err) {
          error = err;
        }
        for (const w of [...p.watchers]) w.onPoll(reply, error);
      }
    } finally {
      p.running = false;
      if (p.watchers.size === 0 && this.pollers.get(deviceKey) === p) this.pollers.delete(deviceKey);
    }
  }

  /** One status reply for one upload: progress, a failure, or the item has left the queue. */
  private onPoll(e: Entry, reply: DeviceReply | null, error: unknown): PollOutcome | null {
    const now = this.now();
    if (this.closing.signal.aborted) return { kind: 'failed', message: errorText(error) };
    if (!reply) {
      const silentMs = now - e.lastContactAt;
      const limit = this.opts.unreachableTimeoutMs ?? 60_000;
      if (silentMs >= limit) return { kind: 'failed', message: `lost contact with the device for ${Math.round(silentMs / 1000)} s: ${errorText(error)}` };
      return null;
    }
    e.lastContactAt = now;
    const failed = ourFailure(e.view.fileName, e.url, e.baselineFailed, reply);
    if (failed) return { kind: 'failed', message: `the device reported the upload failed: ${summariseDeviceError(failed.error)}` };
    const item = ourItem(e.view.fileName, e.url, reply.uploadQueue, (reply.raw as { uploadQueue?: unknown }).uploadQueue);
    if (!item) return { kind: 'gone' };

    const { uploading, ...progress } = progressOf(item, e.expectedSize);
    const bytes = progress.bytes;
    if (uploading) e.started = true;
    if (bytes !== e.lastBytes) {
      e.lastBytes = bytes;
      e.lastProgressAt = now;
    }
    this.emit(e, progress);
    if (uploading && now - e.lastProgressAt >= (this.opts.stallTimeoutMs ?? 300_000)) {
      return { kind: 'failed', message: `the upload stalled: no progress for ${Math.round((now - e.lastProgressAt) / 1000)} s at ${bytes} bytes` };
    }
    // A PUT must begin before the link expires; one still waiting after that can never succeed.
    if (!e.started && now > e.expiresAt + 60_000) {
      return { kind: 'failed', message: 'the device did not start the upload before its link expired' };
    }
    return null;
  }

  /** HEAD the object: the only proof. Missing or the wrong size is a failure, whatever the device said. */
  private async verify(e: Entry, storage: StorageSettings): Promise<void> {
    this.emit(e, { state: 'verifying', rateBps: null });
    const client = this.client(storage);
    const tries = Math.max(1, this.opts.verifyTries ?? 3);
    let info: { size: number; etag: string | null } | null = null;
    let lastErr: unknown = null;
    for (let attempt = 1; attempt <= tries; attempt++) {
      try {
        info = await headObject(client, storage, e.bucket, e.view.key);
        lastErr = null;
        // Read-after-write is strong on S3, but a second look costs little before calling it lost.
        if (info || attempt >= 2) break;
      } catch (err) {
        lastErr = err;
      }
      if (attempt < tries) await sleep(this.opts.verifyDelayMs ?? 1000, this.closing.signal);
    }
    if (lastErr) return this.fail(e, `could not confirm the upload: ${errorText(lastErr)}`);
    const where = `s3://${e.bucket}/${e.view.key}`;
    if (!info) return this.fail(e, `device reported nothing, but the object is not in the bucket (${where})`);
    const expected = e.expectedSize;
    if (expected && info.size !== expected)
      return this.fail(e, `the object in the bucket is ${info.size} bytes, but the device's file is ${expected} bytes (${where})`);
    if (!expected && info.size <= 0) return this.fail(e, `the object in the bucket is empty (${where})`);
    const confirmedAt = new Date(this.now()).toISOString();
    this.emit(e, { state: 'done', bytes: info.size, total: info.size, percent: 100, rateBps: null, error: null });
    this.log(`${e.view.deviceName}: ${e.view.fileName} confirmed in ${where} (${info.size} bytes)`);
    await this.record(e, { key: e.view.key, bucket: e.bucket, bytes: info.size, etag: info.etag, ok: true, error: null, confirmedAt });
  }
}

/**
 * A fake, in-memory ControllerApi for component tests, screenshots and the demo page
 * (`demo.html`). NOT used by the production entry (`main.tsx`).
 *
 * It keeps a small world (devices, takes, downloads, uploads), answers every method of the
 * contract, emits events with increasing `seq`, and moves time forward only when `step(ms)` is
 * called, so tests stay deterministic.
 */
import { parseAddress } from '../../src-shared/address';
import type {
  ApiMethod,
  ControllerApi,
  ControllerClockView,
  ControllerEvent,
  DeviceView,
  DiscoveryView,
  DownloadView,
  Result,
  Settings,
  Snapshot,
  TakeDeviceView,
  TakeView,
  UploadView,
} from '../../src-shared/api';
import { err, ok } from '../../src-shared/api';
import { Emitter } from '../../src-shared/event';
import { ALWAYS_OPEN, type Transport } from './transport';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EventBody = DistributiveOmit<ControllerEvent, 'seq'>;

export interface FakeApiOptions {
  now?: () => number;
  scenario?: 'empty' | 'studio';
  capabilities?: Partial<Snapshot['capabilities']>;
  settings?: Partial<Settings>;
}

export interface FakeControllerApi extends ControllerApi {
  /** Every call made, in order. */
  readonly calls: Array<{ method: ApiMethod; args: unknown[] }>;
  /** Replace one method (e.g. to hold a snapshot back, or to fail). */
  handle<M extends ApiMethod>(method: M, impl: ControllerApi[M]): void;
  /** Push an event to subscribers with the next seq. */
  emit(body: EventBody): ControllerEvent;
  /** Advance the simulation by `ms` (recording starts, downloads progress…). */
  step(ms: number): void;
  readonly world: FakeWorld;
  listenerCount(): number;
  /** Put a device into the world (and emit deviceChanged). */
  putDevice(device: Partial<DeviceView> & { deviceKey: string }): DeviceView;
  putTake(take: TakeView): void;
  putDownload(d: DownloadView): void;
  putUpload(u: UploadView): void;
}

export interface FakeWorld {
  seq: number;
  devices: Map<string, DeviceView>;
  takes: Map<string, TakeView>;
  downloads: Map<string, DownloadView>;
  uploads: Map<string, UploadView>;
  activeTakeId: string | null;
  settings: Settings;
  controllerClock: ControllerClockView;
  discovery: DiscoveryView;
  capabilities: Snapshot['capabilities'];
}

export const DEFAULT_SETTINGS: Settings = {
  recordingsDir: '/Users/studio/Movies/MultiCam',
  delaySeconds: 3,
  pollIntervalMs: 1000,
  clockThresholdMs: 50,
  ntpServer: 'pool.ntp.org',
  interfaces: [],
  manualDevices: [],
  autoDownload: true,
  maxConcurrentDownloads: 3,
  batteryWarnPercent: 20,
  storage: { bucket: '', prefixTemplate: '{take}/{device}', region: '', endpoint: '', profile: '', forcePathStyle: false },
};

export function makeDevice(partial: Partial<DeviceView> & { deviceKey: string }, now = Date.now()): DeviceView {
  return {
    name: partial.deviceKey,
    color: null,
    source: 'mdns',
    host: '192.168.1.50',
    port: 8080,
    addresses: [partial.host ?? '192.168.1.50'],
    deviceId: partial.deviceKey,
    deviceType: 'iPhone',
    state: 'online',
    stateReason: null,
    lastSeen: now,
    battery: 80,
    deviceStatus: 'idle',
    recordingSince: null,
    clock: { offsetMs: 4, uncertaintyMs: 2, rttMs: 4, samples: 8, flagged: false },
    uploadQueue: [],
    failedUploadQueue: [],
    included: true,
    ...partial,
  };
}

export function makeTakeDevice(partial: Partial<TakeDeviceView> & { deviceKey: string }): TakeDeviceView {
  return {
    name: partial.deviceKey,
    deviceType: 'iPhone',
    start: 'accepted',
    startError: null,
    confirmedRecording: null,
    stop: 'pending',
    stopError: null,
    mayStillBeRecording: false,
    skipReason: null,
    fileName: null,
    fileSize: null,
    downloadId: null,
    downloadState: 'none',
    uploadId: null,
    warnings: [],
    ...partial,
  };
}

function thumbSvg(label: string, hue: number): string {
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="90" viewBox="0 0 160 90">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},45%,35%)"/>` +
    `<stop offset="1" stop-color="hsl(${(hue + 60) % 360},40%,18%)"/></linearGradient></defs>` +
    `<rect width="160" height="90" fill="url(#g)"/><circle cx="118" cy="30" r="12" fill="hsl(${hue},60%,70%)" opacity=".6"/>` +
    `<text x="10" y="80" font-family="sans-serif" font-size="14" fill="#fff">${label}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

const clone = <T>(v: T): T => structuredClone(v);

export function createFakeApi(options: FakeApiOptions = {}): FakeControllerApi {
  const now = options.now ?? Date.now;
  const events = new Emitter<ControllerEvent>('fake controller: event');
  const calls: Array<{ method: ApiMethod; args: unknown[] }> = [];
  const overrides = new Map<ApiMethod, (...args: unknown[]) => Promise<Result<unknown>>>();
  let virtualCount = 0;
  let takeCount = 0;
  let dlCount = 0;
  let sinceHeartbeat = 0;

  const world: FakeWorld = {
    seq: 0,
    devices: new Map(),
    takes: new Map(),
    downloads: new Map(),
    uploads: new Map(),
    activeTakeId: null,
    settings: { ...clone(DEFAULT_SETTINGS), ...options.settings },
    controllerClock: { state: 'sntp', server: 'pool.ntp.org', offsetMs: 3, uncertaintyMs: 1, lastSync: now(), error: null },
    discovery: { state: 'running', reason: null, interfaces: ['192.168.1.10'] },
    capabilities: { dragOut: true, reveal: true, virtualDevices: true, ...options.capabilities },
  };

  function emit(body: EventBody): ControllerEvent {
    world.seq += 1;
    const event = { ...clone(body), seq: world.seq } as ControllerEvent;
    events.fire(event);
    return event;
  }
  const putDevice = (partial: Partial<DeviceView> & { deviceKey: string }) => {
    const existing = world.devices.get(partial.deviceKey);
    const d = existing ? { ...existing, ...partial } : makeDevice(partial, now());
    world.devices.set(d.deviceKey, d);
    emit({ type: 'deviceChanged', device: d });
    return d;
  };
  const putTake = (t: TakeView) => {
    world.takes.set(t.takeId, t);
    emit({ type: 'takeChanged', take: t });
  };
  const putDownload = (d: DownloadView) => {
    world.downloads.set(d.id, d);
    emit({ type: 'downloadChanged', download: d });
  };
  const putUpload = (u: UploadView) => {
    world.uploads.set(u.id, u);
    emit({ type: 'uploadChanged', upload: u });
  };
  const setActive = (id: string | null) => {
    world.activeTakeId = id;
    emit({ type: 'activeTakeChanged', takeId: id });
  };

  const snapshot = (): Snapshot => ({
    seq: world.seq,
    devices: clone([...world.devices.values()]),
    takes: clone([...world.takes.values()]),
    downloads: clone([...world.downloads.values()]),
    uploads: clone([...world.uploads.values()]),
    activeTakeId: world.activeTakeId,
    settings: clone(world.settings),
    controllerClock: clone(world.controllerClock),
    discovery: clone(world.discovery),
    capabilities: clone(world.capabilities),
  });

  const findDevice = (id: string): Result<DeviceView> => {
    const d = world.devices.get(id);
    return d ? ok(d) : err('not_found', `No device ${id}.`);
  };

  const base: Omit<ControllerApi, 'subscribe'> = {
    async getSnapshot() {
      return ok(snapshot());
    },
    async refreshDiscovery() {
      return ok(undefined);
    },
    async addDevice(address) {
      const parsed = parseAddress(address);
      if (!parsed.ok) return err('invalid_argument', parsed.message);
      const { host, port, key: id } = parsed.value;
      if (world.devices.has(id)) return err('exists', `${id} is already in the list.`);
      return ok(
        putDevice({
          deviceKey: id,
          name: id,
          source: 'manual',
          host,
          port,
          addresses: [host],
          state: 'discovered',
          deviceType: null,
          battery: null,
          clock: null,
          lastSeen: null,
        }),
      );
    },
    async removeDevice(id) {
      if (!world.devices.delete(id)) return err('not_found', `No device ${id}.`);
      emit({ type: 'deviceRemoved', deviceKey: id });
      return ok(undefined);
    },
    async renameDevice(id, name) {
      const r = findDevice(id);
      if (!r.ok) return r;
      return ok(putDevice({ deviceKey: id, name: name.trim() || id }));
    },
    async setDeviceColor(id, color) {
      const r = findDevice(id);
      if (!r.ok) return r;
      return ok(putDevice({ deviceKey: id, color }));
    },
    async setDeviceIncluded(id, included) {
      const r = findDevice(id);
      if (!r.ok) return r;
      return ok(putDevice({ deviceKey: id, included }));
    },
    async startTake(opts) {
      if (world.activeTakeId) return err('busy', 'A take is already running.');
      const included = [...world.devices.values()].filter((d) => d.included);
      if (included.length === 0) return err('no_devices', 'No devices are included in the take.');
      takeCount += 1;
      const delay = opts.delaySeconds ?? world.settings.delaySeconds;
      const takeId = `take-${String(takeCount).padStart(3, '0')}`;
      const take: TakeView = {
        takeId,
        name: opts.name?.trim() || `Take ${takeCount}`,
        folder: `${world.settings.recordingsDir}/${takeId}`,
        createdAt: new Date(now()).toISOString(),
        targetStart: now() / 1000 + delay,
        delaySeconds: delay,
        phase: 'scheduled',
        outcome: null,
        aborted: false,
        recovered: false,
        devices: included.map((d) =>
          makeTakeDevice({
            deviceKey: d.deviceKey,
            name: d.name,
            deviceType: d.deviceType,
            start: d.state === 'online' ? 'accepted' : 'failed',
            startError: d.state === 'online' ? null : `device is ${d.state}`,
            stop: d.state === 'online' ? 'pending' : 'not_sent',
          }),
        ),
      };
      putTake(take);
      setActive(takeId);
      return ok(take);
    },
    async stopTake() {
      const t = world.activeTakeId ? world.takes.get(world.activeTakeId) : undefined;
      if (!t) return err('no_take', 'No take is running.');
      const stopped: TakeView = {
        ...t,
        phase: 'stopping',
        devices: t.devices.map((d) =>
          d.start === 'accepted'
            ? {
                ...d,
                stop: 'stopped',
                fileName: `${d.name.replace(/\W+/g, '_')}_${t.takeId}.mp4`,
                fileSize: 40_000_000 + Math.round(Math.random() * 40_000_000),
              }
            : d,
        ),
      };
      putTake(stopped);
      for (const d of t.devices) {
        const dev = world.devices.get(d.deviceKey);
        if (dev && dev.state === 'recording') putDevice({ deviceKey: dev.deviceKey, state: 'online', recordingSince: null });
      }
      return ok(stopped);
    },
    async retryStop(takeId, deviceKey) {
      const t = world.takes.get(takeId);
      if (!t) return err('not_found', `No take ${takeId}.`);
      const next = {
        ...t,
        devices: t.devices.map((d) => (d.deviceKey === deviceKey ? { ...d, stop: 'stopped' as const, stopError: null, mayStillBeRecording: false } : d)),
      };
      putTake(next);
      return ok(next);
    },
    async retryDownload(id) {
      const d = world.downloads.get(id);
      if (!d) return err('not_found', `No download ${id}.`);
      const next: DownloadView = { ...d, state: 'queued', error: null };
      putDownload(next);
      return ok(next);
    },
    async cancelDownload(id) {
      const d = world.downloads.get(id);
      if (!d) return err('not_found', `No download ${id}.`);
      const next: DownloadView = { ...d, state: 'cancelled', rateBps: 0, etaSeconds: null };
      putDownload(next);
      return ok(next);
    },
    async revealDownload(id) {
      if (!world.capabilities.reveal) return err('unsupported', 'Reveal needs the desktop app.');
      return world.downloads.has(id) ? ok(undefined) : err('not_found', `No download ${id}.`);
    },
    async startDrag(id) {
      if (!world.capabilities.dragOut) return err('unsupported', 'Drag-out needs the desktop app.');
      return world.downloads.get(id)?.state === 'done' ? ok(undefined) : err('not_ready', 'That file is not downloaded yet.');
    },
    async uploadTake(takeId) {
      const t = world.takes.get(takeId);
      if (!t) return err('not_found', `No take ${takeId}.`);
      if (!world.settings.storage.bucket) return err('not_configured', 'Set a storage bucket in Settings first.');
      const devices = t.devices.map((d) => {
        if (!d.fileName) return d;
        const u: UploadView = {
          id: `up-${takeId}-${d.deviceKey}`,
          takeId,
          deviceKey: d.deviceKey,
          deviceName: d.name,
          fileName: d.fileName,
          key: `${takeId}/${d.name}/${d.fileName}`,
          state: 'queued',
          bytes: 0,
          total: d.fileSize,
          percent: 0,
          rateBps: null,
          error: null,
        };
        putUpload(u);
        return { ...d, uploadId: u.id };
      });
      const next = { ...t, devices };
      putTake(next);
      return ok(next);
    },
    async retryUpload(id) {
      const u = world.uploads.get(id);
      if (!u) return err('not_found', `No upload ${id}.`);
      const next: UploadView = { ...u, state: 'queued', error: null };
      putUpload(next);
      return ok(next);
    },
    async testStorage() {
      const b = world.settings.storage.bucket;
      return b ? ok({ bucket: b, message: `Wrote and deleted a test object in ${b}.` }) : err('not_configured', 'No bucket is set.');
    },
    async updateSettings(patch) {
      if (patch.delaySeconds !== undefined && (patch.delaySeconds < 0.5 || patch.delaySeconds > 60))
        return err('invalid_argument', 'delaySeconds: must be between 0.5 and 60');
      world.settings = { ...world.settings, ...clone(patch) };
      emit({ type: 'settingsChanged', settings: world.settings });
      return ok(clone(world.settings));
    },
    async addVirtualDevices(count, personality) {
      const kinds = ['iPhone 15 Pro', 'Pixel 8', 'OAK-D', 'iPhone 13'];
      const added: DeviceView[] = [];
      for (let i = 0; i < count; i++) {
        virtualCount += 1;
        const type = personality && personality !== 'mixed' ? personality : kinds[(virtualCount - 1) % kinds.length]!;
        added.push(
          putDevice({
            deviceKey: `virtual-${virtualCount}`,
            name: `Virtual ${virtualCount}`,
            source: 'virtual',
            host: '127.0.0.1',
            port: 9000 + virtualCount,
            addresses: ['127.0.0.1'],
            deviceType: type,
            battery: 100,
          }),
        );
      }
      return ok(added);
    },
    async reviewTake(takeId, review) {
      const t = world.takes.get(takeId);
      if (!t) return err('not_found', `No take ${takeId}.`);
      const prev = t.review ?? { rating: null, note: '' };
      const next: TakeView = { ...t, review: { rating: review.rating !== undefined ? review.rating : prev.rating, note: review.note ?? prev.note } };
      world.takes.set(takeId, next);
      emit({ type: 'takeChanged', take: next });
      return ok(next);
    },
    async trashTake(takeId) {
      const t = world.takes.get(takeId);
      if (!t) return err('not_found', `No take ${takeId}.`);
      if (takeId === world.activeTakeId) return err('busy', `${t.name} is still in progress.`);
      world.takes.delete(takeId);
      emit({ type: 'takeRemoved', takeId });
      const trashFolder = `${world.settings.recordingsDir}/Trash`;
      return ok({ trashFolder, folder: `${trashFolder}/${t.folder.split('/').pop()}` });
    },
    async revealTake(takeId) {
      if (!world.capabilities.reveal) return err('unsupported', 'Reveal needs the desktop app.');
      return world.takes.has(takeId) ? ok(undefined) : err('not_found', `No take ${takeId}.`);
    },
    async startTakeDrag(takeId) {
      if (!world.capabilities.dragOut) return err('unsupported', 'Drag-out needs the desktop app.');
      return world.takes.has(takeId) ? ok(undefined) : err('not_found', `No take ${takeId}.`);
    },
    async clipDuration(id) {
      const d = world.downloads.get(id);
      if (d?.state !== 'done') return err('not_ready', 'No file yet.');
      return ok(Math.round((d.total ?? d.bytes) / 2_000_000) + 0.5);
    },
    async thumbnail(id) {
      const d = world.downloads.get(id);
      if (d?.state !== 'done') return err('not_ready', 'No file yet.');
      let hue = 0;
      for (const ch of d.deviceKey) hue = (hue * 17 + ch.charCodeAt(0)) % 360;
      return ok(thumbSvg(d.deviceName, hue));
    },
    async syncTake(takeId) {
      const t = world.takes.get(takeId);
      if (!t) return err('not_found', `No take ${takeId}.`);
      return t.phase === 'done' ? ok(undefined) : err('busy', 'The take is still recording or downloading.');
    },
    async exportTake(takeId, format) {
      const t = world.takes.get(takeId);
      if (t?.sync?.state !== 'done') return err('not_ready', 'This take has not been analysed yet.');
      const ext = format === 'fcpxml' ? '.fcpxml' : format === 'xmeml' ? '.xml' : '.otio';
      const skipped = t.sync.devices.filter((d) => !d.ok).map((d) => ({ name: d.name, reason: d.reason ?? 'not aligned' }));
      return ok({ path: `${t.folder}/${t.name}-multicam${ext}`, angles: t.sync.devices.length - skipped.length, skipped });
    },
    async contactSheet(takeId) {
      const t = world.takes.get(takeId);
      if (t?.sync?.state !== 'done') return err('not_ready', 'The take has not been aligned yet.');
      const ok_ = t.sync.devices.filter((d) => d.ok);
      return ok({
        instantsMs: [1000, 2000, 3000],
        strips: ok_.map((d, i) => ({ deviceKey: d.deviceKey, name: d.name, url: thumbSvg(d.name, (i * 67) % 360), error: null })),
      });
    },
  };

  const api = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(base) as Array<[ApiMethod, (...a: unknown[]) => Promise<Result<unknown>>]>) {
    api[name] = (...args: unknown[]) => {
      calls.push({ method: name, args: clone(args) });
      const o = overrides.get(name);
      return o ? o(...args) : fn(...args);
    };
  }

  function step(ms: number) {
    const t = now();
    sinceHeartbeat += ms;
    for (const take of [...world.takes.values()]) {
      if ((take.phase === 'scheduled' || take.phase === 'starting') && t >= take.targetStart * 1000) {
        const next: TakeView = {
          ...take,
          phase: 'recording',
          devices: take.devices.map((d) => (d.start === 'accepted' ? { ...d, confirmedRecording: d.confirmedRecording ?? true } : d)),
        };
        putTake(next);
        for (const d of next.devices)
          if (d.confirmedRecording) putDevice({ deviceKey: d.deviceKey, state: 'recording', recordingSince: take.targetStart * 1000 });
      } else if (take.phase === 'stopping') {
        const devices = take.devices.map((d) => {
          if (!d.fileName || d.downloadId) return d;
          dlCount += 1;
          const dl: DownloadView = {
            id: `dl-${dlCount}`,
            takeId: take.takeId,
            deviceKey: d.deviceKey,
            deviceName: d.name,
            fileName: d.fileName,
            path: d.fileName,
            state: 'queued',
            bytes: 0,
            total: d.fileSize,
            rateBps: 0,
            etaSeconds: null,
            sha256: null,
            error: null,
            partial: false,
          };
          putDownload(dl);
          return { ...d, downloadId: dl.id };
        });
        putTake({ ...take, phase: 'downloading', devices });
        if (world.activeTakeId === take.takeId) setActive(null);
      }
    }
    let active = [...world.downloads.values()].filter((d) => d.state === 'active').length;
    for (const d of [...world.downloads.values()]) {
      if (d.state === 'queued' && active < world.settings.maxConcurrentDownloads) {
        active++;
        putDownload({ ...d, state: 'active' });
      } else if (d.state === 'active') {
        const rate = 12_000_000;
        const total = d.total ?? 50_000_000;
        const bytes = Math.min(total, d.bytes + (rate * ms) / 1000);
        if (bytes >= total) putDownload({ ...d, bytes: total, state: 'done', rateBps: 0, etaSeconds: null, sha256: `${d.id}a3f19c0e7b5d2468`.padEnd(64, '0') });
        else putDownload({ ...d, bytes, rateBps: rate, etaSeconds: (total - bytes) / rate });
      }
    }
    for (const take of [...world.takes.values()]) {
      if (take.phase !== 'downloading') continue;
      const ids = take.devices.map((d) => d.downloadId).filter((x): x is string => !!x);
      if (
        ids.every((id) => {
          const s = world.downloads.get(id)?.state;
          return s === 'done' || s === 'failed' || s === 'cancelled';
        })
      )
        putTake({ ...take, phase: 'done' });
    }
    for (const u of [...world.uploads.values()]) {
      if (u.state === 'queued' || u.state === 'uploading') {
        const total = u.total ?? 50_000_000;
        const bytes = Math.min(total, u.bytes + (4_000_000 * ms) / 1000);
        putUpload({ ...u, state: bytes >= total ? 'done' : 'uploading', bytes, percent: Math.round((bytes / total) * 100), rateBps: 4_000_000 });
      }
    }
    if (sinceHeartbeat >= 1000) {
      sinceHeartbeat = 0;
      for (const d of world.devices.values()) if (d.state === 'online' || d.state === 'recording') putDevice({ deviceKey: d.deviceKey, lastSeen: t });
    }
  }

  const fake = api as unknown as FakeControllerApi;
  Object.assign(fake, {
    calls,
    world,
    emit,
    step,
    putDevice,
    putTake,
    putDownload,
    putUpload,
    handle(method: ApiMethod, impl: (...a: unknown[]) => Promise<Result<unknown>>) {
      overrides.set(method, impl);
    },
    listenerCount: () => events.listenerCount,
    subscribe(listener: (e: ControllerEvent) => void) {
      const sub = events.event(listener);
      return () => sub.dispose();
    },
  });

  if (options.scenario === 'studio') seedStudio(fake, now());
  // Seeding emitted events nobody heard; keep seq as-is so snapshots carry it.
  return fake;
}

export function createFakeTransport(api: FakeControllerApi): Transport {
  return { kind: 'fake', api, connection: ALWAYS_OPEN };
}

/** ~12 devices in mixed states, a take rolling with partial failures, and an earlier take downloading. */
export function seedStudio(fake: FakeControllerApi, t: number): void {
  const w = fake.world;
  w.settings = { ...w.settings, storage: { ...w.settings.storage, bucket: 'studio-takes' } };
  const cams: Array<Partial<DeviceView> & { deviceKey: string }> = [
    {
      deviceKey: 'multiCam-A1',
      name: 'Cam A — wide',
      color: '#ff6b6b',
      deviceType: 'iPhone 15 Pro',
      host: '192.168.1.21',
      battery: 86,
      state: 'recording',
      recordingSince: t - 14_200,
    },
    {
      deviceKey: 'multiCam-B2',
      name: 'Cam B — close',
      color: '#4dabf7',
      deviceType: 'iPhone 13',
      host: '192.168.1.22',
      battery: 64,
      state: 'recording',
      recordingSince: t - 14_200,
    },
    {
      deviceKey: 'multiCam-C3',
      name: 'Cam C — overhead',
      color: '#69db7c',
      deviceType: 'Pixel 8',
      host: '192.168.1.23',
      battery: 12,
      state: 'recording',
      recordingSince: t - 14_200,
    },
    {
      deviceKey: 'multiCam-D4',
      name: 'Cam D — profile',
      deviceType: 'Pixel 7a',
      host: '192.168.1.24',
      battery: 51,
      state: 'online',
      clock: { offsetMs: 812, uncertaintyMs: 3, rttMs: 6, samples: 12, flagged: true },
    },
    {
      deviceKey: 'multiCam-oak-7f3a',
      name: 'OAK depth',
      deviceType: 'OAK-D',
      host: '192.168.1.30',
      battery: null,
      state: 'recording',
      recordingSince: t - 14_200,
    },
    {
      deviceKey: 'multiCam-E5',
      name: 'Cam E — audience',
      deviceType: 'iPhone 12',
      host: '192.168.1.25',
      battery: 33,
      state: 'stale',
      stateReason: 'no reply for over 2.5 s: no reply within 1.5 s',
      stateDetail: 'reply_timeout: DEVICE_STATUS to 192.168.1.25:8080: no reply within 1.5 s',
      lastSeen: t - 6_000,
    },
    {
      deviceKey: 'multiCam-F6',
      name: 'Cam F — door',
      deviceType: 'Galaxy S23',
      host: '192.168.1.26',
      battery: 0,
      state: 'offline',
      stateReason: 'no reply for over 5 s: connection refused',
      stateDetail: 'connection_refused: DEVICE_STATUS to 192.168.1.26:8080: connection refused',
      lastSeen: t - 183_000,
      clock: null,
    },
    {
      deviceKey: 'multiCam-G7',
      name: 'Cam G — stage left',
      deviceType: 'iPhone 14',
      host: '192.168.1.27',
      battery: 92,
      state: 'uploading',
      uploadQueue: [
        {
          fileName: 'take-001_G7.mp4',
          fileSize: 84_000_000,
          bytesUploaded: 51_000_000,
          uploadProgress: 61,
          uploadSpeed: 3_200_000,
          status: 'uploading',
          error: null,
        },
      ],
    },
    {
      deviceKey: 'multiCam-H8',
      name: 'Cam H — stage right',
      deviceType: 'Pixel 8 Pro',
      host: '192.168.1.28',
      battery: 77,
      state: 'recording',
      recordingSince: t - 14_200,
      clock: { offsetMs: -23, uncertaintyMs: 2, rttMs: 4, samples: 10, flagged: false },
    },
    {
      deviceKey: '192.168.1.40:8080',
      name: '192.168.1.40:8080',
      source: 'manual',
      deviceType: null,
      host: '192.168.1.40',
      battery: null,
      state: 'discovered',
      lastSeen: null,
      clock: null,
    },
    { deviceKey: 'multiCam-J9', name: 'Cam J — spare', deviceType: 'iPhone SE', host: '192.168.1.29', battery: 45, state: 'online', included: false },
    {
      deviceKey: 'virtual-1',
      name: 'Virtual 1',
      source: 'virtual',
      deviceType: 'spec',
      host: '127.0.0.1',
      port: 9001,
      battery: 100,
      state: 'recording',
      recordingSince: t - 14_200,
    },
  ];
  for (const c of cams) fake.putDevice({ ...c, addresses: [c.host ?? '127.0.0.1'], lastSeen: c.lastSeen === undefined ? t - 800 : c.lastSeen });

  const td = (id: string, extra: Partial<TakeDeviceView> = {}) => {
    const d = w.devices.get(id)!;
    return makeTakeDevice({ deviceKey: id, name: d.name, deviceType: d.deviceType, ...extra });
  };
  const current: TakeView = {
    takeId: 'take-002',
    name: 'Scene 4 — take 2',
    folder: '/Users/studio/Movies/MultiCam/2025-11-21 Scene 4 take 2',
    createdAt: new Date(t - 17_500).toISOString(),
    targetStart: (t - 14_200) / 1000,
    delaySeconds: 3,
    phase: 'recording',
    outcome: null,
    aborted: false,
    recovered: false,
    devices: [
      td('multiCam-A1', { confirmedRecording: true }),
      td('multiCam-B2', { confirmedRecording: true }),
      td('multiCam-C3', { confirmedRecording: true }),
      td('multiCam-D4', { start: 'failed', startError: 'time not synchronized: clock not synced yet', stop: 'not_sent' }),
      td('multiCam-oak-7f3a', { confirmedRecording: true }),
      td('multiCam-E5', { confirmedRecording: false, warnings: ['status after target: idle'] }),
      td('multiCam-H8', { confirmedRecording: true }),
      td('virtual-1', { confirmedRecording: true }),
    ],
  };
  const older: TakeView = {
    takeId: 'take-001',
    name: 'Scene 4 — take 1',
    folder: '/Users/studio/Movies/MultiCam/2025-11-21 Scene 4 take 1',
    createdAt: new Date(t - 600_000).toISOString(),
    targetStart: (t - 590_000) / 1000,
    delaySeconds: 3,
    phase: 'downloading',
    outcome: null,
    aborted: false,
    recovered: false,
    devices: [
      td('multiCam-A1', { confirmedRecording: true, stop: 'stopped', fileName: 'A1_take1.mp4', fileSize: 412_000_000, downloadId: 'dl-a1' }),
      td('multiCam-B2', { confirmedRecording: true, stop: 'stopped', fileName: 'B2_take1.mp4', fileSize: 388_000_000, downloadId: 'dl-b2' }),
      td('multiCam-C3', { confirmedRecording: true, stop: 'stopped', fileName: 'C3_take1.mp4', fileSize: 301_000_000, downloadId: 'dl-c3' }),
      td('multiCam-oak-7f3a', { confirmedRecording: true, stop: 'stopped', fileName: 'oak_take1.mp4', fileSize: 0, downloadId: 'dl-oak' }),
      td('multiCam-F6', {
        confirmedRecording: true,
        stop: 'unreachable',
        stopError: 'connect_timeout: STOP_RECORDING to 192.168.1.26:8080 (attempt 3 of 3): connect ETIMEDOUT',
        mayStillBeRecording: true,
      }),
      td('multiCam-G7', {
        confirmedRecording: true,
        stop: 'stopped',
        fileName: 'take-001_G7.mp4',
        fileSize: 84_000_000,
        downloadId: 'dl-g7',
        uploadId: 'up-g7',
      }),
    ],
  };
  fake.putTake(older);
  fake.putTake(current);
  w.activeTakeId = current.takeId;
  const dl = (id: string, dev: string, name: string, extra: Partial<DownloadView>): DownloadView => ({
    id,
    takeId: 'take-001',
    deviceKey: dev,
    deviceName: w.devices.get(dev)!.name,
    fileName: name,
    path: name,
    state: 'active',
    bytes: 0,
    total: null,
    rateBps: 0,
    etaSeconds: null,
    sha256: null,
    error: null,
    partial: false,
    ...extra,
  });
  fake.putDownload(
    dl('dl-a1', 'multiCam-A1', 'A1_take1.mp4', {
      state: 'done',
      bytes: 412_000_000,
      total: 412_000_000,
      sha256: '9f2c41d07be3a5c8e6f1029384756abcdeffedcba98765432100123456789abc',
    }),
  );
  fake.putDownload(
    dl('dl-b2', 'multiCam-B2', 'B2_take1.mp4', { state: 'active', bytes: 241_000_000, total: 388_000_000, rateBps: 11_400_000, etaSeconds: 13 }),
  );
  fake.putDownload(dl('dl-c3', 'multiCam-C3', 'C3_take1.mp4', { state: 'queued', total: 301_000_000 }));
  fake.putDownload(
    dl('dl-oak', 'multiCam-oak-7f3a', 'oak_take1.mp4', {
      state: 'failed',
      bytes: 96_000_000,
      total: 180_000_000,
      partial: true,
      error: 'connection closed after 96 MB; the device deleted its copy',
    }),
  );
  fake.putDownload(
    dl('dl-g7', 'multiCam-G7', 'take-001_G7.mp4', {
      state: 'done',
      bytes: 84_000_000,
      total: 84_000_000,
      sha256: '0b7e5d11aa90c3f4e2d1c0b9a8f7e6d5c4b3a29180706050403020100fedcba9',
    }),
  );
  fake.putUpload({
    id: 'up-g7',
    takeId: 'take-001',
    deviceKey: 'multiCam-G7',
    deviceName: 'Cam G — stage left',
    fileName: 'take-001_G7.mp4',
    key: 'take-001/Cam G/take-001_G7.mp4',
    state: 'uploading',
    bytes: 51_000_000,
    total: 84_000_000,
    percent: 61,
    rateBps: 3_200_000,
    error: null,
  });
}

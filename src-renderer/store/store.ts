/**
 * The one renderer store (zustand), fed by controller events after a snapshot:
 * subscribe first, buffer events, take the snapshot, then apply buffered and new events whose
 * `seq` is newer than the snapshot's. A reconnect (connection opens again) re-takes the snapshot.
 *
 * Devices live in a map by id plus an ordered id list, so a card can select its own device and
 * re-render alone.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type {
  ControllerClockView,
  ControllerEvent,
  DeviceView,
  DiscoveryView,
  DownloadView,
  Settings,
  Snapshot,
  TakeView,
  UploadView,
} from '../../src-shared/api';
import type { ConnectionState, Transport } from '../api/transport';

export interface ControllerState {
  status: 'loading' | 'ready' | 'error';
  /**
   * A snapshot has been applied since the connection last opened. False while disconnected and
   * until the next snapshot: devices, takes and buttons must then show "unknown", not old facts.
   */
  fresh: boolean;
  loadError: string | null;
  seq: number;
  deviceIds: string[];
  devices: Record<string, DeviceView>;
  /** Newest first. */
  takeIds: string[];
  takes: Record<string, TakeView>;
  downloads: Record<string, DownloadView>;
  /** Download ids per take, in arrival order; arrays replaced only when membership changes. */
  downloadIdsByTake: Record<string, string[]>;
  uploads: Record<string, UploadView>;
  uploadIdsByTake: Record<string, string[]>;
  activeTakeId: string | null;
  settings: Settings | null;
  controllerClock: ControllerClockView | null;
  discovery: DiscoveryView | null;
  capabilities: Snapshot['capabilities'];
  connection: ConnectionState;
}

export type ControllerStore = StoreApi<ControllerState>;

export const INITIAL_STATE: ControllerState = {
  status: 'loading',
  fresh: false,
  loadError: null,
  seq: 0,
  deviceIds: [],
  devices: {},
  takeIds: [],
  takes: {},
  downloads: {},
  downloadIdsByTake: {},
  uploads: {},
  uploadIdsByTake: {},
  activeTakeId: null,
  settings: null,
  controllerClock: null,
  discovery: null,
  capabilities: { dragOut: false, reveal: false, virtualDevices: false },
  connection: { phase: 'connecting', attempt: 0, nextRetryAt: null, error: null, opens: 0 },
};

const byNewest = (takes: Record<string, TakeView>) => (a: string, b: string) => {
  const ta = takes[a]?.createdAt ?? '';
  const tb = takes[b]?.createdAt ?? '';
  return ta < tb ? 1 : ta > tb ? -1 : a < b ? 1 : -1;
};

function group<T extends { id: string; takeId: string }>(items: T[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const it of items) (out[it.takeId] ??= []).push(it.id);
  return out;
}

/** State after a snapshot (connection state is kept). */
export function fromSnapshot(s: Snapshot): Omit<ControllerState, 'connection'> {
  const devices: Record<string, DeviceView> = {};
  for (const d of s.devices) devices[d.deviceKey] = d;
  const takes: Record<string, TakeView> = {};
  for (const t of s.takes) takes[t.takeId] = t;
  const downloads: Record<string, DownloadView> = {};
  for (const d of s.downloads) downloads[d.id] = d;
  const uploads: Record<string, UploadView> = {};
  for (const u of s.uploads) uploads[u.id] = u;
  return {
    status: 'ready',
    fresh: true,
    loadError: null,
    seq: s.seq,
    deviceIds: s.devices.map((d) => d.deviceKey),
    devices,
    takeIds: Object.keys(takes).sort(byNewest(takes)),
    takes,
    downloads,
    downloadIdsByTake: group(s.downloads),
    uploads,
    uploadIdsByTake: group(s.uploads),
    activeTakeId: s.activeTakeId,
    settings: s.settings,
    controllerClock: s.controllerClock,
    discovery: s.discovery,
    capabilities: s.capabilities,
  };
}

/** The state change one event makes, or null when it is not newer than what we have. */
export function applyEvent(state: ControllerState, e: ControllerEvent): Partial<ControllerState> | null {
  if (typeof e.seq !== 'number' || e.seq <= state.seq) return null;
  const seq = e.seq;
  switch (e.type) {
    case 'deviceChanged': {
      const known = e.device.deviceKey in state.devices;
      return {
        seq,
        devices: { ...state.devices, [e.device.deviceKey]: e.device },
        ...(known ? {} : { deviceIds: [...state.deviceIds, e.device.deviceKey] }),
      };
    }
    case 'deviceRemoved': {
      if (!(e.deviceKey in state.devices)) return { seq };
      const devices = { ...state.devices };
      delete devices[e.deviceKey];
      return { seq, devices, deviceIds: state.deviceIds.filter((id) => id !== e.deviceKey) };
    }
    case 'takeChanged': {
      const takes = { ...state.takes, [e.take.takeId]: e.take };
      const known = e.take.takeId in state.takes;
      const reorder = !known || state.takes[e.take.takeId]?.createdAt !== e.take.createdAt;
      return { seq, takes, ...(reorder ? { takeIds: [...(known ? state.takeIds : [...state.takeIds, e.take.takeId])].sort(byNewest(takes)) } : {}) };
    }
    case 'takeRemoved': {
      if (!(e.takeId in state.takes)) return { seq };
      const takes = { ...state.takes };
      delete takes[e.takeId];
      return { seq, takes, takeIds: state.takeIds.filter((id) => id !== e.takeId) };
    }
    case 'activeTakeChanged':
      return { seq, activeTakeId: e.takeId };
    case 'downloadChanged': {
      const d = e.download;
      const prev = state.downloads[d.id];
      const patch: Partial<ControllerState> = { seq, downloads: { ...state.downloads, [d.id]: d } };
      if (!prev || prev.takeId !== d.takeId) {
        const map = { ...state.downloadIdsByTake };
        if (prev) map[prev.takeId] = (map[prev.takeId] ?? []).filter((x) => x !== d.id);
        map[d.takeId] = [...(map[d.takeId] ?? []), d.id];
        patch.downloadIdsByTake = map;
      }
      return patch;
    }
    case 'uploadChanged': {
      const u = e.upload;
      const prev = state.uploads[u.id];
      const patch: Partial<ControllerState> = { seq, uploads: { ...state.uploads, [u.id]: u } };
      if (!prev || prev.takeId !== u.takeId) {
        const map = { ...state.uploadIdsByTake };
        if (prev) map[prev.takeId] = (map[prev.takeId] ?? []).filter((x) => x !== u.id);
        map[u.takeId] = [...(map[u.takeId] ?? []), u.id];
        patch.uploadIdsByTake = map;
      }
      return patch;
    }
    case 'settingsChanged':
      return { seq, settings: e.settings };
    case 'controllerClockChanged':
      return { seq, controllerClock: e.clock };
    case 'discoveryChanged':
      return { seq, discovery: e.discovery };
    default:
      // Unknown event type from a newer controller: remember the seq, change nothing.
      return { seq };
  }
}

export function createControllerStore(): ControllerStore {
  return createStore<ControllerState>()(() => ({ ...INITIAL_STATE }));
}

export interface SyncHandle {
  /** Take a fresh snapshot now (e.g. after a failed load). */
  resync(): Promise<void>;
  stop(): void;
}

/** Most events buffered while a snapshot is on its way; beyond that we drop and re-snapshot. */
const MAX_BUFFER = 20_000;

/**
 * Wire a store to a transport: subscribe, snapshot whenever the connection (re)opens, apply
 * events. Returns a handle to stop.
 */
export function startSync(store: ControllerStore, transport: Transport, opts: { retryMs?: number } = {}): SyncHandle {
  const { api, connection } = transport;
  const retryMs = opts.retryMs ?? 3000;
  let synced = false;
  let buffer: ControllerEvent[] = [];
  let overflow = false;
  let generation = 0;
  let stopped = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const unsubscribeEvents = api.subscribe((e) => {
    if (stopped) return;
    if (!synced) {
      if (buffer.length >= MAX_BUFFER) overflow = true;
      else buffer.push(e);
      return;
    }
    const patch = applyEvent(store.getState(), e);
    if (patch) store.setState(patch);
  });

  async function resync(): Promise<void> {
    if (stopped) return;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    const gen = ++generation;
    synced = false;
    buffer = [];
    overflow = false;
    const r = await api.getSnapshot();
    if (stopped || gen !== generation) return;
    if (!r.ok) {
      const prev = store.getState();
      store.setState({ status: prev.status === 'ready' ? 'ready' : 'error', loadError: r.error.message });
      // A reconnect will resync on its own; otherwise try again shortly.
      if (connection.get().phase === 'open') retryTimer = setTimeout(() => void resync(), retryMs);
      return;
    }
    if (overflow) {
      void resync();
      return;
    }
    let state: ControllerState = { ...store.getState(), ...fromSnapshot(r.value) };
    for (const e of buffer) {
      const patch = applyEvent(state, e);
      if (patch) state = { ...state, ...patch };
    }
    buffer = [];
    synced = true;
    store.setState(state, true);
  }

  store.setState({ connection: connection.get() });
  const unsubscribeConnection = connection.subscribe((s) => {
    const wasOpen = store.getState().connection.phase === 'open';
    store.setState(s.phase === 'open' ? { connection: s } : { connection: s, fresh: false });
    if (s.phase === 'open' && !wasOpen) void resync();
    if (s.phase !== 'open') synced = false;
  });
  if (connection.get().phase === 'open') void resync();

  return {
    resync,
    stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      unsubscribeEvents();
      unsubscribeConnection();
    },
  };
}

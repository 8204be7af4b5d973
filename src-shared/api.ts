/**
 * ControllerApi — the one contract between the UI and the controller. Implemented by
 * src-main/core/controller.ts; carried over Electron IPC (src-main/electron) and over a
 * WebSocket (src-main/bridge). Everything here is plain, structured-clone-safe data.
 *
 * Events: subscribe, then take a snapshot, then apply events whose `seq` is newer than the
 * snapshot's.
 */
import { z } from 'zod';
import type { UploadItem } from './protocol/replies';
import type { TakeSync } from './sync';
import { plainIssue, type IssueLike } from './plain';

// ---------- envelopes ----------

export interface ApiError {
  /** Stable machine code, e.g. `invalid_argument`, `not_found`, `busy`, `unsupported`. */
  code: string;
  /** One sentence for the operator. */
  message: string;
}
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };
export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = <T = never>(code: string, message: string): Result<T> => ({ ok: false, error: { code, message } });

// ---------- devices ----------

export type DeviceState = 'discovered' | 'online' | 'recording' | 'uploading' | 'stale' | 'offline';
export type DeviceSource = 'mdns' | 'manual' | 'virtual';

export interface ClockView {
  /** Device raw clock minus controller clock, ms. */
  offsetMs: number;
  /** ± ms (half the best round trip). */
  uncertaintyMs: number;
  rttMs: number;
  samples: number;
  /** |offset| is over the configured threshold. */
  flagged: boolean;
}

export interface DeviceView {
  /** The fleet's key of the device (mDNS instance name, or `host:port` for a manual entry); `deviceKey` everywhere. */
  deviceKey: string;
  /**
   * What the operator sees: their label, else the id the device reports about itself once it has
   * answered (the name `multicam sim`, `status` and `record` use too), else its mDNS instance
   * name (or address) until then.
   */
  name: string;
  /** Operator-chosen label colour (CSS colour) or null. */
  color: string | null;
  source: DeviceSource;
  /** Address used for commands (IPv4 preferred). */
  host: string | null;
  port: number | null;
  /** Every address seen for this device. */
  addresses: string[];
  deviceId: string | null;
  deviceType: string | null;
  state: DeviceState;
  /** Why it is in that state, in plain words (e.g. "no reply for over 5 s: connection refused"). */
  stateReason: string | null;
  /** The technical line behind `stateReason` (socket error, device-client code), for a tooltip; null when none. */
  stateDetail?: string | null;
  /** ms epoch of the last good reply. */
  lastSeen: number | null;
  /** 0–100, or null when unknown. */
  battery: number | null;
  /** Last status the device reported (normalised). */
  deviceStatus: string | null;
  /** ms epoch when recording began as far as we know. */
  recordingSince: number | null;
  clock: ClockView | null;
  uploadQueue: UploadItem[];
  failedUploadQueue: UploadItem[];
  /** Included in the next take. */
  included: boolean;
}

export interface ControllerClockView {
  /** `sntp` when a server answered recently; `unverified` otherwise. */
  state: 'sntp' | 'unverified';
  server: string;
  /** True time minus local clock, ms. */
  offsetMs: number | null;
  uncertaintyMs: number | null;
  lastSync: number | null;
  error: string | null;
}

export interface DiscoveryView {
  state: 'running' | 'unavailable' | 'stopped';
  reason: string | null;
  interfaces: string[];
}

// ---------- takes, downloads, uploads ----------

export type TakePhase = 'starting' | 'scheduled' | 'recording' | 'stopping' | 'downloading' | 'done' | 'failed';

/**
 * How a finished take turned out, from its devices (null while the take is in progress):
 * `complete` every included device recorded and its file was downloaded and verified;
 * `partial` some files are missing or failed; `recorded` every device stopped with a file but
 * nothing was downloaded (downloads off); `aborted` Stop came before the start instant;
 * `failed` no file at all. `take.json` carries it next to `phase`.
 */
export type TakeOutcome = 'complete' | 'partial' | 'recorded' | 'aborted' | 'failed';

/**
 * Why a device took no part in a take: `left_out` by the operator; `unreachable` at pre-flight;
 * `already_recording` before the take; `not_started` the take was stopped before its START left;
 * `invalid_address`.
 */
export type SkipReason = 'left_out' | 'unreachable' | 'already_recording' | 'not_started' | 'invalid_address';

export interface DownloadView {
  /** Opaque id; the only handle the renderer has on a file (drag-out, reveal). */
  id: string;
  takeId: string;
  deviceKey: string;
  deviceName: string;
  /** Name on the device. */
  fileName: string;
  /** Path relative to the take folder. */
  path: string;
  state: 'queued' | 'active' | 'done' | 'failed' | 'cancelled';
  bytes: number;
  total: number | null;
  rateBps: number;
  etaSeconds: number | null;
  sha256: string | null;
  /** One plain line ("connection reset after 97 KiB of 2.9 MiB — partial kept"). */
  error: string | null;
  /** The technical detail behind `error` (codes, paths), for a tooltip or disclosure. */
  errorDetail?: string | null;
  /** Bytes were kept from a failed transfer (e.g. an OAK device deleted its copy). */
  partial: boolean;
}

export interface UploadView {
  id: string;
  takeId: string;
  deviceKey: string;
  deviceName: string;
  fileName: string;
  key: string;
  state: 'queued' | 'uploading' | 'verifying' | 'done' | 'failed';
  bytes: number;
  total: number | null;
  percent: number | null;
  rateBps: number | null;
  error: string | null;
}

export interface TakeDeviceView {
  deviceKey: string;
  name: string;
  deviceType: string | null;
  /** START outcome: `accepted`, `failed`, `skipped` (excluded or pre-flight), `pending`. */
  start: 'pending' | 'accepted' | 'failed' | 'skipped';
  startError: string | null;
  /** Reported `recording` after the target instant; null while unknown. */
  confirmedRecording: boolean | null;
  /** `cancelled`: an aborted take's STOP reached the device before it began capturing. */
  stop: 'pending' | 'stopped' | 'failed' | 'not_sent' | 'unreachable' | 'cancelled';
  stopError: string | null;
  /** The device may still be recording (STOP could not be delivered). */
  mayStillBeRecording: boolean;
  /** Set when `start` is `skipped`: why this device took no part. */
  skipReason: SkipReason | null;
  fileName: string | null;
  fileSize: number | null;
  downloadId: string | null;
  /** The device's file transfer as the take knows it (`none`: nothing asked for yet). */
  downloadState: 'none' | DownloadView['state'];
  uploadId: string | null;
  warnings: string[];
}

export interface TakeView {
  takeId: string;
  name: string;
  /** Absolute path of the take folder. */
  folder: string;
  createdAt: string;
  /** Unix seconds, controller time base. */
  targetStart: number;
  delaySeconds: number;
  phase: TakePhase;
  /** How the take turned out (null while it is in progress); see TakeOutcome. */
  outcome: TakeOutcome | null;
  /** Stop came before the start instant: the take was called off (clips already begun are kept). */
  aborted: boolean;
  /** Loaded back after the controller restarted in the middle of this take. */
  recovered: boolean;
  devices: TakeDeviceView[];
  /** Where each camera's file sits on one timeline, measured from the sound (null: not analysed). */
  sync?: TakeSync | null;
  /** The operator's marks on the take (take.json `review`); absent on older manifests. */
  review?: TakeReview;
}

/** Good / no good and a note, as the operator marked the take. */
export interface TakeReview {
  rating: 'good' | 'no_good' | null;
  note: string;
}
export const TAKE_NOTE_MAX = 2000;

/** A camera's strip of frames at the same timeline instants as every other camera's. */
export interface ContactSheet {
  /** Timeline instants (ms from the earliest file's start) of the frames, left to right. */
  instantsMs: number[];
  strips: { deviceKey: string | null; name: string; url: string | null; error: string | null }[];
}

export type ExportFormat = 'fcpxml' | 'xmeml' | 'otio';

// ---------- settings ----------

export const StorageSettingsSchema = z.object({
  bucket: z.string().max(255),
  prefixTemplate: z.string().max(512),
  region: z.string().max(64),
  endpoint: z.string().max(2048),
  profile: z.string().max(128),
  forcePathStyle: z.boolean(),
});
export type StorageSettings = z.infer<typeof StorageSettingsSchema>;

export const SettingsSchema = z.object({
  recordingsDir: z.string().min(1).max(4096),
  delaySeconds: z.number().min(0.5).max(60),
  pollIntervalMs: z.number().int().min(250).max(60_000),
  clockThresholdMs: z.number().min(1).max(10_000),
  ntpServer: z.string().max(255),
  /** Local IPv4 addresses discovery is confined to; empty = every IPv4 interface. */
  interfaces: z.array(z.string().max(64)).max(32),
  /** Manual `host:port` entries. */
  manualDevices: z.array(z.string().max(300)).max(500),
  autoDownload: z.boolean(),
  maxConcurrentDownloads: z.number().int().min(1).max(16),
  batteryWarnPercent: z.number().min(0).max(100),
  storage: StorageSettingsSchema,
});
export type Settings = z.infer<typeof SettingsSchema>;
export const SettingsPatchSchema = SettingsSchema.partial();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

// ---------- snapshot & events ----------

export interface Snapshot {
  /** Events with seq ≤ this are already reflected. */
  seq: number;
  devices: DeviceView[];
  takes: TakeView[];
  downloads: DownloadView[];
  uploads: UploadView[];
  activeTakeId: string | null;
  settings: Settings;
  controllerClock: ControllerClockView;
  discovery: DiscoveryView;
  /** Whether this transport can drag files out / reveal them (Electron only). */
  capabilities: { dragOut: boolean; reveal: boolean; virtualDevices: boolean };
}

export type ControllerEvent =
  | { seq: number; type: 'deviceChanged'; device: DeviceView }
  | { seq: number; type: 'deviceRemoved'; deviceKey: string }
  | { seq: number; type: 'takeChanged'; take: TakeView }
  /** The take left the list (moved to the Trash folder). */
  | { seq: number; type: 'takeRemoved'; takeId: string }
  | { seq: number; type: 'activeTakeChanged'; takeId: string | null }
  | { seq: number; type: 'downloadChanged'; download: DownloadView }
  | { seq: number; type: 'uploadChanged'; upload: UploadView }
  | { seq: number; type: 'settingsChanged'; settings: Settings }
  | { seq: number; type: 'controllerClockChanged'; clock: ControllerClockView }
  | { seq: number; type: 'discoveryChanged'; discovery: DiscoveryView };

// ---------- methods ----------

const id = z.string().min(1).max(512);
const personality = z.enum(['ios', 'android', 'oak', 'spec', 'mixed']);

/**
 * Argument schemas for every method, by name: the one validation used by both transports.
 * Each entry is the tuple of arguments.
 */
export const API_ARGS = {
  getSnapshot: z.tuple([]),
  refreshDiscovery: z.tuple([]),
  addDevice: z.tuple([z.string().min(1).max(300)]),
  removeDevice: z.tuple([id]),
  renameDevice: z.tuple([id, z.string().max(64)]),
  setDeviceColor: z.tuple([
    id,
    z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/)
      .nullable(),
  ]),
  setDeviceIncluded: z.tuple([id, z.boolean()]),
  startTake: z.tuple([
    z.object({
      name: z.string().max(120).optional(),
      delaySeconds: z.number().min(0.5).max(60).optional(),
    }),
  ]),
  stopTake: z.tuple([]),
  retryStop: z.tuple([id, id]),
  retryDownload: z.tuple([id]),
  cancelDownload: z.tuple([id]),
  revealDownload: z.tuple([id]),
  startDrag: z.tuple([id]),
  uploadTake: z.tuple([id]),
  retryUpload: z.tuple([id]),
  testStorage: z.tuple([]),
  updateSettings: z.tuple([SettingsPatchSchema]),
  addVirtualDevices: z.tuple([z.number().int().min(1).max(100), personality.optional()]),
  thumbnail: z.tuple([id]),
  reviewTake: z.tuple([id, z.object({ rating: z.enum(['good', 'no_good']).nullable().optional(), note: z.string().max(2000).optional() }).strict()]),
  trashTake: z.tuple([id]),
  revealTake: z.tuple([id]),
  startTakeDrag: z.tuple([id]),
  clipDuration: z.tuple([id]),
  syncTake: z.tuple([id]),
  exportTake: z.tuple([id, z.enum(['fcpxml', 'xmeml', 'otio'])]),
  contactSheet: z.tuple([id]),
} as const;

export type ApiMethod = keyof typeof API_ARGS;
export const API_METHODS = Object.keys(API_ARGS) as ApiMethod[];

export interface ControllerApi {
  getSnapshot(): Promise<Result<Snapshot>>;
  refreshDiscovery(): Promise<Result<void>>;
  /**
   * `host:port` (port defaults to 8080). Resolves after one bounded status request, so the view
   * says whether the device answered (`lastSeen` set) or why not (`stateReason`). A device
   * already in the list is refused (`exists`).
   */
  addDevice(address: string): Promise<Result<DeviceView>>;
  removeDevice(id: string): Promise<Result<void>>;
  renameDevice(id: string, name: string): Promise<Result<DeviceView>>;
  setDeviceColor(id: string, color: string | null): Promise<Result<DeviceView>>;
  setDeviceIncluded(id: string, included: boolean): Promise<Result<DeviceView>>;
  startTake(options: { name?: string; delaySeconds?: number }): Promise<Result<TakeView>>;
  stopTake(): Promise<Result<TakeView>>;
  retryStop(takeId: string, deviceKey: string): Promise<Result<TakeView>>;
  retryDownload(downloadId: string): Promise<Result<DownloadView>>;
  cancelDownload(downloadId: string): Promise<Result<DownloadView>>;
  /** Electron: show the file in the OS file manager. Browser mode: `unsupported`. */
  revealDownload(downloadId: string): Promise<Result<void>>;
  /** Electron: begin an OS drag of the finished file. Browser mode: `unsupported`. */
  startDrag(downloadId: string): Promise<Result<void>>;
  uploadTake(takeId: string): Promise<Result<TakeView>>;
  retryUpload(uploadId: string): Promise<Result<UploadView>>;
  testStorage(): Promise<Result<{ bucket: string; message: string }>>;
  updateSettings(patch: SettingsPatch): Promise<Result<Settings>>;
  addVirtualDevices(count: number, personality?: 'ios' | 'android' | 'oak' | 'spec' | 'mixed'): Promise<Result<DeviceView[]>>;
  /** A data: URL (image/png or image/jpeg) of the video's first frame, or `unsupported`. */
  thumbnail(downloadId: string): Promise<Result<string>>;
  /** Mark a take good / no good (null clears) and set its note; written to take.json. */
  reviewTake(takeId: string, review: { rating?: 'good' | 'no_good' | null; note?: string }): Promise<Result<TakeView>>;
  /** Move a finished take's folder into the Trash folder inside the recordings folder (never a delete). */
  trashTake(takeId: string): Promise<Result<{ trashFolder: string; folder: string }>>;
  /** Open the take's folder in the OS file manager (through the local controller). */
  revealTake(takeId: string): Promise<Result<void>>;
  /** Electron: begin an OS drag of every finished file of the take. Browser mode: `unsupported`. */
  startTakeDrag(takeId: string): Promise<Result<void>>;
  /** Length of a finished clip in seconds (ffprobe), or `unsupported`. */
  clipDuration(downloadId: string): Promise<Result<number>>;
  /** Analyse (again) where every camera of a finished take sits on one timeline; the result arrives with takeChanged. */
  syncTake(takeId: string): Promise<Result<void>>;
  /** Write an editor project of a synced take next to its take.json; returns the file and who was left out. */
  exportTake(takeId: string, format: ExportFormat): Promise<Result<{ path: string; angles: number; skipped: { name: string; reason: string }[] }>>;
  /** Frames of every aligned camera at the same instants (JPEG data: URLs). */
  contactSheet(takeId: string): Promise<Result<ContactSheet>>;
  /** Push channel. Returns the unsubscribe function. */
  subscribe(listener: (event: ControllerEvent) => void): () => void;
}

/** Validate a method call's arguments; the transports call this before the controller sees anything. */
export function validateArgs(method: string, args: unknown): Result<unknown[]> {
  if (!Object.hasOwn(API_ARGS, method)) return err('unknown_method', `no such method: ${String(method).slice(0, 64)}`);
  const schema = API_ARGS[method as ApiMethod];
  const r = schema.safeParse(args);
  if (!r.success) {
    const i = r.error.issues[0];
    // One plain sentence ("Start delay must be at least 0.5 s."), not zod's text.
    return err('invalid_argument', i ? plainIssue({ ...(i as IssueLike), path: i.path.slice(1) }) : `${method}: invalid arguments`);
  }
  return ok(r.data as unknown[]);
}

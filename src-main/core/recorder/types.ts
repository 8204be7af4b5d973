/** The recorder's collaborators, passed in so tests can use sim devices, fakes and fake clocks. */
import type { ControllerClockView } from '../../../src-shared/api';
import type { Command } from '../../../src-shared/protocol';
import type { DeviceAddress, PreparedConnection, SendOptions, TimedReply } from '../device-client/types';
import type { DownloadQueue } from '../downloads/queue';
import type { TakeStore } from '../takes/store';
import type { SetTimer } from '../timers';

export type SendFn = (address: DeviceAddress, command: Command, options?: SendOptions) => Promise<TimedReply>;

/** One device as the recorder needs it (the fleet, the CLI or a test builds these). */
export interface RecorderDevice {
  /** The fleet's key of the device (mDNS instance or `host:port`). */
  deviceKey: string;
  /** Operator's label; empty = the device's own deviceId (learned in pre-flight), else the key. */
  name: string;
  host: string;
  port: number;
  deviceType?: string | null;
  /**
   * The device schedules START on its own raw clock rather than synchronized time, so its target
   * is corrected by the measured offset. Default: true for deviceType `Oak`.
   */
  scheduleOnRawClock?: boolean;
  /** The operator's include/exclude (default included). */
  included?: boolean;
}

/** Device raw clock minus controller clock (ms), as the fleet measures it. */
export interface ClockEstimate {
  offsetMs: number;
  uncertaintyMs: number;
  rttMs?: number;
  samples?: number;
}

/** The controller's time base (SNTP-corrected when available). */
export interface ControllerClock {
  /** ms, controller time base. */
  now(): number;
  state(): ControllerClockView;
}

export const wallClock: ControllerClock = {
  now: () => performance.timeOrigin + performance.now(),
  state: () => ({ state: 'unverified', server: '', offsetMs: null, uncertaintyMs: null, lastSync: null, error: null }),
};

export interface RecorderTimeouts {
  /** Pre-flight DEVICE_STATUS (connect and reply), ms. */
  preflightMs: number;
  /** START reply, ms. */
  startMs: number;
  /** Confirmation / stop-time DEVICE_STATUS, ms. */
  statusMs: number;
  /** STOP reply: the Android app may trim for up to 60 s (notes rule 5). */
  stopMs: number;
  /** DEVICE_STATUS polls after the target instant. */
  confirmAttempts: number;
  confirmIntervalMs: number;
  /** Wait after the target instant before the first confirmation poll. */
  confirmGraceMs: number;
  /** Tries for STOP on connection-level failures (device client policy). */
  stopTries: number;
  /** Backoff between STOP tries. */
  stopBackoffMs: readonly number[];
}

export const DEFAULT_TIMEOUTS: RecorderTimeouts = {
  preflightMs: 1_500,
  startMs: 5_000,
  statusMs: 1_500,
  stopMs: 90_000,
  confirmAttempts: 3,
  confirmIntervalMs: 800,
  confirmGraceMs: 250,
  stopTries: 3,
  stopBackoffMs: [1_000, 2_000],
};

export interface RecorderOptions {
  recordingsDir: string;
  /** The take store new takes are created in (default: one for `recordingsDir`). */
  takes?: TakeStore;
  send: SendFn;
  /**
   * Open a device's START connection ahead, while pre-flight runs (device-client's
   * prepareConnection), so the fan-out only writes; without it each START connects first.
   */
  preconnect?: (address: DeviceAddress) => PreparedConnection;
  clock?: ControllerClock;
  /** The fleet's clock estimate for a device, if it has one. */
  clockOf?: (deviceKey: string) => ClockEstimate | null;
  /** Every reply the recorder gets, for the fleet's state and clock (fleet.noteReply). */
  noteReply?: (deviceKey: string, reply: TimedReply) => void;
  /** Where stopped devices' files go; null = no downloads. */
  downloads?: DownloadQueue | null;
  /** Download automatically after STOP (default true). */
  autoDownload?: boolean;
  /** Battery below this warns (never blocks). Default 20. */
  batteryWarnPercent?: number;
  /** The app's settings, read at use time (the controller's; overrides the two fields above). */
  settings?: () => RecorderSettings;
  /** Pre-flight DEVICE_STATUS samples for a raw-clock device (default 8); compared with the fleet's estimate. */
  clockSamples?: number;
  timeouts?: Partial<RecorderTimeouts>;
  /** Local date for folder names and `createdAt`. */
  date?: () => Date;
  /** A manifest write failed (the take goes on; the operator should know). */
  onWriteError?: (folder: string, e: Error) => void;
  /** Timers (the confirmation waits): tests hand in virtual time, like the fleet's. */
  setTimer?: SetTimer;
}

/** The settings the recorder reads when it needs them (a change applies to what comes next). */
export interface RecorderSettings {
  autoDownload?: boolean;
  batteryWarnPercent?: number;
}

/** The value of a recorder setting now: the settings getter first, then the static option. */
export function recorderSetting<K extends keyof RecorderSettings>(opts: RecorderOptions, key: K): RecorderSettings[K] {
  return opts.settings?.()[key] ?? opts[key];
}

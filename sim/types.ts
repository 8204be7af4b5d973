/** Public shapes of the virtual devices (`sim/`). Implementation: ./device.ts. */

export type Personality = 'ios' | 'android' | 'oak' | 'spec';
export const PERSONALITIES: readonly Personality[] = ['ios', 'android', 'oak', 'spec'];

export type FaultName = 'truncate' | 'stall' | 'malformed-json' | 'oversized-header' | 'path-filename' | 'wrong-filesize' | 'reset' | 'refuse' | 'slow';
export const FAULT_NAMES: readonly FaultName[] = [
  'truncate',
  'stall',
  'malformed-json',
  'oversized-header',
  'path-filename',
  'wrong-filesize',
  'reset',
  'refuse',
  'slow',
];

export interface Fault {
  name: FaultName;
  /** truncate/stall/reset: where to cut or pause (GET_VIDEO: body bytes; replies: reply bytes). Default: half. */
  afterBytes?: number;
  /** stall/slow: how long (default 5 s). */
  seconds?: number;
  /** path-filename: the name to claim (default `../../x`). */
  fileName?: string;
  /** wrong-filesize: the size to claim (default real size + 1000). May be negative or fractional. */
  fileSize?: number;
  /** oversized-header: the header length to announce (default 0xFFFFFFFF). */
  headerLength?: number;
  /** Limit to these commands; default: every command the fault applies to (see faults.ts). */
  commands?: string[];
}

export interface SimDeviceOptions {
  personality: Personality;
  /** Default: a random `Mountain-A1B2C3D4`-style id. */
  deviceId?: string;
  /** mDNS instance name; default `multiCam-{deviceId}` (oak: `multiCam-oak-{uuid}`). */
  name?: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0 = a free port. */
  port?: number;
  /** Device raw clock = true time + offset (+ drift). */
  clockOffsetMs?: number;
  driftPpm?: number;
  /** Simulated network delay: half before the device handles a command, half before its reply is written. */
  latencyMs?: number;
  /** Extra random delay, uniform in [0, jitterMs], split the same way. */
  jitterMs?: number;
  /** Bytes of each recorded video (default: the small sample MP4). */
  fileSize?: number;
  /** Default per personality (oak null). */
  battery?: number | null;
  /** NTP-synced (default true). */
  synced?: boolean;
  /** Android "trimming" STOP delay (default 2000 ms; the real app's 60 s is selectable). */
  stopDelayMs?: number;
  /** iOS: time to finalise the file before the STOP reply (default 100 ms). */
  finalizeMs?: number;
  /** OAK: packaging time before a GET_VIDEO header or an UPLOAD_TO_CLOUD reply (default 200 ms). */
  packagingMs?: number;
  /** OAK: delay before `command_received` for a START whose target is past (default 100 ms). */
  pastTargetDelayMs?: number;
  /** spec personality: reported as configured (default 'Spec'). */
  deviceType?: string;
  faults?: Fault[];
  /** Default: a fresh temp dir, removed on stop()/kill(). A given dir is never removed. */
  filesDir?: string;
  /** Advertise `_multicam._tcp` via bonjour-service (with { interface, bind: '0.0.0.0' } when given). */
  mdns?: false | { interface?: string };
  /** Start at the target as read on the device's own raw clock (oak always does). */
  scheduleOnRawClock?: boolean;
  /** TRUE time source in ms (default: high-res wall clock). Must advance in real time (it may be shifted). */
  now?: () => number;
  /**
   * Film the one shared scene (sim/scene): when ffmpeg is installed, a recording is a real H.264 +
   * AAC file whose sound and burnt-in clock follow TRUE time as this device's start, clock drift
   * (`driftPpm`) and the options here put them; `fileSize` is then ignored. Without ffmpeg the
   * sample-based file is written as before.
   */
  scene?: boolean | SimSceneOptions;
}

export interface SimSceneOptions {
  /** The camera really starts this much after (or, negative, before) the instant it believes. */
  startErrorMs?: number;
  /** Sound lands this much later in the file than the picture of the same instant, ms. */
  avSkewMs?: number;
  /** Scene to own-noise ratio, dB (default 30). */
  snrDb?: number;
  /** What the microphone hears (default the shared scene). */
  sound?: 'scene' | 'silence' | 'private' | 'loop';
  fps?: { num: number; den: number };
  width?: number;
  height?: number;
}

/** Ground truth of a shared-scene recording: what the sync analysis should find. */
export interface SimSceneTruth {
  /** TRUE instant of the file's media time 0. */
  trueStartMs: number;
  /** TRUE instant the sound at the file's media time 0 was heard (start minus the A/V skew). */
  trueAudioStartMs: number;
  durationMs: number;
  driftPpm: number;
  avSkewMs: number;
  startErrorMs: number;
  sound: 'scene' | 'silence' | 'private' | 'loop';
}

export interface SimRecording {
  fileName: string;
  path: string;
  /** 0 until the file is finalised. */
  size: number;
  /** '' until the file is finalised. */
  sha256: string;
  /** START `timestamp` as sent (device-clock seconds), null when absent. */
  targetSec: number | null;
  /** TRUE instant the kept footage begins (android: the trimmed start). */
  trueStartMs: number;
  trueStopMs: number | null;
  /** TRUE instant the START command was received. */
  receivedAtMs: number;
  /** Set once a shared-scene file is written (see SimDeviceOptions.scene). */
  scene?: SimSceneTruth;
}

export type SimState = 'ready' | 'scheduled' | 'recording' | 'stopping';

export interface ReceivedCommand {
  command: string;
  trueReceivedAtMs: number;
  raw: unknown;
}

export interface SimDevice {
  readonly options: SimDeviceOptions;
  readonly personality: Personality;
  readonly name: string;
  readonly deviceId: string;
  readonly host: string;
  readonly port: number;
  readonly state: SimState;
  readonly filesDir: string;
  /** Exposed to tests, never over the wire. */
  readonly recordings: readonly SimRecording[];
  readonly received: readonly ReceivedCommand[];
  files(): { fileName: string; path: string; size: number }[];
  /** Device raw clock, ms. */
  deviceNow(): number;
  setFaults(faults: Fault[]): void;
  setSynced(v: boolean): void;
  setBattery(v: number | null): void;
  /** Put a file on the device (content, or a size to generate a valid MP4 of). */
  addFile(fileName: string, content: Buffer | number): Promise<void>;
  /** Graceful: mDNS goodbye, close server and sockets. */
  stop(): Promise<void>;
  /** Abrupt: destroy everything, no goodbye. */
  kill(): Promise<void>;
}

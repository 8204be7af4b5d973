/**
 * The take's state as plain data: a session per take, a device entry per device, and the pure
 * rules over them (who may be recording, which file is owed, which phase the take is in).
 */
import { formatAddress, parseAddress } from '../../../src-shared/address';
import type { TakeView } from '../../../src-shared/api';
import { isProtocolError, type DeviceReply } from '../../../src-shared/protocol';
import type { DeviceAddress } from '../device-client/types';
import { emptyDownload, type ManifestDevice, type TakeHandle, type TakeManifest } from '../takes';
import { schedulesOnRawClock } from './classify';
import type { RecorderDevice } from './types';

export interface Session {
  /** The take's one writer (the take store's): `m` is its live manifest, changed in place, then `take.update()`. */
  take: TakeHandle;
  m: TakeManifest;
  folder: string;
  confirmAbort: AbortController;
  confirm: Promise<void>;
  stopping: Promise<TakeView> | null;
  /** Settles when startTake has finished with this take (START fan-out done, or skipped). */
  started: Promise<void>;
  /** stopTake was called: a start still in pre-flight sends no START at all. */
  stopRequested: boolean;
  /** Devices with a stop (status check + STOP) in flight: never two STOPs to one device at once. */
  stopsInFlight: Set<string>;
}

/** Longest device file name we keep (salvageStopReply uses the same bound). */
export const MAX_REMOTE_NAME_CHARS = 1024;
export const ACTIVE_PHASES = new Set(['starting', 'scheduled', 'recording', 'stopping']);
export const sec = (ms: number) => ms / 1000;

/** The address a take device's commands go to (take.json `address`, always with a port), or null if it is not one. */
export function addressOf(text: string): DeviceAddress | null {
  const r = parseAddress(text, { requirePort: true });
  return r.ok ? { host: r.value.host, port: r.value.port } : null;
}

export function isRecordingReply(r: DeviceReply): boolean {
  return r.status === 'recording' || r.raw.isRecording === true;
}

/** One session per take, new or recovered (`started` settles when startTake is done with it). */
export function newSession(take: TakeHandle, started: Promise<void> = Promise.resolve()): Session {
  return {
    take,
    m: take.manifest,
    folder: take.folder,
    confirmAbort: new AbortController(),
    confirm: Promise.resolve(),
    stopping: null,
    started,
    stopRequested: false,
    stopsInFlight: new Set(),
  };
}

export function newDevice(d: RecorderDevice): ManifestDevice {
  const badAddress = addressOf(formatAddress(d)) === null;
  const excluded = d.included === false || badAddress;
  return {
    deviceKey: d.deviceKey,
    name: d.name.trim() || d.deviceKey,
    address: formatAddress(d),
    deviceType: d.deviceType ?? null,
    scheduleOnRawClock: schedulesOnRawClock(d),
    preflight: { reachable: null, status: null, battery: null, error: null },
    start: {
      status: excluded ? 'skipped' : 'pending',
      sentAt: null,
      replyAt: null,
      targetSent: null,
      targetReason: null,
      reply: null,
      error: badAddress ? `invalid address '${formatAddress(d).slice(0, 300)}'` : excluded ? 'excluded by the operator' : null,
      transportError: false,
      skipReason: badAddress ? 'invalid_address' : excluded ? 'left_out' : null,
    },
    clock: { offsetMs: null, uncertaintyMs: null, source: null },
    confirmedRecording: null,
    confirmStatus: null,
    mayStillBeRecording: false,
    // 'pending' = part of the take and not stopped yet; 'not_sent' once we know no STOP is owed.
    stop: { status: excluded ? 'not_sent' : 'pending', sentAt: null, replyAt: null, fileName: null, fileSize: null, error: null },
    download: emptyDownload(),
    warnings: [],
  };
}

export function mayBeRecording(e: ManifestDevice): boolean {
  const started =
    e.start.status === 'accepted' || (e.start.status === 'failed' && e.start.transportError) || (e.start.status === 'pending' && e.start.targetSent !== null);
  return e.mayStillBeRecording || (e.stop.status === 'pending' && started);
}

export function downloadOwed(e: ManifestDevice): boolean {
  // Never re-request blindly after a partial transfer (an OAK device deleted its copy).
  return (
    e.stop.status === 'stopped' &&
    !!e.stop.fileName &&
    e.download.ok !== true &&
    !e.download.partial &&
    e.download.state !== 'queued' &&
    e.download.state !== 'active'
  );
}

/** Connection refused / unreachable means nothing reached the device. */
export function refusedBeforeSending(err: unknown): boolean {
  const code = isProtocolError(err) ? err.code : null;
  return code === 'connection_refused' || code === 'host_unreachable' || code === 'connect_timeout' || code === 'command_too_large';
}

/**
 * The phase a take has reached once nothing is in flight: downloading while files are coming,
 * then done (or failed when nothing was recorded). Active phases are left alone.
 */
export function settlePhase(m: TakeManifest): void {
  if (ACTIVE_PHASES.has(m.phase) && m.phase !== 'stopping') return;
  if (m.phase === 'stopping' && m.devices.some((e) => e.stop.status === 'pending')) return;
  const busy = m.devices.some((e) => e.download.state === 'queued' || e.download.state === 'active');
  const anyRecorded = m.devices.some((e) => e.start.status === 'accepted' || e.stop.status === 'stopped');
  m.phase = busy ? 'downloading' : anyRecorded || m.aborted ? 'done' : 'failed';
}

/** Nothing left to do live: no download running and no device that may still be recording. */
export function takeAtRest(m: TakeManifest): boolean {
  return !m.devices.some((e) => e.download.state === 'queued' || e.download.state === 'active' || e.mayStillBeRecording) && !ACTIVE_PHASES.has(m.phase);
}

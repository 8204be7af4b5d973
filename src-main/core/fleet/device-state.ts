/**
 * One device's record and its pure rules: how a reply updates it, which state it is in at a given
 * instant (the state machine described in fleet.ts), its address and the view the operator sees.
 * No timers and no I/O here — the fleet owns those (polling, deadlines, discovery).
 */
import { errorLine } from '../../../src-shared/error-line';
import type { ClockView, DeviceState, DeviceView } from '../../../src-shared/api';
import { displayText } from '../../../src-shared/format';
import { plainDeviceProblem, plainError } from '../../../src-shared/plain';
import { isProtocolError, type UploadItem } from '../../../src-shared/protocol';
import { ClockEstimator, isClockFlagged, type ClockEstimatorOptions } from '../clock/estimator';
import type { DeviceAddress, TimedReply } from '../device-client/types';
import { isLinkLocal } from '../discovery/addresses';
import type { Sighting } from '../discovery/types';

/** What the operator set for a device (settings' devices.json); invalid values are ignored. */
export interface DevicePreferences {
  label?: string | null;
  color?: string | null;
  included?: boolean;
}

export interface ManualSource {
  host: string;
  port: number;
  key: string;
  source: 'manual' | 'virtual';
}

export interface Entry {
  id: string;
  instance: string | null;
  sighting: Sighting | null;
  manual: ManualSource | null;
  goneAt: number | null;
  goneReason: 'goodbye' | 'expired' | null;
  label: string | null;
  color: string | null;
  included: boolean;
  deviceId: string | null;
  deviceType: string | null;
  battery: number | null;
  deviceStatus: string | null;
  recording: boolean;
  recordingSince: number | null;
  uploadQueue: UploadItem[];
  failedUploadQueue: UploadItem[];
  lastSeen: number | null;
  /** Why the latest poll since lastSeen failed, in plain words. */
  lastError: string | null;
  /** The technical line behind `lastError` (for the card's tooltip). */
  lastErrorDetail: string | null;
  /** When the current polling run began (deadline for a device that never answers). */
  pollingSince: number | null;
  state: DeviceState;
  stateReason: string | null;
  estimator: ClockEstimator;
  inFlight: Promise<void> | null;
  abort: AbortController | null;
  cancelPoll: (() => void) | null;
  cancelDeadline: (() => void) | null;
  emitted: DeviceView | null;
}

/** The deadlines the state machine uses (already raised to be reachable by the fleet). */
export interface StateThresholds {
  staleAfterMs: number;
  offlineAfterMs: number;
  goneGraceMs: number;
}

/** A reported id longer than this is cut for display (the card, file names). */
const MAX_NAME_CHARS = 128;

export const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** Take in a reply (a status poll, or any command's reply when `isStatusPoll` is false: only the fields it carries). */
export function applyReply(e: Entry, timed: TimedReply, isStatusPoll: boolean, at: number): void {
  const r = timed?.reply;
  if (!r || typeof r.status !== 'string') return;
  const has = (k: string) => isStatusPoll || Object.hasOwn(r.raw ?? {}, k);
  if (r.deviceId) {
    if (e.deviceId !== null && e.deviceId !== r.deviceId) {
      // A different device now answers at this address: its clock and state are not the old one's.
      e.estimator.reset();
      e.recording = false;
      e.recordingSince = null;
    }
    e.deviceId = r.deviceId;
  }
  if (r.deviceType) e.deviceType = r.deviceType;
  if (has('batteryLevel')) e.battery = r.batteryLevel;
  e.deviceStatus = r.status;
  const recording = r.status === 'recording' || r.raw?.isRecording === true;
  if (recording) {
    if (!e.recording) e.recordingSince = at;
    e.recording = true;
  } else if (isStatusPoll || r.status === 'recording_stopped') {
    e.recording = false;
    e.recordingSince = null;
  }
  if (has('uploadQueue')) e.uploadQueue = r.uploadQueue.map((i) => ({ ...i }));
  if (has('failedUploadQueue')) e.failedUploadQueue = r.failedUploadQueue.map((i) => ({ ...i }));
  if (typeof r.timestamp === 'number') {
    e.estimator.addSample({ sentAt: timed.sentAt, receivedAt: timed.receivedAt, deviceTimestampSec: r.timestamp });
  }
  e.lastSeen = at;
  e.lastError = null;
  e.lastErrorDetail = null;
}

/** The state machine (see fleet.ts's file comment): state, reason, and the next instant it may change by itself. */
export function deriveState(e: Entry, now: number, t: StateThresholds): { state: DeviceState; reason: string | null; next: number | null } {
  const failure = e.lastError ?? 'no reply';
  const goneText = e.goneReason === 'goodbye' ? 'said goodbye on mDNS' : 'mDNS announcement expired';
  const notPolled = e.goneAt !== null && !e.manual && now - e.goneAt >= t.goneGraceMs ? '; no longer polled' : '';
  const graceEnd = e.goneAt !== null && !e.manual ? e.goneAt + t.goneGraceMs : null;
  const future = (...ts: (number | null)[]) => {
    const f = ts.filter((t): t is number => t !== null && t > now);
    return f.length ? Math.min(...f) : null;
  };

  if (e.lastSeen === null) {
    if (e.goneAt !== null) return { state: 'offline', reason: goneText + notPolled, next: future(graceEnd) };
    const since = e.pollingSince;
    if (since !== null && now - since >= t.offlineAfterMs) {
      return { state: 'offline', reason: `no reply for over ${seconds(t.offlineAfterMs)}: ${failure}`, next: null };
    }
    const reason = e.lastError ? `not answering yet: ${e.lastError}` : e.sighting ? 'seen on mDNS; waiting for its first reply' : 'waiting for its first reply';
    return { state: 'discovered', reason, next: since !== null ? since + t.offlineAfterMs : null };
  }
  const age = now - e.lastSeen;
  const staleAt = e.lastSeen + t.staleAfterMs;
  const offlineAt = e.lastSeen + t.offlineAfterMs;
  if (e.goneAt !== null && e.goneReason === 'goodbye' && e.goneAt >= e.lastSeen) {
    return { state: 'offline', reason: goneText + notPolled, next: future(graceEnd) };
  }
  if (age >= t.offlineAfterMs) {
    return { state: 'offline', reason: `no reply for over ${seconds(t.offlineAfterMs)}: ${failure}${notPolled}`, next: future(graceEnd) };
  }
  if (age >= t.staleAfterMs) {
    return { state: 'stale', reason: `no reply for over ${seconds(t.staleAfterMs)}: ${failure}`, next: offlineAt };
  }
  const next = future(staleAt, graceEnd);
  if (e.recording) return { state: 'recording', reason: 'reports recording', next };
  if (e.uploadQueue.length > 0) {
    const n = e.uploadQueue.length;
    return { state: 'uploading', reason: `uploading ${n} file${n === 1 ? '' : 's'}`, next };
  }
  return { state: 'online', reason: 'answering status polls', next };
}

/** A new entry, with the operator's stored preferences (invalid values ignored). */
export function newEntry(id: string, p: DevicePreferences, estimatorOptions: ClockEstimatorOptions): Entry {
  const label = typeof p.label === 'string' ? p.label.trim() : '';
  return {
    id,
    instance: null,
    sighting: null,
    manual: null,
    goneAt: null,
    goneReason: null,
    label: label.length > 0 && label.length <= 64 ? label : null,
    color: typeof p.color === 'string' && /^#[0-9a-fA-F]{6}$/.test(p.color) ? p.color.toLowerCase() : null,
    included: p.included !== false,
    deviceId: null,
    deviceType: null,
    battery: null,
    deviceStatus: null,
    recording: false,
    recordingSince: null,
    uploadQueue: [],
    failedUploadQueue: [],
    lastSeen: null,
    lastError: null,
    lastErrorDetail: null,
    pollingSince: null,
    state: 'discovered',
    stateReason: null,
    estimator: new ClockEstimator(estimatorOptions),
    inFlight: null,
    abort: null,
    cancelPoll: null,
    cancelDeadline: null,
    emitted: null,
  };
}

/** Sighted addresses first (the device may have moved), IPv4 before IPv6; else the manual one. */
export function entryAddress(e: Entry): DeviceAddress | null {
  const s = e.sighting;
  if (s && e.goneAt === null) {
    const usable = s.addresses.find((a) => !isLinkLocal(a)) ?? null;
    if (usable) return { host: usable, port: s.port };
  }
  if (e.manual) return { host: e.manual.host, port: e.manual.port };
  const last = s?.addresses.find((a) => !a.toLowerCase().startsWith('fe80:'));
  return s && last ? { host: last, port: s.port } : null;
}

/** The device as the operator sees it. */
export function deviceView(e: Entry, clockThresholdMs: number): DeviceView {
  const addr = entryAddress(e);
  const addresses: string[] = [];
  for (const a of [...(e.sighting?.addresses ?? []), ...(e.manual ? [e.manual.host] : [])]) if (!addresses.includes(a)) addresses.push(a);
  const est = e.estimator.estimate();
  const clock: ClockView | null = est
    ? {
        offsetMs: est.offsetMs,
        uncertaintyMs: est.uncertaintyMs,
        rttMs: est.rttMs,
        samples: est.samples,
        flagged: isClockFlagged(est.offsetMs, clockThresholdMs),
      }
    : null;
  return {
    deviceKey: e.id,
    // The operator's label, else the device's own name: the id it reports once it answers (what
    // `multicam sim`/`status`/`record` call it, and what its file names start with), its mDNS
    // instance or address only until then. Never raw control or bidi characters: a name must not
    // reorder or hide the text around it.
    name: displayText(e.label ?? (e.deviceId ? e.deviceId.slice(0, MAX_NAME_CHARS) : null) ?? e.instance ?? e.id),
    color: e.color,
    source: e.manual?.source === 'virtual' ? 'virtual' : e.instance !== null ? 'mdns' : 'manual',
    host: addr?.host ?? null,
    port: addr?.port ?? null,
    addresses,
    deviceId: e.deviceId,
    deviceType: e.deviceType,
    state: e.state,
    stateReason: e.stateReason,
    stateDetail: e.state === 'discovered' || e.state === 'stale' || e.state === 'offline' ? e.lastErrorDetail : null,
    lastSeen: e.lastSeen,
    battery: e.battery,
    deviceStatus: e.deviceStatus,
    recordingSince: e.recording ? e.recordingSince : null,
    clock,
    uploadQueue: e.uploadQueue.map((i) => ({ ...i })),
    failedUploadQueue: e.failedUploadQueue.map((i) => ({ ...i })),
    included: e.included,
  };
}

/**
 * The entry already reached at one of these routable addresses and this port. Only one process
 * can listen on an address and port, so a new instance name there is the same device (an app
 * restarted under a new id, or a manual entry now seen on mDNS).
 */
export function entryAtEndpoint(entries: Iterable<Entry>, addresses: readonly string[], port: number): Entry | null {
  const all = [...entries];
  for (const a of addresses) {
    if (isLinkLocal(a)) continue;
    const e = entryAt(all, a.toLowerCase(), port);
    if (e) return e;
  }
  return null;
}

/** The entry reached at this (lower-case) host and port, by hand or on mDNS. */
export function entryAt(entries: Iterable<Entry>, host: string, port: number): Entry | null {
  for (const e of entries) {
    if (e.manual && e.manual.host === host && e.manual.port === port) return e;
    if (e.sighting && e.sighting.port === port && e.sighting.addresses.some((a) => !isLinkLocal(a) && a.toLowerCase() === host)) return e;
  }
  return null;
}

/** Short reason for a failed poll in plain words (plain.ts), for `stateReason`; `detail` is the technical line. */
export function describeFailure(err: unknown, statusTimeoutMs: number): { text: string; detail: string | null } {
  if (isProtocolError(err)) {
    const detail = errorLine(err, { max: 300, withCode: true });
    if (err.code === 'reply_timeout' || err.code === 'aborted') return { text: `no reply within ${seconds(statusTimeoutMs)}`, detail };
    return { text: plainDeviceProblem(err.code), detail };
  }
  return plainError(errorLine(err, { max: 300 })) ?? { text: 'failed', detail: null };
}

/** The event rule (see the file comment). */
export function changedForOperator(prev: DeviceView, next: DeviceView): boolean {
  for (const k of Object.keys(next) as (keyof DeviceView)[]) {
    if (k === 'lastSeen' || k === 'clock') continue;
    if (!deepEqual(prev[k], next[k])) return true;
  }
  if (prev.lastSeen === null && next.lastSeen !== null) return true;
  const a = prev.clock;
  const b = next.clock;
  if (a === null || b === null) return a !== b;
  return a.flagged !== b.flagged || Math.abs(a.offsetMs - b.offsetMs) >= 1 || Math.abs(a.uncertaintyMs - b.uncertaintyMs) >= 1;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Pure decisions of a take: per-device targets, reply classification. */
import { isFailureStatus, isStartAccepted, type DeviceReply } from '../../../src-shared/protocol';
import type { ClockEstimate, RecorderDevice } from './types';

export function schedulesOnRawClock(d: RecorderDevice): boolean {
  if (typeof d.scheduleOnRawClock === 'boolean') return d.scheduleOnRawClock;
  return (d.deviceType ?? '').trim().toLowerCase() === 'oak';
}

export interface TargetDecision {
  /** START `timestamp`, Unix seconds in the device's time base. */
  targetSent: number;
  targetReason: string;
  warning: string | null;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** One take target; a raw-clock device gets it shifted by its measured offset so starts align in true time. */
export function targetFor(d: RecorderDevice, targetStart: number, clock: ClockEstimate | null): TargetDecision {
  if (!schedulesOnRawClock(d)) {
    return { targetSent: targetStart, targetReason: 'device schedules on synchronized time: take target sent as is', warning: null };
  }
  const corrected = clock ? targetStart + clock.offsetMs / 1000 : NaN;
  if (!clock || !Number.isFinite(corrected) || !Number.isFinite(clock.uncertaintyMs)) {
    return {
      targetSent: targetStart,
      targetReason: 'device schedules on its raw clock but no clock estimate: take target sent uncorrected',
      warning: 'no clock estimate: start may be misaligned by the device clock offset',
    };
  }
  return {
    targetSent: corrected,
    targetReason: `device schedules on its raw clock: take target + measured offset ${r1(clock.offsetMs)} ms (±${r1(clock.uncertaintyMs)} ms)`,
    warning: null,
  };
}

/** "time_not_synchronized" → "time not synchronized"; the device's own message wins when present. */
export function describeReplyFailure(reply: DeviceReply): string {
  const status = clip(reply.status.replace(/_/g, ' '), 100);
  return reply.message ? `${status}: ${clip(reply.message, 500)}` : status;
}

/**
 * A device-supplied string cut to `max` characters for take.json, whose reader (recovery)
 * refuses text over 4 KiB: an over-long reply field must never make a take unrecoverable.
 */
export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function classifyStart(reply: DeviceReply): { accepted: boolean; error: string | null } {
  if (isStartAccepted(reply.status)) return { accepted: true, error: null };
  return {
    accepted: false,
    error: isFailureStatus(reply.status)
      ? describeReplyFailure(reply)
      : `unexpected reply '${clip(reply.rawStatus, 100)}'${reply.message ? `: ${clip(reply.message, 500)}` : ''}`,
  };
}

/**
 * A STOP reply that failed validation may still name the file (e.g. a wrong-typed `fileSize`).
 * Salvage `fileName` (or `fileId`) and a sane `fileSize` from the raw reply.
 */
export function salvageStopReply(raw: unknown): { fileName: string; fileSize: number | null } | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const o = raw as Record<string, unknown>;
  const name = typeof o.fileName === 'string' && o.fileName ? o.fileName : typeof o.fileId === 'string' && o.fileId ? o.fileId : null;
  if (!name || name.length > 1024) return null;
  const size = typeof o.fileSize === 'number' && Number.isSafeInteger(o.fileSize) && o.fileSize >= 0 ? o.fileSize : null;
  return { fileName: name, fileSize: size };
}

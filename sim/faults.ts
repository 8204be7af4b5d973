/** Which fault applies to which command, and the small helpers the device uses to misbehave. */
import type { Fault, FaultName } from './types';

const ALL = '*';
/** Commands each fault applies to unless `commands` narrows (or, where supported, widens) it. */
const DEFAULT_SCOPE: Record<FaultName, readonly string[]> = {
  truncate: ['GET_VIDEO'],
  stall: [ALL],
  'malformed-json': [ALL],
  'oversized-header': ['GET_VIDEO'],
  'path-filename': ['GET_VIDEO'],
  'wrong-filesize': ['GET_VIDEO', 'STOP_RECORDING'],
  reset: [ALL],
  refuse: [ALL],
  slow: [ALL],
};

export function activeFault(faults: readonly Fault[], name: FaultName, command: string): Fault | undefined {
  return faults.find((f) => {
    if (f.name !== name) return false;
    const scope = f.commands ?? DEFAULT_SCOPE[name];
    return scope.includes(ALL) || scope.includes(command);
  });
}

/** Brace-balanced but not JSON: a framer finds the end, JSON.parse fails (`{"deviceId" "x",…}`). */
export function breakJson(text: string): string {
  const i = text.indexOf('":');
  return i < 0 ? `${text.slice(0, -1)},}` : `${text.slice(0, i + 1)} ${text.slice(i + 2)}`;
}

/** Where a truncate/stall/reset cuts `total` bytes: `afterBytes` if given (clamped), else half. */
export function cutPoint(f: Fault, total: number): number {
  const at = f.afterBytes ?? Math.floor(total / 2);
  return Math.max(0, Math.min(total, Math.floor(at)));
}

export function faultSeconds(f: Fault, fallback = 5): number {
  return typeof f.seconds === 'number' && Number.isFinite(f.seconds) && f.seconds >= 0 ? f.seconds : fallback;
}

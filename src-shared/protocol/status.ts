/**
 * Status strings as devices send them, normalised: older builds send capitalised words
 * ("Command received"), so case and spaces/hyphens are folded to snake_case.
 * Unknown statuses pass through (normalised) and are shown verbatim, never rejected.
 */
export const KNOWN_STATUSES = [
  'ready',
  'recording',
  'stopping',
  'error',
  'scheduled_recording_accepted',
  'recording_stopped',
  'command_received',
  'time_not_synchronized',
  'file_not_found',
  'uploading',
  'upload_queued',
  'upload_completed',
  'upload_failed',
  'camera_disconnected',
] as const;
export type KnownStatus = (typeof KNOWN_STATUSES)[number];

export function normalizeStatus(raw: string): string {
  return raw
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2') // camelCase → camel_Case
    .replace(/[\s-]+/g, '_')
    .toLowerCase();
}

export function isKnownStatus(s: string): s is KnownStatus {
  return (KNOWN_STATUSES as readonly string[]).includes(s);
}

/** START_RECORDING accepted (notes, rule 4). */
export const START_SUCCESS_STATUSES: readonly string[] = ['scheduled_recording_accepted', 'recording', 'command_received'];
export function isStartAccepted(status: string): boolean {
  return START_SUCCESS_STATUSES.includes(status);
}

/** Statuses that mean the device itself refused or failed the command. */
export const FAILURE_STATUSES: readonly string[] = ['error', 'time_not_synchronized', 'camera_disconnected', 'file_not_found', 'upload_failed'];
export function isFailureStatus(status: string): boolean {
  return FAILURE_STATUSES.includes(status);
}

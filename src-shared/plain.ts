/**
 * Plain words for failures: one short sentence for the operator, never an errno, a zod message
 * or socket text as the main message (the raw detail goes behind a tooltip or disclosure).
 * Used by the controller, the renderer and the CLI.
 */
import { formatBytes } from './format';

/** What a device-client error code means, in a few words ("connection refused"). */
export function plainDeviceProblem(code: string | null | undefined): string {
  switch (code) {
    case 'connection_refused':
      return 'connection refused';
    case 'connect_timeout':
      return 'no answer to the connection';
    case 'host_unreachable':
      return 'the address cannot be reached';
    case 'connection_reset':
      return 'connection reset';
    case 'closed_early':
      return 'connection closed early';
    case 'reply_timeout':
      return 'no reply in time';
    case 'stalled':
      return 'transfer stalled';
    case 'aborted':
      return 'cancelled';
    case 'network_error':
      return 'network error';
    case 'reply_too_large':
    case 'header_too_large':
      return 'the device sent an oversized reply';
    case 'not_json_object':
    case 'malformed_json':
    case 'invalid_utf8':
    case 'invalid_reply':
    case 'invalid_header':
    case 'invalid_file_size':
      return 'the device sent a reply that is not a MultiCam answer';
    case 'command_too_large':
      return 'the command was too large to send';
    case 'size_mismatch':
      return 'the file size did not match';
    case 'file_exists':
      return 'a file of that name already exists';
    case 'write_failed':
      return 'the file could not be written';
    case 'device_error':
      return 'the device refused';
    case 'ENOSPC':
      return 'disk full';
    default:
      return 'failed';
  }
}

/** Node socket errnos that reach a recorded error line, as the device-client code they mean. */
const ERRNO_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection_refused',
  ECONNRESET: 'connection_reset',
  ECONNABORTED: 'connection_reset',
  EPIPE: 'closed_early',
  ETIMEDOUT: 'connect_timeout',
  EHOSTUNREACH: 'host_unreachable',
  ENETUNREACH: 'host_unreachable',
  EHOSTDOWN: 'host_unreachable',
  EADDRNOTAVAIL: 'host_unreachable',
  ENOSPC: 'ENOSPC',
};

const CODE_PATTERN =
  /\b(connection_refused|connect_timeout|host_unreachable|connection_reset|closed_early|reply_timeout|stalled|network_error|reply_too_large|header_too_large|not_json_object|malformed_json|invalid_utf8|invalid_reply|invalid_header|invalid_file_size|command_too_large|size_mismatch|write_failed|ECONNREFUSED|ECONNRESET|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|EADDRNOTAVAIL|ENOSPC)\b/;

/** Longest recorded error text looked at (error lines are bounded where they are made; this bounds the regex too). */
const MAX_RAW = 4096;

/**
 * A recorded error line (`take.json`'s `start.error`, a poll failure…) as the operator reads it:
 * `text` is a few plain words ("connection reset"), `detail` the raw line for a tooltip or a
 * disclosure, or null when the line was plain already. The device-client code or socket errno
 * in the line decides the words; a line without one is shown as it is (the device's own words,
 * or a sentence the controller wrote). Linear in the (bounded) input.
 */
export function plainError(raw: string | null | undefined): { text: string; detail: string | null } | null {
  if (raw === null || raw === undefined || raw.trim() === '') return null;
  const line = raw.length > MAX_RAW ? raw.slice(0, MAX_RAW) : raw;
  const m = CODE_PATTERN.exec(line);
  if (m) {
    const code = ERRNO_CODES[m[1]!] ?? m[1]!;
    return { text: plainDeviceProblem(code), detail: line };
  }
  const first = line.split('\n')[0]!.trim();
  if (first.length <= 200 && first === line.trim()) return { text: first, detail: null };
  return { text: `${first.slice(0, 200)}${first.length > 200 ? '…' : ''}`, detail: line };
}

/**
 * A failed transfer in one line: "connection reset after 97 KiB of 2.9 MiB — partial kept".
 * `diskFull` wins over the transport code (the device was fine, our disk was not).
 */
export function plainDownloadFailure(f: {
  code: string | null | undefined;
  bytes: number;
  total: number | null;
  partialKept: boolean;
  diskFull?: boolean;
  deviceMessage?: string | null;
}): string {
  const said = f.code === 'device_error' && f.deviceMessage ? `the device said: ${f.deviceMessage.split('\n')[0]!.slice(0, 200)}` : null;
  const what = f.diskFull ? 'disk full' : (said ?? plainDeviceProblem(f.code));
  const where =
    f.bytes > 0
      ? ` after ${formatBytes(f.bytes)}${f.total ? ` of ${formatBytes(f.total)}` : ''}`
      : f.total
        ? ` before any of ${formatBytes(f.total)} arrived`
        : '';
  return `${what}${where}${f.partialKept ? ' — partial kept' : ''}`;
}

const SETTING_LABELS: Record<string, [label: string, unit: string]> = {
  recordingsDir: ['Recordings folder', ''],
  delaySeconds: ['Start delay', ' s'],
  pollIntervalMs: ['Status poll interval', ' ms'],
  clockThresholdMs: ['Clock warning threshold', ' ms'],
  ntpServer: ['Time server', ''],
  interfaces: ['Network interfaces', ''],
  manualDevices: ['Devices added by address', ''],
  autoDownload: ['Download automatically', ''],
  maxConcurrentDownloads: ['Downloads at once', ''],
  batteryWarnPercent: ['Battery warning level', ' %'],
  'storage.bucket': ['Bucket', ''],
  'storage.prefixTemplate': ['Key prefix template', ''],
  'storage.region': ['Region', ''],
  'storage.endpoint': ['Endpoint', ''],
  'storage.profile': ['Profile', ''],
  'storage.forcePathStyle': ['Path-style URLs', ''],
  delay: ['Start delay', ' s'],
  name: ['Take name', ''],
};

/** The parts of a zod issue we read (zod 4: too_small/too_big carry minimum/maximum, and `origin`). */
export interface IssueLike {
  code?: string;
  path: ReadonlyArray<PropertyKey>;
  message: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  origin?: string;
  expected?: string;
  format?: string;
}

/** One validation issue as a sentence: "Start delay must be at least 0.5 s." */
export function plainIssue(issue: IssueLike): string {
  const key = issue.path.filter((p) => typeof p === 'string').join('.');
  const [label, unit] = SETTING_LABELS[key] ?? [key ? key.charAt(0).toUpperCase() + key.slice(1) : 'The value', ''];
  const text = issue.origin === 'string' || issue.origin === 'array';
  const things = issue.origin === 'array' ? ' entries' : ' characters';
  switch (issue.code) {
    case 'too_small':
      if (text) return Number(issue.minimum) <= 1 ? `${label} must not be empty.` : `${label} needs at least ${issue.minimum}${things}.`;
      return `${label} must be at least ${issue.minimum}${unit}.`;
    case 'too_big':
      if (text) return `${label} is too long (at most ${issue.maximum}${things}).`;
      return `${label} must be at most ${issue.maximum}${unit}.`;
    case 'invalid_type':
      if (issue.expected === 'int') return `${label} must be a whole number.`;
      if (issue.expected === 'number') return `${label} must be a number.`;
      if (issue.expected === 'boolean') return `${label} must be on or off.`;
      return `${label} has the wrong kind of value.`;
    case 'invalid_format':
    case 'invalid_string':
      return `${label} is not in the expected form.`;
    default:
      return `${label}: ${issue.message.split('\n')[0]!.slice(0, 200)}`;
  }
}

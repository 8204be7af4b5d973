/**
 * Command builders. Every command carries a numeric `timestamp` (Unix seconds, float) and
 * `deviceId` — the iPhone app silently drops commands without them. Null fields are omitted.
 * GET_VIDEO and UPLOAD_TO_CLOUD also send `fileId` (same value) for older builds.
 */
import { CONTROLLER_ID, MAX_COMMAND_BYTES, type CommandName } from './constants';
import { ProtocolError } from './errors';

export interface Command {
  command: CommandName;
  timestamp: number;
  deviceId: string;
  fileName?: string;
  fileId?: string;
  uploadUrl?: string;
}

/** Seconds since the Unix epoch, from a millisecond clock. */
export type NowMs = () => number;
const wallClock: NowMs = () => Date.now();

function base(command: CommandName, timestampSec: number): Command {
  if (!Number.isFinite(timestampSec)) throw new TypeError(`${command}: timestamp must be a finite number`);
  return { command, timestamp: timestampSec, deviceId: CONTROLLER_ID };
}

function requireFileName(command: CommandName, fileName: string): string {
  if (typeof fileName !== 'string' || fileName.length === 0) throw new TypeError(`${command}: fileName is required`);
  return fileName;
}

/** START_RECORDING at `targetSec` (Unix seconds on the device's clock; a past value means "now"). */
export function startRecording(targetSec: number): Command {
  return base('START_RECORDING', targetSec);
}
export function stopRecording(now: NowMs = wallClock): Command {
  return base('STOP_RECORDING', now() / 1000);
}
export function deviceStatus(now: NowMs = wallClock): Command {
  return base('DEVICE_STATUS', now() / 1000);
}
export function heartbeat(now: NowMs = wallClock): Command {
  return base('HEARTBEAT', now() / 1000);
}
export function listFiles(now: NowMs = wallClock): Command {
  return base('LIST_FILES', now() / 1000);
}
export function getVideo(fileName: string, now: NowMs = wallClock): Command {
  const name = requireFileName('GET_VIDEO', fileName);
  return { ...base('GET_VIDEO', now() / 1000), fileName: name, fileId: name };
}
export function uploadToCloud(fileName: string, uploadUrl: string, now: NowMs = wallClock): Command {
  const name = requireFileName('UPLOAD_TO_CLOUD', fileName);
  if (!isHttpUrl(uploadUrl)) throw new TypeError('UPLOAD_TO_CLOUD: uploadUrl must be an http(s) URL');
  return { ...base('UPLOAD_TO_CLOUD', now() / 1000), fileName: name, fileId: name, uploadUrl };
}

/** An absolute http(s) URL with a host, and no whitespace or control characters (sent verbatim). */
function isHttpUrl(u: unknown): u is string {
  if (typeof u !== 'string' || !/^https?:\/\//i.test(u) || /[\s\x00-\x1f\x7f]/.test(u)) return false;
  try {
    const parsed = new URL(u);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname.length > 0;
  } catch {
    return false;
  }
}

const encoder = new TextEncoder();

/** Compact UTF-8 JSON, null/undefined fields omitted, refused if over the 4 KiB device limit. */
export function encodeCommand(cmd: Command): Uint8Array {
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cmd)) if (v !== null && v !== undefined) clean[k] = v;
  const bytes = encoder.encode(JSON.stringify(clean));
  if (bytes.length > MAX_COMMAND_BYTES) {
    throw new ProtocolError('command_too_large', `${cmd.command} is ${bytes.length} bytes; devices accept at most ${MAX_COMMAND_BYTES}`);
  }
  return bytes;
}

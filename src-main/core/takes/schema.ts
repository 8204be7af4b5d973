/**
 * `take.json`: the take as a person or a script reads it, and the recorder's crash-safe state.
 * Field names are the UI's and the CLI's names. Instants are Unix seconds in the controller
 * time base (like `targetStart`), except `createdAt` (ISO 8601 UTC). Read back through a zod
 * schema (recovery): a manifest is a file on disk, so it is validated like any input, and
 * `download.path` is never used without re-checking it is inside the take folder.
 */
import { errorLine } from '../../../src-shared/error-line';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { SkipReason, TakeDeviceView, TakePhase, TakeView } from '../../../src-shared/api';
import { takeOutcome } from '../../../src-shared/states';
import { parseTakeSync } from '../../../src-shared/sync';

export const MANIFEST_FILE = 'take.json';
export const MANIFEST_VERSION = 1;

const seconds = z.number().finite().nullable();
const text = z.string().max(4096).nullable();

export const StartSchema = z.object({
  status: z.enum(['pending', 'accepted', 'failed', 'skipped']),
  sentAt: seconds,
  replyAt: seconds,
  /** START `timestamp` as sent, in the device's time base. */
  targetSent: seconds,
  /** Why that target (synchronized time, or raw clock corrected by the measured offset). */
  targetReason: text,
  /** The device's reply as received (normalised status in `reply.status`). */
  reply: z.record(z.string(), z.unknown()).nullable(),
  error: text,
  /** START failed in transport (not a device answer): the device may have started anyway. */
  transportError: z.boolean(),
  /** Why a `skipped` device took no part (api.ts SkipReason); absent in manifests before it existed. */
  skipReason: z.enum(['left_out', 'unreachable', 'already_recording', 'not_started', 'invalid_address']).nullish(),
});

export const StopSchema = z.object({
  /** `cancelled`: STOP reached the device before it began capturing (an aborted take): its start was called off. */
  status: z.enum(['pending', 'stopped', 'failed', 'not_sent', 'unreachable', 'cancelled']),
  sentAt: seconds,
  replyAt: seconds,
  fileName: text,
  fileSize: z.number().int().nonnegative().nullable(),
  error: text,
});

export const DownloadEntrySchema = z.object({
  id: z.string().max(200).nullable(),
  state: z.enum(['none', 'queued', 'active', 'done', 'failed', 'cancelled']),
  /** Relative to the take folder. */
  path: text,
  bytes: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  seconds: z.number().nonnegative().nullable(),
  ok: z.boolean().nullable(),
  error: text,
  /** Bytes were kept from a failed transfer. */
  partial: z.boolean(),
  /** Kept partial files, relative to the take folder (never deleted or overwritten). */
  keptPartials: z.array(z.string().max(4096)).max(100),
});

/**
 * An upload's outcome (the uploads module fills it through `uploadRecorded`, ./changes),
 * validated loosely so fields a newer version adds survive.
 */
export const UploadEntrySchema = z.looseObject({
  key: z.string().max(2048),
  bucket: z.string().max(255),
  ok: z.boolean(),
});

// looseObject: fields a newer version or another process wrote survive a read and a write.
export const ManifestDeviceSchema = z.looseObject({
  deviceKey: z.string().min(1).max(512),
  name: z.string().max(512),
  /** `host:port` */
  address: z.string().max(600),
  deviceType: text,
  scheduleOnRawClock: z.boolean(),
  preflight: z.object({
    reachable: z.boolean().nullable(),
    status: text,
    battery: z.number().nullable(),
    error: text,
  }),
  start: StartSchema,
  clock: z.object({
    offsetMs: z.number().finite().nullable(),
    uncertaintyMs: z.number().finite().nullable(),
    source: z.enum(['fleet', 'preflight']).nullable(),
  }),
  confirmedRecording: z.boolean().nullable(),
  /** Last DEVICE_STATUS seen while confirming (why a device did not confirm). */
  confirmStatus: text,
  mayStillBeRecording: z.boolean(),
  stop: StopSchema,
  download: DownloadEntrySchema,
  warnings: z.array(z.string().max(4096)).max(100),
  upload: UploadEntrySchema.nullish(),
});

export const TakeManifestSchema = z.looseObject({
  manifestVersion: z.literal(MANIFEST_VERSION),
  takeId: z.string().min(1).max(200),
  name: z.string().max(512),
  folderName: z.string().max(512),
  createdAt: z.string().max(64),
  targetStart: z.number().finite(),
  delaySeconds: z.number().finite().nonnegative(),
  controllerClock: z.object({ source: z.string().max(64), offsetMs: z.number().finite().nullable(), uncertaintyMs: z.number().finite().nullable() }),
  phase: z.enum(['starting', 'scheduled', 'recording', 'stopping', 'downloading', 'done', 'failed']),
  /** How the take turned out once finished (api.ts TakeOutcome); null while in progress. */
  outcome: z.enum(['complete', 'partial', 'recorded', 'aborted', 'failed']).nullish(),
  /** Files the take meant to bring home and how many arrived verified (with `outcome`). */
  files: z.object({ expected: z.number().int().nonnegative(), downloaded: z.number().int().nonnegative() }).nullish(),
  /** Stop came before the start instant (the take was called off). */
  aborted: z.boolean().nullish(),
  /** When (Unix seconds) the controller picked this take up again after a restart mid-take. */
  recoveredAt: seconds.optional(),
  stoppedAt: seconds,
  devices: z.array(ManifestDeviceSchema).max(1000),
  /** The operator's marks (takes panel): good / no good and a note. */
  review: z.object({ rating: z.enum(['good', 'no_good']).nullable(), note: z.string().max(4096), updatedAt: z.string().max(64).nullable() }).nullish(),
});

export type TakeManifest = z.infer<typeof TakeManifestSchema>;
export type ManifestDevice = z.infer<typeof ManifestDeviceSchema>;
export type DownloadEntry = z.infer<typeof DownloadEntrySchema>;

export function emptyDownload(): DownloadEntry {
  return { id: null, state: 'none', path: null, bytes: 0, total: null, sha256: null, seconds: null, ok: null, error: null, partial: false, keptPartials: [] };
}

export class ManifestError extends Error {
  constructor(
    readonly folder: string,
    message: string,
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

/**
 * Read and validate `take.json` as it is on disk; throws `ManifestError` with a one-line reason.
 * Use `readManifest` (./manifest): it also sees changes of a take this process holds open.
 */
export async function loadManifestFile(folder: string): Promise<TakeManifest> {
  let raw: string;
  try {
    raw = await readFile(join(folder, MANIFEST_FILE), 'utf8');
  } catch (e) {
    throw new ManifestError(folder, `cannot read ${MANIFEST_FILE}: ${errorLine(e)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ManifestError(folder, `${MANIFEST_FILE} is not valid JSON`);
  }
  const r = TakeManifestSchema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ManifestError(folder, `${MANIFEST_FILE} is not a valid manifest: ${i ? `${i.path.join('.')}: ${i.message}` : 'invalid'}`);
  }
  return r.data;
}

/** Why a skipped device took no part; older manifests only have the error text to go by. */
function skipReasonOf(d: ManifestDevice): SkipReason | null {
  if (d.start.status !== 'skipped') return null;
  if (d.start.skipReason) return d.start.skipReason;
  if (d.preflight.reachable === false) return 'unreachable';
  const e = d.start.error ?? '';
  if (/excluded by the operator/.test(e)) return 'left_out';
  if (/already recording/.test(e)) return 'already_recording';
  if (/stopped before START/.test(e)) return 'not_started';
  if (/invalid address/.test(e)) return 'invalid_address';
  return null;
}

function deviceView(d: ManifestDevice): TakeDeviceView {
  return {
    deviceKey: d.deviceKey,
    name: d.name,
    deviceType: d.deviceType,
    start: d.start.status,
    startError: d.start.error,
    confirmedRecording: d.confirmedRecording,
    stop: d.stop.status,
    stopError: d.stop.error,
    mayStillBeRecording: d.mayStillBeRecording,
    skipReason: skipReasonOf(d),
    fileName: d.stop.fileName,
    fileSize: d.stop.fileSize,
    downloadId: d.download.id,
    downloadState: d.download.state,
    uploadId: null,
    warnings: [...d.warnings],
  };
}

/** The UI's view of a take (api.ts `TakeView`). */
export function toTakeView(m: TakeManifest, folder: string): TakeView {
  const devices = m.devices.map(deviceView);
  const phase = m.phase as TakePhase;
  const aborted = m.aborted === true;
  return {
    takeId: m.takeId,
    name: m.name,
    folder,
    createdAt: m.createdAt,
    targetStart: m.targetStart,
    delaySeconds: m.delaySeconds,
    phase,
    // Older manifests have no outcome: derived from their devices the same way.
    outcome: m.outcome ?? takeOutcome({ phase, aborted, devices }).outcome,
    aborted,
    recovered: typeof m.recoveredAt === 'number',
    devices,
    sync: parseTakeSync(m.sync),
    review: { rating: m.review?.rating ?? null, note: m.review?.note ?? '' },
  };
}

/** Set `outcome` and `files` from the devices (the recorder calls this on every phase change). */
export function settleOutcome(m: TakeManifest): void {
  const c = takeOutcome({ phase: m.phase as TakePhase, aborted: m.aborted === true, devices: m.devices.map(deviceView) });
  m.outcome = c.outcome;
  m.files = { expected: c.expected, downloaded: c.downloaded };
}

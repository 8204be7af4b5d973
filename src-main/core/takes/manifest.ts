/**
 * `take.json`: the take as a person or a script reads it, and the recorder's crash-safe state.
 * Field names are the UI's and the CLI's names. Instants are Unix seconds in the controller
 * time base (like `targetStart`), except `createdAt` (ISO 8601 UTC). Read back through a zod
 * schema (recovery): a manifest is a file on disk, so it is validated like any input, and
 * `download.path` is never used without re-checking it is inside the take folder.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import type { SkipReason, TakeDeviceView, TakePhase, TakeView } from '../../../src-shared/api';
import { takeOutcome } from '../../../src-shared/states';

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
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
  seconds: z.number().nonnegative().nullable(),
  ok: z.boolean().nullable(),
  error: text,
  /** Bytes were kept from a failed transfer. */
  partial: z.boolean(),
  /** Kept partial files, relative to the take folder (never deleted or overwritten). */
  keptPartials: z.array(z.string().max(4096)).max(100),
});

/**
 * Written by the uploads module (`multicam upload`, uploadTake) into the same file; declared here
 * so a reader knows it, validated loosely (that module owns its content).
 */
export const UploadEntrySchema = z.looseObject({
  key: z.string().max(2048),
  bucket: z.string().max(255),
  ok: z.boolean(),
});

// looseObject: fields written by other modules (e.g. `upload`) survive a read-modify-write.
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
});

export type TakeManifest = z.infer<typeof TakeManifestSchema>;
export type ManifestDevice = z.infer<typeof ManifestDeviceSchema>;
export type DownloadEntry = z.infer<typeof DownloadEntrySchema>;

export function emptyDownload(): DownloadEntry {
  return { id: null, state: 'none', path: null, bytes: 0, total: null, sha256: null, seconds: null, ok: null, error: null, partial: false, keptPartials: [] };
}

const folderChains = new Map<string, Promise<unknown>>();

/**
 * Run `fn` alone among this process's take.json updates for `folder` (recorder state writes and
 * read-modify-write updates by other modules), so no update is lost between a read and a rename.
 */
export function withManifestLock<T>(folder: string, fn: () => Promise<T>): Promise<T> {
  const k = resolve(folder);
  const prev = folderChains.get(k) ?? Promise.resolve();
  const next = prev.then(fn, fn);
  const tail = next.catch(() => undefined);
  folderChains.set(k, tail);
  void tail.then(() => {
    if (folderChains.get(k) === tail) folderChains.delete(k);
  });
  return next;
}

/**
 * Read-modify-write of take.json as raw JSON (fields the caller does not know are kept), under
 * the folder's lock, written atomically. For modules that add their own fields (uploads).
 */
export function updateManifestFile(folder: string, mutate: (m: Record<string, unknown>) => void): Promise<void> {
  return withManifestLock(folder, async () => {
    const m = JSON.parse(await readFile(join(folder, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    if (!m || typeof m !== 'object' || Array.isArray(m)) throw new ManifestError(folder, `${MANIFEST_FILE} is not a JSON object`);
    mutate(m);
    await writeManifestAtomic(folder, m as TakeManifest);
  });
}

/**
 * Fields other modules own in take.json (e.g. `upload`): on disk, theirs win; the recorder's
 * state writes carry them over instead of erasing them.
 */
const RECORDER_TAKE_KEYS = new Set(Object.keys(TakeManifestSchema.shape));
const RECORDER_DEVICE_KEYS = new Set(Object.keys(ManifestDeviceSchema.shape).filter((k) => k !== 'upload'));

function mergeForeignFields(next: TakeManifest, disk: unknown): TakeManifest {
  if (!disk || typeof disk !== 'object' || Array.isArray(disk)) return next;
  const d = disk as Record<string, unknown>;
  if (d.takeId !== next.takeId) return next;
  const out: Record<string, unknown> = { ...next };
  for (const [k, v] of Object.entries(d)) if (!RECORDER_TAKE_KEYS.has(k)) out[k] = v;
  const diskDevices = Array.isArray(d.devices) ? (d.devices as unknown[]) : [];
  out.devices = next.devices.map((dev) => {
    const old = diskDevices.find((x): x is Record<string, unknown> => !!x && typeof x === 'object' && (x as { deviceKey?: unknown }).deviceKey === dev.deviceKey);
    if (!old) return dev;
    const merged: Record<string, unknown> = { ...dev };
    for (const [k, v] of Object.entries(old)) if (!RECORDER_DEVICE_KEYS.has(k)) merged[k] = v;
    return merged;
  });
  return out as TakeManifest;
}

/** Atomic write: a unique temp file in the same folder, fsync, then rename over `take.json`. */
export async function writeManifestAtomic(folder: string, manifest: TakeManifest): Promise<void> {
  const final = join(folder, MANIFEST_FILE);
  const tmp = join(folder, `.${MANIFEST_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, final);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
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

/** Read and validate `take.json`; throws `ManifestError` with a one-line reason. */
export async function readManifest(folder: string): Promise<TakeManifest> {
  let raw: string;
  try {
    raw = await readFile(join(folder, MANIFEST_FILE), 'utf8');
  } catch (e) {
    throw new ManifestError(folder, `cannot read ${MANIFEST_FILE}: ${(e as Error).message}`);
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

/**
 * Serialises writes of one take's manifest: the latest state always wins, writes never overlap
 * (two renames racing could put an older state last), and bursts coalesce into one write.
 */
export class ManifestWriter {
  private pending: TakeManifest | null = null;
  private running: Promise<void> | null = null;
  private lastError: Error | null = null;

  constructor(
    readonly folder: string,
    private readonly onError: (e: Error) => void = () => undefined,
  ) {}

  save(manifest: TakeManifest): Promise<void> {
    // Snapshot now: the caller keeps mutating its object.
    this.pending = structuredClone(manifest);
    if (!this.running) this.running = this.loop();
    return this.running;
  }

  /** Resolves once everything saved so far is on disk. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.lastError) {
      const e = this.lastError;
      this.lastError = null;
      throw e;
    }
  }

  private async loop(): Promise<void> {
    try {
      while (this.pending) {
        const m = this.pending;
        this.pending = null;
        try {
          await withManifestLock(this.folder, async () => {
            let disk: unknown = null;
            try {
              disk = JSON.parse(await readFile(join(this.folder, MANIFEST_FILE), 'utf8'));
            } catch {
              // First write, or an unreadable file: nothing to carry over.
            }
            await writeManifestAtomic(this.folder, mergeForeignFields(m, disk));
          });
        } catch (e) {
          this.lastError = e as Error;
          this.onError(e as Error);
        }
      }
    } finally {
      this.running = null;
    }
  }
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
  };
}

/** Set `outcome` and `files` from the devices (the recorder calls this on every phase change). */
export function settleOutcome(m: TakeManifest): void {
  const c = takeOutcome({ phase: m.phase as TakePhase, aborted: m.aborted === true, devices: m.devices.map(deviceView) });
  m.outcome = c.outcome;
  m.files = { expected: c.expected, downloaded: c.downloaded };
}

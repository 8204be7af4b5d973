/**
 * The sync result of a take: where every camera's file sits on one timeline, measured from the
 * files' sound (src-main/core/sync). Stored in take.json under `sync`, shown by the takes panel,
 * printed by `multicam sync --json`, read by the exporters. Plain data.
 */
import { z } from 'zod';

export const RationalSchema = z.object({ num: z.number().int().positive().max(1_000_000), den: z.number().int().positive().max(1_000_000) });
export type Rational = z.infer<typeof RationalSchema>;

export const SyncMediaSchema = z.object({
  durationMs: z.number().finite().nonnegative().nullable(),
  fps: RationalSchema.nullable(),
  width: z.number().int().nonnegative().nullable(),
  height: z.number().int().nonnegative().nullable(),
  videoCodec: z.string().max(64).nullable(),
  hasAudio: z.boolean(),
  audioCodec: z.string().max(64).nullable(),
  audioSampleRate: z.number().nonnegative().nullable(),
});
export type SyncMedia = z.infer<typeof SyncMediaSchema>;

const ms = z.number().finite().nullable();

export const SyncDeviceSchema = z.object({
  /** take.json device key, or null for a folder analysed without a manifest. */
  deviceKey: z.string().max(512).nullable(),
  name: z.string().max(512),
  /** Relative to the take folder. */
  file: z.string().max(4096),
  /** Measured and trustworthy (score at or above the threshold, tied to the other cameras). */
  ok: z.boolean(),
  /** Why not ok, in plain words; null when ok. */
  reason: z.string().max(1000).nullable(),
  /** This file's first media sample on the shared timeline minus the earliest file's (≥ 0). */
  offsetMs: ms,
  /** offsetMs in this file's frames. */
  offsetFrames: ms,
  /** Clock rate of this file relative to the earliest file, parts per million. */
  driftPpm: ms,
  /** Confidence 0–1: share of the fine windows that agree × how unambiguous × how clearly the loudness matches. */
  score: z.number().min(0).max(1),
  /** Measured offset minus the controller's plan for this device (common shift removed), ms. */
  residualMs: ms,
  /** What the controller's plan expected for offsetMs (target instant; iPhones: when START arrived). */
  expectedOffsetMs: ms,
  /** RMS disagreement of this file's pair measurements with the global solution, ms. */
  fitErrorMs: ms,
  media: SyncMediaSchema.nullable(),
});
export type SyncDevice = z.infer<typeof SyncDeviceSchema>;

export const TakeSyncSchema = z.object({
  version: z.literal(1),
  state: z.enum(['running', 'done', 'failed']),
  /** ISO 8601 UTC. */
  analysedAt: z.string().max(64),
  /** Wall time of the analysis, s. */
  seconds: z.number().finite().nonnegative().nullable(),
  /** The whole analysis could not run (e.g. ffmpeg missing): why. */
  error: z.string().max(1000).nullable(),
  /** Name of the earliest-starting ok file (offset 0). */
  reference: z.string().max(512).nullable(),
  /** Score below which a device is not ok. */
  threshold: z.number().min(0).max(1),
  devices: z.array(SyncDeviceSchema).max(1000),
});
export type TakeSync = z.infer<typeof TakeSyncSchema>;

/** How well a device lines up with the plan, for colours: ≤ ¼ frame, ≤ 1 frame, beyond. */
export function residualGrade(residualMs: number | null, fps: Rational | null): 'good' | 'fair' | 'poor' | 'unknown' {
  if (residualMs === null || !fps) return 'unknown';
  const frameMs = (1000 * fps.den) / fps.num;
  const r = Math.abs(residualMs);
  return r <= frameMs / 4 ? 'good' : r <= frameMs ? 'fair' : 'poor';
}

/** The `sync` of a take.json (a file on disk: validated), or null when absent or unreadable. */
export function parseTakeSync(raw: unknown): TakeSync | null {
  if (raw === undefined || raw === null) return null;
  const r = TakeSyncSchema.safeParse(raw);
  return r.success ? r.data : null;
}

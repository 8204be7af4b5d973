/**
 * Sync of a take folder: which files to analyse (from take.json, or every video in a folder
 * without one), what the controller's plan expected, and writing the result back into take.json
 * under `sync` through the take store's update function.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { errorLine } from '../../../src-shared/error-line';
import { parseTakeSync, type TakeSync } from '../../../src-shared/sync';
import { MANIFEST_FILE, readManifest, realInside, updateTake, type ManifestDevice, type TakeManifest } from '../takes';
import { analyseFiles, SCORE_THRESHOLD, type SyncInput, type SyncOptions } from './analyse';
import { extractVideos, UnzipError } from './unzip';

const VIDEO = /\.(mp4|mov|m4v|mkv|zip)$/i;
const MAX_FILES = 200;

export async function resolveTakeDir(arg: string): Promise<string> {
  const p = resolve(arg);
  try {
    if ((await stat(p)).isDirectory()) return p;
  } catch {
    // reported by the caller's read
  }
  return basename(p) === MANIFEST_FILE ? dirname(p) : p;
}

async function hasManifest(folder: string): Promise<boolean> {
  try {
    return (await stat(join(folder, MANIFEST_FILE))).isFile();
  } catch {
    return false;
  }
}

/**
 * When this device's file should begin by the controller's own plan (controller time, ms):
 * iPhones film from the moment START arrives (pre-roll kept), the others from the target
 * (or from receipt when the target had already passed).
 */
export function plannedStartMs(m: TakeManifest, d: ManifestDevice): number | null {
  if (d.start.status !== 'accepted') return null;
  const target = m.targetStart * 1000;
  const { sentAt, replyAt } = d.start;
  const receipt = sentAt !== null ? (replyAt !== null ? (sentAt + replyAt) / 2 : sentAt) * 1000 : null;
  if (/^ios/i.test(d.deviceType ?? '')) return receipt;
  return receipt !== null ? Math.max(target, receipt) : target;
}

/**
 * A zip (an OAK device's recording) stands for the video it holds: extracted into the take folder
 * beside it (so editors get a file they open), and analysed and exported as that file. A zip
 * that cannot be unpacked stays, and says why.
 */
async function openable(input: SyncInput, folder: string): Promise<{ input: SyncInput; products: string[] }> {
  if (!/\.zip$/i.test(input.path)) return { input, products: [] };
  try {
    const videos = await extractVideos(input.path, dirname(input.path));
    const dir = dirname(input.file);
    const rel = (f: string) => (dir === '.' ? f : `${dir}/${f}`);
    const path = await realInside(folder, rel(videos[0]!.file));
    if (!path) throw new UnzipError('the video taken out of the zip is not inside the take folder');
    return { input: { ...input, file: rel(videos[0]!.file), path }, products: videos.map((v) => v.file) };
  } catch (e) {
    return { input: { ...input, error: e instanceof UnzipError ? e.message : `the zip cannot be unpacked: ${errorLine(e)}` }, products: [] };
  }
}

/** The files of a take: one per device with a finished download (take.json), else every video. */
export async function takeInputs(folder: string): Promise<SyncInput[]> {
  if (await hasManifest(folder)) {
    const m = await readManifest(folder);
    const out: SyncInput[] = [];
    for (const d of m.devices) {
      if (d.download.state !== 'done' || !d.download.path) continue;
      const path = await realInside(folder, d.download.path);
      if (!path) continue;
      const input = { name: d.name || d.deviceKey, file: d.download.path, path, deviceKey: d.deviceKey, expectedStartMs: plannedStartMs(m, d) };
      out.push((await openable(input, folder)).input);
    }
    return out;
  }
  const names = (await readdir(folder))
    .filter((n) => VIDEO.test(n) && !n.startsWith('.'))
    .sort()
    .slice(0, MAX_FILES);
  const found: { input: SyncInput; listed: string }[] = [];
  const products = new Set<string>();
  for (const n of names) {
    const path = await realInside(folder, n);
    if (!path || !(await stat(path)).isFile()) continue;
    const got = await openable({ name: basename(n, extname(n)), file: n, path }, folder);
    for (const p of got.products) products.add(p);
    found.push({ input: got.input, listed: n });
  }
  // A video taken out of a zip in this folder (by an earlier run) is that zip's camera, not another one.
  return found.filter((f) => /\.zip$/i.test(f.listed) || !products.has(f.listed)).map((f) => f.input);
}
/** Analyse a take folder; never throws for a file's problem (that device says why). */
export async function analyseTake(folder: string, opts: SyncOptions = {}): Promise<TakeSync> {
  const inputs = await takeInputs(folder);
  if (inputs.length === 0) return failedSync('no downloaded video files in this take');
  return analyseFiles(inputs, opts);
}

export function failedSync(error: string): TakeSync {
  return { version: 1, state: 'failed', analysedAt: new Date().toISOString(), seconds: null, error, reference: null, threshold: SCORE_THRESHOLD, devices: [] };
}

/** Record the result in take.json under `sync`, through the take store (the one writer of take.json). */
export async function writeTakeSync(folder: string, sync: TakeSync): Promise<void> {
  await updateTake(folder, (m) => {
    (m as Record<string, unknown>).sync = sync;
  });
}

/** The `sync` recorded in a take.json (validated: it is a file on disk), or null. */
export function readTakeSync(manifest: unknown): TakeSync | null {
  return parseTakeSync(manifest && typeof manifest === 'object' ? (manifest as { sync?: unknown }).sync : undefined);
}

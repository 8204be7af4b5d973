/**
 * Reading takes back after a controller restart: which devices may still be recording and
 * which files are owed. Pure functions over validated manifests; the recorder acts on them.
 */
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ManifestError, readManifest, type TakeManifest } from './manifest';
import { resolveInside } from './folder';

export interface StoredTake {
  folder: string;
  manifest: TakeManifest;
}

/** Every take folder under `recordingsDir` with a valid manifest, plus the ones that failed validation. */
export async function listTakes(recordingsDir: string): Promise<{ takes: StoredTake[]; invalid: Array<{ folder: string; error: string }> }> {
  const root = resolve(recordingsDir);
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { takes: [], invalid: [] };
    throw e;
  }
  const takes: StoredTake[] = [];
  const invalid: Array<{ folder: string; error: string }> = [];
  for (const name of names.sort()) {
    const folder = join(root, name);
    try {
      takes.push({ folder, manifest: await readManifest(folder) });
    } catch (e) {
      // A folder without take.json is not a take; anything else is worth telling the operator.
      if (e instanceof ManifestError && /cannot read/.test(e.message)) continue;
      invalid.push({ folder, error: (e as Error).message });
    }
  }
  return { takes, invalid };
}

export interface OwedWork {
  /** Devices that accepted START (or may have) and never confirmed a STOP. */
  mayStillBeRecording: string[];
  /** Stopped devices whose file is named but not downloaded yet. */
  owedFiles: Array<{ deviceKey: string; fileName: string }>;
}

export function owedWork(m: TakeManifest): OwedWork {
  const mayStillBeRecording: string[] = [];
  const owedFiles: OwedWork['owedFiles'] = [];
  for (const d of m.devices) {
    // A START that was written (pending with a target) or failed in transport may have started the device.
    const started =
      d.start.status === 'accepted' ||
      (d.start.status === 'failed' && d.start.transportError) ||
      (d.start.status === 'pending' && d.start.targetSent !== null);
    if (d.mayStillBeRecording || (started && d.stop.status === 'pending')) mayStillBeRecording.push(d.deviceKey);
    if (d.stop.status === 'stopped' && d.stop.fileName && d.download.ok !== true) owedFiles.push({ deviceKey: d.deviceKey, fileName: d.stop.fileName });
  }
  return { mayStillBeRecording, owedFiles };
}

/**
 * Bring a manifest read from disk into a state the recorder can continue from: transfers that
 * were running are failed ("interrupted"), devices that may still be recording are marked so,
 * and every stored path is re-checked inside the take folder (dropped with a warning if not).
 */
export function reviveManifest(m: TakeManifest, folder: string): TakeManifest {
  const out = structuredClone(m);
  const owed = owedWork(out);
  for (const d of out.devices) {
    if (owed.mayStillBeRecording.includes(d.deviceKey)) d.mayStillBeRecording = true;
    const dl = d.download;
    if (dl.path !== null && resolveInside(folder, dl.path) === null) {
      d.warnings.push(`download path '${dl.path.slice(0, 200)}' in the manifest is outside the take folder: ignored`);
      dl.path = null;
      dl.ok = dl.ok === true ? null : dl.ok;
    }
    dl.keptPartials = dl.keptPartials.filter((p) => resolveInside(folder, p) !== null);
    if (dl.state === 'queued' || dl.state === 'active') {
      dl.state = 'failed';
      dl.ok = false;
      dl.error = 'interrupted by a controller restart';
    }
  }
  if (owed.mayStillBeRecording.length > 0) out.phase = 'recording';
  else if (out.phase !== 'failed') out.phase = 'done';
  return out;
}

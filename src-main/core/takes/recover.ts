/**
 * Reading takes back after a controller restart: which devices may still be recording and
 * which files are owed. Pure functions over validated manifests; the recorder acts on them.
 */
import { errorLine } from '../../../src-shared/error-line';
import { lstat, readdir, rename, unlink } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
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
      invalid.push({ folder, error: errorLine(e) });
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
      d.start.status === 'accepted' || (d.start.status === 'failed' && d.start.transportError) || (d.start.status === 'pending' && d.start.targetSent !== null);
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

/**
 * `.part` files a crash left in a take folder: a transfer in flight when the controller stopped.
 * Bytes from a device that deletes its file after sending (OAK) are kept as `.partial` and
 * recorded on the device's download; from any other device (it still has the file) they are
 * removed, so the re-download gets the intended name. A `.part` nobody in the manifest claims is
 * kept as `.partial` (never delete bytes we cannot account for). Mutates `m`; best effort.
 */
export async function settleInterruptedParts(m: TakeManifest, folder: string): Promise<void> {
  let names: string[];
  try {
    const files = (await readdir(folder, { withFileTypes: true })).filter((e) => e.isFile());
    names = files.filter((e) => e.name.endsWith('.part')).map((e) => e.name);
    // A crash between writing a manifest temp file and its rename leaves the temp file behind:
    // take.json is whole either way (the rename is atomic), so the leftover goes.
    for (const e of files) {
      const pid = /^\.take\.json\.(\d+)\.[0-9a-f]+\.tmp$/.exec(e.name)?.[1];
      if (pid !== undefined && Number(pid) !== process.pid) await unlink(join(folder, e.name)).catch(() => undefined);
    }
  } catch {
    return;
  }
  for (const name of names) {
    const finalName = name.slice(0, -'.part'.length);
    const part = join(folder, name);
    const d = m.devices.find((x) => x.download.path === finalName);
    const size = await lstat(part).then(
      (st) => st.size,
      () => 0,
    );
    const deletesAfterSending = (d?.deviceType ?? '').trim().toLowerCase() === 'oak';
    if (d && !deletesAfterSending) {
      await unlink(part).catch(() => undefined);
      d.warnings.push(`a transfer interrupted by a controller restart was discarded (${size} bytes); the device still has the file`);
      continue;
    }
    const kept = await keepAsPartial(folder, finalName, part);
    if (!kept) continue;
    if (d) {
      const rel = relative(folder, kept);
      if (!d.download.keptPartials.includes(rel)) d.download.keptPartials.push(rel);
      d.download.partial = true;
      d.download.bytes = Math.max(d.download.bytes, size);
      d.warnings.push(`a transfer interrupted by a controller restart kept ${size} bytes at ${rel}`);
    }
  }
}

async function keepAsPartial(folder: string, finalName: string, part: string): Promise<string | null> {
  for (let n = 1; n <= 100; n++) {
    const candidate = join(folder, n === 1 ? `${finalName}.partial` : `${finalName}.partial-${n}`);
    const taken = await lstat(candidate).then(
      () => true,
      () => false,
    );
    if (taken) continue;
    try {
      await rename(part, candidate);
      return candidate;
    } catch {
      return null;
    }
  }
  return null;
}

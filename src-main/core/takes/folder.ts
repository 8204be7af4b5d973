/**
 * Take folders: `<recordings>/<local date-time>_<take name>`, e.g. `2026-11-21_10-15-03_Scene-1`.
 * Names are sanitised (no separators, no dot-leading names) and collision-free: `mkdir` without
 * `recursive` fails on an existing folder, so two takes started in the same second get `_2`, `_3`.
 */
import { mkdir, realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local date-time as `YYYY-MM-DD_HH-MM-SS` (the operator thinks in local time). */
export function localStamp(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
}

/**
 * A safe single path component: letters, digits, `.`, `_`, `-`; whitespace becomes `-`;
 * never `.`/`..` or dot-leading; at most `max` characters; `fallback` when nothing is left.
 */
export function sanitizeComponent(raw: string, fallback: string, max = 64): string {
  const cleaned = raw
    .normalize('NFKC')
    .replace(/\s+/g, '-')
    .replace(/[^\p{L}\p{N}._-]+/gu, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.\-_]+/, '')
    .replace(/[.\-_]+$/, '')
    .slice(0, max)
    .replace(/[.\-_]+$/, '');
  return cleaned.length > 0 ? cleaned : fallback;
}

export function takeFolderName(date: Date, name: string): string {
  return `${localStamp(date)}_${sanitizeComponent(name, 'Take')}`;
}

/** Create the take folder; returns its absolute path and base name. */
export async function createTakeFolder(recordingsDir: string, name: string, date: Date): Promise<{ folder: string; folderName: string }> {
  const root = resolve(recordingsDir);
  await mkdir(root, { recursive: true });
  const base = takeFolderName(date, name);
  for (let n = 1; n < 1000; n++) {
    const folderName = n === 1 ? base : `${base}_${n}`;
    const folder = join(root, folderName);
    try {
      await mkdir(folder);
      return { folder, folderName };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`cannot create a take folder for '${base}' in ${root}: too many collisions`);
}

/** True when `child` (absolute, normalised) is strictly inside `folder`. */
export function isInside(folder: string, child: string): boolean {
  const rel = relative(resolve(folder), resolve(child));
  return rel.length > 0 && !rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..';
}

/**
 * Resolve a path taken from a manifest (untrusted) inside its take folder; null when it would
 * escape. Lexical check only — use `realInside` before handing a file to the OS.
 */
export function resolveInside(folder: string, relPath: string): string | null {
  if (typeof relPath !== 'string' || relPath.length === 0 || relPath.includes('\0')) return null;
  const abs = resolve(folder, relPath);
  return isInside(folder, abs) ? abs : null;
}

/** Like `resolveInside`, and also follows symlinks on disk: the real file must be inside the real folder. */
export async function realInside(folder: string, relPath: string): Promise<string | null> {
  const abs = resolveInside(folder, relPath);
  if (!abs) return null;
  try {
    const [realFolder, realFile] = await Promise.all([realpath(folder), realpath(abs)]);
    return isInside(realFolder, realFile) ? realFile : null;
  } catch {
    return null;
  }
}

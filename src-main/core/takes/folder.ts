/**
 * Take folders: `<recordings>/<local date-time>_<take name>`, e.g. `2026-11-21_10-15-03_Scene-1`.
 * Names are sanitised (no separators, no dot-leading names) and collision-free: `mkdir` without
 * `recursive` fails on an existing folder, so two takes started in the same second get `_2`, `_3`.
 */
import { errorLine } from '../../../src-shared/error-line';
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, realpath, unlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, parse, relative, resolve, sep } from 'node:path';

/** How long a folder may take to answer (create, probe) before we say so: a hung mount must not hang a take. */
export const FOLDER_DEADLINE_MS = 3_000;

/** `p`, or a rejection naming `what` after `ms` (the operation itself may stay stuck in the thread pool). */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`${what} did not answer within ${ms / 1000} s`), { code: 'ETIMEDOUT' })), ms);
    timer.unref?.();
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/**
 * `mkdir -p` one step at a time. Node's `mkdir(…, { recursive: true })` never returns for a path
 * under /proc (it loops on ENOENT): each plain `mkdir` here is one system call that answers.
 */
export async function makeDirs(path: string): Promise<void> {
  const abs = resolve(path);
  const missing: string[] = [];
  let p = abs;
  const root = parse(abs).root;
  for (;;) {
    try {
      const st = await lstat(p);
      if (!st.isDirectory()) throw Object.assign(new Error(`not a folder: ${p}`), { code: 'ENOTDIR', path: p });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || p === root) throw e;
      missing.push(p);
      p = dirname(p);
    }
  }
  for (const dir of missing.reverse()) {
    try {
      await mkdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** One plain sentence for why a folder cannot hold recordings. */
export function folderProblem(e: unknown, path: string): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOTDIR':
      return `part of ${path} is a file, not a folder`;
    case 'ENOENT':
      return `${path} cannot be created there (this location does not take new folders)`;
    case 'EACCES':
    case 'EPERM':
      return `no permission to write in ${path}`;
    case 'EROFS':
      return `${path} is on a read-only disk`;
    case 'ENOSPC':
      return `the disk of ${path} is full`;
    case 'ETIMEDOUT':
      return `${path} did not answer within ${FOLDER_DEADLINE_MS / 1000} s (a disconnected network or removable drive?)`;
    default:
      return `${path} cannot be used (${err?.code ?? errorLine(e)})`;
  }
}

/**
 * Can recordings go in `dir`? Creates it if needed, then writes and removes a small probe file.
 * Bounded: null when usable, else one plain sentence.
 */
export async function checkRecordingsFolder(dir: string, deadlineMs = FOLDER_DEADLINE_MS): Promise<string | null> {
  if (!isAbsolute(dir) || dir.includes('\0')) return 'enter an absolute path (for example /home/me/MultiCam Recordings)';
  const abs = resolve(dir);
  const probe = async () => {
    await makeDirs(abs);
    const file = join(abs, `.multicam-write-check-${randomBytes(4).toString('hex')}`);
    const fh = await open(file, 'wx');
    try {
      await fh.writeFile('ok');
      await fh.sync();
    } finally {
      await fh.close();
      await unlink(file).catch(() => undefined);
    }
  };
  try {
    await withDeadline(probe(), deadlineMs, abs);
    return null;
  } catch (e) {
    return folderProblem(e, abs);
  }
}

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
  const create = async () => {
    await makeDirs(root);
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
  };
  // Bounded, and in plain words: a take that cannot get its folder must say so and let go of Record.
  try {
    return await withDeadline(create(), FOLDER_DEADLINE_MS, root);
  } catch (e) {
    if (typeof (e as NodeJS.ErrnoException).code !== 'string') throw e;
    throw Object.assign(new Error(`Cannot start the take: ${folderProblem(e, root)}.`), { code: 'folder_unusable' });
  }
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

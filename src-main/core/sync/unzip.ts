/**
 * An OAK device hands its recording over as a zip, which no editor opens. Its video member(s) are
 * extracted (yauzl) into the take folder beside it, and the analysis, the exports and the contact
 * sheet use the extracted file. The zip is untrusted: member names are reduced to a sanitised
 * base name (nothing can land outside the folder), encrypted or oversized members are refused, a
 * member may not grow far beyond its compressed size nor all of them beyond the zip's own size
 * (video hardly compresses: a larger ratio is a zip bomb), the number of entries read is capped,
 * and the bytes written are counted against the declared sizes. Files are written under a
 * temporary name and renamed when whole, so a failure leaves nothing half-written; an extracted
 * file already there with the right size is reused.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, rename, rm, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { errorLine } from '../../../src-shared/error-line';
import { sanitizeComponent } from '../takes/folder';

const VIDEO_EXT = /\.(mp4|mov|m4v|mkv|avi|mts|m2ts|webm)$/i;
const MAX_ENTRIES = 10_000;
const MAX_VIDEOS = 8;
const MAX_MEMBER_BYTES = 64 * 1024 ** 3;
/** Allowed growth of a member over its compressed size (plus a little for tiny files). */
const MAX_RATIO = 1.5;
const SLACK = 16 * 1024 * 1024;

export class UnzipError extends Error {}

export interface ExtractedVideo {
  /** The member's name inside the zip (as stored; for messages). */
  member: string;
  /** File name in the take folder. */
  file: string;
  path: string;
  bytes: number;
}

/** Local names: `<zip base>.<ext>` for a lone video, `<zip base>_<member base>.<ext>` for several. */
export function extractedName(zipFile: string, member: string, alone: boolean): string {
  const base = sanitizeComponent(basename(zipFile).replace(/\.zip$/i, ''), 'video', 120);
  const last = member.split(/[\\/]+/).pop() ?? '';
  const ext = extname(last).toLowerCase();
  return alone ? `${base}${ext}` : `${base}_${sanitizeComponent(basename(last, extname(last)), 'video', 60)}${ext}`;
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    const s = await lstat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

/** The video members of `zipPath`, extracted into `folder` (or found there from an earlier run). */
export async function extractVideos(zipPath: string, folder: string): Promise<ExtractedVideo[]> {
  return withVideos(zipPath, folder, async (zip, planned) => {
    for (const v of planned) if ((await sizeOf(v.path)) !== v.bytes) await writeMember(zip, v.entry, v.path, v.bytes);
    return planned.map(({ entry: _entry, ...video }) => video);
  });
}

/**
 * The videos of `zipPath` already taken out into `folder` (whole: the size the zip declares), by
 * an earlier `extractVideos`; nothing is written. Empty when there are none or the zip is unreadable.
 * What an editor should get instead of the zip (drag-out), read quickly from the zip's directory.
 */
export async function extractedVideosOf(zipPath: string, folder: string): Promise<ExtractedVideo[]> {
  try {
    return await withVideos(zipPath, folder, async (_zip, planned) => {
      const out: ExtractedVideo[] = [];
      for (const { entry: _entry, ...video } of planned) if ((await sizeOf(video.path)) === video.bytes) out.push(video);
      return out;
    });
  } catch {
    return [];
  }
}

type Planned = ExtractedVideo & { entry: yauzl.Entry };

/** Open the zip, check its video members and name their local files, then hand them to `use`. */
async function withVideos<T>(zipPath: string, folder: string, use: (zip: yauzl.ZipFile, planned: Planned[]) => Promise<T>): Promise<T> {
  let zip: yauzl.ZipFile;
  try {
    // Names stay raw bytes: only a sanitised base name is ever used (a hostile path in one
    // member then does not cost the others).
    zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: false });
  } catch (e) {
    throw new UnzipError(`the zip cannot be read: ${errorLine(e)}`);
  }
  try {
    const zipBytes = (await stat(zipPath)).size;
    const videos = await videoEntries(zip);
    if (videos.length === 0) throw new UnzipError('the zip holds no video file');
    let budget = zipBytes * MAX_RATIO + SLACK;
    const planned: Planned[] = [];
    const used = new Set<string>();
    for (const entry of videos) {
      if (entry.isEncrypted()) throw new UnzipError(`the video in the zip (${basename(entry.fileName).slice(0, 80)}) is encrypted`);
      const size = entry.uncompressedSize;
      if (size > MAX_MEMBER_BYTES || size > entry.compressedSize * MAX_RATIO + SLACK || size > budget) {
        throw new UnzipError(`the zip's video (${basename(entry.fileName).slice(0, 80)}) claims ${size} bytes, far more than the zip holds`);
      }
      budget -= size;
      let file = extractedName(zipPath, entry.fileName, videos.length === 1);
      for (let n = 2; used.has(file.toLowerCase()); n++) file = file.replace(/(_\d+)?(\.[^.]+)$/, `_${n}$2`);
      used.add(file.toLowerCase());
      planned.push({ member: entry.fileName, file, path: join(folder, file), bytes: size, entry });
    }
    return await use(zip, planned);
  } finally {
    zip.close();
  }
}

/** Every regular video member (directory entries and other files skipped), in zip order. */
function videoEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const found: yauzl.Entry[] = [];
    let seen = 0;
    zip.on('entry', (entry: yauzl.Entry) => {
      if (++seen > MAX_ENTRIES) {
        reject(new UnzipError(`the zip has more than ${MAX_ENTRIES} entries`));
        return;
      }
      const raw = entry.fileName as string | Buffer;
      const name = (typeof raw === 'string' ? raw : raw.toString('utf8')).slice(0, 1024);
      if (!/[\\/]$/.test(name) && VIDEO_EXT.test(name) && found.length < MAX_VIDEOS) found.push(Object.assign(entry, { fileName: name }));
      zip.readEntry();
    });
    zip.on('end', () => resolve(found));
    zip.on('error', (e: unknown) => reject(new UnzipError(`the zip is damaged: ${errorLine(e)}`)));
    zip.readEntry();
  });
}

async function writeMember(zip: yauzl.ZipFile, entry: yauzl.Entry, path: string, size: number): Promise<void> {
  const tmp = join(path, '..', `.${basename(path)}.${randomBytes(4).toString('hex')}.part`);
  let written = 0;
  // Belt and braces beside yauzl's own size check: never write more than the entry declared.
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      written += chunk.length;
      done(written > size ? new UnzipError('a video in the zip is larger than it says') : null, chunk);
    },
  });
  try {
    const stream = await zip.openReadStreamPromise(entry);
    await pipeline(stream, count, createWriteStream(tmp, { flags: 'wx' }));
    if (written !== size) throw new UnzipError('a video in the zip is shorter than it says');
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e instanceof UnzipError ? e : new UnzipError(`the video could not be taken out of the zip: ${errorLine(e)}`);
  }
}

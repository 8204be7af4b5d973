/**
 * What the operator does with a take once it is recorded — find its files, reveal them, review,
 * trash, probe a clip's length, thumbnail, align (sync), export, contact sheet. The controller only
 * maps the contract onto these; the collaborators (take store, downloads, thumbnails, sync, the
 * opener) are passed in, so this module owns no state beyond the clip lengths it has probed.
 */
import { errorLine } from '../../../src-shared/error-line';
import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { err, ok, type ContactSheet, type ExportFormat, type Result, TAKE_NOTE_MAX, type TakeView } from '../../../src-shared/api';
import type { ControllerEventInput } from '../controller-events';
import type { DownloadQueue } from '../downloads';
import { ExportError, exportTake as writeExport } from '../export';
import { guarded } from '../services';
import { contactSheet as makeContactSheet } from '../sync/contact-sheet';
import { extractedVideosOf } from '../sync/unzip';
import type { SyncService } from '../sync/service';
import type { Thumbnails } from '../thumbnails';
import { probeDuration } from '../thumbnails/duration';
import { realInside } from './folder';
import type { TakeStore } from './store';

/** The Trash folder inside the recordings folder (takes moved there are not listed). */
export const TRASH_FOLDER = 'Trash';

export interface TakeActionsDeps {
  takes: TakeStore;
  downloads: DownloadQueue;
  thumbnails: Thumbnails;
  sync: SyncService;
  /** The take as the UI sees it (this run's uploads, an interrupted sync shown as such). */
  takeById: (takeId: string) => TakeView | null;
  recordingsDir: () => string;
  activeTakeId: () => string | null;
  emit: (e: ControllerEventInput) => void;
  /** The OS file manager opener the composition root gave, if any (read at each use). */
  opener: () => ((path: string, kind: 'file' | 'folder') => Promise<void> | void) | undefined;
}

export class TakeActions {
  /** Clip lengths (ffprobe), by download id. */
  private readonly durations = new Map<string, number>();

  constructor(private readonly d: TakeActionsDeps) {}

  /**
   * Absolute path of a finished file, proven to be inside its take folder — for this run's
   * downloads and for earlier takes' files. The Electron shell's drag-out and reveal use it; the
   * renderer only ever names a download id.
   */
  async resolveDownloadPath(downloadId: string): Promise<Result<string>> {
    if (this.d.downloads.get(downloadId)) return guarded(() => this.d.downloads.resolveDownloadPath(downloadId), 'not_found');
    return guarded(async () => {
      const file = await this.d.takes.downloadFile(downloadId);
      if (file === null) throw Object.assign(new Error(`no download ${downloadId}`), { code: 'not_found' });
      return file;
    }, 'not_found');
  }

  /**
   * The files to hand an editor for a download (drag-out): the video(s) taken out of an OAK
   * device's zip once the take's sync has extracted them — no editor opens a zip — else the file.
   */
  async resolveEditorFiles(downloadId: string): Promise<Result<string[]>> {
    const file = await this.resolveDownloadPath(downloadId);
    if (!file.ok) return file;
    if (!/\.zip$/i.test(file.value)) return ok([file.value]);
    const videos = await extractedVideosOf(file.value, dirname(file.value));
    return ok(videos.length > 0 ? videos.map((v) => v.path) : [file.value]);
  }

  /** Show a finished file in the OS file manager, through the opener the composition root gave (browser mode, desktop). */
  async revealDownload(downloadId: string): Promise<Result<void>> {
    const reveal = this.d.opener();
    if (!reveal) return err('unsupported', 'Reveal in folder is not available here.');
    const file = await this.resolveDownloadPath(downloadId);
    if (!file.ok) return file;
    return guarded(() => reveal(file.value, 'file'), 'reveal_failed');
  }

  /** The take's folder, if known. */
  resolveTakeFolder(takeId: string): Result<string> {
    const folder = this.d.takes.folderOf(takeId);
    return folder ? ok(folder) : err('not_found', `no take ${takeId}`);
  }

  /** Every finished file of a take as an editor wants it (resolveEditorFiles), each inside its folder (the desktop app's whole-take drag). */
  async resolveTakeFiles(takeId: string): Promise<Result<string[]>> {
    const take = this.d.takeById(takeId);
    if (!take) return err('not_found', `no take ${takeId}`);
    const out: string[] = [];
    for (const d of take.devices) {
      if (!d.downloadId) continue;
      const f = await this.resolveEditorFiles(d.downloadId);
      if (f.ok) out.push(...f.value);
    }
    return out.length ? ok(out) : err('not_ready', 'This take has no downloaded files yet.');
  }

  async revealTake(takeId: string): Promise<Result<void>> {
    const reveal = this.d.opener();
    if (!reveal) return err('unsupported', 'Reveal in folder is not available here.');
    const folder = this.resolveTakeFolder(takeId);
    if (!folder.ok) return folder;
    return guarded(() => reveal(folder.value, 'folder'), 'reveal_failed');
  }

  async reviewTake(takeId: string, review: { rating?: 'good' | 'no_good' | null; note?: string }): Promise<Result<TakeView>> {
    const folder = this.d.takes.folderOf(takeId);
    if (!folder) return err('not_found', `no take ${takeId}`);
    return guarded(async () => {
      await this.d.takes.update(folder, (m) => {
        const prev = m.review ?? { rating: null, note: '', updatedAt: null };
        m.review = {
          rating: review.rating !== undefined ? review.rating : prev.rating,
          // Notes are for people: keep them printable and bounded.
          note:
            review.note !== undefined
              ? review.note.replace(/[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').slice(0, TAKE_NOTE_MAX)
              : prev.note,
          updatedAt: new Date().toISOString(),
        };
      });
      const take = this.d.takeById(takeId)!;
      this.d.emit({ type: 'takeChanged', take });
      return take;
    });
  }

  /**
   * Move a finished take's folder into `Trash/` inside the recordings folder — never a delete:
   * the operator can move it back by hand. take.json records when.
   */
  async trashTake(takeId: string): Promise<Result<{ trashFolder: string; folder: string }>> {
    const take = this.d.takeById(takeId);
    const folder = this.d.takes.folderOf(takeId);
    if (!take || !folder) return err('not_found', `no take ${takeId}`);
    if (takeId === this.d.activeTakeId() || !(take.phase === 'done' || take.phase === 'failed'))
      return err('busy', `${take.name} is still in progress: stop it and let its downloads finish first.`);
    const live = new Set(take.devices.map((d) => d.downloadId).filter(Boolean));
    if (this.d.downloads.list().some((d) => live.has(d.id) && (d.state === 'queued' || d.state === 'active')))
      return err('busy', `${take.name} is still downloading.`);
    return guarded(async () => {
      const trashFolder = join(this.d.recordingsDir(), TRASH_FOLDER);
      await mkdir(trashFolder, { recursive: true });
      let target = join(trashFolder, basename(folder));
      for (let i = 2; existsSync(target) && i < 1000; i++) target = join(trashFolder, `${basename(folder)}_${i}`);
      await this.d.takes.update(folder, (m) => {
        m.trashedAt = new Date().toISOString();
      });
      await rename(folder, target);
      this.d.takes.forget(takeId);
      this.d.emit({ type: 'takeRemoved', takeId });
      return { trashFolder, folder: target };
    });
  }

  async clipDuration(downloadId: string): Promise<Result<number>> {
    const cached = this.durations.get(downloadId);
    if (cached !== undefined) return ok(cached);
    const file = await this.resolveEditorFiles(downloadId);
    if (!file.ok) return file;
    const seconds = await this.d.thumbnails.bounded(() => probeDuration(file.value[0]!)).catch(() => null);
    if (seconds === null) return err('unsupported', 'No duration: ffprobe is not installed or the file has no readable length.');
    this.durations.set(downloadId, seconds);
    return ok(seconds);
  }

  async thumbnail(downloadId: string): Promise<Result<string>> {
    return guarded(async () => {
      const url = await this.d.thumbnails.of(downloadId, async () => {
        // An OAK zip has no frame of its own: the video taken out of it (a failure is not cached).
        const path = await this.resolveEditorFiles(downloadId);
        if (!path.ok) throw Object.assign(new Error(path.error.message), { code: path.error.code });
        return path.value[0]!;
      });
      if (!url) throw Object.assign(new Error('No thumbnail: ffmpeg is not installed or the file has no decodable frame.'), { code: 'unsupported' });
      return url;
    });
  }

  syncTake(takeId: string): Result<void> {
    const take = this.d.takeById(takeId);
    if (!take) return err('not_found', `no take ${takeId}`);
    if (take.phase !== 'done') return err('busy', 'The take is still recording or downloading; it is analysed once every file is home.');
    if (!take.devices.some((d) => d.downloadState === 'done')) return err('not_ready', 'This take has no downloaded files to analyse.');
    this.d.sync.run(takeId, take.folder);
    return ok(undefined);
  }

  async exportTake(takeId: string, format: ExportFormat): Promise<Result<{ path: string; angles: number; skipped: { name: string; reason: string }[] }>> {
    const take = this.d.takeById(takeId);
    if (!take) return err('not_found', `no take ${takeId}`);
    try {
      const r = await writeExport(take.folder, format);
      return ok({ path: r.path, angles: r.angles, skipped: r.skipped });
    } catch (e) {
      return err(e instanceof ExportError ? 'not_ready' : 'failed', errorLine(e));
    }
  }

  async contactSheet(takeId: string): Promise<Result<ContactSheet>> {
    const take = this.d.takeById(takeId);
    if (!take) return err('not_found', `no take ${takeId}`);
    if (take.sync?.state !== 'done') return err('not_ready', 'The take has not been aligned yet.');
    const sync = take.sync;
    return guarded(() => this.d.thumbnails.bounded(() => makeContactSheet(sync, (file) => realInside(take.folder, file))));
  }
}

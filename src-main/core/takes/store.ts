/**
 * The take store: the takes under the recordings folder — new takes (folder + manifest), the
 * past takes shown in the takes panel, their downloads, and the takes a restart must pick up.
 * Every change to a take goes through the one writer in ./manifest (`TakeFiles`).
 */
import { errorLine } from '../../../src-shared/error-line';
import type { DownloadView, TakeView } from '../../../src-shared/api';
import { createTakeFolder, realInside } from './folder';
import { takeFiles as defaultFiles, type TakeChange, type TakeFiles, type TakeHandle } from './manifest';
import { listTakes, owedWork, reviveManifest, settleInterruptedParts, type OwedWork } from './recover';
import { toTakeView, type ManifestDevice, type TakeManifest } from './schema';

export interface TakeStoreOptions {
  /** The recordings folder (a getter: a settings change applies to the next take and listing). */
  recordingsDir: string | (() => string);
  /** The process's take files (default: the one registry). */
  files?: TakeFiles;
  /** Past takes kept for the takes panel (default 50). */
  historyLimit?: number;
  log?: (line: string) => void;
}

export interface RecoverableTake {
  take: TakeHandle;
  owed: OwedWork;
}

export class TakeStore {
  readonly files: TakeFiles;
  /** Takes this store knows (past and present), by id: folder + latest manifest. */
  private readonly known = new Map<string, { folder: string; manifest: TakeManifest }>();

  constructor(private readonly opts: TakeStoreOptions) {
    this.files = opts.files ?? defaultFiles;
  }

  get recordingsDir(): string {
    return typeof this.opts.recordingsDir === 'function' ? this.opts.recordingsDir() : this.opts.recordingsDir;
  }

  /**
   * A new take: its folder (named after `name` and `date`, collision-free) and its manifest,
   * built by the caller for that folder. The returned handle is the take's one writer.
   */
  async create(
    name: string,
    date: Date,
    build: (folder: { folder: string; folderName: string }) => TakeManifest,
    opts: { onError?: (e: Error) => void } = {},
  ): Promise<TakeHandle> {
    const where = await createTakeFolder(this.recordingsDir, name, date);
    const h = this.files.create(where.folder, build(where), opts);
    this.known.set(h.takeId, { folder: h.folder, manifest: h.manifest });
    return h;
  }

  /** Open a take by folder (shared with every other holder). */
  async open(folder: string, opts: { onError?: (e: Error) => void } = {}): Promise<TakeHandle> {
    const h = await this.files.open(folder, opts);
    this.known.set(h.takeId, { folder: h.folder, manifest: h.manifest });
    return h;
  }

  /** Change a take by folder; resolves once on disk (upload results, review marks, sync results). */
  async update(folder: string, change: TakeChange): Promise<TakeManifest> {
    const m = await this.files.update(folder, change);
    const k = this.known.get(m.takeId);
    if (k) k.manifest = this.files.peek(folder) ?? m;
    return m;
  }

  /** The take as it is now (a copy). */
  read(folder: string): Promise<TakeManifest> {
    return this.files.read(folder);
  }

  /** (Re)read the past takes under the recordings folder: the newest `historyLimit` are kept. */
  async loadHistory(): Promise<void> {
    const dir = this.recordingsDir;
    try {
      const { takes, invalid } = await listTakes(dir);
      for (const bad of invalid) this.opts.log?.(`take folder ${bad.folder} skipped: ${bad.error}`);
      const recent = takes.sort((a, b) => a.manifest.createdAt.localeCompare(b.manifest.createdAt)).slice(-(this.opts.historyLimit ?? 50));
      for (const t of recent) {
        if (!this.known.has(t.manifest.takeId)) this.known.set(t.manifest.takeId, { folder: t.folder, manifest: this.files.peek(t.folder) ?? t.manifest });
      }
    } catch (e) {
      this.opts.log?.(`could not list takes in ${dir}: ${errorLine(e)}`);
    }
  }

  /** Forget the past takes not open here (the recordings folder changed). */
  clearHistory(): void {
    for (const [id, k] of this.known) if (this.files.peek(k.folder) === null) this.known.delete(id);
  }

  /** The folder of a known take, or null. */
  folderOf(takeId: string): string | null {
    return this.known.get(takeId)?.folder ?? null;
  }

  /** The take left the recordings folder (moved to the Trash folder): it is no longer listed. */
  forget(takeId: string): void {
    this.known.delete(takeId);
  }

  /** Every known take, oldest first. */
  views(): TakeView[] {
    return [...this.known.values()].map((k) => toTakeView(this.latest(k), k.folder)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  view(takeId: string): TakeView | null {
    const k = this.known.get(takeId);
    return k ? toTakeView(this.latest(k), k.folder) : null;
  }

  /** Downloads of known takes that `liveIds` (this run's queue) does not cover, as the UI shows them. */
  pastDownloads(liveIds: Set<string>): DownloadView[] {
    const out: DownloadView[] = [];
    for (const k of this.known.values()) {
      const m = this.latest(k);
      for (const d of m.devices) {
        const v = downloadFromManifest(m, d);
        if (v && !liveIds.has(v.id)) out.push(v);
      }
    }
    return out;
  }

  /**
   * The file of a finished download of a known take, proven inside its take folder (symlinks
   * followed); null when no known take has that download. Throws with `code` `not_ready` or
   * `not_found` when it has it but the file cannot be handed out.
   */
  async downloadFile(downloadId: string): Promise<string | null> {
    for (const k of this.known.values()) {
      const d = this.latest(k).devices.find((x) => x.download.id === downloadId);
      if (!d) continue;
      if (d.download.state !== 'done' || !d.download.path) throw Object.assign(new Error(`download ${downloadId} is not finished`), { code: 'not_ready' });
      const abs = await realInside(k.folder, d.download.path);
      if (!abs) throw Object.assign(new Error(`the file of download ${downloadId} is missing or outside its take folder`), { code: 'not_found' });
      return abs;
    }
    return null;
  }

  /**
   * After a restart: open every take under the recordings folder that still owes something
   * (devices that may be recording, files not downloaded), brought into a state to continue
   * from (`reviveManifest`). `skip` names takes already open.
   */
  async recoverable(skip: (takeId: string) => boolean = () => false, opts: { onError?: (folder: string, e: Error) => void } = {}): Promise<RecoverableTake[]> {
    const { takes } = await listTakes(this.recordingsDir);
    const out: RecoverableTake[] = [];
    for (const { folder, manifest } of takes) {
      if (skip(manifest.takeId)) continue;
      const owed = owedWork(manifest);
      if (owed.mayStillBeRecording.length === 0 && owed.owedFiles.length === 0) continue;
      const onError = opts.onError;
      const take = await this.open(folder, onError ? { onError: (e) => onError(folder, e) } : {});
      const revived = reviveManifest(take.manifest, take.folder);
      // Only a take caught in the middle (devices may be recording) was interrupted by a restart.
      if (owed.mayStillBeRecording.length > 0) revived.recoveredAt = Date.now() / 1000;
      await settleInterruptedParts(revived, take.folder);
      take.update((m) => Object.assign(m, revived));
      out.push({ take, owed });
    }
    return out;
  }

  private latest(k: { folder: string; manifest: TakeManifest }): TakeManifest {
    const live = this.files.peek(k.folder);
    if (live) k.manifest = live;
    return k.manifest;
  }
}

/** A download as the UI shows it, from a take's manifest (the queue only knows this run's). */
export function downloadFromManifest(m: TakeManifest, d: ManifestDevice): DownloadView | null {
  const dl = d.download;
  if (!dl.id || dl.state === 'none') return null;
  // A transfer that was running when the controller stopped is not running any more.
  const state = dl.state === 'queued' || dl.state === 'active' ? 'failed' : dl.state;
  return {
    id: dl.id,
    takeId: m.takeId,
    deviceKey: d.deviceKey,
    deviceName: d.name,
    fileName: d.stop.fileName ?? '',
    path: dl.path ?? '',
    state,
    bytes: dl.bytes,
    total: dl.total,
    rateBps: 0,
    etaSeconds: null,
    sha256: dl.sha256,
    error: state !== dl.state ? 'interrupted when the controller stopped; retry to fetch it again' : dl.error,
    partial: dl.partial,
  };
}

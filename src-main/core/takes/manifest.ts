/**
 * The one writer of `take.json`.
 *
 * Each take folder this process touches has exactly one live manifest in memory (`LiveTake`),
 * shared by every writer — the recorder (phases, START/STOP results), the download results,
 * the uploads, and later sync results and review fields. Writers send *changes*
 * (`update((m) => …)`), applied at once to that one object; a single loop per take writes the
 * latest state to disk (atomic: temp file, fsync, rename), one write at a time, bursts coalesced.
 * No writer ever holds a copy it could write back over someone else's change.
 *
 * How to change a take (every module, no exceptions):
 *   - you hold it open (the recorder):   `take.update((m) => { … })`, `await take.flush()`
 *   - you only know its folder:           `await updateTake(folder, (m) => { … })`
 *   - reading:                            `await readManifest(folder)` (a copy; sees live changes)
 * Named changes for download and upload results are in ./changes. A new kind of field (sync
 * results, review marks) goes into ./schema and gets a change function next to those.
 *
 * Before the one writer, the recorder and the uploads each took their own per-folder lock and
 * wrote whole manifests: a recorder save that read the file before an upload's rename put the
 * file back without the upload record (lost in 124 of 200 rounds; see takes.stress.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, truncate, unlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { Emitter } from '../../../src-shared/event';
import { MANIFEST_FILE, ManifestError, loadManifestFile, type TakeManifest } from './schema';

export * from './schema';

export type TakeChange = (m: TakeManifest) => void;

/** One take's manifest, owned here: read it freely, change it only through `update`. */
export interface TakeHandle {
  readonly folder: string;
  readonly takeId: string;
  /** The live manifest (the same object for as long as the take is open). */
  readonly manifest: TakeManifest;
  /** Apply a change now (synchronously) and schedule a write (nothing once closed). */
  update(change?: TakeChange): void;
  /** Resolves once every change so far is on disk; rejects with the error of a failed write. */
  flush(): Promise<void>;
  /** This holder is done with the take (it stays in memory until its writes have finished). */
  close(): void;
}

interface Writes {
  onError?: (e: Error) => void;
}

class LiveTake {
  /** Bumped by every change; `written` is the last version the disk has (or gave up on). */
  private version = 0;
  private written = 0;
  private running: Promise<void> | null = null;
  private lastError: Error | null = null;
  refs = 0;
  private readonly _onDidFailWrite = new Emitter<Error>('take store: write error');
  /** A write of take.json failed (every holder of the take hears it). */
  readonly onDidFailWrite = this._onDidFailWrite.event;

  constructor(
    readonly folder: string,
    readonly manifest: TakeManifest,
    private readonly registry: TakeFiles,
  ) {}

  update(change?: TakeChange): void {
    change?.(this.manifest);
    this.version++;
    if (!this.running) {
      this.running = this.loop().finally(() => {
        this.running = null;
        this.registry.maybeEvict(this);
      });
    }
  }

  async flush(): Promise<void> {
    const want = this.version;
    while (this.written < want && this.running) await this.running;
    if (this.lastError) {
      const e = this.lastError;
      this.lastError = null;
      throw e;
    }
  }

  get idle(): boolean {
    return this.running === null;
  }

  private async loop(): Promise<void> {
    let roomMade = 0;
    while (this.written < this.version) {
      const v = this.version;
      // Snapshot in one synchronous step: later changes go into the next write.
      const text = `${JSON.stringify(this.manifest, null, 2)}\n`;
      try {
        await writeManifestText(this.folder, await this.withForeignFields(text));
        this.lastError = null;
      } catch (e) {
        // Disk full: the manifest is what says which bytes are where, so it takes precedence over
        // the tail of a kept partial (already a failed transfer). Trim, record it, write again.
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC' && roomMade < 3 && (await this.makeRoom(Buffer.byteLength(text) * 2 + 64 * 1024))) {
          roomMade++;
          continue;
        }
        this.lastError = e as Error;
        // A holder's logging callback that throws must not stop the writes (the Emitter sees to it).
        this._onDidFailWrite.fire(e as Error);
      }
      this.written = v;
    }
  }

  /**
   * Free about `bytes` on the take's disk by trimming the largest kept partial file (never a
   * verified download), and say so in the manifest. False when there is nothing to trim.
   */
  private async makeRoom(bytes: number): Promise<boolean> {
    let best: { device: TakeManifest['devices'][number]; rel: string; path: string; size: number } | null = null;
    for (const device of this.manifest.devices) {
      for (const rel of device.download.keptPartials) {
        const path = resolve(this.folder, rel);
        if (!path.startsWith(this.folder + sep)) continue;
        const size = await stat(path).then(
          (s) => (s.isFile() ? s.size : 0),
          () => 0,
        );
        if (size > 0 && (!best || size > best.size)) best = { device, rel, path, size };
      }
    }
    if (!best) return false;
    const keep = Math.max(0, best.size - bytes);
    try {
      await truncate(best.path, keep);
    } catch {
      return false;
    }
    const d = best.device;
    if (d.download.keptPartials.at(-1) === best.rel) d.download.bytes = keep;
    const note = `disk full: the partial ${best.rel} was trimmed from ${best.size} to ${keep} bytes so take.json could be written`;
    if (d.warnings.length < 100) d.warnings.push(note);
    this.version++;
    return true;
  }

  /**
   * Fields another process added to the file (e.g. `multicam upload` in a terminal while the app
   * holds the take) are carried over when the live manifest has none of its own: never dropped.
   */
  private async withForeignFields(text: string): Promise<string> {
    let disk: unknown;
    try {
      disk = JSON.parse(await readFile(join(this.folder, MANIFEST_FILE), 'utf8'));
    } catch {
      return text; // first write, or an unreadable file: nothing to carry over
    }
    if (!disk || typeof disk !== 'object' || Array.isArray(disk)) return text;
    const d = disk as Record<string, unknown>;
    const next = JSON.parse(text) as Record<string, unknown>;
    if (d.takeId !== next.takeId) return text;
    let changed = false;
    for (const [k, v] of Object.entries(d)) {
      if (!(k in next)) {
        next[k] = v;
        changed = true;
      }
    }
    const diskDevices = Array.isArray(d.devices) ? (d.devices as unknown[]) : [];
    for (const dev of next.devices as Array<Record<string, unknown>>) {
      const old = diskDevices.find(
        (x): x is Record<string, unknown> => !!x && typeof x === 'object' && (x as { deviceKey?: unknown }).deviceKey === dev.deviceKey,
      );
      if (!old) continue;
      for (const [k, v] of Object.entries(old)) {
        if (!(k in dev) || (dev[k] === undefined && v !== undefined)) {
          dev[k] = v;
          changed = true;
        }
      }
    }
    return changed ? `${JSON.stringify(next, null, 2)}\n` : text;
  }
}

/**
 * The registry of live takes, by resolved folder. One per process (`takeFiles`) is what makes
 * "one writer per take" true; tests may make their own.
 */
export class TakeFiles {
  private readonly live = new Map<string, LiveTake>();
  private readonly loading = new Map<string, Promise<LiveTake>>();

  /** A new take: `manifest` becomes the live object (the caller's reference stays valid). */
  create(folder: string, manifest: TakeManifest, opts: Writes = {}): TakeHandle {
    const k = resolve(folder);
    if (this.live.has(k) || this.loading.has(k)) throw new Error(`take folder ${k} is already open`);
    const t = new LiveTake(k, manifest, this);
    t.refs = 1;
    this.live.set(k, t);
    const h = this.handle(t, opts);
    t.update();
    return h;
  }

  /** Open an existing take (read and validated once; shared with every other holder). */
  async open(folder: string, opts: Writes = {}): Promise<TakeHandle> {
    return this.handle(await this.acquire(folder), opts);
  }

  /**
   * Change a take by its folder and wait until the change is on disk. For writers that do not
   * hold the take open (upload results, review marks); throws ManifestError or the write error.
   */
  async update(folder: string, change: TakeChange): Promise<TakeManifest> {
    const t = await this.acquire(folder);
    const h = this.handle(t, {});
    try {
      h.update(change);
      await h.flush();
      return structuredClone(t.manifest);
    } finally {
      h.close();
    }
  }

  /** The take as it is now: the live state when open here, else validated from disk (a copy). */
  async read(folder: string): Promise<TakeManifest> {
    const t = this.live.get(resolve(folder));
    if (t) return structuredClone(t.manifest);
    return loadManifestFile(folder);
  }

  /** The live manifest of an open take (not a copy), or null. */
  peek(folder: string): TakeManifest | null {
    return this.live.get(resolve(folder))?.manifest ?? null;
  }

  /** @internal */
  maybeEvict(t: LiveTake): void {
    if (t.refs === 0 && t.idle && this.live.get(t.folder) === t) this.live.delete(t.folder);
  }

  private async acquire(folder: string): Promise<LiveTake> {
    const k = resolve(folder);
    for (;;) {
      const t = this.live.get(k);
      if (t) {
        t.refs++;
        return t;
      }
      let p = this.loading.get(k);
      if (!p) {
        p = loadManifestFile(k).then((m) => {
          const lt = new LiveTake(k, m, this);
          this.live.set(k, lt);
          return lt;
        });
        this.loading.set(k, p);
        void p.then(
          () => this.loading.delete(k),
          () => this.loading.delete(k),
        );
      }
      await p;
      // Look again: take the live one (it may have been evicted meanwhile, then it loads again).
    }
  }

  /** A holder's view of a live take; the caller has already counted its reference. */
  private handle(t: LiveTake, opts: Writes): TakeHandle {
    let closed = false;
    const subscription = opts.onError ? t.onDidFailWrite(opts.onError) : null;
    return {
      folder: t.folder,
      takeId: t.manifest.takeId,
      manifest: t.manifest,
      // A closed handle changes nothing: a holder that let go (a disposed recorder) must never
      // write its view of the take over the next holder's.
      update: (change) => {
        if (!closed) t.update(change);
      },
      flush: () => (closed ? Promise.resolve() : t.flush()),
      close: () => {
        if (closed) return;
        closed = true;
        subscription?.dispose();
        t.refs--;
        this.maybeEvict(t);
      },
    };
  }
}

/** This process's take files: everything that changes a take.json goes through here. */
export const takeFiles = new TakeFiles();

/** `takeFiles.read`: the take as it is now (live changes included), validated; throws ManifestError. */
export function readManifest(folder: string): Promise<TakeManifest> {
  return takeFiles.read(folder);
}

/** A take.json for a folder that has none yet, written and let go (test fixtures, imports). */
export async function createTakeFile(folder: string, manifest: TakeManifest, files: TakeFiles = takeFiles): Promise<void> {
  const h = files.create(folder, structuredClone(manifest));
  try {
    await h.flush();
  } finally {
    h.close();
  }
}

/** `takeFiles.update`: change a take by folder, resolved once on disk. */
export function updateTake(folder: string, change: TakeChange): Promise<TakeManifest> {
  return takeFiles.update(folder, change);
}

/** Atomic write: a unique temp file in the same folder, fsync, then rename over `take.json`. */
async function writeManifestText(folder: string, text: string): Promise<void> {
  const final = join(folder, MANIFEST_FILE);
  const tmp = join(folder, `.${MANIFEST_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx');
  try {
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, final);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e instanceof Error ? e : new ManifestError(folder, String(e));
  }
}

/**
 * The download queue: files from devices into take folders. One transfer per device at a time
 * and a global limit; progress/rate/ETA as `DownloadView`; cancel; manual retry.
 *
 * Safety rules (notes rule 6): the local name is ours (never the device's), a name that exists in
 * any form is never reused, and bytes kept from a failed transfer (`.partial`, e.g. from an OAK
 * device that deleted its copy after sending) are never deleted or overwritten — a retry writes
 * to a fresh name. Retrying is always manual; nothing here re-requests a file on its own.
 */
import { errorLine } from '../../../src-shared/error-line';
import { randomBytes } from 'node:crypto';
import { relative, resolve } from 'node:path';
import type { DownloadView } from '../../../src-shared/api';
import { Emitter, nextEvent } from '../../../src-shared/event';
import type { ThroughputRule } from '../device-client/throughput';
import type { DeviceAddress, DownloadOptions, DownloadResult } from '../device-client/types';
import { isInside, realInside } from '../takes/folder';
import { localFileName, pickFreeName } from './naming';
import { plainDownloadFailure } from '../../../src-shared/plain';

export type DownloadFn = (address: DeviceAddress, fileName: string, destDir: string, options?: DownloadOptions) => Promise<DownloadResult>;

export interface DownloadRequest {
  takeId: string;
  /** Absolute take folder: the only place this download may write. */
  folder: string;
  deviceKey: string;
  deviceName: string;
  address: DeviceAddress;
  /** Name on the device (from the STOP reply). */
  fileName: string;
  /** `fileSize` from the STOP reply when known and non-zero (OAK reports 0). */
  expectedSize?: number | null;
}

/** What the manifest needs beyond the view. */
export interface DownloadInfo {
  folder: string;
  seconds: number | null;
  /** Kept partial files, relative to the take folder. */
  keptPartials: string[];
  /** A remark worth a manifest warning (e.g. size differs from the STOP reply). */
  note: string | null;
}

/** One download changed: its view, and what the manifest needs beyond it. */
export interface DownloadChange {
  view: DownloadView;
  info: DownloadInfo;
}

export interface DownloadQueueOptions {
  download: DownloadFn;
  /** Global limit of simultaneous transfers (default 3). */
  maxConcurrent?: number;
  headerTimeoutMs?: number;
  stallTimeoutMs?: number;
  /** Minimum body throughput (default: the device client's rule). */
  throughput?: ThroughputRule;
  progressIntervalMs?: number;
}

interface Job {
  view: DownloadView;
  req: DownloadRequest;
  controller: AbortController | null;
  info: DownloadInfo;
}

const TERMINAL = new Set<DownloadView['state']>(['done', 'failed', 'cancelled']);

export class DownloadQueue {
  private readonly jobs = new Map<string, Job>();
  private readonly order: string[] = [];
  private readonly busyDevices = new Set<string>();
  private active = 0;
  /** Names handed out but maybe not on disk yet, per folder. */
  private readonly reserved = new Map<string, Set<string>>();
  /** Name picking is check-then-reserve: serialise it so two jobs never pick the same name. */
  private naming: Promise<unknown> = Promise.resolve();
  maxConcurrent: number;

  constructor(private readonly opts: DownloadQueueOptions) {
    this.maxConcurrent = Math.max(1, opts.maxConcurrent ?? 3);
  }

  /**
   * Listeners run inside the transfer's own bookkeeping: one that throws must not turn a finished
   * download into a failed one, nor abort enqueue/cancel half-way (the Emitter keeps it its own).
   */
  private readonly _onDidChangeDownload = new Emitter<DownloadChange>('downloads: downloadChanged');
  readonly onDidChangeDownload = this._onDidChangeDownload.event;

  enqueue(req: DownloadRequest): DownloadView {
    const id = `dl-${randomBytes(6).toString('hex')}`;
    const view: DownloadView = {
      id,
      takeId: req.takeId,
      deviceKey: req.deviceKey,
      deviceName: req.deviceName,
      fileName: req.fileName,
      path: localFileName(req.deviceName, req.fileName),
      state: 'queued',
      bytes: 0,
      total: req.expectedSize && req.expectedSize > 0 ? req.expectedSize : null,
      rateBps: 0,
      etaSeconds: null,
      sha256: null,
      error: null,
      partial: false,
    };
    const job: Job = {
      view,
      req: { ...req, folder: resolve(req.folder) },
      controller: null,
      info: { folder: resolve(req.folder), seconds: null, keptPartials: [], note: null },
    };
    this.jobs.set(id, job);
    this.order.push(id);
    this.emit(job);
    this.pump();
    return { ...view };
  }

  get(id: string): DownloadView | undefined {
    const j = this.jobs.get(id);
    return j ? { ...j.view } : undefined;
  }

  list(takeId?: string): DownloadView[] {
    return this.order
      .map((id) => this.jobs.get(id)!.view)
      .filter((v) => !takeId || v.takeId === takeId)
      .map((v) => ({ ...v }));
  }

  cancel(id: string): DownloadView {
    const job = this.need(id);
    if (job.view.state === 'queued') {
      job.view.state = 'cancelled';
      job.view.error = 'cancelled';
      this.emit(job);
    } else if (job.view.state === 'active') {
      job.controller?.abort(); // the transfer settles as `cancelled`
    }
    return { ...job.view };
  }

  /**
   * Manual retry of a failed or cancelled download. Writes to a fresh name, so bytes kept from
   * the failed attempt stay as they are. (An OAK device may no longer have the file: then the
   * retry fails with the device's answer, and the kept bytes are still there.)
   */
  retry(id: string): DownloadView {
    const job = this.need(id);
    if (job.view.state !== 'failed' && job.view.state !== 'cancelled') {
      throw new Error(`download ${id} is ${job.view.state}: only a failed or cancelled download can be retried`);
    }
    Object.assign(job.view, { state: 'queued', bytes: 0, rateBps: 0, etaSeconds: null, sha256: null, error: null, errorDetail: null });
    this.emit(job);
    this.pump();
    return { ...job.view };
  }

  /**
   * Absolute path of a finished file, proven (symlinks resolved) to be inside its take folder.
   * The Electron drag-out uses this: the renderer only ever names a download id.
   */
  async resolveDownloadPath(id: string): Promise<string> {
    const job = this.need(id);
    if (job.view.state !== 'done') throw new Error(`download ${id} is not finished (${job.view.state})`);
    const abs = await realInside(job.info.folder, job.view.path);
    if (!abs) throw new Error(`download ${id}: file is missing or outside its take folder`);
    return abs;
  }

  /** Resolves when nothing is queued or running (optionally: for one take). */
  idle(takeId?: string): Promise<void> {
    const busy = () => [...this.jobs.values()].some((j) => (!takeId || j.view.takeId === takeId) && !TERMINAL.has(j.view.state));
    if (!busy()) return Promise.resolve();
    return nextEvent(this.onDidChangeDownload, () => !busy()).then(() => undefined);
  }

  private need(id: string): Job {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no download ${id}`);
    return job;
  }

  private emit(job: Job): void {
    this._onDidChangeDownload.fire({ view: { ...job.view }, info: { ...job.info, keptPartials: [...job.info.keptPartials] } });
  }

  private pump(): void {
    for (const id of this.order) {
      if (this.active >= this.maxConcurrent) return;
      const job = this.jobs.get(id)!;
      if (job.view.state !== 'queued' || this.busyDevices.has(job.view.deviceKey)) continue;
      this.active++;
      this.busyDevices.add(job.view.deviceKey);
      job.view.state = 'active';
      job.controller = new AbortController();
      void this.run(job).finally(() => {
        this.active--;
        this.busyDevices.delete(job.view.deviceKey);
        job.controller = null;
        this.pump();
      });
    }
  }

  private reserve(folder: string, preferred: string): Promise<string> {
    const next = this.naming.then(async () => {
      const set = this.reserved.get(folder) ?? new Set<string>();
      this.reserved.set(folder, set);
      const name = await pickFreeName(folder, preferred, set);
      set.add(name);
      return name;
    });
    this.naming = next.catch(() => undefined);
    return next;
  }

  private async run(job: Job): Promise<void> {
    const { req, view } = job;
    const signal = job.controller!.signal;
    const preferred = localFileName(req.deviceName, req.fileName);
    const started = Date.now();
    let name: string | null = null;
    try {
      // A collision with a file created behind our back (`file_exists`) just moves to the next name.
      for (let attempt = 0; ; attempt++) {
        if (name) this.release(req.folder, name);
        name = await this.reserve(req.folder, preferred);
        view.path = name;
        this.emit(job);
        try {
          const result = await this.opts.download(req.address, req.fileName, req.folder, {
            localName: name,
            signal,
            onProgress: (p) => {
              Object.assign(view, { bytes: p.bytes, total: p.total, rateBps: p.rateBps, etaSeconds: p.etaSeconds });
              this.emit(job);
            },
            ...(this.opts.headerTimeoutMs !== undefined ? { headerTimeoutMs: this.opts.headerTimeoutMs } : {}),
            ...(this.opts.stallTimeoutMs !== undefined ? { stallTimeoutMs: this.opts.stallTimeoutMs } : {}),
            ...(this.opts.throughput !== undefined ? { throughput: this.opts.throughput } : {}),
            ...(this.opts.progressIntervalMs !== undefined ? { progressIntervalMs: this.opts.progressIntervalMs } : {}),
          });
          const abs = resolve(result.path);
          if (!isInside(req.folder, abs)) throw new Error(`download landed outside the take folder: ${abs}`);
          Object.assign(view, {
            state: 'done',
            path: relative(req.folder, abs),
            bytes: result.bytes,
            total: result.bytes,
            rateBps: result.seconds > 0 ? result.bytes / result.seconds : 0,
            etaSeconds: 0,
            sha256: result.sha256,
            error: null,
          });
          job.info.seconds = result.seconds;
          const expected = req.expectedSize ?? 0;
          job.info.note =
            expected > 0 && expected !== result.bytes
              ? `STOP reply said ${expected} bytes; the transfer (verified against its header) has ${result.bytes}`
              : null;
          this.emit(job);
          return;
        } catch (e) {
          const code = (e as { code?: unknown }).code;
          if (code === 'file_exists' && attempt < 3 && !signal.aborted) continue;
          throw e;
        }
      }
    } catch (e) {
      const err = e as Error & { code?: string; partialPath?: unknown; bytesReceived?: unknown; expectedBytes?: unknown };
      const kept = typeof err.partialPath === 'string' ? resolve(err.partialPath) : null;
      if (kept && isInside(req.folder, kept)) {
        job.info.keptPartials.push(relative(req.folder, kept));
        view.partial = true;
      }
      if (typeof err.bytesReceived === 'number') view.bytes = err.bytesReceived;
      view.state = signal.aborted ? 'cancelled' : 'failed';
      // One plain line for the operator; the technical line (codes, paths) behind it.
      const diskFull = /ENOSPC/.test(`${err.code ?? ''} ${err.message ?? ''} ${String((err.cause as { code?: unknown } | undefined)?.code ?? '')}`);
      view.error = signal.aborted
        ? 'cancelled'
        : plainDownloadFailure({
            code: err.code ?? null,
            bytes: view.bytes,
            total: view.total ?? (typeof err.expectedBytes === 'number' ? err.expectedBytes : null),
            partialKept: view.partial,
            diskFull,
            deviceMessage: err.code === 'device_error' ? err.message : null,
          });
      view.errorDetail = signal.aborted ? null : errorLine(err, { withCode: true });
      view.rateBps = 0;
      view.etaSeconds = null;
      job.info.seconds = (Date.now() - started) / 1000;
      this.emit(job);
    } finally {
      // Whatever was written is on disk now, and pickFreeName checks the disk for every form.
      if (name) this.release(req.folder, name);
    }
  }

  private release(folder: string, name: string): void {
    this.reserved.get(folder)?.delete(name);
  }
}

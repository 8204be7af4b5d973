/**
 * Automatic sync after a take: when a take's downloads have all settled, its files are analysed
 * in a worker (one take at a time) and the result is written into take.json under `sync` through
 * the take store; `running` is written first so every viewer sees the analysis is under way.
 * A take is analysed again when the set of downloaded files changes (a retried download).
 */
import { errorLine } from '../../../src-shared/error-line';
import type { TakeView } from '../../../src-shared/api';
import type { TakeSync } from '../../../src-shared/sync';
import { analyseTakeInWorker } from './run';
import { SCORE_THRESHOLD } from './analyse';
import { failedSync, writeTakeSync } from './take';

export interface SyncServiceOptions {
  /** Called after each write of a take's `sync` (running, then the result). */
  onChanged: (takeId: string, sync: TakeSync) => void;
  log?: (line: string) => void;
  /** Analyse a folder (default: in a worker thread). */
  analyse?: (folder: string) => Promise<TakeSync>;
  /** Record a take's `sync` (default: straight through the take files). */
  write?: (folder: string, sync: TakeSync) => Promise<void>;
}

/** The downloaded files a take's sync covers (a changed set means: analyse again). */
function filesKey(take: TakeView): string {
  return take.devices
    .filter((d) => d.downloadState === 'done')
    .map((d) => d.deviceKey)
    .sort()
    .join('\n');
}

export class SyncService {
  private readonly analysed = new Map<string, string>();
  private queue: Promise<void> = Promise.resolve();
  private readonly running = new Set<string>();
  private stopped = false;
  private current: { cancel: () => void } | null = null;

  constructor(private readonly opts: SyncServiceOptions) {}

  /** Look at a changed take: analyse it once its downloads are done and its files changed. */
  noteTake(take: TakeView): void {
    if (this.stopped || take.phase !== 'done') return;
    const key = filesKey(take);
    if (!key) return;
    const seen = this.analysed.get(take.takeId) ?? (take.sync ? syncedKey(take) : undefined);
    if (seen === key || this.running.has(take.takeId)) return;
    this.analysed.set(take.takeId, key);
    this.run(take.takeId, take.folder);
  }

  /** Analyse a take now (the operator asked). */
  run(takeId: string, folder: string): void {
    if (this.stopped || this.running.has(takeId)) return;
    this.running.add(takeId);
    this.queue = this.queue.then(() => this.analyse(takeId, folder)).finally(() => this.running.delete(takeId));
  }

  isRunning(takeId: string): boolean {
    return this.running.has(takeId);
  }

  private async analyse(takeId: string, folder: string): Promise<void> {
    if (this.stopped) return;
    const log = this.opts.log ?? (() => undefined);
    const running: TakeSync = { ...failedSync(''), state: 'running', error: null, threshold: SCORE_THRESHOLD };
    await this.write(takeId, folder, running);
    let result: TakeSync;
    if (this.opts.analyse) {
      result = await this.opts.analyse(folder).catch((e: unknown) => failedSync(errorLine(e)));
    } else {
      const job = analyseTakeInWorker(folder);
      this.current = job;
      result = await job.result;
      this.current = null;
    }
    if (this.stopped) return;
    const ok = result.devices.filter((d) => d.ok).length;
    log(`sync of ${folder}: ${result.state === 'failed' ? `failed: ${result.error}` : `${ok} of ${result.devices.length} cameras aligned`}`);
    await this.write(takeId, folder, result);
  }

  private async write(takeId: string, folder: string, sync: TakeSync): Promise<void> {
    try {
      await (this.opts.write ?? writeTakeSync)(folder, sync);
      this.opts.onChanged(takeId, sync);
    } catch (e) {
      this.opts.log?.(`could not record the sync of ${folder}: ${errorLine(e)}`);
    }
  }

  stop(): void {
    this.stopped = true;
    this.current?.cancel();
  }
}

/** The files a recorded sync covered (by device key), to compare with the take's files now. */
function syncedKey(take: TakeView): string | undefined {
  const s = take.sync;
  if (!s || s.state === 'running') return undefined;
  return s.devices
    .map((d) => d.deviceKey ?? '')
    .sort()
    .join('\n');
}

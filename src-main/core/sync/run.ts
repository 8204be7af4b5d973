/**
 * Run the analysis of a take folder in a worker thread. From TypeScript sources (CLI, browser
 * mode, tests) the worker boots tsx and loads ./worker.ts (worker-boot.mjs); the Electron bundle ships it built as
 * `sync-worker.cjs` next to main.cjs.
 */
import { errorLine } from '../../../src-shared/error-line';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { TakeSync } from '../../../src-shared/sync';
import { failedSync } from './take';

function workerEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  const bundled = join(dirname(here), 'sync-worker.cjs');
  if (here.endsWith('.cjs') && existsSync(bundled)) return { file: bundled, execArgv: [] };
  return { file: join(dirname(here), 'worker-boot.mjs'), execArgv: [] };
}

/** Analyse `folder` in a worker; resolves with the result (a failed one says why), never rejects. */
export function analyseTakeInWorker(
  folder: string,
  opts: { timeoutMs?: number; onProgress?: (m: string) => void } = {},
): { result: Promise<TakeSync>; cancel: () => void } {
  let worker: Worker;
  try {
    const { file, execArgv } = workerEntry();
    worker = new Worker(file, { workerData: { folder }, execArgv });
  } catch (e) {
    return { result: Promise.resolve(failedSync(`the analysis could not start: ${errorLine(e)}`)), cancel: () => undefined };
  }
  let timer: NodeJS.Timeout | undefined;
  const result = new Promise<TakeSync>((resolve) => {
    let done = false;
    const finish = (r: TakeSync) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
      void worker.terminate();
    };
    timer = setTimeout(
      () => finish(failedSync(`the analysis took longer than ${Math.round((opts.timeoutMs ?? 0) / 1000)} s and was stopped`)),
      opts.timeoutMs ?? 30 * 60_000,
    );
    worker.on('message', (m: { type: string; result?: TakeSync; message?: string }) => {
      if (m.type === 'progress' && m.message) opts.onProgress?.(m.message);
      else if (m.type === 'result' && m.result) finish(m.result);
      else if (m.type === 'error') finish(failedSync(m.message ?? 'the analysis failed'));
    });
    worker.on('error', (e) => finish(failedSync(`the analysis failed: ${errorLine(e)}`)));
    worker.on('exit', (code) => finish(failedSync(`the analysis stopped unexpectedly (exit ${code})`)));
  });
  return { result, cancel: () => void worker.terminate() };
}

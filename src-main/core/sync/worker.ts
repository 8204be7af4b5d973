/**
 * Worker-thread entry of the sync analysis: the FFTs and fits run here, off the controller's
 * event loop, so the UI and device polling never wait for a long take to be analysed.
 */
import { errorLine } from '../../../src-shared/error-line';
import { parentPort, workerData } from 'node:worker_threads';
import { analyseTake } from './take';

const { folder } = workerData as { folder: string };
analyseTake(folder, { onProgress: (message) => parentPort?.postMessage({ type: 'progress', message }) }).then(
  (result) => parentPort?.postMessage({ type: 'result', result }),
  (e: unknown) => parentPort?.postMessage({ type: 'error', message: errorLine(e) }),
);

/** Talk to one device: one command (`send`), one file (`download`). */
export { send, prepareConnection, writeBatch } from './send';
export { download } from './download';
export { sanitizeFileName } from './sanitize';
export { DownloadError } from './errors';
export * from './types';
export { DEFAULT_THROUGHPUT_RULE, type ThroughputRule } from './throughput';

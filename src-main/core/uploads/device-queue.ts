/**
 * Reading a device's upload queues (DEVICE_STATUS `uploadQueue` / `failedUploadQueue`): which item
 * is ours, whether the device reported it failed, and its progress. Pure functions on untrusted
 * replies; the service does the polling and decides what an outcome means.
 */
import type { UploadView } from '../../../src-shared/api';
import type { DeviceReply, UploadItem } from '../../../src-shared/protocol';
import { redactSecrets } from '../../../src-shared/redact';

/** An S3 XML error body in a device-reported error → `HTTP 403: AccessDenied (Request has expired)`. */
export function summariseDeviceError(text: string | null): string {
  if (!text) return 'no reason given';
  const code = /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1];
  const msg = /<Message>([^<]{1,300})<\/Message>/.exec(text)?.[1];
  const http = /\bHTTP (\d{3})\b/.exec(text)?.[1];
  if (code) return redactSecrets(`${http ? `HTTP ${http}: ` : ''}${code}${msg ? ` (${msg})` : ''}`);
  return redactSecrets(text.replace(/\s+/g, ' ').slice(0, 300));
}

/** Our queue item: the one carrying our URL when the device echoes URLs, else by file name. */
export function ourItem(fileName: string, url: string | null, items: UploadItem[], raw: unknown): UploadItem | null {
  const rawItems = Array.isArray(raw) ? raw : [];
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    if (it.fileName !== fileName) continue;
    const u = (rawItems[i] as { uploadUrl?: unknown } | undefined)?.uploadUrl;
    if (typeof u === 'string' && u.length > 0 && u !== url) continue;
    return it;
  }
  return null;
}

/** The device's failure report for our upload, if any (`baselineFailed`: same-name failures present before we sent the command). */
export function ourFailure(fileName: string, url: string | null, baselineFailed: number, reply: DeviceReply): UploadItem | null {
  const rawItems = (reply.raw as { failedUploadQueue?: unknown }).failedUploadQueue;
  const raws = Array.isArray(rawItems) ? rawItems : [];
  let sameName = 0;
  let last: UploadItem | null = null;
  for (let i = 0; i < reply.failedUploadQueue.length; i++) {
    const it = reply.failedUploadQueue[i]!;
    if (it.fileName !== fileName) continue;
    const u = (raws[i] as { uploadUrl?: unknown } | undefined)?.uploadUrl;
    if (typeof u === 'string' && u.length > 0) {
      if (u === url) return it;
      continue;
    }
    sameName++;
    last = it;
  }
  // No URL echoed: a failure beyond those present before we sent the command is ours.
  return sameName > baselineFailed ? last : null;
}

/** Progress of our queue item as the operator sees it (`total` from the item, else the size we expect). */
export function progressOf(
  item: UploadItem,
  expectedSize: number | null,
): Pick<UploadView, 'state' | 'bytes' | 'total' | 'percent' | 'rateBps'> & { uploading: boolean } {
  const bytes = item.bytesUploaded ?? 0;
  const total = item.fileSize && item.fileSize > 0 ? item.fileSize : expectedSize;
  const uploading = item.status === 'uploading' || bytes > 0;
  const percent =
    typeof item.uploadProgress === 'number' ? clamp(item.uploadProgress, 0, 100) : total && total > 0 ? clamp((100 * bytes) / total, 0, 100) : null;
  return {
    uploading,
    state: uploading ? 'uploading' : 'queued',
    bytes,
    total: total ?? null,
    percent: percent === null ? null : Math.round(percent * 10) / 10,
    rateBps: typeof item.uploadSpeed === 'number' && item.uploadSpeed >= 0 ? item.uploadSpeed : null,
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** Wait `ms`, or less if `signal` aborts (never rejects). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((res) => {
    if (signal.aborted) return res();
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      res();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      res();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The storage flags and upload progress lines shared by `multicam upload` and `multicam record
 * --upload`, apart from the upload code itself: `record` loads the S3 client only when it uploads.
 */
import { errorLine } from '../../src-shared/error-line';
import type { StorageSettings, UploadView } from '../../src-shared/api';
import { redactSecrets, redactUrl } from '../../src-shared/redact';
import { DEFAULT_PREFIX_TEMPLATE, KeyTemplateError, validateTemplate } from '../core/uploads/keys';
import { UsageError, formatBytes, printable, progressBar } from './common';

/** Storage flags, shared by `multicam upload` and `multicam record --upload`. */
export const STORAGE_OPTIONS = {
  bucket: { type: 'string' },
  prefix: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
  profile: { type: 'string' },
  'path-style': { type: 'boolean' },
} as const;

export function storageFromOptions(values: {
  bucket?: string | undefined;
  prefix?: string | undefined;
  endpoint?: string | undefined;
  region?: string | undefined;
  profile?: string | undefined;
  'path-style'?: boolean | undefined;
}): StorageSettings {
  if (!values.bucket?.trim()) throw new UsageError('--bucket B is required');
  const storage: StorageSettings = {
    bucket: values.bucket.trim(),
    prefixTemplate: values.prefix ?? DEFAULT_PREFIX_TEMPLATE,
    region: values.region?.trim() ?? '',
    endpoint: values.endpoint?.trim() ?? '',
    profile: values.profile?.trim() ?? '',
    forcePathStyle: values['path-style'] === true,
  };
  try {
    validateTemplate(storage.prefixTemplate);
  } catch (e) {
    if (e instanceof KeyTemplateError) throw new UsageError(`--prefix: ${e.message}`);
    throw e;
  }
  if (storage.endpoint && !/^https?:\/\/[^\s/?#]+/i.test(storage.endpoint))
    throw new UsageError(`--endpoint '${redactUrl(storage.endpoint)}' is not an http(s) URL`);
  return storage;
}

/** One line per state change; on a terminal, a live progress line for the device uploading. */
export class UploadProgress {
  private readonly last = new Map<string, string>();
  private drawn = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly tty: boolean,
  ) {}

  onUpload(v: UploadView): void {
    if (this.last.get(v.id) !== v.state) {
      this.last.set(v.id, v.state);
      this.line(describe(v));
    } else if (this.tty && v.state === 'uploading') {
      const eta = v.rateBps && v.total ? (v.total - v.bytes) / v.rateBps : null;
      this.out.write(`\x1b[2K\r${printable(v.deviceName)} ${progressBar(v.bytes, v.total, v.rateBps ?? 0, eta)}`);
      this.drawn = true;
    }
  }

  line(text: string): void {
    if (this.drawn) this.out.write('\x1b[2K\r');
    this.drawn = false;
    this.out.write(`${printable(redactSecrets(text))}\n`);
  }

  close(): void {
    if (this.drawn) this.out.write('\x1b[2K\r');
    this.drawn = false;
  }
}

function describe(v: UploadView): string {
  switch (v.state) {
    case 'queued':
      return `${v.deviceName}: ${v.fileName} queued${v.key ? ` → ${v.key}` : ''}`;
    case 'uploading':
      return `${v.deviceName}: uploading ${v.fileName}${v.total ? ` (${formatBytes(v.total)})` : ''}`;
    case 'verifying':
      return `${v.deviceName}: checking the bucket for ${v.key}`;
    case 'done':
      return `${v.deviceName}: confirmed ${v.key} (${formatBytes(v.bytes)})`;
    case 'failed':
      return `${v.deviceName}: FAILED ${v.fileName}: ${errorLine(v.error ?? 'unknown error')}`;
  }
}

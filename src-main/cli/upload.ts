/** `multicam upload`: every file of a take goes from its device straight to S3-compatible storage. */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { StorageSettings, UploadView } from '../../src-shared/api';
import { ManifestError } from '../core/takes/manifest';
import { DEFAULT_PREFIX_TEMPLATE, KeyTemplateError, validateTemplate } from '../core/uploads/keys';
import { redactSecrets, redactUrl } from '../../src-shared/redact';
import { StorageError } from '../core/uploads/s3';
import { resolveTakeFolder, uploadAfterStop, type UploadTakeDeps } from '../core/uploads/take';
import { EXIT_OK, EXIT_PARTIAL, UsageError, formatBytes, isTty, oneLine, parse, printable, progressBar, runCommand } from './common';
import type { CliIo } from './common';

export const UPLOAD_USAGE = `usage: multicam upload --take DIR --bucket B [options]

Ask every device of a take to upload its file straight to S3-compatible storage (a presigned
PUT URL per file), follow the progress, and confirm each object in the bucket (HEAD: it must
exist with the device's file size; a device going quiet is never taken as success). Results
are recorded in the take's take.json (key, bucket, bytes, ETag). Devices already confirmed
there are skipped unless --force.

Credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
AWS_PROFILE, shared config and credentials files, SSO) or --profile; they are never stored.

options:
  --take DIR         the take folder (or its take.json)
  --bucket B         the bucket
  --prefix TEMPLATE  object key template (default ${DEFAULT_PREFIX_TEMPLATE});
                     variables: {date} {take} {takeId} {device} {deviceKey} {file}
  --endpoint URL     an S3-compatible server (default: AWS S3)
  --region R         region (default: from the AWS config; us-east-1 with --endpoint)
  --profile P        a named profile from the shared AWS config/credentials files
  --path-style       path-style addressing (http://host/bucket/key), for most S3-compatible servers
  --force            upload again files already confirmed in take.json
  --json             print the result as JSON on stdout
  -h, --help         this text

exit: 0 every file confirmed in the bucket, 2 any failure (or the storage is unusable),
      1 usage error
`;

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

export async function uploadCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand('upload', UPLOAD_USAGE, io, async () => {
    const { values } = parse(argv, {
      take: { type: 'string' },
      ...STORAGE_OPTIONS,
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(UPLOAD_USAGE);
      return EXIT_OK;
    }
    if (!values.take) throw new UsageError('--take DIR is required');
    const storage = storageFromOptions(values);
    const folder = await resolveTakeFolder(values.take);
    if (!(await exists(join(folder, 'take.json')))) throw new UsageError(`no take.json in ${resolve(folder)}`);

    const progress = new UploadProgress(io.stderr, isTty(io.stderr));
    const deps: UploadTakeDeps = { onUpload: (v) => progress.onUpload(v), force: values.force === true };
    let result;
    try {
      result = await uploadAfterStop(folder, storage, deps);
    } catch (e) {
      progress.close();
      if (e instanceof StorageError || e instanceof ManifestError) {
        io.stderr.write(`multicam upload: ${printable(e.message)}\n`);
        return EXIT_PARTIAL;
      }
      throw e;
    }
    progress.close();

    for (const a of result.alreadyUploaded) io.stderr.write(`${printable(`${a.deviceKey}: already in the bucket (${a.key}), skipped`)}\n`);
    for (const k of result.withoutFile) io.stderr.write(`${printable(k)}: no file in this take (the device did not stop with one)\n`);
    const done = result.uploads.filter((u) => u.state === 'done');
    const failed = result.uploads.filter((u) => u.state !== 'done');
    io.stderr.write(
      `${done.length} of ${result.uploads.length} upload${result.uploads.length === 1 ? '' : 's'} confirmed in s3://${storage.bucket}` +
        `${failed.length ? `; ${failed.length} failed` : ''}; results in ${join(result.folder, 'take.json')}\n`,
    );
    if (values.json) {
      const out = {
        take: result.folder,
        bucket: storage.bucket,
        ok: result.ok,
        uploads: result.uploads.map((u) => ({
          device: u.deviceName,
          deviceKey: u.deviceKey,
          fileName: u.fileName,
          key: u.key,
          state: u.state,
          bytes: u.bytes,
          error: u.error,
        })),
        alreadyUploaded: result.alreadyUploaded,
        withoutFile: result.withoutFile,
      };
      io.stdout.write(`${redactSecrets(JSON.stringify(out, null, 2))}\n`);
    }
    return result.ok ? EXIT_OK : EXIT_PARTIAL;
  });
}

async function exists(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
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
      return `${v.deviceName}: FAILED ${v.fileName}: ${oneLine(v.error ?? 'unknown error')}`;
  }
}

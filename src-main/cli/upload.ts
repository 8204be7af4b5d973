/** `multicam upload`: every file of a take goes from its device straight to S3-compatible storage. */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ManifestError } from '../core/takes/manifest';
import { redactSecrets } from '../../src-shared/redact';
import { StorageError } from '../core/uploads/s3';
import { resolveTakeFolder, uploadAfterStop, type UploadTakeDeps } from '../core/uploads/take';
import { EXIT_OK, EXIT_PARTIAL, UsageError, isTty, parse, printable, runCommand } from './common';
import type { CliIo } from './common';
import { STORAGE_OPTIONS, UploadProgress, storageFromOptions } from './storage-options';
import { UPLOAD_USAGE } from './usage';

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

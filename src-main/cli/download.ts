/** `multicam download`: one file from one device, verified, never overwriting anything. */
import { errorLine } from '../../src-shared/error-line';
import { resolve } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { pickFreeName, remoteBasename } from '../core/downloads/naming';
import { sanitizeComponent } from '../core/takes/folder';
import { EXIT_OK, EXIT_PARTIAL, UsageError, formatBytes, isTty, parse, parseDeviceArg, parseSeconds, printable, progressBar, runCommand } from './common';
import type { CliIo } from './common';
import { DOWNLOAD_USAGE } from './usage';

export async function downloadCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand('download', DOWNLOAD_USAGE, io, async () => {
    const { values } = parse(argv, {
      device: { type: 'string' },
      file: { type: 'string' },
      out: { type: 'string' },
      'header-timeout': { type: 'string' },
      'stall-timeout': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(DOWNLOAD_USAGE);
      return EXIT_OK;
    }
    if (!values.device) throw new UsageError('--device host:port is required');
    if (!values.file) throw new UsageError('--file NAME is required');
    const dev = parseDeviceArg(values.device);
    const headerTimeout = parseSeconds('--header-timeout', values['header-timeout'], 1, 3600) ?? 300;
    const stallTimeout = parseSeconds('--stall-timeout', values['stall-timeout'], 1, 3600) ?? 30;
    const dir = resolve(values.out ?? '.');
    await mkdir(dir, { recursive: true });
    const name = await pickFreeName(dir, sanitizeComponent(remoteBasename(values.file), 'video', 160), new Set());
    const tty = isTty(io.stderr);
    let drawn = false;
    if (tty) {
      // At once, before connecting: the operator sees the command is alive (bytes follow).
      io.stderr.write(progressBar(0, null, 0, null));
      drawn = true;
    }
    try {
      // Loaded after the first progress line: the downloader brings the reply validation (zod).
      const { download } = await import('../core/device-client/download');
      const r = await download({ host: dev.host, port: dev.port }, values.file, dir, {
        localName: name,
        headerTimeoutMs: headerTimeout * 1000,
        stallTimeoutMs: stallTimeout * 1000,
        onProgress: (p) => {
          if (!tty) return;
          io.stderr.write(`\x1b[2K\r${progressBar(p.bytes, p.total, p.rateBps, p.etaSeconds)}`);
          drawn = true;
        },
      });
      if (drawn) io.stderr.write('\n');
      io.stderr.write(`downloaded ${printable(r.path)} (${formatBytes(r.bytes)} in ${r.seconds.toFixed(1)} s), sha256 ${r.sha256}\n`);
      if (values.json)
        io.stdout.write(`${JSON.stringify({ path: r.path, bytes: r.bytes, sha256: r.sha256, seconds: r.seconds, fileName: values.file }, null, 2)}\n`);
      return EXIT_OK;
    } catch (e) {
      if (drawn) io.stderr.write('\n');
      const kept = (e as { partialPath?: unknown }).partialPath;
      io.stderr.write(
        `${printable(
          `multicam download: ${errorLine(e, { withCode: true })}${typeof kept === 'string' && !errorLine(e, { withCode: true }).includes(kept) ? ` (received bytes kept at ${kept})` : ''}`,
        )}\n`,
      );
      return EXIT_PARTIAL;
    }
  });
}

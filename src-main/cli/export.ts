/** `multicam export TAKE_DIR --format fcpxml|xmeml|otio [--out FILE]`: an editor project with every angle aligned. */
import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { EXPORT_FORMATS, ExportError, exportTake, type ExportFormat } from '../core/export';
import { ManifestError } from '../core/takes';
import { resolveTakeDir } from '../core/sync/take';
import { EXIT_OK, EXIT_PARTIAL, UsageError, printable, runCommand } from './common';
import type { CliIo } from './common';
import { EXPORT_USAGE } from './usage';
import { parseTakeArgs } from './sync';

export async function exportCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand('export', EXPORT_USAGE, io, async () => {
    const { values, positionals } = parseTakeArgs(argv, { format: { type: 'string' }, out: { type: 'string' }, json: { type: 'boolean' } });
    if (values.help) {
      io.stdout.write(EXPORT_USAGE);
      return EXIT_OK;
    }
    if (positionals.length !== 1) throw new UsageError('give exactly one TAKE_DIR');
    const format = values.format as ExportFormat | undefined;
    if (!format || !EXPORT_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}`);
    const folder = await resolveTakeDir(positionals[0]!);
    try {
      if (!(await stat(folder)).isDirectory()) throw new Error();
    } catch {
      throw new UsageError(`${positionals[0]} is not a take folder`);
    }
    try {
      const r = await exportTake(folder, format, values.out ? resolve(values.out) : undefined);
      for (const s of r.skipped) io.stderr.write(`left out ${printable(s.name)}: ${printable(s.reason)}\n`);
      io.stdout.write(values.json ? `${JSON.stringify(r, null, 2)}\n` : `${r.path}\n`);
      return r.skipped.length ? EXIT_PARTIAL : EXIT_OK;
    } catch (e) {
      if (e instanceof ExportError || e instanceof ManifestError) {
        io.stderr.write(`multicam export: ${printable(e.message)}\n`);
        return EXIT_PARTIAL;
      }
      throw e;
    }
  });
}

/** `multicam sync TAKE_DIR`: measure from the files' sound where every camera sits on one timeline. */
import { errorLine } from '../../src-shared/error-line';
import { parseArgs } from 'node:util';
import { analyseTake, resolveTakeDir, writeTakeSync } from '../core/sync/take';
import { MANIFEST_FILE } from '../core/takes';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TakeSync } from '../../src-shared/sync';
import { EXIT_OK, EXIT_PARTIAL, UsageError, printable, runCommand } from './common';
import type { CliIo } from './common';
import { SYNC_USAGE } from './usage';

/** Positional-argument parse shared by sync and export. */
export function parseTakeArgs<O extends Record<string, { type: 'string' | 'boolean' }>>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(errorLine(e));
  }
}

export function formatSyncTable(s: TakeSync): string {
  if (s.state === 'failed') return `sync failed: ${s.error ?? 'unknown error'}\n`;
  const rows = s.devices.map((d) => [
    printable(d.name),
    d.ok ? 'ok' : 'NOT OK',
    d.offsetMs === null ? '-' : `${d.offsetMs.toFixed(3)} ms`,
    d.offsetFrames === null ? '-' : `${d.offsetFrames.toFixed(2)} fr`,
    d.driftPpm === null ? '-' : `${d.driftPpm.toFixed(1)} ppm`,
    d.score.toFixed(2),
    d.residualMs === null ? '-' : `${d.residualMs.toFixed(1)} ms`,
  ]);
  const head = ['device', 'sync', 'offset', 'frames', 'drift', 'score', 'vs plan'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) =>
    r
      .map((v, c) => v.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  const out = [line(head), ...rows.map(line)];
  for (const d of s.devices) if (!d.ok && d.reason) out.push(`${printable(d.name)}: ${printable(d.reason)}`);
  out.push(`reference: ${s.reference ?? '-'}; analysed in ${s.seconds?.toFixed(1) ?? '?'} s`);
  return `${out.join('\n')}\n`;
}

export async function syncCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand('sync', SYNC_USAGE, io, async () => {
    const { values, positionals } = parseTakeArgs(argv, { json: { type: 'boolean' } });
    if (values.help) {
      io.stdout.write(SYNC_USAGE);
      return EXIT_OK;
    }
    if (positionals.length !== 1) throw new UsageError('give exactly one TAKE_DIR');
    const folder = await resolveTakeDir(positionals[0]!);
    try {
      if (!(await stat(folder)).isDirectory()) throw new Error();
    } catch {
      throw new UsageError(`${positionals[0]} is not a take folder`);
    }
    const result = await analyseTake(folder, { onProgress: (m) => io.stderr.write(`${printable(m)}\n`) });
    const withManifest = await stat(join(folder, MANIFEST_FILE)).then(
      () => true,
      () => false,
    );
    if (withManifest) await writeTakeSync(folder, result);
    io.stdout.write(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatSyncTable(result));
    return result.state === 'done' && result.devices.length > 0 && result.devices.every((d) => d.ok) ? EXIT_OK : EXIT_PARTIAL;
  });
}

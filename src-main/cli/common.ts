/** Shared bits of the `multicam` subcommands: argument parsing, device addresses, output. */
import { parseAddress, type ParsedAddress } from '../../src-shared/address';
import { errorLine } from '../../src-shared/error-line';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { displayText, formatBytes } from '../../src-shared/format';

/** Where a command reads and writes (the process's streams, or a test's). */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_PARTIAL = 2;

/** An expected, operator-facing failure: printed as one line, never with a stack. */
export class UsageError extends Error {}

/** A `--device` address: `host`, `host:port`, `[v6]:port` or a bare v6 literal (port 8080); `key` is canonical. */
export type DeviceArg = ParsedAddress;

export function parseDeviceArg(s: string): DeviceArg {
  const r = parseAddress(s);
  if (!r.ok) throw new UsageError(`--device '${s.slice(0, 100)}' is not host:port (${r.why})`);
  return r.value;
}

export function parseSeconds(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new UsageError(`${flag} must be a number of seconds between ${min} and ${max}`);
  return n;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node:util parseArgs, strict, with its errors turned into one-line usage errors. */
export function parse<O extends Options>(argv: string[], options: O) {
  // `--duration -1`: parseArgs calls a value starting with '-' "ambiguous"; take it as the value,
  // so the operator hears what is wrong with it (the range), not how to quote it.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const opt = a.startsWith('--') ? options[a.slice(2)] : undefined;
    if (opt?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  } catch (e) {
    throw new UsageError(errorLine(e).replace(/\. To specify .*$/, ''));
  }
}

/** Run a subcommand body: usage errors → exit 1 with one line and a hint, anything else → one line, exit 2. */
export async function runCommand(name: string, _usage: string, io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) {
      // One line and a hint; the whole help only when asked for (--help).
      io.stderr.write(`multicam ${name}: ${printable(e.message)}\nRun 'multicam ${name} --help' for its options.\n`);
      return EXIT_USAGE;
    }
    // Error messages quote devices (their replies, names, file names): filtered like any device text.
    io.stderr.write(`multicam ${name}: ${printable(errorLine(e, { withCode: true }))}\n`);
    return EXIT_PARTIAL;
  }
}

/**
 * Device-supplied text made safe for a terminal: C0/C1 control characters (ESC, CSI, CR, BEL …)
 * become `?` and bidi controls are dropped, so a reply cannot clear the screen, move the cursor,
 * retitle the window or reorder the line. The app's own `displayText`, one rule for both.
 */
export function printable(s: string): string {
  return displayText(String(s));
}

export function isTty(s: NodeJS.WritableStream): boolean {
  return (s as NodeJS.WriteStream).isTTY === true;
}

export { formatBytes };

export function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--:--';
  const t = Math.max(0, Math.round(s));
  return `${String(Math.floor(t / 60)).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}`;
}

/** `[#####.....]  42%  3.1 MiB/7.5 MiB  1.2 MiB/s  ETA 00:04` */
export function progressBar(bytes: number, total: number | null, rateBps: number, etaSeconds: number | null, width = 20): string {
  const frac = total && total > 0 ? Math.min(1, bytes / total) : 0;
  const filled = Math.round(frac * width);
  const pct = total && total > 0 ? `${String(Math.floor(frac * 100)).padStart(3)}%` : '  ?%';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct} ${formatBytes(bytes)}${total ? `/${formatBytes(total)}` : ''} ${formatBytes(Math.round(rateBps))}/s ETA ${formatEta(etaSeconds)}`;
}

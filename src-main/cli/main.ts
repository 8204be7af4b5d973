/**
 * `multicam` command dispatcher. Each subcommand lives in its own module, loaded only when it
 * runs, and returns an exit code: 0 success, 1 usage error, 2 partial failure. A module that
 * fails to load is that command's error (exit 1 with the reason), never "unknown command".
 * `multicam X --help` prints X's help from usage.ts without loading X's module at all.
 */
import { errorLine } from '../../src-shared/error-line';
import type { CliIo } from './common';
import { DEVICES_USAGE, DOWNLOAD_USAGE, EXPORT_USAGE, RECORD_USAGE, STATUS_USAGE, SYNC_USAGE, UPLOAD_USAGE } from './usage';

export type { CliIo } from './common';

const USAGE = `usage: multicam <command> [options]

commands:
  sim        start virtual MultiCam devices (for tests, benchmarks, demos)
  devices    list devices (mDNS discovery and/or --device host:port)
  status     show device status and clock offset
  record     run a whole take: start, stop, download
  download   fetch one file from a device
  upload     upload a take's files to S3-compatible storage
  sync       measure from the sound where every camera's file sits on one timeline
  export     write an editor project (FCPXML, FCP 7 XML, OpenTimelineIO) of a synced take

Run 'multicam <command> --help' for a command's options.
`;

export type Handler = (argv: string[], io: CliIo) => Promise<number>;

/** Every command, by name: a static table, each entry importing its module on demand. */
export const COMMANDS: Readonly<Record<string, () => Promise<Handler>>> = {
  sim: async () => (await import('../../sim/cli')).simCommand,
  devices: async () => (await import('./devices')).devicesCommand,
  status: async () => (await import('./status')).statusCommand,
  record: async () => (await import('./record')).recordCommand,
  download: async () => (await import('./download')).downloadCommand,
  upload: async () => (await import('./upload')).uploadCommand,
  sync: async () => (await import('./sync')).syncCommand,
  export: async () => (await import('./export')).exportCommand,
};

/**
 * Help texts printed before a command's module loads (`sim` has none here: its module is small
 * and device-side, and prints its own).
 */
export const HELP: Readonly<Record<string, string>> = {
  devices: DEVICES_USAGE,
  status: STATUS_USAGE,
  record: RECORD_USAGE,
  download: DOWNLOAD_USAGE,
  upload: UPLOAD_USAGE,
  sync: SYNC_USAGE,
  export: EXPORT_USAGE,
};

/** `-h`/`--help` anywhere among the options (before a `--`). */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** The commands `multicam` knows (the build's test compares the built CLI's list with this). */
export async function commandNames(): Promise<string[]> {
  return Object.keys(COMMANDS).sort();
}

export function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }): Promise<number> {
  return dispatch(COMMANDS, argv, io, HELP);
}

/** Run the command `argv` names from `commands` (main's table; tests hand in their own). */
export async function dispatch(
  commands: Readonly<Record<string, () => Promise<Handler>>>,
  argv: string[],
  io: CliIo,
  help: Readonly<Record<string, string>> = {},
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(USAGE);
    return name ? 0 : 1;
  }
  const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!load) {
    io.stderr.write(`multicam: unknown command '${name}'\n\n${USAGE}`);
    return 1;
  }
  if (Object.hasOwn(help, name) && asksForHelp(rest)) {
    io.stdout.write(help[name]!);
    return 0;
  }
  let handler: Handler;
  try {
    handler = await load();
  } catch (e) {
    io.stderr.write(`multicam ${name}: could not load the command: ${errorLine(e)}\n`);
    return 1;
  }
  return handler(rest, io);
}

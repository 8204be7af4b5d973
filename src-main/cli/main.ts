/**
 * `multicam` command dispatcher. Each subcommand lives in its own module and returns an exit
 * code: 0 success, 1 usage error, 2 partial failure.
 */
import { simCommand } from '../../sim/cli';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

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

type Handler = (argv: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Handler>> = {
  sim: async () => simCommand,
};

/** Register a subcommand (modules add themselves in ./commands.ts). */
export function registerCommand(name: string, load: () => Promise<Handler>): void {
  COMMANDS[name] = load;
}

/** The commands `multicam` knows (the build's test compares the built CLI's list with this). */
export async function commandNames(): Promise<string[]> {
  await import('./commands').catch(() => undefined);
  return Object.keys(COMMANDS).sort();
}

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin }): Promise<number> {
  await import('./commands').catch(() => undefined);
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(USAGE);
    return name ? 0 : 1;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.stderr.write(`multicam: unknown command '${name}'\n\n${USAGE}`);
    return 1;
  }
  return (await load())(rest, io);
}

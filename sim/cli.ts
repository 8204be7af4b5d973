/**
 * `multicam sim …`: start virtual devices, print `deviceId host:port` per device once it listens
 * (` mdns <instance name>` after it with --mdns),
 * run until SIGINT/SIGTERM (or `io.signal`), then stop them cleanly and return 0.
 */
import { errorLine } from '../src-shared/error-line';
import { startSimFleet, type SimFleetOptions } from './fleet';
import { FAULT_NAMES, PERSONALITIES, type Fault, type FaultName, type Personality, type SimDevice } from './types';

export const SIM_USAGE = `usage: multicam sim [options]

Start virtual MultiCam devices on this machine (for tests, benchmarks, demos). Prints one
line per device once it listens: its device id (the name status, record and the app show)
and host:port, then 'mdns <instance name>' when it advertises itself.

options:
  --count N                 number of devices (default 1)
  --personality P           ios | android | oak | spec | mixed (default spec)
  --host ADDR               address to listen on (default 127.0.0.1)
  --port P                  base port: P, P+1, … (default 0 = free ports)
  --mdns                    advertise _multicam._tcp over mDNS
  --interface ADDR          mDNS interface address (implies --mdns)
  --clock-offset-ms X       device clock = true time + X
  --drift-ppm X             device clock drift
  --latency-ms X            simulated network latency
  --jitter-ms X             extra random latency, 0..X
  --file-size BYTES         size of each recorded video (default: the small sample)
  --stop-delay-ms X         android STOP "trimming" delay (default 2000; the real app: 60000)
  --fault NAME[:param]      repeatable: truncate[:bytes] stall[:seconds] malformed-json
                            oversized-header[:length] path-filename[:name]
                            wrong-filesize[:size] reset[:bytes] refuse slow[:seconds]
  --files-dir DIR           where devices keep their files (one subfolder per device)
  -h, --help                this text
`;

export class UsageError extends Error {}

type FleetArgs = SimFleetOptions;

function num(flag: string, v: string | undefined, opts: { int?: boolean; min?: number } = {}): number {
  if (v === undefined || v.trim() === '') throw new UsageError(`${flag} needs a value`);
  const n = Number(v);
  if (!Number.isFinite(n) || (opts.int && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min)) {
    throw new UsageError(`${flag}: '${v}' is not a valid ${opts.int ? 'integer' : 'number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}`);
  }
  return n;
}

/** `NAME[:param]` → a Fault; the param's meaning depends on the fault. */
export function parseFault(spec: string): Fault {
  const i = spec.indexOf(':');
  const name = (i < 0 ? spec : spec.slice(0, i)) as FaultName;
  const param = i < 0 ? undefined : spec.slice(i + 1);
  if (!FAULT_NAMES.includes(name)) throw new UsageError(`--fault: unknown fault '${name}' (one of ${FAULT_NAMES.join(', ')})`);
  const f: Fault = { name };
  if (param === undefined) return f;
  switch (name) {
    case 'truncate':
    case 'reset':
      f.afterBytes = num(`--fault ${name}`, param, { int: true, min: 0 });
      break;
    case 'stall':
    case 'slow':
      f.seconds = num(`--fault ${name}`, param, { min: 0 });
      break;
    case 'oversized-header':
      f.headerLength = num(`--fault ${name}`, param, { int: true, min: 0 });
      break;
    case 'path-filename':
      f.fileName = param;
      break;
    case 'wrong-filesize':
      f.fileSize = num(`--fault ${name}`, param);
      break;
    default:
      throw new UsageError(`--fault ${name} takes no parameter`);
  }
  return f;
}

/** Parse `multicam sim` arguments; `null` means --help. Throws UsageError. */
export function parseSimArgs(argv: string[]): FleetArgs | null {
  const o: FleetArgs = { count: 1, personality: 'spec' };
  const faults: Fault[] = [];
  let mdns = false;
  let iface: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-h':
      case '--help':
        return null;
      case '--count':
        o.count = num(flag, value(), { int: true, min: 1 });
        break;
      case '--personality': {
        const p = value();
        if (p !== 'mixed' && !PERSONALITIES.includes(p as Personality))
          throw new UsageError(`--personality: '${p}' is not one of ios, android, oak, spec, mixed`);
        o.personality = p as Personality | 'mixed';
        break;
      }
      case '--host':
        o.host = value();
        break;
      case '--port':
        o.port = num(flag, value(), { int: true, min: 0 });
        if (o.port > 65535) throw new UsageError(`--port: ${o.port} is out of range`);
        break;
      case '--mdns':
        mdns = true;
        break;
      case '--interface':
        iface = value();
        mdns = true;
        break;
      case '--clock-offset-ms':
        o.clockOffsetMs = num(flag, value());
        break;
      case '--drift-ppm':
        o.driftPpm = num(flag, value());
        break;
      case '--latency-ms':
        o.latencyMs = num(flag, value(), { min: 0 });
        break;
      case '--jitter-ms':
        o.jitterMs = num(flag, value(), { min: 0 });
        break;
      case '--file-size':
        o.fileSize = num(flag, value(), { int: true, min: 0 });
        break;
      case '--stop-delay-ms':
        o.stopDelayMs = num(flag, value(), { min: 0 });
        break;
      case '--fault':
        faults.push(parseFault(value()));
        break;
      case '--files-dir':
        o.filesDir = value();
        break;
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  if (o.port && o.port + o.count - 1 > 65535) throw new UsageError(`--port ${o.port} with --count ${o.count} runs past port 65535`);
  if (faults.length) o.faults = faults;
  if (mdns) o.mdns = iface ? { interface: iface } : {};
  return o;
}

export interface SimIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Stop when aborted (in-process use and tests); SIGINT/SIGTERM always stop too. */
  signal?: AbortSignal;
}

/** `deviceId host:port`, plus ` mdns <instance>` when the device advertises itself. */
export function simLine(d: Pick<SimDevice, 'deviceId' | 'name' | 'host' | 'port'>, mdns: boolean): string {
  const host = d.host.includes(':') ? `[${d.host}]` : d.host;
  return `${d.deviceId} ${host}:${d.port}${mdns ? ` mdns ${d.name}` : ''}`;
}

export async function simCommand(argv: string[], io: SimIo): Promise<number> {
  let opts: FleetArgs | null;
  try {
    opts = parseSimArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.stderr.write(`multicam sim: ${e.message}\n\n${SIM_USAGE}`);
    return 1;
  }
  if (opts === null) {
    io.stdout.write(SIM_USAGE);
    return 0;
  }
  let devices: SimDevice[];
  try {
    devices = await startSimFleet(opts);
  } catch (e) {
    io.stderr.write(`multicam sim: cannot start devices: ${errorLine(e)}\n`);
    return 2;
  }
  // The device's own id first: the name `status`, `record` and the app show once it answers. The
  // mDNS instance name (what a browser finds before it asks) follows when it is advertised.
  for (const d of devices) io.stdout.write(`${simLine(d, opts.mdns !== undefined)}\n`);

  await new Promise<void>((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      io.signal?.removeEventListener('abort', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    if (io.signal?.aborted) done();
    else io.signal?.addEventListener('abort', done);
  });
  await Promise.all(devices.map((d) => d.stop()));
  return 0;
}

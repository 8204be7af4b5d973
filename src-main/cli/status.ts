/** `multicam status`: what each device says, and its clock offset from a few DEVICE_STATUS samples. */
import { plainError } from '../../src-shared/plain';
import { errorLine } from '../../src-shared/error-line';
import { deviceStatus } from '../../src-shared/protocol';
import { send } from '../core/device-client/index';
import type { TimedReply } from '../core/device-client/types';
import { estimateClock } from '../core/clock/samples';
import { EXIT_OK, EXIT_PARTIAL, UsageError, parse, parseDeviceArg, printable, runCommand } from './common';
import type { CliIo } from './common';
import { STATUS_USAGE } from './usage';

export interface DeviceStatusResult {
  device: string;
  ok: boolean;
  error: string | null;
  status: string | null;
  battery: number | null;
  deviceType: string | null;
  deviceId: string | null;
  clock: { offsetMs: number; uncertaintyMs: number; rttMs: number; samples: number } | null;
}

export async function queryStatus(host: string, port: number, key: string, samples: number, timeoutMs: number): Promise<DeviceStatusResult> {
  const got: TimedReply[] = [];
  let error: string | null = null;
  for (let i = 0; i < samples; i++) {
    try {
      got.push(await send({ host, port }, deviceStatus(), { replyTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs, tries: 1 }));
    } catch (e) {
      error = errorLine(e, { withCode: true });
      if (got.length === 0) break; // unreachable: do not wait out every sample
    }
  }
  const last = got[got.length - 1]?.reply;
  const est = estimateClock(got);
  return {
    device: key,
    ok: got.length > 0,
    error: got.length > 0 ? null : error,
    status: last?.rawStatus ?? null,
    battery: last?.batteryLevel ?? null,
    deviceType: last?.deviceType ?? null,
    deviceId: last?.deviceId ?? null,
    clock: est ? { offsetMs: round(est.offsetMs), uncertaintyMs: round(est.uncertaintyMs), rttMs: round(est.rttMs ?? 0), samples: got.length } : null,
  };
}

const round = (n: number) => Math.round(n * 10) / 10;

export function formatStatusLine(r: DeviceStatusResult): string {
  return printable(statusLine(r));
}

function statusLine(r: DeviceStatusResult): string {
  // Plain words first; the technical line (in --json as `error`) after a dash.
  const why = plainError(r.error);
  if (!r.ok) return `${r.device}  unreachable — ${why?.text ?? 'no reply'}${why?.detail ? `  (${why.detail})` : ''}`;
  const clock = r.clock ? `clock ${r.clock.offsetMs >= 0 ? '+' : ''}${r.clock.offsetMs} ms ±${r.clock.uncertaintyMs} ms` : 'clock unknown (no timestamp)';
  return `${r.device}  ${r.deviceId ?? '?'}  ${r.status}  battery ${r.battery === null ? '?' : `${Math.round(r.battery)}%`}  ${r.deviceType ?? '?'}  ${clock}`;
}

export async function statusCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand('status', STATUS_USAGE, io, async () => {
    const { values } = parse(argv, {
      device: { type: 'string', multiple: true },
      samples: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      io.stdout.write(STATUS_USAGE);
      return EXIT_OK;
    }
    const devices = (values.device ?? []).map(parseDeviceArg);
    if (devices.length === 0) throw new UsageError('at least one --device host:port is required');
    const samples = values.samples === undefined ? 4 : Number(values.samples);
    if (!Number.isInteger(samples) || samples < 1 || samples > 20) throw new UsageError('--samples must be an integer from 1 to 20');
    const timeout = values.timeout === undefined ? 3 : Number(values.timeout);
    if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 120) throw new UsageError('--timeout must be seconds between 0 and 120');

    const results = await Promise.all(devices.map((d) => queryStatus(d.host, d.port, d.key, samples, timeout * 1000)));
    if (values.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else for (const r of results) io.stdout.write(`${formatStatusLine(r)}\n`);
    return results.every((r) => r.ok) ? EXIT_OK : EXIT_PARTIAL;
  });
}

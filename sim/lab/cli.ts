/**
 * Lab command line: build or tear down the multi-host lab (see ./lab.ts) by hand, as root.
 *
 *   npx tsx sim/lab/cli.ts up --hosts 8 --personality mixed     # build, start devices, print them, exit
 *   npx tsx sim/lab/cli.ts status                                # list namespaces and device pids
 *   npx tsx sim/lab/cli.ts down                                  # kill devices, delete netns/veths/bridge
 *
 * Options for `up`: --hosts N (default 8), --personality ios|android|oak|spec|mixed (default
 * mixed), --prefix P (default mc: netns mc-1…, bridge mcbr0 = 10.77.0.1), --subnet 10.77.X.0/24,
 * --clock-offset-ms X (default: spread -150…+150 ms across hosts), --latency-ms X, --jitter-ms X.
 * `down`/`status` take --prefix too.
 *
 * Devices keep running after `up` exits (their output is in $TMPDIR/multicam-lab-<prefix>/).
 * Then browse from the root namespace on the bridge address only, e.g.
 *   node bin/multicam.js devices --interface 10.77.0.1
 * Delay/jitter come from the sim's own options: tc netem is usually missing from this kernel and
 * `up` says so.
 */
import { errorLine } from '../../src-shared/error-line';
import { execFileSync } from 'node:child_process';
import { createLab, destroyLab, labAvailable, LAB_PERSONALITIES, subnetForPrefix, type LabHostSpec, type LabPersonality } from './lab';

const USAGE = `usage: npx tsx sim/lab/cli.ts up [--hosts N] [--personality P|mixed] [--prefix P] [--subnet 10.77.X.0/24]
                               [--clock-offset-ms X] [--latency-ms X] [--jitter-ms X]
       npx tsx sim/lab/cli.ts down [--prefix P]
       npx tsx sim/lab/cli.ts status [--prefix P]
`;

function parse(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    const eq = a.indexOf('=');
    if (eq > 0) out.set(a.slice(2, eq), a.slice(eq + 1));
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      out.set(a.slice(2), v);
    }
  }
  return out;
}

function num(o: Map<string, string>, key: string): number | undefined {
  const v = o.get(key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${key}: '${v}' is not a number`);
  return n;
}

export async function labCli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  let o: Map<string, string>;
  try {
    o = parse(rest);
  } catch (e) {
    process.stderr.write(`${errorLine(e)}\n${USAGE}`);
    return 1;
  }
  const prefix = o.get('prefix') ?? 'mc';
  if (cmd === 'down') {
    destroyLab(prefix);
    process.stdout.write(`lab '${prefix}' torn down\n`);
    return 0;
  }
  if (cmd === 'status') {
    const list = execFileSync('ip', ['netns', 'list'])
      .toString()
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(`${prefix}-`));
    for (const ns of list) process.stdout.write(`${ns} pids: ${execFileSync('ip', ['netns', 'pids', ns]).toString().trim().replace(/\s+/g, ' ') || '-'}\n`);
    if (list.length === 0) process.stdout.write(`no lab '${prefix}'\n`);
    return 0;
  }
  if (cmd !== 'up') {
    process.stderr.write(USAGE);
    return cmd === undefined || cmd === '--help' ? 0 : 1;
  }
  const avail = labAvailable();
  if (!avail.ok) {
    process.stderr.write(`lab unavailable: ${avail.reason}\n`);
    return 2;
  }
  try {
    const count = num(o, 'hosts') ?? 8;
    if (!Number.isInteger(count) || count < 1 || count > 200) throw new Error('--hosts must be 1–200');
    const p = o.get('personality') ?? 'mixed';
    if (p !== 'mixed' && !LAB_PERSONALITIES.includes(p as LabPersonality))
      throw new Error(`--personality: '${p}' is not one of ${LAB_PERSONALITIES.join(', ')}, mixed`);
    const offset = num(o, 'clock-offset-ms');
    const latencyMs = num(o, 'latency-ms');
    const jitterMs = num(o, 'jitter-ms');
    const hosts: LabHostSpec[] = Array.from({ length: count }, (_, i) => ({
      personality: p === 'mixed' ? LAB_PERSONALITIES[i % LAB_PERSONALITIES.length]! : (p as LabPersonality),
      // Spread offsets so clock estimation has something to find.
      clockOffsetMs: offset ?? (count > 1 ? Math.round(-150 + (300 * i) / (count - 1)) : 0),
      ...(latencyMs !== undefined ? { latencyMs } : {}),
      ...(jitterMs !== undefined ? { jitterMs } : {}),
    }));
    const subnet = o.get('subnet') ?? subnetForPrefix(prefix);
    const lab = await createLab({ hosts, prefix, subnet, persist: true });
    process.stdout.write(
      `bridge ${lab.bridge} ${lab.bridgeAddress} (${lab.subnet}); tc netem ${lab.netemAvailable ? 'available' : 'unavailable: delay/jitter via sim options only'}\n`,
    );
    for (const h of lab.hosts) process.stdout.write(`${h.ns}\t${h.address}:${h.port}\t${h.personality}\t${h.instance}\tpid ${h.pid ?? '-'}\n`);
    process.stdout.write(`tear down with: npx tsx sim/lab/cli.ts down${prefix === 'mc' ? '' : ` --prefix ${prefix}`}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`lab up failed: ${errorLine(e)}\n`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = await labCli(process.argv.slice(2));
}

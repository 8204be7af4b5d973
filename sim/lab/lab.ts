/**
 * The multi-host lab: N virtual hosts on one machine, each a network namespace with its own IPv4
 * address, joined by a Linux bridge in the root namespace, each running one sim device that
 * advertises over real multicast mDNS. The controller (or a test) runs in the root namespace and
 * browses on the bridge address only.
 *
 *   root ns:  <prefix>br0 = 10.77.S.1/24  ──┬── <prefix>v1 ══ eth0 in ns <prefix>-1 = 10.77.S.11
 *                                           ├── <prefix>v2 ══ eth0 in ns <prefix>-2 = 10.77.S.12 …
 *
 * The range 10.77.0.0/16 exists only inside this machine; nothing is routed elsewhere and no
 * namespace has a default route. Needs root and `ip` (iproute2). `tc netem` is probed, and when the
 * kernel lacks it (`netemAvailable: false`) per-host delay comes only from the sim's own
 * --latency-ms/--jitter-ms options.
 *
 * Teardown: `stop()` kills the devices and deletes namespaces, veths and the bridge; a crashed
 * earlier run with the same prefix is cleaned before building; exit/SIGINT/SIGTERM handlers clean
 * up synchronously. Use a prefix per test file so files can run in parallel.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_DEVICE_PORT } from '../../src-shared/protocol/constants';

export type LabPersonality = 'ios' | 'android' | 'oak' | 'spec';
export const LAB_PERSONALITIES: readonly LabPersonality[] = ['ios', 'android', 'oak', 'spec'];

export interface LabHostSpec {
  personality: LabPersonality;
  clockOffsetMs?: number;
  latencyMs?: number;
  jitterMs?: number;
  /** Advertise over mDNS (default true). */
  mdns?: boolean;
  extraArgs?: string[];
}

export interface LabHost {
  ns: string;
  address: string;
  port: number;
  /** mDNS instance name from the sim's stdout (changes on restart: the sim picks a new device id). */
  instance: string;
  /** The id the device reports (its name in the app and the CLI), from the sim's stdout. */
  deviceId: string;
  personality: LabPersonality;
  /** Process id of the running device, null when it is not running. */
  readonly pid: number | null;
  /** SIGKILL the device: no goodbye packet. */
  kill(): Promise<void>;
  /** (Re)start the device and wait until it listens. */
  start(): Promise<void>;
  /** Graceful stop (SIGTERM: the sim sends mDNS goodbyes). */
  stop(): Promise<void>;
}

export interface Lab {
  prefix: string;
  bridge: string;
  bridgeAddress: string;
  /** e.g. '10.77.0.0/24' */
  subnet: string;
  hosts: LabHost[];
  netemAvailable: boolean;
  /** Tear down everything (processes, namespaces, veths, bridge). Idempotent. */
  stop(): Promise<void>;
}

export interface CreateLabOptions {
  hosts: LabHostSpec[];
  /** Names: netns `<prefix>-1…`, bridge `<prefix>br0`, veths `<prefix>v1…`. 1–7 of [a-z0-9], letter first. Default 'mc'. */
  prefix?: string;
  /** A /24 inside 10.0.0.0/8, e.g. '10.77.5.0/24'. Default: 10.77.0.0/24 for 'mc', else derived from the prefix. */
  subnet?: string;
  /** Leave devices running after this process exits (the CLI's `up`); tear down with `destroyLab(prefix)`. */
  persist?: boolean;
  /** How long a device may take to print its listening line (default 60 s: tsx start-up on a busy machine). */
  startTimeoutMs?: number;
}

const BIN = resolve(import.meta.dirname, '../../bin/multicam.js');
/** `multicam sim`'s line per device: `deviceId host:port`, then ` mdns <instance>` when advertised. */
export const READY_LINE = /^(\S+) (\S+):(\d+)(?: mdns (\S+))?\s*$/m;

// ---------------------------------------------------------------------------------------------
// small helpers

function ip(args: string[], timeoutMs = 15_000): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile('ip', args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ip ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolvePromise(String(stdout));
    });
  });
}

function ipSync(args: string[]): string | null {
  try {
    return execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).toString();
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function validPrefix(prefix: string): void {
  // Interface names are ≤ 15 chars: `<prefix>v<index>` and `<prefix>br0` must fit.
  if (!/^[a-z][a-z0-9]{0,6}$/.test(prefix)) throw new Error(`lab prefix '${prefix}' must be 1–7 characters [a-z0-9], starting with a letter`);
}

/** Third octet of 10.77.X.0/24 for a prefix: 'mc' → 0 (the documented default), others hashed to 1…250. */
export function subnetForPrefix(prefix: string): string {
  if (prefix === 'mc') return '10.77.0.0/24';
  let h = 2166136261;
  for (const c of prefix) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return `10.77.${1 + (h % 250)}.0/24`;
}

function parseSubnet(subnet: string): string {
  const m = /^10\.(\d{1,3})\.(\d{1,3})\.0\/24$/.exec(subnet);
  if (!m || Number(m[1]) > 255 || Number(m[2]) > 255) throw new Error(`lab subnet '${subnet}' must be a /24 inside 10.0.0.0/8, like 10.77.5.0/24`);
  return `10.${m[1]}.${m[2]}`;
}

// ---------------------------------------------------------------------------------------------
// availability

let availability: { ok: true } | { ok: false; reason: string } | null = null;

/** Can this process build a lab? (Linux, root, iproute2, network namespaces and bridges.) Cached. */
/**
 * Lab tests call this: skip (saying why) where the lab cannot run, but under CI — root, so the
 * lab must run there — an unavailable lab is a failure, never a silent skip.
 */
export function labOrSkip(file: string): boolean {
  const a = labAvailable();
  if (a.ok) return true;
  if (process.env.CI) throw new Error(`${file}: the network-namespace lab is required in CI but unavailable: ${a.reason}`);
  console.warn(`${file}: skipped — ${a.reason}`);
  return false;
}

export function labAvailable(): { ok: true } | { ok: false; reason: string } {
  if (availability) return availability;
  const check = (): { ok: true } | { ok: false; reason: string } => {
    if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux (this is ${process.platform})` };
    if (process.getuid?.() !== 0) return { ok: false, reason: 'the lab needs root (ip netns, veth, bridge)' };
    if (ipSync(['-V']) === null) return { ok: false, reason: "iproute2 'ip' command not found" };
    // Unique names, and a few tries: another test run may be adding namespaces at the same moment.
    const tryOnce = (n: number): string | null => {
      const probe = `mcp${process.pid % 100000}x${n}${Math.floor(Math.random() * 1000)}`.slice(0, 15);
      if (ipSync(['netns', 'add', probe]) === null) return "'ip netns add' failed (no network namespace support?)";
      ipSync(['netns', 'del', probe]);
      if (ipSync(['link', 'add', probe, 'type', 'bridge']) === null) return "'ip link add … type bridge' failed (no bridge support?)";
      ipSync(['link', 'del', probe]);
      return null;
    };
    let reason: string | null = null;
    for (let n = 0; n < 3; n++) {
      reason = tryOnce(n);
      if (reason === null) return { ok: true };
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
    return { ok: false, reason: reason! };
  };
  availability = check();
  return availability;
}

// ---------------------------------------------------------------------------------------------
// teardown (sync, so it also works from process 'exit' handlers)

function namespacesWithPrefix(prefix: string): string[] {
  const out = ipSync(['netns', 'list']) ?? '';
  const re = new RegExp(`^${prefix}-\\d+$`);
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => re.test(n));
}

function killNamespacePids(ns: string): void {
  const pids = (ipSync(['netns', 'pids', ns]) ?? '').split(/\s+/).filter((p) => /^\d+$/.test(p));
  for (const p of pids) {
    try {
      process.kill(Number(p), 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * Remove everything a lab with this prefix may have left: processes inside its namespaces, the
 * namespaces (their veth pairs go with them), stray veths and the bridge. Safe to call any time.
 */
export function destroyLab(prefix: string): void {
  validPrefix(prefix);
  for (const ns of namespacesWithPrefix(prefix)) {
    killNamespacePids(ns);
    ipSync(['netns', 'del', ns]);
  }
  const links = ipSync(['-o', 'link', 'show']) ?? '';
  const re = new RegExp(`^\\d+: (${prefix}v\\d+)(@\\S+)?:`);
  for (const line of links.split('\n')) {
    const m = re.exec(line);
    if (m) ipSync(['link', 'del', m[1]!]);
  }
  if (ipSync(['link', 'show', `${prefix}br0`]) !== null) ipSync(['link', 'del', `${prefix}br0`]);
}

const liveLabs = new Map<string, () => void>();
let handlersInstalled = false;

function onProcessEnd(): void {
  for (const cleanup of [...liveLabs.values()]) {
    try {
      cleanup();
    } catch {
      /* best effort while exiting */
    }
  }
  liveLabs.clear();
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', onProcessEnd);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      onProcessEnd();
      process.off(sig, handler);
      // Let other handlers decide; with none left, the default action ends the process.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

// ---------------------------------------------------------------------------------------------
// netem probe

async function probeNetem(ns: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    execFile('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '1ms'], { timeout: 5000 }, (err) => {
      if (err) return resolvePromise(false); // e.g. "Specified qdisc kind is unknown" or no tc
      execFile('ip', ['netns', 'exec', ns, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root'], { timeout: 5000 }, () => resolvePromise(true));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// hosts

class Host implements LabHost {
  port = DEFAULT_DEVICE_PORT;
  instance = '';
  deviceId = '';
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly ns: string,
    readonly address: string,
    readonly personality: LabPersonality,
    private readonly spec: LabHostSpec,
    private readonly logFile: string,
    private readonly persist: boolean,
    private readonly startTimeoutMs: number,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  args(): string[] {
    const s = this.spec;
    const a = ['sim', '--count', '1', '--personality', s.personality, '--host', this.address, '--port', String(DEFAULT_DEVICE_PORT)];
    if (s.mdns !== false) a.push('--mdns', '--interface', this.address);
    if (s.clockOffsetMs !== undefined) a.push('--clock-offset-ms', String(s.clockOffsetMs));
    if (s.latencyMs !== undefined) a.push('--latency-ms', String(s.latencyMs));
    if (s.jitterMs !== undefined) a.push('--jitter-ms', String(s.jitterMs));
    a.push(...(s.extraArgs ?? []));
    return a;
  }

  async start(): Promise<void> {
    if (this.child) return;
    // stdout/stderr go to a file (not a pipe) so a persisted device outlives this process safely.
    const fd = openSync(this.logFile, 'w');
    const env = { ...process.env };
    delete env.NODE_OPTIONS; // a test runner's loader flags do not belong in the device process
    let child: ChildProcess;
    try {
      child = spawn('ip', ['netns', 'exec', this.ns, process.execPath, BIN, ...this.args()], {
        stdio: ['ignore', fd, fd],
        env,
        detached: this.persist,
      });
    } finally {
      closeSync(fd);
    }
    if (this.persist) child.unref();
    this.child = child;
    this.exited = new Promise<void>((r) => {
      child.once('exit', () => r());
      child.once('error', () => r());
    });
    void this.exited.then(() => {
      if (this.child === child) this.child = null;
    });

    // `ip netns exec` execs the command, so the child pid is the device's node process.
    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      const text = this.readLog();
      const m = READY_LINE.exec(text);
      if (m) {
        this.deviceId = m[1]!;
        this.instance = m[4] ?? m[1]!;
        this.port = Number(m[3]);
        return;
      }
      if (this.child !== child) throw new Error(`${this.ns}: device exited before listening:\n${text.slice(-2000)}`);
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`${this.ns}: device did not print 'deviceId host:port' within ${this.startTimeoutMs} ms:\n${text.slice(-2000)}`);
      }
      await sleep(50);
    }
  }

  private readLog(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  private async signal(sig: NodeJS.Signals, waitMs: number): Promise<boolean> {
    const child = this.child;
    if (!child) return true;
    try {
      child.kill(sig);
    } catch {
      /* already gone */
    }
    const done = await Promise.race([this.exited.then(() => true), sleep(waitMs).then(() => false)]);
    return done;
  }

  async kill(): Promise<void> {
    await this.signal('SIGKILL', 5000);
  }

  async stop(): Promise<void> {
    // The sim sends goodbyes on SIGTERM (bounded by 2 s on its side); escalate if it hangs.
    if (!(await this.signal('SIGTERM', 8000))) await this.kill();
  }

  killSync(): void {
    try {
      this.child?.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
}

// ---------------------------------------------------------------------------------------------

export async function createLab(opts: CreateLabOptions): Promise<Lab> {
  const avail = labAvailable();
  if (!avail.ok) throw new Error(`lab unavailable: ${avail.reason}`);
  const prefix = opts.prefix ?? 'mc';
  validPrefix(prefix);
  const subnet = opts.subnet ?? subnetForPrefix(prefix);
  const net = parseSubnet(subnet);
  if (opts.hosts.length < 1 || opts.hosts.length > 200) throw new Error(`a lab has 1–200 hosts, not ${opts.hosts.length}`);
  for (const h of opts.hosts) {
    if (!LAB_PERSONALITIES.includes(h.personality)) throw new Error(`unknown personality '${String(h.personality)}'`);
  }
  const bridge = `${prefix}br0`;
  const bridgeAddress = `${net}.1`;

  destroyLab(prefix); // a crashed earlier run with this prefix

  // Refuse a subnet that another interface already uses: routes would collide.
  const inUse = (ipSync(['-4', '-o', 'addr', 'show']) ?? '').split('\n').find((l) => l.includes(` inet ${net}.`));
  if (inUse) throw new Error(`lab subnet ${subnet} is already in use on this machine (${inUse.trim().split(/\s+/)[1]}); pass another prefix or subnet`);

  const logDir = join(tmpdir(), `multicam-lab-${prefix}`);
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });

  const hosts: Host[] = opts.hosts.map(
    (spec, i) =>
      new Host(
        `${prefix}-${i + 1}`,
        `${net}.${11 + i}`,
        spec.personality,
        spec,
        join(logDir, `host-${i + 1}.log`),
        opts.persist ?? false,
        opts.startTimeoutMs ?? 60_000,
      ),
  );

  let stopped = false;
  const cleanupSync = () => {
    for (const h of hosts) h.killSync();
    destroyLab(prefix);
  };
  if (!opts.persist) {
    installHandlers();
    liveLabs.set(prefix, cleanupSync);
  }

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(hosts.map((h) => h.kill()));
    destroyLab(prefix);
    liveLabs.delete(prefix);
    rmSync(logDir, { recursive: true, force: true });
  };

  try {
    await ip(['link', 'add', 'name', bridge, 'type', 'bridge', 'mcast_snooping', '0']);
    await ip(['addr', 'add', `${bridgeAddress}/24`, 'dev', bridge]);
    await ip(['link', 'set', bridge, 'up']);
    await Promise.all(
      hosts.map(async (h, i) => {
        const veth = `${prefix}v${i + 1}`;
        await ip(['netns', 'add', h.ns]);
        await ip(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
        await ip(['link', 'set', veth, 'master', bridge, 'up']);
        await ip(['-n', h.ns, 'link', 'set', 'lo', 'up']);
        await ip(['-n', h.ns, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0']);
        await ip(['-n', h.ns, 'link', 'set', 'eth0', 'multicast', 'on', 'up']);
        // mDNS (224.0.0.251) leaves by the veth, over the bridge. No default route: nothing else is reachable.
        await ip(['-n', h.ns, 'route', 'add', '224.0.0.0/4', 'dev', 'eth0']);
      }),
    );
    const netemAvailable = await probeNetem(hosts[0]!.ns);
    await Promise.all(hosts.map((h) => h.start()));
    return { prefix, bridge, bridgeAddress, subnet: `${net}.0/24`, hosts, netemAvailable, stop };
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
}

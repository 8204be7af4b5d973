/**
 * Discovery over real multicast: 8 sim devices (mixed personalities), each in its own network
 * namespace behind the lab bridge; discovery runs here, confined to the bridge address. Needs
 * root + network namespaces (CI runs as root); skipped with a message otherwise.
 *
 * No timed assertions: waits have generous deadlines and only fail when something never happens.
 */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, labOrSkip, type Lab, type LabHostSpec } from '../../../sim/lab/lab';
import { createDiscovery, type DiscoveryOptions } from './discovery';
import type { Discovery, DiscoveryStatus, Sighting } from './types';
import { waitUntil } from '../../../sim/lab/wait';

const labReady = labOrSkip('discovery.lab.test');

const SPECS: LabHostSpec[] = (['ios', 'android', 'oak', 'spec', 'ios', 'android', 'oak', 'spec'] as const).map((personality, i) => ({
  personality,
  clockOffsetMs: (i - 4) * 40,
}));

const waitFor = waitUntil;

interface Recorder {
  d: Discovery;
  sightings: Sighting[];
  gone: Array<{ instance: string; reason: string }>;
  statuses: DiscoveryStatus[];
}

/**
 * Counts mDNS PTR queries for _multicam that this machine sends on the bridge (our own multicast
 * comes back to us over loopback). Re-announcements alone could re-find devices, so this shows
 * refresh() really asks on the wire.
 */
async function queryCounter(bridgeAddress: string): Promise<{ count: () => number; reset: () => void; close: () => Promise<void> }> {
  const sock = createSocket({ type: 'udp4', reuseAddr: true });
  let n = 0;
  sock.on('message', (msg, rinfo) => {
    const isQuery = msg.length > 12 && ((msg[2] ?? 0) & 0x80) === 0;
    if (rinfo.address === bridgeAddress && isQuery && msg.includes(Buffer.from('\x09_multicam\x04_tcp', 'latin1'))) n++;
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(5353, '0.0.0.0', () => resolve());
  });
  sock.addMembership('224.0.0.251', bridgeAddress);
  return { count: () => n, reset: () => (n = 0), close: () => new Promise<void>((r) => sock.close(() => r())) };
}

const started: Discovery[] = [];
function discover(opts: DiscoveryOptions): Recorder {
  const d = createDiscovery(opts);
  started.push(d);
  const r: Recorder = { d, sightings: [], gone: [], statuses: [] };
  d.onDidSeeDevice((s) => r.sightings.push(s));
  d.onDidLoseDevice((g) => r.gone.push({ instance: g.instance, reason: g.reason }));
  d.onDidChangeStatus((s) => r.statuses.push(s));
  d.start();
  return r;
}

describe.skipIf(!labReady)('discovery in the lab (real multicast over a bridge)', () => {
  let lab: Lab;

  beforeAll(async () => {
    lab = await createLab({ prefix: 'mcd', hosts: SPECS });
  }, 120_000);

  afterAll(async () => {
    await Promise.all(started.map((d) => d.stop()));
    await lab?.stop();
  }, 60_000);

  // One discovery for the device lifecycle tests: short TTL cap so a killed device expires soon;
  // re-queries every second keep live devices refreshed.
  let main: Recorder;

  it('finds all 8 devices with their instance names, IPv4 address first and port 8080', async () => {
    main = discover({ interfaces: [lab.bridgeAddress], requeryIntervalMs: 1_000, maxTtlMs: 4_000, expiryCheckMs: 250 });
    const want = new Set(lab.hosts.map((h) => h.instance));
    await waitFor('all 8 sightings', () => lab.hosts.every((h) => main.d.current().some((s) => s.instance === h.instance)));
    const found = main.d.current();
    // Only this lab's devices: answers from other subnets (other labs) are filtered out.
    expect(new Set(found.map((s) => s.instance))).toEqual(want);
    for (const h of lab.hosts) {
      const s = found.find((x) => x.instance === h.instance)!;
      expect(s.addresses[0]).toBe(h.address);
      expect(s.port).toBe(8080);
      expect(s.via).toBe(lab.bridgeAddress);
      // The sim also advertises its link-local IPv6: kept, but last.
      expect(s.addresses.slice(1).every((a) => a.startsWith('fe80:'))).toBe(true);
      expect(Object.values(s.txt).every((v) => typeof v === 'string')).toBe(true);
      if (h.personality === 'oak') expect(h.instance).toMatch(/^multiCam-oak-/);
    }
    expect(main.d.status()).toMatchObject({ state: 'running', reason: null, interfaces: [lab.bridgeAddress] });
    // Identical re-answers (every requery) gave no further events.
    expect(main.sightings.filter((s) => want.has(s.instance))).toHaveLength(8);
  }, 60_000);

  it('a device killed without goodbye expires; the others stay', async () => {
    const victim = lab.hosts[0]!;
    const instance = victim.instance;
    await victim.kill();
    const g = await waitFor('expiry of the killed device', () => main.gone.find((x) => x.instance === instance));
    expect(g.reason).toBe('expired');
    expect(main.gone.filter((x) => x.instance !== instance)).toEqual([]);
    expect(
      main.d
        .current()
        .map((s) => s.instance)
        .sort(),
    ).toEqual(
      lab.hosts
        .slice(1)
        .map((h) => h.instance)
        .sort(),
    );
  }, 60_000);

  it('a graceful stop sends a goodbye → gone(goodbye)', async () => {
    const host = lab.hosts[1]!;
    const instance = host.instance;
    await host.stop();
    const g = await waitFor('goodbye', () => main.gone.find((x) => x.instance === instance));
    expect(g.reason).toBe('goodbye');
  }, 60_000);

  it('restarted devices are seen again', async () => {
    const [a, b] = [lab.hosts[0]!, lab.hosts[1]!];
    await Promise.all([a.start(), b.start()]);
    for (const h of [a, b]) {
      const s = await waitFor(`sighting of restarted ${h.ns}`, () => main.sightings.find((x) => x.instance === h.instance));
      expect(s.addresses[0]).toBe(h.address);
      expect(s.port).toBe(8080);
    }
    expect(main.d.current()).toHaveLength(8);
    await main.d.stop();
  }, 60_000);

  it('refresh() re-finds devices after their answers expired', async () => {
    // No periodic re-query and a short TTL cap: answers expire, and only a query brings them back.
    const r = discover({ interfaces: [lab.bridgeAddress], requeryIntervalMs: 0, maxTtlMs: 1_500, expiryCheckMs: 100 });
    const instances = lab.hosts.map((h) => h.instance);
    await waitFor('initial sightings', () => instances.every((i) => r.sightings.some((s) => s.instance === i)));
    await waitFor(
      'all answers expired',
      () => instances.every((i) => r.gone.some((g) => g.instance === i && g.reason === 'expired')) && r.d.current().length === 0,
    );
    const wire = await queryCounter(lab.bridgeAddress);
    try {
      wire.reset();
      const before = r.sightings.length;
      r.d.refresh();
      await waitFor('our PTR query on the bridge', () => wire.count() > 0, 10_000);
      await waitFor('re-sightings after refresh()', () => instances.every((i) => r.sightings.slice(before).some((s) => s.instance === i)), 15_000);
      expect(r.d.current()).toHaveLength(8);
    } finally {
      await wire.close();
      await r.d.stop();
    }
  }, 90_000);

  it('an interface that cannot be used is reported, not thrown; the others keep running', async () => {
    const bogus = lab.subnet.replace(/0\/24$/, '250'); // in the lab range, on no interface
    const alone = createDiscovery({ interfaces: [bogus] });
    started.push(alone);
    const seen: DiscoveryStatus[] = [];
    alone.onDidChangeStatus((s) => seen.push(s));
    expect(() => alone.start()).not.toThrow();
    const st = await waitFor('unavailable status', () => seen.find((s) => s.state === 'unavailable'));
    expect(st.reason).toContain(bogus);
    expect(st.reason).toContain('EADDRNOTAVAIL');
    await alone.stop();

    const mixed = discover({ interfaces: [bogus, lab.bridgeAddress], requeryIntervalMs: 1_000 });
    await waitFor('the bogus interface marked unavailable', () => mixed.d.status().perInterface?.some((p) => p.address === bogus && p.state === 'unavailable'));
    expect(mixed.d.status().state).toBe('running');
    await waitFor('devices via the good interface', () => lab.hosts.every((h) => mixed.d.current().some((s) => s.instance === h.instance)));
    await mixed.d.stop();
  }, 60_000);
});

/**
 * The fleet in the lab: 8 sim devices (mixed personalities) in their own network namespaces,
 * found over real multicast by a real discovery confined to the lab bridge, polled over real
 * TCP; plus one manual device on loopback. Needs root + network namespaces; skipped with a
 * message otherwise. Waits are generous and fail only when something never happens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceView } from '../../../src-shared/api';
import { startSimDevice, type SimDevice } from '../../../sim';
import { createLab, labOrSkip, type Lab, type LabHostSpec } from '../../../sim/lab/lab';
import { send } from '../device-client';
import { createDiscovery } from '../discovery/discovery';
import type { Discovery } from '../discovery/types';
import { Fleet } from './fleet';
import { waitUntil } from '../../../sim/lab/wait';

const labReady = labOrSkip('fleet.lab.test');

const OFFSETS = [750, -400, 120, -35, 0, 2000, -1500, 60];
const SPECS: LabHostSpec[] = (['ios', 'android', 'oak', 'spec', 'ios', 'android', 'oak', 'spec'] as const).map((personality, i) => ({
  personality,
  clockOffsetMs: OFFSETS[i]!,
}));

const now = () => performance.timeOrigin + performance.now();

const waitFor = waitUntil;

describe.skipIf(!labReady)('fleet in the lab (real multicast, real TCP across namespaces)', () => {
  let lab: Lab;
  let discovery: Discovery;
  let fleet: Fleet;
  let manual: SimDevice;
  let manualId: string;
  const events: DeviceView[] = [];

  beforeAll(async () => {
    lab = await createLab({ prefix: 'mcf', hosts: SPECS });
    manual = await startSimDevice({ personality: 'spec' });
    discovery = createDiscovery({ interfaces: [lab.bridgeAddress], requeryIntervalMs: 2_000 });
    fleet = new Fleet({ send, discovery, clock: { now } });
    fleet.onDidChangeDevice((d) => events.push(d));
    discovery.start();
    fleet.start();
    manualId = fleet.addManual(`${manual.host}:${manual.port}`).deviceKey;
  }, 180_000);

  afterAll(async () => {
    await fleet?.stop();
    await discovery?.stop();
    await manual?.kill();
    await lab?.stop();
  }, 60_000);

  const entryFor = (address: string) => fleet.list().find((d) => d.host === address);

  it('all 8 discovered devices and the manual one reach online, each once, with its address and type', async () => {
    await waitFor(
      '8 lab devices + 1 manual online',
      () => {
        const l = fleet.list();
        return l.length === 9 && l.every((d) => d.state === 'online');
      },
      60_000,
    );
    for (const h of lab.hosts) {
      const d = fleet.get(h.instance)!;
      expect(d).toMatchObject({ source: 'mdns', host: h.address, port: 8080, state: 'online', name: h.deviceId });
      expect(d.deviceType).toBe({ ios: 'iOS:iPhone', android: 'Android:Quest', oak: 'Oak', spec: 'Spec' }[h.personality]);
    }
    expect(fleet.get(manualId)).toMatchObject({ source: 'manual', state: 'online', host: '127.0.0.1' });
  }, 90_000);

  it('measures the +750 ms device within ±5 ms (and the others near their offsets)', async () => {
    await waitFor('5 clock samples everywhere', () => lab.hosts.every((h) => (fleet.get(h.instance)?.clock?.samples ?? 0) >= 5), 30_000);
    const c = fleet.get(lab.hosts[0]!.instance)!.clock!;
    expect(Math.abs(c.offsetMs - 750)).toBeLessThan(5);
    expect(c.flagged).toBe(true);
    lab.hosts.forEach((h, i) => expect(Math.abs(fleet.get(h.instance)!.clock!.offsetMs - OFFSETS[i]!)).toBeLessThan(5));
  }, 60_000);

  it('a killed device goes offline within about 5 s while the others stay online; restarted, it is online again', async () => {
    const victim = lab.hosts[1]!;
    const id = victim.instance;
    const mark = events.length;
    const killedAt = now();
    await victim.kill();
    await waitFor('victim offline', () => fleet.get(id)!.state === 'offline', 20_000);
    const elapsed = now() - killedAt;
    expect(elapsed).toBeLessThan(5000 + 1500); // the 5 s rule is exact in the fake-time unit tests
    expect(events.slice(mark).filter((e) => e.deviceKey !== id && e.state !== 'online')).toEqual([]);

    await victim.start(); // the sim comes back under a new instance name at the same address
    await waitFor('victim online again', () => entryFor(victim.address)?.state === 'online', 30_000);
    // Same card: the new instance joined the known entry; nothing is shown twice.
    expect(entryFor(victim.address)!.deviceKey).toBe(id);
    await waitFor('new device id shown', () => fleet.get(id)!.name === victim.deviceId, 30_000);
    expect(fleet.list()).toHaveLength(9);
    expect(fleet.list().every((d) => d.state === 'online')).toBe(true);
  }, 90_000);
});

/**
 * The fleet over real loopback TCP against sim devices of every personality: what a user with
 * phones on a LAN would see. Waits are generous (shared machine); the 5 s offline rule itself
 * is pinned exactly by the fake-time unit tests.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeviceView } from '../../../src-shared/api';
import { startSimDevice, type SimDevice, type SimDeviceOptions } from '../../../sim';
import { send } from '../device-client';
import { Fleet } from './fleet';

const sims = new Set<SimDevice>();
let fleet: Fleet | null = null;
afterEach(async () => {
  await fleet?.stop();
  fleet = null;
  await Promise.all([...sims].map((s) => s.kill()));
  sims.clear();
});

async function sim(opts: SimDeviceOptions): Promise<SimDevice> {
  const d = await startSimDevice(opts);
  sims.add(d);
  return d;
}

const now = () => performance.timeOrigin + performance.now();

function newFleet(): { fleet: Fleet; events: DeviceView[] } {
  const f = new Fleet({ send, clock: { now } });
  const events: DeviceView[] = [];
  f.onDidChangeDevice((d) => events.push(d));
  fleet = f;
  return { fleet: f, events };
}

describe('Fleet with sim devices on loopback', () => {
  it('all four personalities reach online with their deviceType and normalised battery', async () => {
    const devices = await Promise.all([
      sim({ personality: 'ios', battery: 55 }),
      sim({ personality: 'ios', battery: null }), // battery omitted
      sim({ personality: 'android', battery: null }), // sends -1
      sim({ personality: 'oak' }), // sends null
      sim({ personality: 'spec' }),
    ]);
    const { fleet } = newFleet();
    fleet.start();
    const ids = devices.map((d) => fleet.addManual(`${d.host}:${d.port}`).deviceKey);
    await vi.waitFor(() => expect(fleet.list().every((d) => d.state === 'online')).toBe(true), { timeout: 10_000, interval: 50 });
    const views = ids.map((id) => fleet.get(id)!);
    expect(views.map((v) => v.deviceType)).toEqual(['iOS:iPhone', 'iOS:iPhone', 'Android:Quest', 'Oak', 'Spec']);
    expect(views.map((v) => v.battery)).toEqual([55, null, null, null, 90]);
    expect(views.map((v) => v.deviceId)).toEqual(devices.map((d) => d.deviceId));
    expect(views.every((v) => v.deviceStatus === 'ready' && v.clock !== null && v.lastSeen !== null)).toBe(true);
  });

  it('a killed device goes offline within about 5 s, the others stay online, and it returns when restarted on the same port', async () => {
    const devices = await Promise.all([sim({ personality: 'ios' }), sim({ personality: 'android' }), sim({ personality: 'spec' })]);
    const { fleet, events } = newFleet();
    fleet.start();
    const ids = devices.map((d) => fleet.addManual(`${d.host}:${d.port}`).deviceKey);
    await vi.waitFor(() => expect(fleet.list().every((d) => d.state === 'online')).toBe(true), { timeout: 10_000, interval: 50 });

    const victim = devices[2]!;
    const victimId = ids[2]!;
    const killedAt = now();
    await victim.kill();
    sims.delete(victim);
    await vi.waitFor(() => expect(fleet.get(victimId)!.state).toBe('offline'), { timeout: 10_000, interval: 25 });
    const offlineEvent = events.find((e) => e.deviceKey === victimId && e.state === 'offline')!;
    const lastSeen = offlineEvent.lastSeen!;
    const elapsed = now() - killedAt;
    // Offline is due exactly 5 s after the last good reply (which preceded the kill).
    expect(lastSeen).toBeLessThanOrEqual(killedAt);
    expect(elapsed).toBeLessThan(5000 + 1500); // slack for a loaded machine; the rule is exact in unit tests
    expect(fleet.get(victimId)!.stateReason).toMatch(/^no reply for over 5 s: connection refused/);
    expect(events.some((e) => e.deviceKey === victimId && e.state === 'stale')).toBe(true);
    // The others never wavered.
    expect(events.filter((e) => e.deviceKey !== victimId && e.state !== 'online' && e.state !== 'discovered')).toEqual([]);

    // Same device back on the same port: online again without anyone touching the fleet.
    const back = await sim({ personality: 'spec', port: victim.port, deviceId: victim.deviceId });
    expect(back.port).toBe(victim.port);
    await vi.waitFor(() => expect(fleet.get(victimId)!.state).toBe('online'), { timeout: 10_000, interval: 50 });
  });

  it('measures a +750 ms device clock offset within ±5 ms', async () => {
    const d = await sim({ personality: 'spec', clockOffsetMs: 750 });
    const neg = await sim({ personality: 'android', clockOffsetMs: -1234 });
    const { fleet } = newFleet();
    const id = fleet.addManual(`${d.host}:${d.port}`).deviceKey;
    const negId = fleet.addManual(`${neg.host}:${neg.port}`).deviceKey;
    for (let i = 0; i < 5; i++) await fleet.pollNow();
    const c = fleet.get(id)!.clock!;
    expect(c.samples).toBe(5);
    expect(Math.abs(c.offsetMs - 750)).toBeLessThan(5);
    expect(c.uncertaintyMs).toBeLessThan(5);
    expect(c.flagged).toBe(true);
    expect(Math.abs(fleet.get(negId)!.clock!.offsetMs + 1234)).toBeLessThan(5);
  });

  it('a device answering slower than the status timeout is stale/offline, not a hang, and does not slow the others', async () => {
    const slow = await sim({ personality: 'spec', faults: [{ name: 'slow', seconds: 10 }] });
    const fast = await sim({ personality: 'oak' });
    const f = new Fleet({ send, clock: { now }, statusTimeoutMs: 500 });
    fleet = f;
    f.start();
    const slowId = f.addManual(`${slow.host}:${slow.port}`).deviceKey;
    const fastId = f.addManual(`${fast.host}:${fast.port}`).deviceKey;
    await vi.waitFor(() => expect(f.get(slowId)!.state).toBe('offline'), { timeout: 10_000, interval: 50 });
    expect(f.get(slowId)!.stateReason).toMatch(/no reply within 0.5 s/);
    expect(f.get(fastId)!.state).toBe('online');
  });
});

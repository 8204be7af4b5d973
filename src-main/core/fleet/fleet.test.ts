import { afterEach, describe, expect, it, vi } from 'vitest';
import type { DeviceView } from '../../../src-shared/api';
import { parseReply } from '../../../src-shared/protocol';
import { parseManualAddress } from './address';
import { Fleet, changedForOperator, type FleetOptions } from './fleet';
import { FakeDevices, FakeDiscovery, FakeTime } from './fleet.testing';

let fleets: Fleet[] = [];
afterEach(async () => {
  await Promise.all(fleets.map((f) => f.stop()));
  fleets = [];
});

function setup(extra: Partial<FleetOptions> = {}) {
  const time = new FakeTime();
  const devices = new FakeDevices(time);
  const discovery = new FakeDiscovery();
  const fleet = new Fleet({
    send: devices.send,
    discovery,
    clock: { now: time.now },
    setTimer: time.setTimer,
    ...extra,
  });
  fleets.push(fleet);
  const changes: DeviceView[] = [];
  const removed: string[] = [];
  fleet.onDidChangeDevice((d) => changes.push(d));
  fleet.onDidRemoveDevice((id) => removed.push(id));
  return { time, devices, discovery, fleet, changes, removed };
}

const A = '10.0.0.1:8080';
const B = '10.0.0.2:8080';

describe('Fleet: discovery to online', () => {
  it('a sighting becomes a discovered device, then online with what DEVICE_STATUS says', async () => {
    const { time, devices, discovery, fleet, changes } = setup();
    devices.ok(A, { deviceId: 'Mountain-A1', deviceType: 'iOS:iPhone', batteryLevel: 85.5 }, 750);
    fleet.start();
    discovery.see('multiCam-Mountain-A1', ['10.0.0.1', 'fe80::1'], 8080, time.t);
    expect(changes[0]).toMatchObject({ deviceKey: 'multiCam-Mountain-A1', state: 'discovered', source: 'mdns', host: '10.0.0.1', port: 8080 });
    await time.advance(0);
    expect(changes[0]!.name).toBe('multiCam-Mountain-A1'); // the instance name until it answers
    const d = fleet.get('multiCam-Mountain-A1')!;
    expect(d).toMatchObject({
      name: 'Mountain-A1', // then the id it reports: one name with the CLI and its file names
      deviceKey: 'multiCam-Mountain-A1', // the key never changes under a take
      state: 'online',
      stateReason: 'answering status polls',
      deviceId: 'Mountain-A1',
      deviceType: 'iOS:iPhone',
      battery: 85.5,
      deviceStatus: 'ready',
      addresses: ['10.0.0.1', 'fe80::1'],
      lastSeen: time.t,
      included: true,
      color: null,
      recordingSince: null,
    });
    expect(d.clock!.offsetMs).toBeCloseTo(750, 6);
    expect(d.clock!.uncertaintyMs).toBeCloseTo(1, 6);
    expect(d.clock!.flagged).toBe(true);
    expect(devices.calls[0]).toMatchObject({ command: 'DEVICE_STATUS' });
    expect(devices.calls[0]!.options).toMatchObject({ tries: 1, replyTimeoutMs: 1500, connectTimeoutMs: 1500 });
    expect(fleet.addressOf('multiCam-Mountain-A1')).toEqual({ host: '10.0.0.1', port: 8080 });
    expect(fleet.clockOf('multiCam-Mountain-A1')!.offsetMs).toBeCloseTo(750, 6);
  });

  it('sightings present before start() are taken from current()', async () => {
    const { time, devices, discovery, fleet } = setup();
    discovery.see('multiCam-X', ['10.0.0.1'], 8080);
    devices.ok(A);
    fleet.start();
    await time.advance(0);
    expect(fleet.list().map((d) => d.state)).toEqual(['online']);
  });

  it('battery: omitted, null and -1 are unknown (null); values above 100 are capped', async () => {
    const { time, devices, fleet } = setup();
    fleet.start();
    const id = fleet.addManual(A).deviceKey;
    for (const [raw, want] of [
      [{ batteryLevel: undefined }, null],
      [{ batteryLevel: null }, null],
      [{ batteryLevel: -1 }, null],
      [{ batteryLevel: 42 }, 42],
    ] as const) {
      devices.ok(A, raw);
      await fleet.pollNow(id);
      expect(fleet.get(id)!.battery).toBe(want);
    }
    await time.advance(0);
  });
});

describe('Fleet: state machine and deadlines', () => {
  it('stale at lastSeen + 2.5 s, offline at lastSeen + 5 s, online again when it answers', async () => {
    const { time, devices, fleet, changes } = setup();
    devices.ok(A);
    fleet.start();
    const id = fleet.addManual(A).deviceKey;
    await time.advance(0);
    const lastSeen = fleet.get(id)!.lastSeen!;
    devices.set(A, { kind: 'refuse' });
    await time.advance(2499);
    expect(fleet.get(id)!.state).toBe('online');
    await time.advance(1);
    expect(fleet.get(id)!).toMatchObject({ state: 'stale', stateReason: 'no reply for over 2.5 s: connection refused' });
    await time.advance(2499);
    expect(fleet.get(id)!.state).toBe('stale');
    await time.advance(1);
    expect(time.t - lastSeen).toBe(5000);
    expect(fleet.get(id)!).toMatchObject({ state: 'offline', stateReason: 'no reply for over 5 s: connection refused', lastSeen });
    // Offline devices keep being polled (less often) and come back on their own.
    const before = devices.callsTo(A).length;
    devices.ok(A);
    await time.advance(3000);
    expect(devices.callsTo(A).length).toBeGreaterThan(before);
    expect(fleet.get(id)!.state).toBe('online');
    expect(changes.map((c) => c.state)).toEqual(['discovered', 'online', 'stale', 'offline', 'online']);
  });

  it('a device that never answers goes from discovered to offline 5 s after polling began', async () => {
    const { time, fleet } = setup();
    fleet.start();
    const id = fleet.addManual(A).deviceKey;
    await time.advance(0);
    expect(fleet.get(id)!).toMatchObject({ state: 'discovered', stateReason: 'not answering yet: connection refused' });
    await time.advance(4999);
    expect(fleet.get(id)!.state).toBe('discovered');
    await time.advance(1);
    expect(fleet.get(id)!).toMatchObject({ state: 'offline', stateReason: 'no reply for over 5 s: connection refused' });
  });

  it('recording (with recordingSince) wins over uploading; uploading while the queue is non-empty', async () => {
    const { time, devices, fleet } = setup();
    const item = { fileName: 'a.mp4', fileSize: 100, bytesUploaded: 10, uploadProgress: 10, uploadSpeed: 5, status: 'uploading', error: null };
    devices.ok(A, { status: 'Recording', uploadQueue: [item] });
    fleet.start();
    const id = fleet.addManual(A).deviceKey;
    await time.advance(0);
    const since = time.t;
    expect(fleet.get(id)!).toMatchObject({ state: 'recording', recordingSince: since, deviceStatus: 'recording' });
    await time.advance(1000);
    expect(fleet.get(id)!.recordingSince).toBe(since);
    devices.ok(A, { status: 'ready', uploadQueue: [item] });
    await time.advance(1000);
    expect(fleet.get(id)!).toMatchObject({ state: 'uploading', stateReason: 'uploading 1 file', recordingSince: null });
    expect(fleet.get(id)!.uploadQueue).toEqual([item]);
    devices.ok(A, { isRecording: true, status: 'ready' });
    await time.advance(1000);
    expect(fleet.get(id)!.state).toBe('recording');
    devices.ok(A);
    await time.advance(1000);
    expect(fleet.get(id)!.state).toBe('online');
  });

  it('an invalid reply counts as a failed poll with the reason', async () => {
    const { time, devices, fleet } = setup();
    devices.set(A, { kind: 'invalid' });
    fleet.start();
    const id = fleet.addManual(A).deviceKey;
    await time.advance(5000);
    expect(fleet.get(id)!).toMatchObject({ state: 'offline', stateReason: 'no reply for over 5 s: the device sent a reply that is not a MultiCam answer' });
  });

  it('thresholds grow with a long poll interval so a healthy device never looks stale', async () => {
    const { time, devices, fleet } = setup({ pollIntervalMs: 4000 });
    devices.ok(A);
    fleet.start();
    const id = fleet.addManual(A).deviceKey;
    await time.advance(20_000);
    expect(fleet.get(id)!.state).toBe('online');
  });
});

describe('Fleet: per-device polling', () => {
  it('a hanging device never delays another; its polls never overlap; it goes stale then offline', async () => {
    const { time, devices, fleet } = setup();
    devices.ok(A);
    devices.set(B, { kind: 'hang' });
    fleet.start();
    const a = fleet.addManual(A).deviceKey;
    const b = fleet.addManual(B).deviceKey;
    await time.advance(10_000);
    const aTimes = devices.callsTo(A).map((c) => c.at - devices.callsTo(A)[0]!.at);
    expect(aTimes).toEqual([0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 10000]);
    expect(devices.maxConcurrentPerDevice).toBe(1);
    // Each hanging poll is cut at 1.5 s, then the next starts.
    expect(devices.callsTo(B).length).toBeGreaterThanOrEqual(3);
    expect(fleet.get(a)!.state).toBe('online');
    expect(fleet.get(b)!).toMatchObject({ state: 'offline', stateReason: 'no reply for over 5 s: no reply within 1.5 s' });
  });

  it('a send that ignores the abort signal is still cut off by the fleet deadline', async () => {
    const { time, devices, fleet } = setup();
    devices.set(A, { kind: 'hang-deaf' });
    fleet.start();
    const id = fleet.addManual(A).deviceKey;
    await time.advance(1500);
    expect(fleet.get(id)!.stateReason).toBe('not answering yet: no reply within 1.5 s');
    await time.advance(1000);
    expect(devices.callsTo(A).length).toBe(2);
  });

  it('a slow reply delays only that device; the next poll waits for it', async () => {
    const { time, devices, fleet } = setup();
    devices.ok(A, {}, 0, 1200);
    fleet.start();
    fleet.addManual(A);
    await time.advance(5000);
    const at = devices.callsTo(A).map((c) => c.at - devices.callsTo(A)[0]!.at);
    expect(at).toEqual([0, 1200, 2400, 3600, 4800]);
    expect(devices.maxConcurrentPerDevice).toBe(1);
  });

  it('pollNow shares an in-flight poll and works before start()', async () => {
    const { time, devices, fleet } = setup();
    devices.ok(A, {}, 0, 10);
    const id = fleet.addManual(A).deviceKey;
    const p1 = fleet.pollNow(id);
    const p2 = fleet.pollNow();
    await time.advance(10);
    await Promise.all([p1, p2]);
    expect(devices.callsTo(A)).toHaveLength(1);
    expect(fleet.get(id)!.state).toBe('online');
    await time.advance(10_000);
    expect(devices.callsTo(A)).toHaveLength(1); // not started: no loop
  });

  it('stop() aborts in-flight polls and leaves no timers; removed devices are not polled', async () => {
    const { time, devices, fleet, removed } = setup();
    devices.ok(A);
    devices.set(B, { kind: 'hang' });
    fleet.start();
    const a = fleet.addManual(A).deviceKey;
    fleet.addManual(B);
    await time.advance(500);
    fleet.remove(a);
    expect(removed).toEqual([a]);
    const n = devices.callsTo(A).length;
    await time.advance(5000);
    expect(devices.callsTo(A).length).toBe(n);
    expect(fleet.get(a)).toBeNull();
    await fleet.stop();
    expect(time.pending()).toBe(0);
    expect([...devices.inFlight.values()].every((v) => v === 0)).toBe(true);
  });
});

describe('Fleet: events', () => {
  it('an unchanged device emits nothing per poll; a real change emits once', async () => {
    const { time, devices, fleet, changes } = setup();
    devices.ok(A, { batteryLevel: 80 }, 10);
    fleet.start();
    fleet.addManual(A);
    await time.advance(30_000);
    expect(devices.callsTo(A).length).toBe(31);
    expect(changes.map((c) => c.state)).toEqual(['discovered', 'online']);
    const before = changes.length;
    devices.ok(A, { batteryLevel: 79 }, 10);
    await time.advance(1000);
    expect(changes.slice(before).map((c) => c.battery)).toEqual([79]);
    // A clock that moves by 1 ms or more is a change; sub-ms wobble is not.
    devices.ok(A, { batteryLevel: 79 }, 10.4);
    await time.advance(3000);
    expect(changes).toHaveLength(before + 1);
  });

  it('changedForOperator ignores lastSeen and clock sample counts', () => {
    const base: DeviceView = {
      deviceKey: 'x',
      name: 'x',
      color: null,
      source: 'manual',
      host: 'h',
      port: 1,
      addresses: ['h'],
      deviceId: null,
      deviceType: null,
      state: 'online',
      stateReason: null,
      lastSeen: 1,
      battery: null,
      deviceStatus: 'ready',
      recordingSince: null,
      clock: { offsetMs: 5, uncertaintyMs: 1, rttMs: 2, samples: 3, flagged: false },
      uploadQueue: [],
      failedUploadQueue: [],
      included: true,
    };
    expect(changedForOperator(base, { ...base, lastSeen: 99, clock: { ...base.clock!, samples: 9, rttMs: 1, offsetMs: 5.9 } })).toBe(false);
    expect(changedForOperator(base, { ...base, clock: { ...base.clock!, offsetMs: 6 } })).toBe(true);
    expect(changedForOperator(base, { ...base, clock: { ...base.clock!, flagged: true } })).toBe(true);
    expect(changedForOperator(base, { ...base, clock: null })).toBe(true);
    expect(changedForOperator({ ...base, lastSeen: null }, base)).toBe(true);
    // lastSeen alone is never a change: an online device was seen within the stale deadline,
    // and the UI says "just now" for it (stale/offline transitions carry the exact lastSeen).
    expect(changedForOperator({ ...base, lastSeen: 1_000 }, { ...base, lastSeen: 601_000 })).toBe(false);
    expect(
      changedForOperator(base, {
        ...base,
        uploadQueue: [{ fileName: 'f', fileSize: 1, bytesUploaded: 0, uploadProgress: 0, uploadSpeed: null, status: null, error: null }],
      }),
    ).toBe(true);
  });

  it('a throwing listener does not stop the fleet; unsubscribe works', async () => {
    const { time, devices, fleet } = setup();
    devices.ok(A);
    const reported = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    fleet.onDidChangeDevice(() => {
      throw new Error('bug');
    });
    let n = 0;
    const off = fleet.onDidChangeDevice(() => n++);
    fleet.start();
    fleet.addManual(A);
    await time.advance(0);
    expect(n).toBe(2);
    // Reported through the one hook (by default one line on stderr), once per failing call.
    expect(reported).toHaveBeenCalledTimes(2);
    expect(String(reported.mock.calls[0]![0])).toBe('fleet: deviceChanged: a listener failed: bug');
    reported.mockRestore();
    off.dispose();
    devices.ok(A, { batteryLevel: 1 });
    await time.advance(1000);
    expect(n).toBe(2);
  });
});

describe('Fleet: one name per device', () => {
  it('an address, or an mDNS instance, names a device only until it answers; then the id it reports; a label wins over both', async () => {
    const { time, devices, discovery, fleet } = setup();
    devices.set(A, { kind: 'refuse' });
    devices.ok(B, { deviceId: 'Forest-9B01' });
    fleet.start();
    const manual = fleet.addManual(A);
    discovery.see('multiCam-Forest-9B01', ['10.0.0.2'], 8080, time.t);
    expect(fleet.get(manual.deviceKey)!.name).toBe(A);
    expect(fleet.get('multiCam-Forest-9B01')!.name).toBe('multiCam-Forest-9B01');
    await time.advance(0);
    expect(fleet.get(manual.deviceKey)!.name).toBe(A); // refused: still its address
    expect(fleet.get('multiCam-Forest-9B01')!.name).toBe('Forest-9B01');
    devices.ok(A, { deviceId: 'Glacier-4F2A' });
    await time.advance(1000);
    expect(fleet.get(manual.deviceKey)!.name).toBe('Glacier-4F2A');
    expect(fleet.rename(manual.deviceKey, 'Cam A').name).toBe('Cam A');
    expect(fleet.get(manual.deviceKey)!.deviceId).toBe('Glacier-4F2A');
  });

  it('a failed poll reads as plain words; the technical line is only the detail', async () => {
    const { time, devices, fleet } = setup();
    devices.set(A, { kind: 'invalid' });
    fleet.start();
    const id = fleet.addManual(A).deviceKey;
    await time.advance(0);
    const d = fleet.get(id)!;
    expect(d.stateReason).toBe('not answering yet: the device sent a reply that is not a MultiCam answer');
    expect(d.stateDetail).toBe(`invalid_reply: DEVICE_STATUS to ${A}: device reply is not valid`);
    devices.ok(A);
    await time.advance(1000);
    expect(fleet.get(id)!.stateDetail).toBeNull();
  });
});

describe('Fleet: merging mDNS and manual entries', () => {
  it('a sighting at a manual entry address is the same device (key kept, source mdns)', async () => {
    const { time, devices, discovery, fleet, changes } = setup();
    devices.ok(A);
    fleet.start();
    const manual = fleet.addManual('10.0.0.1');
    expect(manual.deviceKey).toBe('10.0.0.1:8080');
    await time.advance(0);
    discovery.see('multiCam-Dev1', ['10.0.0.1'], 8080, time.t);
    expect(fleet.list()).toHaveLength(1);
    // It answered as `dev-10.0.0.1:8080` before mDNS named it: the reported id stays its name.
    expect(fleet.get('10.0.0.1:8080')!).toMatchObject({ source: 'mdns', name: 'dev-10.0.0.1:8080', state: 'online' });
    expect(changes.at(-1)!.name).toBe('dev-10.0.0.1:8080');
    expect(fleet.manualAddresses()).toEqual(['10.0.0.1:8080']);
    // A goodbye does not stop a manual device's polling; an answer keeps it online.
    discovery.gone('multiCam-Dev1');
    expect(fleet.get('10.0.0.1:8080')!.state).toBe('offline');
    await time.advance(3000);
    expect(fleet.get('10.0.0.1:8080')!.state).toBe('online');
  });

  it('adding by hand the address of a sighted device returns that device', async () => {
    const { time, devices, discovery, fleet } = setup();
    devices.ok(A);
    fleet.start();
    discovery.see('multiCam-Dev1', ['10.0.0.1'], 8080, time.t);
    await time.advance(0);
    const v = fleet.addManual(' 10.0.0.1:8080 ');
    expect(v.deviceKey).toBe('multiCam-Dev1');
    expect(fleet.list()).toHaveLength(1);
    expect(fleet.manualAddresses()).toEqual(['10.0.0.1:8080']);
    expect(fleet.addManual('10.0.0.1:8081').deviceKey).toBe('10.0.0.1:8081');
    expect(fleet.list()).toHaveLength(2);
  });

  it('a goodbye with no later good reply is offline at once; polling continues for the grace period, then stops', async () => {
    const { time, devices, discovery, fleet } = setup({ goneGraceMs: 10_000 });
    devices.ok(A);
    fleet.start();
    discovery.see('multiCam-Dev1', ['10.0.0.1'], 8080, time.t);
    await time.advance(0);
    devices.set(A, { kind: 'refuse' });
    await time.advance(500);
    discovery.gone('multiCam-Dev1', 'goodbye');
    expect(fleet.get('multiCam-Dev1')!).toMatchObject({ state: 'offline', stateReason: 'said goodbye on mDNS' });
    await time.advance(9000);
    const polledDuringGrace = devices.callsTo(A).length;
    expect(polledDuringGrace).toBeGreaterThan(2);
    await time.advance(20_000);
    expect(devices.callsTo(A).length).toBeLessThanOrEqual(polledDuringGrace + 1);
    expect(fleet.get('multiCam-Dev1')!.stateReason).toBe('said goodbye on mDNS; no longer polled');
    // It re-announces: polling resumes and it is online again.
    devices.ok(A);
    discovery.see('multiCam-Dev1', ['10.0.0.1'], 8080, time.t);
    await time.advance(0);
    expect(fleet.get('multiCam-Dev1')!.state).toBe('online');
  });

  it('a goodbye followed by a good reply is online (phones re-announce)', async () => {
    const { time, devices, discovery, fleet } = setup();
    devices.ok(A);
    fleet.start();
    discovery.see('multiCam-Dev1', ['10.0.0.1'], 8080, time.t);
    await time.advance(0);
    discovery.gone('multiCam-Dev1', 'goodbye');
    expect(fleet.get('multiCam-Dev1')!.state).toBe('offline');
    await time.advance(3000);
    expect(fleet.get('multiCam-Dev1')!.state).toBe('online');
  });

  it('a new instance name at the address of a known device is that device re-announced', async () => {
    const { time, devices, discovery, fleet, removed } = setup();
    devices.ok(A, { deviceId: 'old' });
    fleet.start();
    discovery.see('multiCam-old', ['10.0.0.1', 'fe80::1'], 8080, time.t);
    await time.advance(0);
    fleet.rename('multiCam-old', 'Cam A');
    devices.set(A, { kind: 'refuse' });
    await time.advance(6000);
    expect(fleet.get('multiCam-old')!.state).toBe('offline');
    devices.ok(A, { deviceId: 'new' });
    discovery.see('multiCam-new', ['10.0.0.1'], 8080, time.t);
    await time.advance(0);
    expect(fleet.list()).toHaveLength(1);
    expect(fleet.get('multiCam-old')!).toMatchObject({ name: 'Cam A', state: 'online', deviceId: 'new' });
    // The old name's expiry no longer concerns this entry.
    discovery.gone('multiCam-old', 'expired');
    expect(fleet.get('multiCam-old')!.state).toBe('online');
    // A link-local address alone never merges two devices.
    discovery.see('multiCam-other', ['fe80::1'], 8080, time.t);
    expect(fleet.list()).toHaveLength(2);
    expect(removed).toEqual([]);
  });

  it('prefers a routable IPv4 address and follows a device that moved', async () => {
    const { time, devices, discovery, fleet } = setup();
    devices.ok('10.0.0.9:8080');
    fleet.start();
    discovery.see('multiCam-M', ['fe80::1', '169.254.1.1', '10.0.0.1'], 8080, time.t);
    expect(fleet.addressOf('multiCam-M')).toEqual({ host: '10.0.0.1', port: 8080 });
    discovery.see('multiCam-M', ['10.0.0.9'], 8080, time.t);
    expect(fleet.addressOf('multiCam-M')).toEqual({ host: '10.0.0.9', port: 8080 });
    await time.advance(3000);
    expect(fleet.get('multiCam-M')!.state).toBe('online');
  });
});

describe('Fleet: operator actions', () => {
  it('a new device starts with the stored preferences (invalid ones ignored), in its first event', () => {
    const prefs: Record<string, { label?: string | null; color?: string | null; included?: boolean }> = {
      'phone.local:9000': { label: ' Cam A ', color: '#FFAA00', included: false },
      'phone.local:9001': { label: 'x'.repeat(65), color: 'red' },
    };
    const { fleet, changes } = setup({ preferences: (id) => prefs[id] ?? {} });
    const a = fleet.addManual('phone.local:9000');
    expect(a).toMatchObject({ name: 'Cam A', color: '#ffaa00', included: false });
    expect(changes[0]).toMatchObject({ deviceKey: a.deviceKey, name: 'Cam A', included: false });
    expect(fleet.addManual('phone.local:9001')).toMatchObject({ name: 'phone.local:9001', color: null, included: true });
  });

  it('rename, colour and inclusion validate and emit', () => {
    const { fleet, changes } = setup();
    const id = fleet.addManual('phone.local:9000').deviceKey;
    expect(id).toBe('phone.local:9000');
    expect(fleet.rename(id, '  Cam A ').name).toBe('Cam A');
    expect(fleet.rename(id, '').name).toBe('phone.local:9000');
    expect(fleet.setColor(id, '#FFAA00').color).toBe('#ffaa00');
    expect(fleet.setColor(id, null).color).toBeNull();
    expect(fleet.setIncluded(id, false).included).toBe(false);
    expect(() => fleet.setColor(id, 'red')).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => fleet.rename(id, 'x'.repeat(65))).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    expect(() => fleet.rename('nope', 'x')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => fleet.remove('nope')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(changes.map((c) => [c.name, c.color, c.included])).toEqual([
      ['phone.local:9000', null, true],
      ['Cam A', null, true],
      ['phone.local:9000', null, true],
      ['phone.local:9000', '#ffaa00', true],
      ['phone.local:9000', null, true],
      ['phone.local:9000', null, false],
    ]);
  });

  it('virtual devices are listed with source virtual and not saved as manual addresses', () => {
    const { fleet } = setup();
    const v = fleet.addManual('127.0.0.1:5000', { source: 'virtual' });
    expect(v.source).toBe('virtual');
    expect(fleet.manualAddresses()).toEqual([]);
    fleet.addManual('127.0.0.1:5001');
    expect(fleet.manualAddresses()).toEqual(['127.0.0.1:5001']);
  });

  it('noteReply refreshes lastSeen and the clock, and only the fields the reply carries', async () => {
    const { time, devices, fleet } = setup();
    const item = { fileName: 'a.mp4', fileSize: 1, bytesUploaded: 0, uploadProgress: 0, uploadSpeed: null, status: 'queued', error: null };
    devices.ok(A, { uploadQueue: [item], batteryLevel: 50 });
    fleet.start();
    const id = fleet.addManual(A).deviceKey;
    await time.advance(0);
    devices.set(A, { kind: 'refuse' });
    await time.advance(2000);
    const stop = parseReply({ status: 'recording_stopped', timestamp: time.t / 1000, fileName: 'x.mp4', fileSize: 0 });
    fleet.noteReply(id, { reply: stop, sentAt: time.t - 1, receivedAt: time.t + 1, attempts: 1 });
    const v = fleet.get(id)!;
    expect(v.lastSeen).toBe(time.t);
    expect(v.battery).toBe(50);
    expect(v.uploadQueue).toHaveLength(1);
    expect(v.deviceStatus).toBe('recording_stopped');
    expect(fleet.clockOf(id)!.samples).toBe(2);
    const start = parseReply({ status: 'recording', timestamp: time.t / 1000 });
    fleet.noteReply(id, { reply: start, sentAt: time.t, receivedAt: time.t, attempts: 1 });
    expect(fleet.get(id)!).toMatchObject({ state: 'recording', recordingSince: time.t });
    fleet.noteReply('unknown', { reply: start, sentAt: 0, receivedAt: 0, attempts: 1 }); // ignored
    fleet.noteReply(id, null as never); // untrusted shape: ignored
  });

  it('a different deviceId at the same address resets the clock estimate', async () => {
    const { time, devices, fleet } = setup();
    devices.ok(A, { deviceId: 'one' }, 100);
    fleet.start();
    const id = fleet.addManual(A).deviceKey;
    await time.advance(3000);
    expect(fleet.clockOf(id)!.samples).toBe(4);
    devices.ok(A, { deviceId: 'two' }, -300);
    await time.advance(1000);
    expect(fleet.clockOf(id)!).toMatchObject({ samples: 1 });
    expect(fleet.clockOf(id)!.offsetMs).toBeCloseTo(-300, 6);
  });

  it('the clock flag follows the configured threshold', async () => {
    const { time, devices, fleet } = setup({ clockThresholdMs: 100 });
    devices.ok(A, {}, 90);
    devices.ok(B, {}, -150);
    fleet.start();
    fleet.addManual(A);
    fleet.addManual(B);
    await time.advance(0);
    expect(fleet.list().map((d) => d.clock!.flagged)).toEqual([false, true]);
  });

  it('configure() changes the poll cadence and the clock threshold while running', async () => {
    const { time, devices, fleet, changes } = setup();
    devices.ok(A, {}, 50);
    fleet.start();
    const id = fleet.addManual(A).deviceKey;
    await time.advance(0);
    expect(fleet.get(id)!.clock!.flagged).toBe(true);
    fleet.configure({ clockThresholdMs: 100 });
    expect(changes.at(-1)!.clock!.flagged).toBe(false);
    fleet.configure({ pollIntervalMs: 4000 });
    const n = devices.callsTo(A).length;
    await time.advance(1000); // the poll already scheduled under the old interval
    await time.advance(8000);
    expect(devices.callsTo(A).length - n).toBe(3);
    expect(fleet.get(id)!.state).toBe('online');
  });

  it('setDiscovery() swaps the source while running', async () => {
    const { time, devices, discovery, fleet } = setup();
    devices.ok(A);
    fleet.start();
    const next = new FakeDiscovery();
    next.see('multiCam-N', ['10.0.0.1'], 8080);
    fleet.setDiscovery(next);
    expect(discovery.listenerCount()).toBe(0);
    expect(next.listenerCount()).toBe(2);
    await time.advance(0);
    expect(fleet.get('multiCam-N')!.state).toBe('online');
    fleet.setDiscovery(null);
    expect(next.listenerCount()).toBe(0);
  });

  it('start() subscribes to discovery and stop() unsubscribes', async () => {
    const { discovery, fleet } = setup();
    fleet.start();
    expect(discovery.listenerCount()).toBe(2);
    await fleet.stop();
    expect(discovery.listenerCount()).toBe(0);
  });
});

describe('parseManualAddress', () => {
  it.each([
    ['10.0.0.5', '10.0.0.5:8080'],
    ['10.0.0.5:9000', '10.0.0.5:9000'],
    ['Phone-1.local', 'phone-1.local:8080'],
    ['[::1]:8081', '[::1]:8081'],
    ['[FE80::1]', '[fe80::1]:8080'],
    ['::1', '[::1]:8080'],
    ['localhost:1', 'localhost:1'],
  ])('accepts %s', (input, key) => {
    expect(parseManualAddress(input).key).toBe(key);
  });
  it.each([
    '',
    '   ',
    'http://10.0.0.5',
    '10.0.0.5:0',
    '10.0.0.5:65536',
    '10.0.0.5:80a',
    '10.0.0.5:+80',
    '10.0.0.5:',
    '1.2.3',
    '01.2.3.4',
    '256.1.1.1',
    'user@host',
    'a b',
    'host/path',
    '-bad.local',
    '[10.0.0.1]:80',
    '[::1',
    'x'.repeat(301),
  ])('refuses %j', (input) => {
    expect(() => parseManualAddress(input)).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
  });
  it('refuses non-text', () => {
    expect(() => parseManualAddress(42)).toThrow(/not text/);
  });
});

/**
 * Add device says what it found, a duplicate is refused, an IPv6 entry survives a restart
 * unchanged and Remove forgets it (real controller, real sims on loopback, real settings files).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSimDevice } from '../../sim/index';
import type { Controller } from './controller';
import { startControllerRig, type ControllerDirs, type ControllerRig } from './controller.testing';
import { refusedPort } from './device-client/servers.testing';

let rig: ControllerRig;
beforeEach(() => {
  rig = startControllerRig('mc-ctl-trust-', { virtualTime: true });
});
afterEach(() => rig.stop());

const dirs = () => rig.dirs();
const make = (d: ControllerDirs, recordingsDir = d.recordingsDir): Promise<Controller> => rig.controller({ ...d, recordingsDir });

const saved = (d: ControllerDirs) => JSON.parse(readFileSync(join(d.userDataDir, 'settings.json'), 'utf8')) as { manualDevices: string[] };

describe('add device', () => {
  it('answers with what the device said: a refusal at once, an answer with its own name', async () => {
    const d = dirs();
    const c = await make(d);
    const port = await refusedPort();
    const t0 = Date.now();
    const refused = await c.addDevice(`127.0.0.1:${port}`);
    expect(Date.now() - t0).toBeLessThan(1500); // known at once, not after the 5 s offline deadline
    if (!refused.ok) throw new Error(refused.error.message);
    expect(refused.value.lastSeen).toBeNull();
    expect(refused.value.stateReason).toBe('not answering yet: connection refused');

    const sim = await startSimDevice({ personality: 'spec', host: '127.0.0.1' });
    rig.defer(() => sim.stop());
    const ok = await c.addDevice(`127.0.0.1:${sim.port}`);
    if (!ok.ok) throw new Error(ok.error.message);
    expect(ok.value.lastSeen).not.toBeNull();
    expect(ok.value.name).toBe(sim.deviceId); // its reported name, not its address

    const dup = await c.addDevice(` 127.0.0.1:${sim.port}`);
    expect(dup.ok ? 'ok' : dup.error).toEqual({ code: 'exists', message: `127.0.0.1:${sim.port} is already in the list as ${sim.deviceId}.` });
    expect((await c.getSnapshot()).ok && ((await c.getSnapshot()) as { value: { devices: unknown[] } }).value.devices).toHaveLength(2);
  });

  it('an IPv6 [::1]:port entry survives a restart unchanged, and Remove removes it from the saved settings', async () => {
    const d = dirs();
    const sim = await startSimDevice({ personality: 'spec', host: '::1' });
    rig.defer(() => sim.stop());
    const address = `[::1]:${sim.port}`;
    const a = await make(d);
    const added = await a.addDevice(address);
    if (!added.ok) throw new Error(added.error.message);
    expect(added.value.deviceKey).toBe(address);
    expect(saved(d).manualDevices).toEqual([address]);
    await a.shutdown();

    const b = await make(d);
    const snap = await b.getSnapshot();
    if (!snap.ok) throw new Error('snapshot');
    expect(snap.value.devices.map((x) => [x.deviceKey, x.host, x.port])).toEqual([[address, '::1', sim.port]]);
    expect((await b.removeDevice(address)).ok).toBe(true);
    expect(saved(d).manualDevices).toEqual([]);
    await b.shutdown();
    const c = await make(d);
    const after = await c.getSnapshot();
    expect(after.ok && after.value.devices).toEqual([]);
  });
});

describe('settings are checked when saved; starting a take is bounded', () => {
  it('refuses a recordings folder under a regular file or under /proc, in plain words, quickly', async () => {
    const d = dirs();
    const c = await make(d);
    const file = join(d.recordingsDir, '..', 'a-file');
    writeFileSync(file, 'x');
    const underFile = await c.updateSettings({ recordingsDir: join(file, 'takes') });
    expect(underFile.ok ? 'saved' : underFile.error.message).toBe(`Recordings folder: part of ${join(file, 'takes')} is a file, not a folder.`);
    const t0 = Date.now();
    const proc = await c.updateSettings({ recordingsDir: '/proc/multicam-test/takes' });
    expect(Date.now() - t0).toBeLessThan(4_000);
    expect(proc.ok ? 'saved' : proc.error.message).toMatch(/^Recordings folder: \/proc\/multicam-test\/takes cannot be created there/);
    const zod = await c.updateSettings({ delaySeconds: 0.1 });
    expect(zod.ok ? 'saved' : zod.error.message).toBe('Start delay must be at least 0.5 s.');
    const fine = await c.updateSettings({ recordingsDir: join(d.recordingsDir, 'elsewhere') });
    expect(fine.ok).toBe(true);
  });

  it('a take whose folder cannot be made fails at once with the reason, and Record is free again', async () => {
    const d = dirs();
    const sim = await startSimDevice({ personality: 'spec', host: '127.0.0.1' });
    rig.defer(() => sim.stop());
    // Valid when saved; later something else took its place (a vanished mount, a file).
    mkdirSync(join(d.recordingsDir, '..'), { recursive: true });
    const c = await make(d, '/proc/multicam-test/takes');
    expect((await c.addDevice(`127.0.0.1:${sim.port}`)).ok).toBe(true);
    const t0 = Date.now();
    const first = await c.startTake({});
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(first.ok ? 'started' : first.error.message).toMatch(/^Cannot start the take: \/proc\/multicam-test\/takes cannot be created there/);
    const second = await c.startTake({});
    expect(second.ok ? 'started' : second.error.message).not.toMatch(/another take is starting/);
    expect(sim.received.map((x) => x.command)).not.toContain('START_RECORDING');
  });
});

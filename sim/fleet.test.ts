/** startSimFleet: personalities, ports, per-device ids and folders, cleanup on failure. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSimFleet } from './fleet';
import { ask, command } from './client.testing';

const dir = mkdtempSync(join(tmpdir(), 'sim-fleet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function freePortRun(n: number): Promise<number> {
  // Find n consecutive free ports by probing; the kernel picks the first.
  for (let attempt = 0; attempt < 20; attempt++) {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const base = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    if (base + n > 65535) continue;
    return base;
  }
  throw new Error('no port run');
}

describe('startSimFleet', () => {
  it('mixed: ios, android, oak, spec, ios…; ids and folders per device; all serve', async () => {
    const fleet = await startSimFleet({ count: 5, personality: 'mixed', deviceId: 'Rig', filesDir: dir });
    try {
      expect(fleet.map((d) => d.personality)).toEqual(['ios', 'android', 'oak', 'spec', 'ios']);
      expect(fleet.map((d) => d.deviceId)).toEqual(['Rig-1', 'Rig-2', 'Rig-3', 'Rig-4', 'Rig-5']);
      expect(new Set(fleet.map((d) => d.port)).size).toBe(5);
      expect(fleet[0]!.filesDir).toBe(join(dir, 'device-1'));
      for (const d of fleet) expect((await ask(d.port, command('DEVICE_STATUS'))).deviceId).toBe(d.deviceId);
    } finally {
      await Promise.all(fleet.map((d) => d.stop()));
    }
    expect(existsSync(join(dir, 'device-1'))).toBe(true); // a given folder is never removed
  });

  it('a base port gives P, P+1, …', async () => {
    const base = await freePortRun(2);
    let fleet;
    try {
      fleet = await startSimFleet({ count: 2, personality: 'spec', port: base });
    } catch {
      return; // another process took a port in the run meanwhile: nothing to assert
    }
    try {
      expect(fleet.map((d) => d.port)).toEqual([base, base + 1]);
    } finally {
      await Promise.all(fleet.map((d) => d.stop()));
    }
  });

  it('if one device cannot start, the others are stopped and the error surfaces', async () => {
    // 65535 is outside the ephemeral range, so only an explicit listener could hold it; 65536 cannot exist.
    await expect(startSimFleet({ count: 2, personality: 'android', port: 65535 })).rejects.toThrow(/port/i);
    const again = createServer();
    const freed = await new Promise<boolean>((r) => {
      again.once('error', () => r(false));
      again.listen(65535, '127.0.0.1', () => r(true));
    });
    await new Promise((r) => again.close(r));
    expect(freed).toBe(true); // the device that did start on 65535 was stopped again
  });

  it('rejects a bad count', async () => {
    await expect(startSimFleet({ count: 0, personality: 'ios' })).rejects.toThrow(RangeError);
  });
});

/**
 * Real mDNS, but only inside a network namespace this test creates (loopback with multicast on),
 * never on the machine's interfaces. Skipped when not root or when namespaces are unavailable.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const ns = `simmdns-${process.pid}`;
function canUseNetns(): boolean {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  try {
    execFileSync('ip', ['netns', 'add', ns], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' });
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'multicast', 'on'], { stdio: 'ignore' });
    return true;
  } catch {
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    return false;
  }
}
const available = canUseNetns();
// CI runs as root: there the namespace must work, so its absence is a failure, not a skip.
if (!available && process.env.CI) throw new Error('sim/mdns.test: a private network namespace is required in CI but could not be made');
if (!available) console.warn('sim/mdns.test: skipped — needs root and ip netns');

function probe(personality: string): Record<string, unknown> {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', 'sim/mdns-probe.ts', personality], {
    cwd: root,
    encoding: 'utf8',
    timeout: 40_000,
  });
  if (r.status !== 0) throw new Error(`probe failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe.skipIf(!available)('mDNS advertising (inside a private network namespace)', () => {
  afterAll(() => {
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  });

  it('oak: `multiCam-oak-{uuid}` on _multicam._tcp with deviceId= TXT, and a goodbye on stop()', () => {
    const r = probe('oak');
    expect(String(r.advertisedName)).toMatch(/^multiCam-oak-[0-9a-f-]{36}$/);
    expect(r.up).toMatchObject({ name: r.advertisedName, port: r.port, type: 'multicam', txt: { deviceId: expect.any(String) } });
    expect(r.goodbye).toBe(true);
  }, 60_000);

  it('ios: `multiCam-{deviceId}`, no TXT', () => {
    const r = probe('ios');
    expect(String(r.advertisedName)).toMatch(/^multiCam-[A-Za-z]+-[0-9A-F]{8}$/);
    expect(r.up).toMatchObject({ name: r.advertisedName, port: r.port });
    expect((r.up as { txt: unknown }).txt ?? {}).toEqual({});
  }, 60_000);
});

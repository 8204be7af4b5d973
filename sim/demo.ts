/**
 * Demo mode: virtual cameras started in-process by the desktop app or browser mode
 * ("Add virtual cameras"), so a newcomer can try the whole flow with no phones around.
 */
import { startSimFleet } from './fleet';
import type { Personality } from './types';

export interface VirtualDevice {
  host: string;
  port: number;
  /** The id the device reports: its one name in the app, the CLI and its file names. */
  name: string;
  stop(): Promise<void>;
}

export async function startVirtualDevices(count: number, personality: Personality | 'mixed' = 'mixed'): Promise<VirtualDevice[]> {
  const devices = await startSimFleet({ count, personality, host: '127.0.0.1' });
  return devices.map((d) => ({ host: d.host, port: d.port, name: d.deviceId, stop: () => d.stop() }));
}

/**
 * Virtual cameras that film the one shared scene (real files with sound when ffmpeg is
 * installed), each a little off in start and clock rate like real phones, so the app's sync
 * analysis, alignment picture and editor export have something true to show.
 */
export async function startSceneCameras(count: number, personality: Personality | 'mixed' = 'mixed'): Promise<VirtualDevice[]> {
  const out: VirtualDevice[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const [d] = await startSimFleet({
        count: 1,
        personality: personality === 'mixed' ? (['ios', 'android', 'oak', 'spec'] as const)[i % 4]! : personality,
        host: '127.0.0.1',
        driftPpm: Math.round((Math.random() * 2 - 1) * 40),
        scene: {
          startErrorMs: Math.round((Math.random() * 2 - 1) * 2000) / 100,
          avSkewMs: Math.round(Math.random() * 1000) / 100,
          width: 320,
          height: 180,
          fps: { num: 30000, den: 1001 },
        },
      });
      out.push({ host: d!.host, port: d!.port, name: d!.deviceId, stop: () => d!.stop() });
    }
  } catch (e) {
    await Promise.all(out.map((d) => d.stop().catch(() => undefined)));
    throw e;
  }
  return out;
}

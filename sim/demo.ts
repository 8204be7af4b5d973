/**
 * Demo mode: virtual cameras started in-process by the desktop app or browser mode
 * ("Add virtual cameras"), so a newcomer can try the whole flow with no phones around.
 */
import { startSimFleet } from './fleet';
import type { Personality } from './types';

export interface VirtualDevice {
  host: string;
  port: number;
  name: string;
  stop(): Promise<void>;
}

export async function startVirtualDevices(count: number, personality: Personality | 'mixed' = 'mixed'): Promise<VirtualDevice[]> {
  const devices = await startSimFleet({ count, personality, host: '127.0.0.1' });
  return devices.map((d) => ({ host: d.host, port: d.port, name: d.name, stop: () => d.stop() }));
}

/** Several virtual devices at once: one personality, or `mixed` (ios, android, oak, spec, ios, …). */
import { join } from 'node:path';
import { startSimDevice } from './device';
import { PERSONALITIES, type Personality, type SimDevice, type SimDeviceOptions } from './types';

export type SimFleetOptions = Omit<SimDeviceOptions, 'personality' | 'port'> & {
  count: number;
  personality: Personality | 'mixed';
  /** Base port: devices listen on P, P+1, …; 0 or absent = free ports. */
  port?: number;
};

export async function startSimFleet(opts: SimFleetOptions): Promise<SimDevice[]> {
  const { count, personality, port, ...rest } = opts;
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, not ${count}`);
  const settled = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => {
      const p: Personality = personality === 'mixed' ? PERSONALITIES[i % PERSONALITIES.length]! : personality;
      const one: SimDeviceOptions = { ...rest, personality: p, port: port ? port + i : 0 };
      // Shared options that must stay unique per device get a suffix / a subfolder.
      if (rest.deviceId) one.deviceId = count > 1 ? `${rest.deviceId}-${i + 1}` : rest.deviceId;
      if (rest.name) one.name = count > 1 ? `${rest.name}-${i + 1}` : rest.name;
      if (rest.filesDir) one.filesDir = join(rest.filesDir, `device-${i + 1}`);
      return startSimDevice(one);
    }),
  );
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.stop() : undefined)));
    throw failed.reason;
  }
  return settled.map((s) => (s as PromiseFulfilledResult<SimDevice>).value);
}

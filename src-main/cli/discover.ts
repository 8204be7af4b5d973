/** mDNS discovery for the CLI: browse for a while, then the devices seen (IPv4 address first). */
import { isIPv4 } from '../../src-shared/address';
import { createDiscovery } from '../core/discovery/discovery';
import type { RecorderDevice } from '../core/recorder/types';
import { UsageError } from './common';

/**
 * Each device comes with an empty `name`: a take names it by the id it reports when it answers
 * (what `status` and the app show), and by its instance name (`key`) only if it never does.
 */
export async function discoverDevices(o: { seconds: number; interfaces: string[] }): Promise<Array<RecorderDevice & { instance: string }>> {
  for (const a of o.interfaces) if (!isIPv4(a)) throw new UsageError(`--interface '${a}' is not a local IPv4 address`);
  const discovery = createDiscovery(o.interfaces.length > 0 ? { interfaces: o.interfaces } : {});
  discovery.start();
  try {
    await new Promise((r) => setTimeout(r, o.seconds * 1000));
    const status = discovery.status();
    if (status.state === 'unavailable') throw new Error(`mDNS discovery unavailable: ${status.reason ?? 'unknown reason'}`);
    return discovery
      .current()
      .filter((s) => s.addresses.length > 0)
      .map((s) => ({ deviceKey: s.instance, instance: s.instance, name: '', host: s.addresses[0]!, port: s.port }));
  } finally {
    await discovery.stop();
  }
}

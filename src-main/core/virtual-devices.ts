/**
 * Virtual cameras for demo mode: in-process sim devices (the composition root passes the
 * factory in, so core never imports sim/), registered in the fleet and stopped with it.
 */
import { errorLine } from '../../src-shared/error-line';
import type { DeviceView } from '../../src-shared/api';
import type { Fleet } from './fleet';

export type Personality = 'ios' | 'android' | 'oak' | 'spec';

/** Starts in-process virtual devices for demo mode. */
export type VirtualDeviceFactory = (
  count: number,
  personality: Personality | 'mixed',
) => Promise<Array<{ host: string; port: number; name: string; stop(): Promise<void> }>>;

/** Virtual cameras in all (each is a TCP server in this process). */
export const MAX_VIRTUAL_DEVICES = 100;

const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

export class VirtualDevices {
  private readonly running = new Map<string, { stop(): Promise<void> }>();
  /** Being started right now (counted against the limit). */
  private starting = 0;
  private stopped = false;

  constructor(
    private readonly fleet: Fleet,
    private readonly factory: VirtualDeviceFactory | undefined,
    private readonly log: (line: string) => void,
  ) {}

  get available(): boolean {
    return Boolean(this.factory);
  }

  /** Start `count` cameras and add them to the fleet; throws with `code` unsupported or limit. */
  async add(count: number, personality: Personality | 'mixed' = 'mixed'): Promise<DeviceView[]> {
    const factory = this.factory;
    if (!factory) throw coded('unsupported', 'Virtual cameras are not available here.');
    const room = MAX_VIRTUAL_DEVICES - this.running.size - this.starting;
    if (count > room) {
      throw coded(
        'limit',
        room > 0
          ? `Only ${room} more virtual camera${room === 1 ? '' : 's'} can be added (${MAX_VIRTUAL_DEVICES} in all).`
          : `There are already ${MAX_VIRTUAL_DEVICES} virtual cameras.`,
      );
    }
    this.starting += count;
    let started: Awaited<ReturnType<VirtualDeviceFactory>>;
    try {
      started = await factory(count, personality);
    } finally {
      this.starting -= count;
    }
    const views: DeviceView[] = [];
    const unused: Array<{ stop(): Promise<void> }> = [];
    for (const s of started) {
      if (this.stopped) {
        unused.push(s);
        continue;
      }
      try {
        const v = this.fleet.addManual(`${s.host}:${s.port}`, { source: 'virtual' });
        this.running.set(v.deviceKey, s);
        // Named at once by the id the device reports (what the fleet shows once it answers).
        views.push(this.fleet.rename(v.deviceKey, s.name));
        void this.fleet.pollNow(v.deviceKey).catch(() => undefined);
      } catch (e) {
        this.log(`virtual camera ${s.name} not added: ${errorLine(e)}`);
        unused.push(s);
      }
    }
    // A camera we could not register would otherwise keep listening until the process exits.
    await Promise.all(unused.map((s) => s.stop().catch(() => undefined)));
    if (views.length === 0 && started.length > 0) throw new Error('No virtual camera could be added.');
    return views;
  }

  /** The device was removed from the fleet: stop its camera if it is one of ours. */
  async removed(id: string): Promise<void> {
    const v = this.running.get(id);
    if (!v) return;
    this.running.delete(id);
    await v.stop().catch(() => undefined);
  }

  async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.running.values()].map((v) => v.stop().catch(() => undefined)));
    this.running.clear();
  }
}

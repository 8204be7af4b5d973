/**
 * The controller's discovery: made from the settings' interfaces (or handed in by a test),
 * remade when the interfaces change, and described for the header chip.
 */
import type { DiscoveryView } from '../../../src-shared/api';
import { createDiscovery } from './discovery';
import type { Disposable } from '../../../src-shared/event';
import type { Discovery } from './types';

/** false = no mDNS at all (tests); a Discovery = use it; a function or default = made here per interfaces. */
export type DiscoveryOption = Discovery | false | ((interfaces: string[]) => Discovery) | undefined;

export class DiscoveryControl {
  current: Discovery | null = null;
  private subscription: Disposable | null = null;

  constructor(
    private readonly option: DiscoveryOption,
    private readonly onStatus: () => void,
  ) {}

  /** Make the discovery for these interfaces (null when discovery is off). */
  make(interfaces: string[]): Discovery | null {
    const opt = this.option;
    if (opt === false) return null;
    this.current = typeof opt === 'function' ? opt(interfaces) : (opt ?? createDiscovery(interfaces.length ? { interfaces } : {}));
    this.subscription = this.current.onDidChangeStatus(() => this.onStatus());
    return this.current;
  }

  /** Made here (not handed in), so a change of interfaces means a new one. */
  get remakeable(): boolean {
    return this.current !== null && this.option !== false && typeof this.option !== 'object';
  }

  async stop(): Promise<void> {
    this.subscription?.dispose();
    this.subscription = null;
    await this.current?.stop().catch(() => undefined);
  }

  /** Stop the current one and make one for `interfaces` (the caller starts it once wired). */
  async remake(interfaces: string[]): Promise<Discovery | null> {
    await this.stop();
    return this.make(interfaces);
  }

  view(): DiscoveryView {
    if (!this.current) return { state: 'stopped', reason: 'discovery is off', interfaces: [] };
    const s = this.current.status();
    return { state: s.state, reason: s.reason, interfaces: s.interfaces };
  }
}

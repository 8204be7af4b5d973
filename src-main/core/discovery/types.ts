/** What discovery tells the fleet. Implementation: ./discovery.ts (bonjour-service behind this interface). */
import type { Event } from '../../../src-shared/event';

export interface Sighting {
  /** mDNS instance name, e.g. `multiCam-Mountain-A1B2C3D4` (the fleet key). */
  instance: string;
  /** Addresses from the answer, IPv4 first (link-local IPv6 kept, last). */
  addresses: string[];
  port: number;
  /** TXT as strings; unreliable across device apps (may be empty). */
  txt: Record<string, string>;
  /** Local interface address the answer arrived on, when known. */
  via: string | null;
  /** ms epoch when this answer was seen. */
  seenAt: number;
  /** ms after which the answer expires unless refreshed. */
  ttlMs: number;
}

export interface InterfaceStatus {
  /** Local IPv4 address browsed on. */
  address: string;
  state: 'running' | 'unavailable' | 'stopped';
  /** e.g. "10.77.0.9: EADDRNOTAVAIL (no local IPv4 interface has address 10.77.0.9)". */
  reason: string | null;
}

export interface DiscoveryStatus {
  /** 'running' while at least one interface browses; 'unavailable' when none can. */
  state: 'running' | 'unavailable' | 'stopped';
  /**
   * Why discovery (or some interface) is unavailable: "<interface>: <error code> (<message>)",
   * joined with "; " when several failed. Non-null with state 'running' means degraded.
   */
  reason: string | null;
  interfaces: string[];
  /** Per interface detail (added compatibly; absent from older producers). */
  perInterface?: InterfaceStatus[];
}

/** A device left: goodbye packet, or TTL expired without refresh. */
export interface DiscoveryGone {
  instance: string;
  reason: 'goodbye' | 'expired';
}

export interface Discovery {
  start(): void;
  /** Ask again now (the "Refresh" button). */
  refresh(): void;
  stop(): Promise<void>;
  status(): DiscoveryStatus;
  current(): Sighting[];
  /** A new device or a changed answer (new address/port/TXT). Not re-fired for identical answers. */
  readonly onDidSeeDevice: Event<Sighting>;
  readonly onDidLoseDevice: Event<DiscoveryGone>;
  readonly onDidChangeStatus: Event<DiscoveryStatus>;
}

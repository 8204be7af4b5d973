/**
 * Discovery: browses `_multicam._tcp` on every chosen IPv4 interface and turns mDNS answers into
 * sightings (see ./types.ts). It owns expiry (from the SRV/A TTLs), dedupe, goodbyes and the
 * per-interface status; the mDNS sockets sit behind `MdnsFactory` (default: bonjour-service).
 *
 * A socket/bind failure never throws out of `start()`: that interface is marked unavailable (with
 * its address and error code) and the others keep running; `refresh()` retries failed interfaces.
 */
import { networkInterfaces as osNetworkInterfaces } from 'node:os';
import { orderAddresses } from './addresses';
import { normaliseTxt } from './txt';
import { bonjourMdnsFactory, type MdnsAnswer, type MdnsError, type MdnsFactory, type MdnsLike, type MdnsTxtUpdate } from './mdns';
import { Emitter } from '../../../src-shared/event';
import type { Discovery, DiscoveryGone, DiscoveryStatus, InterfaceStatus, Sighting } from './types';

export interface Scheduler {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface DiscoveryOptions {
  /** Local IPv4 addresses to browse on; default every non-internal IPv4 interface. */
  interfaces?: string[];
  mdnsFactory?: MdnsFactory;
  now?: () => number;
  /** Periodic re-query (also refreshes TTLs); default 15 s. 0 disables. */
  requeryIntervalMs?: number;
  /** How often expired answers are looked for; default 1 s. */
  expiryCheckMs?: number;
  /** TTL when an answer carries none; default 120 s (bonjour-service's SRV/A TTL). */
  defaultTtlMs?: number;
  /** Cap on any answer's TTL (default 75 min; tests use a short one so a killed device expires quickly). */
  maxTtlMs?: number;
  /** Most devices remembered at once (default 2000); answers for more are ignored. */
  maxEntries?: number;
  scheduler?: Scheduler;
  /** Used only to pick the default interfaces. */
  networkInterfaces?: typeof osNetworkInterfaces;
}

/** Every non-internal IPv4 address on this machine. */
export function defaultInterfaces(list: typeof osNetworkInterfaces = osNetworkInterfaces): string[] {
  return Object.values(list())
    .flat()
    .filter((i) => i && i.family === 'IPv4' && !i.internal)
    .map((i) => i!.address);
}

const realScheduler: Scheduler = {
  setInterval: (fn, ms) => {
    const h = setInterval(fn, ms);
    h.unref?.(); // discovery alone must not keep a CLI process alive
    return h;
  },
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

interface Entry {
  sighting: Sighting;
  key: string;
}

interface Iface {
  address: string;
  mdns: MdnsLike | null;
  state: 'running' | 'unavailable' | 'stopped';
  reason: string | null;
}

const describeError = (address: string, err: MdnsError | undefined): string => {
  const code = err?.code ?? 'ERROR';
  const msg = err?.message ? ` (${err.message})` : '';
  return `${address}: ${code}${msg}`;
};

export function createDiscovery(options: DiscoveryOptions = {}): Discovery {
  const now = options.now ?? Date.now;
  const factory = options.mdnsFactory ?? bonjourMdnsFactory();
  const scheduler = options.scheduler ?? realScheduler;
  const requeryMs = options.requeryIntervalMs ?? 15_000;
  const expiryMs = options.expiryCheckMs ?? 1_000;
  const defaultTtl = options.defaultTtlMs ?? 120_000;
  // Answers are anyone's on the LAN: cap what one may claim (RFC 6762's 75 min for such records)
  // and how many devices we remember, so a flood cannot grow memory without bound.
  const maxTtl = options.maxTtlMs ?? 75 * 60_000;
  const maxEntries = options.maxEntries ?? 2_000;

  const onDidSeeDevice = new Emitter<Sighting>('discovery: sighting');
  const onDidLoseDevice = new Emitter<DiscoveryGone>('discovery: gone');
  const onDidChangeStatus = new Emitter<DiscoveryStatus>('discovery: status');
  const entries = new Map<string, Entry>();
  let ifaces: Iface[] = [];
  let running = false;
  let timers: unknown[] = [];
  let generation = 0; // events from an mdns instance of a previous start() are ignored

  const status = (): DiscoveryStatus => {
    const perInterface: InterfaceStatus[] = ifaces.map((i) => ({ address: i.address, state: i.state, reason: i.reason }));
    const reasons = ifaces.filter((i) => i.state === 'unavailable').map((i) => i.reason ?? i.address);
    let state: DiscoveryStatus['state'];
    if (!running) state = 'stopped';
    else state = ifaces.some((i) => i.state === 'running') ? 'running' : 'unavailable';
    let reason = reasons.length ? reasons.join('; ') : null;
    if (running && ifaces.length === 0) reason = 'no IPv4 network interface to browse on';
    return { state, reason, interfaces: ifaces.map((i) => i.address), perInterface };
  };
  let lastStatusKey = '';
  const publishStatus = () => {
    const s = status();
    const key = JSON.stringify(s);
    if (key === lastStatusKey) return;
    lastStatusKey = key;
    onDidChangeStatus.fire(s);
  };

  const ttlOf = (seconds: number | null) => Math.min(maxTtl, seconds === null ? defaultTtl : seconds * 1000);

  const onAnswer = (iface: Iface, a: MdnsAnswer) => {
    const instance = a.name;
    if (!instance) return;
    const prev = entries.get(instance);
    if (!prev && entries.size >= maxEntries) return;
    let addresses = orderAddresses(a.addresses);
    if (addresses.length === 0) {
      // No usable address in this packet: keep the known ones, or wait for a fuller answer.
      if (!prev) return;
      addresses = prev.sighting.addresses;
    }
    const txt = a.txt === undefined && prev ? prev.sighting.txt : normaliseTxt(a.txt);
    const key = JSON.stringify([addresses, a.port, Object.entries(txt).sort()]);
    const same = prev !== undefined && prev.key === key;
    // `via` stays with the interface of the first answer until the answer changes.
    const via = same ? prev.sighting.via : iface.address;
    const sighting: Sighting = { instance, addresses, port: a.port, txt, via, seenAt: now(), ttlMs: ttlOf(a.ttlSeconds) };
    entries.set(instance, { sighting, key });
    // Identical answers (re-announcements, replies to our queries, the same answer on a second
    // interface) only refresh the TTL.
    if (same) return;
    onDidSeeDevice.fire({ ...sighting, addresses: [...addresses], txt: { ...txt } });
  };

  const onTxt = (u: MdnsTxtUpdate) => {
    const prev = entries.get(u.name);
    if (!prev) return; // no SRV/address yet: nothing the fleet could use
    const txt = normaliseTxt(u.txt);
    const sighting: Sighting = { ...prev.sighting, txt, seenAt: now() };
    const key = JSON.stringify([sighting.addresses, sighting.port, Object.entries(txt).sort()]);
    entries.set(u.name, { sighting, key });
    if (key !== prev.key) onDidSeeDevice.fire({ ...sighting, addresses: [...sighting.addresses], txt: { ...txt } });
  };

  const onGoodbye = (instance: string) => {
    if (!entries.delete(instance)) return;
    onDidLoseDevice.fire({ instance, reason: 'goodbye' });
  };

  const sweep = () => {
    const t = now();
    for (const [instance, e] of [...entries]) {
      if (t > e.sighting.seenAt + e.sighting.ttlMs) {
        entries.delete(instance);
        onDidLoseDevice.fire({ instance, reason: 'expired' });
      }
    }
  };

  const open = (iface: Iface) => {
    const gen = generation;
    const markFailed = (err: MdnsError | undefined) => {
      if (gen !== generation || iface.state === 'unavailable') return;
      iface.state = 'unavailable';
      iface.reason = describeError(iface.address, err);
      const m = iface.mdns;
      iface.mdns = null;
      void m?.destroy().catch(() => undefined);
      publishStatus();
    };
    try {
      const m = factory({ interface: iface.address, bind: '0.0.0.0' });
      iface.mdns = m;
      iface.state = 'running';
      iface.reason = null;
      const live = () => gen === generation && iface.mdns === m;
      m.onDidAnswer((a) => live() && onAnswer(iface, a));
      m.onDidSayGoodbye((g) => live() && onGoodbye(g.name));
      m.onDidUpdateTxt((u) => live() && onTxt(u));
      m.onDidFail((err) => live() && markFailed(err));
    } catch (e) {
      iface.mdns = null;
      iface.state = 'running'; // so markFailed records it
      markFailed(e as MdnsError);
    }
  };

  const api: Discovery = {
    start() {
      if (running) return;
      running = true;
      generation++;
      let addrs: string[];
      try {
        addrs = options.interfaces ?? defaultInterfaces(options.networkInterfaces);
      } catch {
        addrs = [];
      }
      ifaces = [...new Set(addrs)].map((address) => ({ address, mdns: null, state: 'running', reason: null }));
      for (const i of ifaces) open(i);
      if (requeryMs > 0) timers.push(scheduler.setInterval(() => api.refresh(), requeryMs));
      if (expiryMs > 0) timers.push(scheduler.setInterval(sweep, expiryMs));
      publishStatus();
    },
    refresh() {
      if (!running) return;
      for (const i of ifaces) {
        if (i.state === 'unavailable')
          open(i); // an interface may have come up since
        else i.mdns?.update();
      }
      sweep();
      publishStatus();
    },
    async stop() {
      if (!running) return;
      running = false;
      generation++;
      for (const t of timers) scheduler.clearInterval(t);
      timers = [];
      const closing = ifaces.map((i) => i.mdns?.destroy().catch(() => undefined));
      for (const i of ifaces) {
        i.mdns = null;
        i.state = 'stopped';
      }
      entries.clear();
      await Promise.all(closing);
      publishStatus();
    },
    status,
    current() {
      return [...entries.values()].map((e) => ({ ...e.sighting, addresses: [...e.sighting.addresses], txt: { ...e.sighting.txt } }));
    },
    onDidSeeDevice: onDidSeeDevice.event,
    onDidLoseDevice: onDidLoseDevice.event,
    onDidChangeStatus: onDidChangeStatus.event,
  };
  return api;
}

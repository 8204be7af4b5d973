/**
 * The mDNS seam: discovery talks to one `MdnsLike` per local interface. The default factory puts
 * bonjour-service (one Bonjour instance + one browser per interface) behind it; unit tests pass a
 * fake that emits the same events.
 *
 * Events: `onDidAnswer` for every answer about an instance (first or repeated: discovery dedupes),
 * `onDidSayGoodbye` for a goodbye, `onDidUpdateTxt` for a TXT-only answer, `onDidFail` for a
 * socket/bind failure (the interface is then unusable). No event is ever thrown out of the adapter.
 */
import { networkInterfaces as osNetworkInterfaces } from 'node:os';
import Bonjour from 'bonjour-service';
import { SERVICE_PROTOCOL, SERVICE_TYPE } from '../../../src-shared/protocol/constants';
import { parseResponse, type MdnsAnswer, type MdnsGoodbye, type MdnsTxtUpdate } from './answers';
import { sameIpv4Subnet } from './addresses';
import { Emitter, type Event } from '../../../src-shared/event';

export type { MdnsAnswer, MdnsGoodbye, MdnsTxtUpdate } from './answers';

export interface MdnsError extends Error {
  code?: string;
  syscall?: string;
}

export interface MdnsLike {
  readonly onDidAnswer: Event<MdnsAnswer>;
  readonly onDidSayGoodbye: Event<MdnsGoodbye>;
  readonly onDidUpdateTxt: Event<MdnsTxtUpdate>;
  readonly onDidFail: Event<MdnsError>;
  /** Send a PTR query for the service now. */
  update(): void;
  /** Close the socket; resolves even if the socket never opened. */
  destroy(): Promise<void>;
}

export interface MdnsFactoryOptions {
  /** Local IPv4 address of the interface to use. */
  interface: string;
  /** Bind address: '0.0.0.0' (binding the unicast address stops multicast reception). */
  bind: string;
}
export type MdnsFactory = (opts: MdnsFactoryOptions) => MdnsLike;

export const SERVICE_FQDN = `_${SERVICE_TYPE}._${SERVICE_PROTOCOL}.local`;

type NetworkInterfaces = typeof osNetworkInterfaces;

/** The subset of multicast-dns that bonjour-service keeps in `bonjour.server.mdns`. */
interface RawMdns {
  on(event: 'response', l: (packet: unknown, rinfo: { address: string; family: string }) => void): void;
  on(event: 'error' | 'warning', l: (err: MdnsError) => void): void;
}

function errorWithCode(message: string, code: string): MdnsError {
  const e = new Error(message) as MdnsError;
  e.code = code;
  return e;
}

/** Default factory: bonjour-service on one interface. `networkInterfaces` is injectable for tests. */
export function bonjourMdnsFactory(deps: { networkInterfaces?: NetworkInterfaces } = {}): MdnsFactory {
  const listInterfaces = deps.networkInterfaces ?? osNetworkInterfaces;
  return (opts) => {
    const answered = new Emitter<MdnsAnswer>('mdns: answer');
    const goodbye = new Emitter<MdnsGoodbye>('mdns: goodbye');
    const txtUpdated = new Emitter<MdnsTxtUpdate>('mdns: txt-update');
    const failedWith = new Emitter<MdnsError>('mdns: error');
    let bonjour: Bonjour | null = null;
    let browser: ReturnType<Bonjour['find']> | null = null;
    let failed = false;
    let destroyed: Promise<void> | null = null;

    const fail = (err: MdnsError) => {
      if (failed) return;
      failed = true;
      failedWith.fire(err);
    };

    // Refuse an address that is not on this machine *before* opening a socket: multicast-dns only
    // warns when it cannot join the group there, and its queries would then leave by the default
    // multicast route (a real LAN interface).
    const local = Object.values(listInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && i.address === opts.interface);
    if (!local) {
      setImmediate(() => fail(errorWithCode(`no local IPv4 interface has address ${opts.interface}`, 'EADDRNOTAVAIL')));
    } else {
      try {
        bonjour = new Bonjour({ interface: opts.interface, bind: opts.bind } as unknown as ConstructorParameters<typeof Bonjour>[0], (err: MdnsError) =>
          fail(err),
        );
        const mdns = (bonjour as unknown as { server: { mdns: RawMdns } }).server.mdns;
        // multicast-dns emits 'error' for EADDRINUSE/EACCES (unhandled it would crash the process)
        // and 'warning' for the rest; a warning with a system error code (addMembership,
        // setMulticastInterface) means this interface cannot do multicast.
        mdns.on('error', (err) => fail(err));
        mdns.on('warning', (err) => {
          if (err && typeof err.code === 'string') fail(err);
        });
        mdns.on('response', (packet, rinfo) => {
          if (failed || destroyed) return;
          // With bind 0.0.0.0 the kernel also delivers packets that arrived on other interfaces
          // (IP_MULTICAST_ALL): keep only answers from this interface's subnet.
          if (rinfo?.family === 'IPv4' && !sameIpv4Subnet(rinfo.address, local.address, local.netmask)) return;
          const parsed = parseResponse(packet, SERVICE_FQDN, rinfo?.address ?? null);
          for (const g of parsed.goodbyes) goodbye.fire(g);
          for (const a of parsed.answers) answered.fire(a);
          for (const t of parsed.txtUpdates) txtUpdated.fire(t);
        });
        // The browser sends the PTR queries (now and on update()); its own up/down events are not
        // used (see ./answers.ts for why).
        browser = bonjour.find({ type: SERVICE_TYPE, protocol: SERVICE_PROTOCOL as 'tcp' });
      } catch (e) {
        const err = e as MdnsError;
        setImmediate(() => fail(err));
      }
    }

    return {
      onDidAnswer: answered.event,
      onDidSayGoodbye: goodbye.event,
      onDidUpdateTxt: txtUpdated.event,
      onDidFail: failedWith.event,
      update() {
        if (failed || destroyed || !browser) return;
        try {
          browser.update();
        } catch (e) {
          fail(e as MdnsError);
        }
      },
      destroy() {
        destroyed ??= new Promise<void>((resolve) => {
          try {
            browser?.stop();
          } catch {
            /* already stopped */
          }
          if (!bonjour) return resolve();
          // A socket that never bound may not call back: do not let stop() hang on it.
          const guard = setTimeout(resolve, 1000);
          guard.unref?.();
          try {
            bonjour.destroy(() => {
              clearTimeout(guard);
              resolve();
            });
          } catch {
            clearTimeout(guard);
            resolve();
          }
        });
        return destroyed;
      },
    };
  };
}

/** createDiscovery against a fake mdns (the bonjour-service subset we use) and a manual clock. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDiscovery, defaultInterfaces, type Scheduler } from './discovery';
import { bonjourMdnsFactory, type MdnsError, type MdnsFactoryOptions, type MdnsLike } from './mdns';
import type { MdnsAnswer, MdnsGoodbye, MdnsTxtUpdate } from './answers';
import { Emitter } from '../../../src-shared/event';

/** What a fake socket can say, by the names the real adapter's packets map to. */
interface MdnsEvents {
  up: MdnsAnswer;
  down: MdnsGoodbye;
  'txt-update': MdnsTxtUpdate;
  error: MdnsError;
}
import type { Discovery, DiscoveryStatus, Sighting } from './types';

class FakeMdns implements MdnsLike {
  private readonly emitters: { [E in keyof MdnsEvents]: Emitter<MdnsEvents[E]> } = {
    up: new Emitter<MdnsAnswer>(),
    down: new Emitter<MdnsGoodbye>(),
    'txt-update': new Emitter<MdnsTxtUpdate>(),
    error: new Emitter<MdnsError>(),
  };
  readonly onDidAnswer = this.emitters.up.event;
  readonly onDidSayGoodbye = this.emitters.down.event;
  readonly onDidUpdateTxt = this.emitters['txt-update'].event;
  readonly onDidFail = this.emitters.error.event;
  updates = 0;
  destroyed = false;
  constructor(readonly opts: MdnsFactoryOptions) {}
  emit<E extends keyof MdnsEvents>(event: E, value: MdnsEvents[E]) {
    this.emitters[event].fire(value);
  }
  update() {
    this.updates++;
  }
  async destroy() {
    this.destroyed = true;
  }
}

function answer(name: string, over: Partial<MdnsAnswer> = {}): MdnsAnswer {
  return {
    name,
    fqdn: `${name}._multicam._tcp.local`,
    host: `${name}.local`,
    port: 8080,
    addresses: ['10.0.0.5'],
    txt: undefined,
    ttlSeconds: 120,
    referer: '10.0.0.5',
    ...over,
  };
}

function setup(opts: { interfaces?: string[]; throwFor?: string; maxTtlMs?: number; requeryIntervalMs?: number } = {}) {
  let t = 1_000_000;
  const made: FakeMdns[] = [];
  const intervals: Array<{ fn: () => void; ms: number; cleared: boolean }> = [];
  const scheduler: Scheduler = {
    setInterval: (fn, ms) => {
      const h = { fn, ms, cleared: false };
      intervals.push(h);
      return h;
    },
    clearInterval: (h) => {
      (h as { cleared: boolean }).cleared = true;
    },
  };
  const d = createDiscovery({
    interfaces: opts.interfaces ?? ['10.0.0.1'],
    mdnsFactory: (o) => {
      if (o.interface === opts.throwFor) throw Object.assign(new Error('socket: nope'), { code: 'EACCES' });
      const m = new FakeMdns(o);
      made.push(m);
      return m;
    },
    now: () => t,
    scheduler,
    requeryIntervalMs: opts.requeryIntervalMs ?? 15_000,
    expiryCheckMs: 1_000,
    ...(opts.maxTtlMs ? { maxTtlMs: opts.maxTtlMs } : {}),
  });
  const sightings: Sighting[] = [];
  const gone: Array<[string, string]> = [];
  const statuses: DiscoveryStatus[] = [];
  d.onDidSeeDevice((s) => sightings.push(s));
  d.onDidLoseDevice((g) => gone.push([g.instance, g.reason]));
  d.onDidChangeStatus((s) => statuses.push(s));
  const tickAll = () => intervals.filter((i) => !i.cleared).forEach((i) => i.fn());
  const sweep = () => intervals.filter((i) => !i.cleared && i.ms === 1_000).forEach((i) => i.fn());
  return { d, made, intervals, sightings, gone, statuses, tickAll, sweep, advance: (ms: number) => (t += ms), now: () => t };
}

let current: Discovery | null = null;
afterEach(async () => {
  await current?.stop();
  current = null;
});

describe('createDiscovery (fake mdns)', () => {
  it('an answer claiming a huge TTL still expires (75 min cap); a flood of names is bounded', () => {
    const s = setup();
    current = s.d;
    s.d.start();
    s.made[0]!.emit('up', answer('multiCam-Forever', { ttlSeconds: 2 ** 31 }));
    s.advance(75 * 60_000 + 2_000);
    s.sweep();
    expect(s.gone).toEqual([['multiCam-Forever', 'expired']]);
    for (let i = 0; i < 2_500; i++) s.made[0]!.emit('up', answer(`multiCam-flood-${i}`));
    expect(s.d.current().length).toBe(2_000);
  });

  it('opens one mdns per interface with bind 0.0.0.0 and reports running', () => {
    const s = setup({ interfaces: ['10.0.0.1', '10.1.0.1', '10.0.0.1'] });
    current = s.d;
    s.d.start();
    expect(s.made.map((m) => m.opts)).toEqual([
      { interface: '10.0.0.1', bind: '0.0.0.0' },
      { interface: '10.1.0.1', bind: '0.0.0.0' },
    ]);
    expect(s.d.status()).toMatchObject({ state: 'running', reason: null, interfaces: ['10.0.0.1', '10.1.0.1'] });
    expect(s.statuses.at(-1)?.state).toBe('running');
  });

  it('first answer → sighting with the fields the fleet needs', () => {
    const s = setup();
    current = s.d;
    s.d.start();
    s.made[0]!.emit('up', answer('multiCam-A', { addresses: ['fe80::1', '10.0.0.5'], txt: [Buffer.from('deviceId=A')], ttlSeconds: 60 }));
    expect(s.sightings).toEqual([
      { instance: 'multiCam-A', addresses: ['10.0.0.5', 'fe80::1'], port: 8080, txt: { deviceId: 'A' }, via: '10.0.0.1', seenAt: s.now(), ttlMs: 60_000 },
    ]);
    expect(s.d.current()).toHaveLength(1);
  });

  it('duplicate answers give no event but refresh the TTL', () => {
    const s = setup();
    current = s.d;
    s.d.start();
    s.made[0]!.emit('up', answer('multiCam-A'));
    s.advance(100_000);
    s.made[0]!.emit('up', answer('multiCam-A'));
    expect(s.sightings).toHaveLength(1);
    s.advance(100_000); // 200 s after the first answer, 100 s after the refresh
    s.sweep();
    expect(s.gone).toEqual([]);
    expect(s.d.current()[0]!.seenAt).toBe(s.now() - 100_000);
  });

  it('a re-announcement with a new address or a new port is a new sighting', () => {
    const s = setup();
    current = s.d;
    s.d.start();
    const m = s.made[0]!;
    m.emit('up', answer('multiCam-A'));
    m.emit('up', answer('multiCam-A', { addresses: ['10.0.0.9'] }));
    m.emit('up', answer('multiCam-A', { addresses: ['10.0.0.9'], port: 9090 }));
    expect(s.sightings.map((x) => [x.addresses[0], x.port])).toEqual([
      ['10.0.0.5', 8080],
      ['10.0.0.9', 8080],
      ['10.0.0.9', 9090],
    ]);
  });

  it('IPv6-only and link-local answers are kept, link-local last', () => {
    const s = setup();
    current = s.d;
    s.d.start();
    s.made[0]!.emit('up', answer('multiCam-A', { addresses: ['fe80::2', 'fd00::2'] }));
    expect(s.sightings[0]!.addresses).toEqual(['fd00::2', 'fe80::2']);
  });

  it('an answer without any usable address is ignored for a new device, keeps the old ones otherwise', () => {
    const s = setup();
    current = s.d;
    s.d.start();
    s.made[0]!.emit('up', answer('multiCam-A', { addresses: ['nonsense'] }));
    expect(s.sightings).toEqual([]);
    s.made[0]!.emit('up', answer('multiCam-A'));
    s.made[0]!.emit('up', answer('multiCam-A', { addresses: [], port: 9000 }));
    expect(s.sightings.at(-1)).toMatchObject({ addresses: ['10.0.0.5'], port: 9000 });
  });

  it('TXT oddities: missing, free text, binary, deviceId= — strings, no crash', () => {
    const s = setup();
    current = s.d;
    s.d.start();
    const m = s.made[0]!;
    m.emit('up', answer('multiCam-ios'));
    m.emit('up', answer('multiCam-android', { txt: 'MultiCam Android' }));
    m.emit('up', answer('multiCam-bin', { txt: [Buffer.from([0xff, 0x3d, 0xfe])] }));
    m.emit('up', answer('multiCam-oak-1', { txt: [Buffer.from('deviceId=')] }));
    m.emit('up', answer('multiCam-weird', { txt: { toString: 5 } }));
    expect(s.sightings.map((x) => x.txt)).toEqual<Array<Record<string, string>>>([
      {},
      { 'MultiCam Android': '' },
      { '\uFFFD': '\uFFFD' },
      { deviceId: '' },
      { toString: '5' },
    ]);
  });

  it('txt-update changes the TXT (event), identical or unknown instance → nothing', () => {
    const s = setup();
    current = s.d;
    s.d.start();
    const m = s.made[0]!;
    m.emit('up', answer('multiCam-A', { txt: ['v=1'] }));
    m.emit('txt-update', { name: 'multiCam-A', fqdn: 'x', txt: ['v=2'], ttlSeconds: 4500, referer: null });
    m.emit('txt-update', { name: 'multiCam-A', fqdn: 'x', txt: ['v=2'], ttlSeconds: 4500, referer: null });
    m.emit('txt-update', { name: 'multiCam-B', fqdn: 'x', txt: ['v=2'], ttlSeconds: 4500, referer: null });
    expect(s.sightings.map((x) => [x.instance, x.txt])).toEqual([
      ['multiCam-A', { v: '1' }],
      ['multiCam-A', { v: '2' }],
    ]);
    // An SRV answer without TXT keeps the known TXT (no spurious change).
    m.emit('up', answer('multiCam-A'));
    expect(s.sightings).toHaveLength(2);
  });

  it('goodbye → gone(goodbye); unknown goodbye → nothing; seen again after', () => {
    const s = setup();
    current = s.d;
    s.d.start();
    const m = s.made[0]!;
    m.emit('up', answer('multiCam-A'));
    m.emit('down', { name: 'multiCam-A', fqdn: 'x' });
    m.emit('down', { name: 'multiCam-A', fqdn: 'x' });
    m.emit('down', { name: 'multiCam-Z', fqdn: 'x' });
    expect(s.gone).toEqual([['multiCam-A', 'goodbye']]);
    expect(s.d.current()).toEqual([]);
    m.emit('up', answer('multiCam-A'));
    expect(s.sightings).toHaveLength(2);
  });

  it('expires answers whose TTL passed without refresh; default TTL 120 s; maxTtlMs caps', () => {
    const s = setup();
    current = s.d;
    s.d.start();
    s.made[0]!.emit('up', answer('multiCam-A', { ttlSeconds: 10 }));
    s.made[0]!.emit('up', answer('multiCam-B', { ttlSeconds: null }));
    s.advance(10_000);
    s.sweep();
    expect(s.gone).toEqual([]); // exactly at the TTL: still valid
    s.advance(1);
    s.sweep();
    expect(s.gone).toEqual([['multiCam-A', 'expired']]);
    s.advance(110_000);
    s.sweep();
    expect(s.gone).toEqual([
      ['multiCam-A', 'expired'],
      ['multiCam-B', 'expired'],
    ]);

    const c = setup({ maxTtlMs: 3_000 });
    c.d.start();
    c.made[0]!.emit('up', answer('multiCam-C', { ttlSeconds: 4500 }));
    expect(c.sightings[0]!.ttlMs).toBe(3_000);
    c.advance(3_001);
    c.sweep();
    expect(c.gone).toEqual([['multiCam-C', 'expired']]);
    void c.d.stop();
  });

  it('a socket error on one interface → that interface unavailable (address + code), others keep running', () => {
    const s = setup({ interfaces: ['10.0.0.1', '10.1.0.1'] });
    current = s.d;
    s.d.start();
    const [a, b] = s.made;
    b!.emit('error', Object.assign(new Error('bind EADDRINUSE 0.0.0.0:5353'), { code: 'EADDRINUSE' }));
    const st = s.d.status();
    expect(st.state).toBe('running');
    expect(st.reason).toBe('10.1.0.1: EADDRINUSE (bind EADDRINUSE 0.0.0.0:5353)');
    expect(st.perInterface).toEqual([
      { address: '10.0.0.1', state: 'running', reason: null },
      { address: '10.1.0.1', state: 'unavailable', reason: '10.1.0.1: EADDRINUSE (bind EADDRINUSE 0.0.0.0:5353)' },
    ]);
    expect(b!.destroyed).toBe(true);
    expect(s.statuses.at(-1)).toEqual(st);
    a!.emit('up', answer('multiCam-A'));
    b!.emit('up', answer('multiCam-B')); // a dead interface's late events are ignored
    expect(s.sightings.map((x) => x.instance)).toEqual(['multiCam-A']);
  });

  it('all interfaces failing → unavailable; a throwing factory never escapes start()', () => {
    const s = setup({ interfaces: ['10.9.9.9'], throwFor: '10.9.9.9' });
    current = s.d;
    expect(() => s.d.start()).not.toThrow();
    expect(s.d.status()).toMatchObject({ state: 'unavailable', reason: '10.9.9.9: EACCES (socket: nope)' });
    expect(s.statuses.at(-1)?.state).toBe('unavailable');
  });

  it('no interface at all → unavailable with a reason', () => {
    const s = setup({ interfaces: [] });
    current = s.d;
    s.d.start();
    expect(s.d.status()).toMatchObject({ state: 'unavailable', reason: 'no IPv4 network interface to browse on' });
  });

  it('refresh() re-queries every running interface and retries failed ones; the timer re-queries too', () => {
    const s = setup({ interfaces: ['10.0.0.1', '10.1.0.1'] });
    current = s.d;
    s.d.start();
    s.made[1]!.emit('error', Object.assign(new Error('x'), { code: 'ENODEV' }));
    s.d.refresh();
    expect(s.made[0]!.updates).toBe(1);
    expect(s.made).toHaveLength(3); // 10.1.0.1 reopened
    expect(s.d.status().state).toBe('running');
    expect(s.d.status().reason).toBeNull();
    s.intervals.find((i) => i.ms === 15_000)!.fn();
    expect(s.made[0]!.updates).toBe(2);
    expect(s.made[2]!.updates).toBe(1);
  });

  it('stop() closes sockets, clears timers, forgets devices, ignores late events', async () => {
    const s = setup();
    s.d.start();
    s.made[0]!.emit('up', answer('multiCam-A'));
    await s.d.stop();
    expect(s.made[0]!.destroyed).toBe(true);
    expect(s.intervals.every((i) => i.cleared)).toBe(true);
    expect(s.d.status().state).toBe('stopped');
    expect(s.d.current()).toEqual([]);
    s.made[0]!.emit('up', answer('multiCam-B'));
    expect(s.sightings).toHaveLength(1);
    s.d.start(); // restartable
    expect(s.made).toHaveLength(2);
    await s.d.stop();
  });

  it('a throwing listener does not break discovery; unsubscribe works', () => {
    const s = setup();
    current = s.d;
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const off = s.d.onDidSeeDevice(() => {
      throw new Error('listener bug');
    });
    s.d.start();
    s.made[0]!.emit('up', answer('multiCam-A'));
    off.dispose();
    s.made[0]!.emit('up', answer('multiCam-B'));
    expect(s.sightings).toHaveLength(2);
    expect(err).toHaveBeenCalledTimes(1);
    err.mockRestore();
  });
});

describe('defaults', () => {
  it('default interfaces: every non-internal IPv4', () => {
    const fake = () =>
      ({
        lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
        eth0: [
          { address: '192.168.1.4', family: 'IPv4', internal: false },
          { address: 'fe80::1', family: 'IPv6', internal: false },
        ],
      }) as unknown as ReturnType<typeof import('node:os').networkInterfaces>;
    expect(defaultInterfaces(fake)).toEqual(['192.168.1.4']);
  });

  it('bonjour adapter: an address not on this machine is refused before any socket opens', async () => {
    const factory = bonjourMdnsFactory({ networkInterfaces: () => ({}) });
    const m = factory({ interface: '10.254.254.254', bind: '0.0.0.0' });
    const err = await new Promise<{ code?: string; message: string }>((resolve) => m.onDidFail(resolve));
    expect(err.code).toBe('EADDRNOTAVAIL');
    expect(err.message).toContain('10.254.254.254');
    m.update(); // no-op, no throw
    await m.destroy();
  });
});

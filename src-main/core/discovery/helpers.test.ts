import { describe, expect, it } from 'vitest';
import { normaliseTxt } from './txt';
import { orderAddresses, sameIpv4Subnet } from './addresses';
import { instanceLabel, parseResponse } from './answers';

const SVC = '_multicam._tcp.local';

describe('normaliseTxt', () => {
  it('missing TXT is an empty record', () => {
    expect(normaliseTxt(undefined)).toEqual({});
    expect(normaliseTxt(null)).toEqual({});
    expect(normaliseTxt([])).toEqual({});
  });
  it('decodes key=value entries (multicast-dns gives Buffers), splitting at the first =', () => {
    expect(normaliseTxt([Buffer.from('deviceId=oak-1'), Buffer.from('url=a=b')])).toEqual({ deviceId: 'oak-1', url: 'a=b' });
  });
  it('OAK `deviceId=` is a key with an empty value', () => {
    expect(normaliseTxt([Buffer.from('deviceId=')])).toEqual({ deviceId: '' });
  });
  it('a free-text string (Android) survives as a key', () => {
    expect(normaliseTxt('MultiCam Android 2.1')).toEqual({ 'MultiCam Android 2.1': '' });
    expect(normaliseTxt([Buffer.from('just some text')])).toEqual({ 'just some text': '' });
  });
  it('binary / non-UTF-8 bytes become strings (U+FFFD), never a throw', () => {
    const t = normaliseTxt([Buffer.from([0x6b, 0x3d, 0xff, 0xfe, 0x00, 0x41]), Buffer.from([0xc3])]);
    expect(typeof t.k).toBe('string');
    expect(t.k).toContain('\uFFFD');
    expect(Object.values(t).every((v) => typeof v === 'string')).toBe(true);
  });
  it('duplicate keys: first wins, case-insensitively (RFC 6763); empty keys dropped', () => {
    expect(normaliseTxt(['a=1', 'A=2', '=x', 'b'])).toEqual({ a: '1', b: '' });
  });
  it('already-decoded objects become strings; junk inputs give {}', () => {
    expect(normaliseTxt({ a: 1, b: true, c: Buffer.from('x'), d: { nested: 1 } })).toEqual({ a: '1', b: '', c: 'x', d: '' });
    expect(normaliseTxt(42)).toEqual({});
    expect(normaliseTxt([1, {}, null, 'ok=1'])).toEqual({ ok: '1' });
    const hostile = new Proxy(
      {},
      {
        ownKeys: () => {
          throw new Error('boom');
        },
      },
    );
    expect(normaliseTxt(hostile)).toEqual({});
  });
  it('ignores __proto__ and caps sizes', () => {
    const t = normaliseTxt(['__proto__=x', `k=${'v'.repeat(5000)}`, ...Array.from({ length: 100 }, (_, i) => `k${i}=1`)]);
    expect(Object.getPrototypeOf(t)).toBe(Object.prototype);
    expect(t.k!.length).toBe(1024);
    expect(Object.keys(t).length).toBe(64);
  });
});

describe('orderAddresses', () => {
  it('IPv4 first, then IPv6, link-local last; invalid dropped; duplicates removed', () => {
    expect(orderAddresses(['fe80::1', '2001:db8::5', 'bogus', 42, '169.254.3.4', '10.0.0.5', '10.0.0.5', '10.0.0.6'])).toEqual([
      '10.0.0.5',
      '10.0.0.6',
      '2001:db8::5',
      'fe80::1',
      '169.254.3.4',
    ]);
  });
  it('IPv6-only answers are kept (link-local with a zone last)', () => {
    expect(orderAddresses(['fe80::abcd%eth0', 'fd00::7'])).toEqual(['fd00::7', 'fe80::abcd%eth0']);
  });
  it('non-arrays give []', () => {
    expect(orderAddresses(undefined)).toEqual([]);
    expect(orderAddresses('10.0.0.1')).toEqual([]);
  });
  it('sameIpv4Subnet', () => {
    expect(sameIpv4Subnet('10.77.0.12', '10.77.0.1', '255.255.255.0')).toBe(true);
    expect(sameIpv4Subnet('10.77.1.12', '10.77.0.1', '255.255.255.0')).toBe(false);
    expect(sameIpv4Subnet('fe80::1', '10.77.0.1', '255.255.255.0')).toBe(false);
  });
});

/** A response shaped like bonjour-service's announcement (PTR answer; SRV/TXT/A additionals). */
function announcement(name: string, opts: { ttl?: number; port?: number; addr?: string[]; txt?: unknown; aTtl?: number } = {}) {
  const fqdn = `${name}.${SVC}`;
  const host = `${name}.local`;
  const ttl = opts.ttl ?? 120;
  return {
    type: 'response',
    answers: [{ name: SVC, type: 'PTR', ttl: ttl === 0 ? 0 : 28800, data: fqdn }],
    additionals: [
      { name: fqdn, type: 'SRV', ttl, data: { port: opts.port ?? 8080, target: host, priority: 0, weight: 0 } },
      ...(opts.txt === undefined ? [] : [{ name: fqdn, type: 'TXT', ttl: 4500, data: opts.txt }]),
      ...(opts.addr ?? ['10.77.0.11']).map((a) => ({ name: host, type: a.includes(':') ? 'AAAA' : 'A', ttl: opts.aTtl ?? ttl, data: a })),
    ],
  };
}

describe('parseResponse', () => {
  it('reads an announcement: name without the service suffix, port, addresses, TXT, min TTL', () => {
    const r = parseResponse(announcement('multiCam-Mountain-A1B2C3D4', { txt: [Buffer.from('a=b')], aTtl: 60 }), SVC, '10.77.0.11');
    expect(r.goodbyes).toEqual([]);
    expect(r.answers).toHaveLength(1);
    expect(r.answers[0]).toMatchObject({ name: 'multiCam-Mountain-A1B2C3D4', port: 8080, addresses: ['10.77.0.11'], ttlSeconds: 60, referer: '10.77.0.11' });
  });
  it('a TTL-0 PTR (goodbye) gives a goodbye and no answer', () => {
    const r = parseResponse(announcement('multiCam-x', { ttl: 0 }), SVC);
    expect(r.goodbyes).toEqual([{ name: 'multiCam-x', fqdn: `multiCam-x.${SVC}` }]);
    expect(r.answers).toEqual([]);
  });
  it('a TXT without SRV is a txt update', () => {
    const r = parseResponse({ answers: [{ name: `multiCam-x.${SVC}`, type: 'TXT', ttl: 4500, data: [Buffer.from('k=v')] }] }, SVC);
    expect(r.txtUpdates).toHaveLength(1);
    expect(r.txtUpdates[0]!.name).toBe('multiCam-x');
  });
  it('skips malformed records and other services, never throws', () => {
    for (const junk of [null, 1, 'x', {}, { answers: 'no' }, { answers: [null, 1, { name: 5 }] }]) expect(parseResponse(junk, SVC).answers).toEqual([]);
    const bad = {
      answers: [
        { name: `a.${SVC}`, type: 'SRV', ttl: 120, data: { port: 0, target: 'h' } },
        { name: `b.${SVC}`, type: 'SRV', ttl: 120, data: { port: '8080', target: 'h' } },
        { name: `c.${SVC}`, type: 'SRV', ttl: -1, data: { port: 8080, target: 'h' } },
        { name: `d.${SVC}`, type: 'SRV', ttl: 120, data: null },
        { name: 'e._other._tcp.local', type: 'SRV', ttl: 120, data: { port: 8080, target: 'h' } },
        { name: SVC, type: 'SRV', ttl: 120, data: { port: 8080, target: 'h' } },
      ],
    };
    expect(parseResponse(bad, SVC).answers).toEqual([]);
  });
  it('instance labels may contain (escaped) dots; suffix match is case-insensitive', () => {
    expect(instanceLabel('multiCam-a\\.b._MultiCam._tcp.local.', SVC)).toBe('multiCam-a.b');
    expect(instanceLabel(SVC, SVC)).toBeNull();
  });
});

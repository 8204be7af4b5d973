import { describe, expect, it } from 'vitest';
import { addressKey, formatAddress, parseAddress } from './address';

const ok = (s: unknown, o?: Parameters<typeof parseAddress>[1]) => {
  const r = parseAddress(s, o);
  if (!r.ok) throw new Error(`refused ${JSON.stringify(s)}: ${r.why}`);
  return r.value;
};
const why = (s: unknown, o?: Parameters<typeof parseAddress>[1]) => {
  const r = parseAddress(s, o);
  return r.ok ? null : r.why;
};

describe('parseAddress', () => {
  it('host, host:port, [v6]:port and a bare v6 literal', () => {
    expect(ok('10.0.0.5')).toEqual({ host: '10.0.0.5', port: 8080, key: '10.0.0.5:8080' });
    expect(ok('10.0.0.5:9000')).toEqual({ host: '10.0.0.5', port: 9000, key: '10.0.0.5:9000' });
    expect(ok('[::1]:8080')).toEqual({ host: '::1', port: 8080, key: '[::1]:8080' });
    expect(ok('[::1]')).toEqual({ host: '::1', port: 8080, key: '[::1]:8080' });
    expect(ok('::1')).toEqual({ host: '::1', port: 8080, key: '[::1]:8080' });
    expect(ok('  Camera-1.Local:8081 ')).toEqual({ host: 'camera-1.local', port: 8081, key: 'camera-1.local:8081' });
  });

  it('canonical IPv6: lower case, compressed, IPv4-mapped dotted, zone kept', () => {
    expect(ok('[FE80:0:0:0::1]:8080').key).toBe('[fe80::1]:8080');
    expect(ok('[fe80::1%eth0]:8080')).toEqual({ host: 'fe80::1%eth0', port: 8080, key: '[fe80::1%eth0]:8080' });
    expect(ok('[::FFFF:10.0.0.5]:1').key).toBe('[::ffff:10.0.0.5]:1');
    expect(addressKey('0:0::1', 80)).toBe('[::1]:80');
    expect(addressKey('Host.LAN', 80)).toBe('host.lan:80');
  });

  it('a bare v6 literal is taken whole (its last group is not a port)', () => {
    expect(ok('fe80::1:8080')).toEqual({ host: 'fe80::1:8080', port: 8080, key: '[fe80::1:8080]:8080' });
  });

  it('refuses what is not an address, saying why', () => {
    expect(why('')).toBe('empty');
    expect(why('   ')).toBe('empty');
    expect(why(42)).toBe('not text');
    expect(why('x'.repeat(301))).toBe('too long');
    expect(why(`${'a'.repeat(5000)}:80`)).toBe('too long');
    expect(why('10.0.0.5:99999')).toBe('port out of range');
    expect(why('host:99999')).toBe('port out of range');
    expect(why('host:0')).toBe('port out of range');
    expect(why('host:')).toBe('bad port');
    expect(why('host:80a')).toBe('bad port');
    expect(why('host:+80')).toBe('bad port');
    expect(why('http://10.0.0.5:8080')).toBe('scheme');
    expect(why('10.0.0.5 :80')).toBe('spaces');
    expect(why('[10.0.0.5]:80')).toBe('bad IPv6');
    expect(why('[fe80::1%]:80')).toBe('bad IPv6');
    expect(why('[fe80::1%eth 0]:80')).toBe('spaces');
    expect(why('[fe80::1%eth0/x]:80')).toBe('bad IPv6');
    expect(why('[]:80')).toBe('bad IPv6');
    expect(why('1:2:3')).toBe('bad IPv6');
    expect(why('192.168.1.300')).toBe('bad host');
    expect(why('010.0.0.5')).toBe('bad host');
    expect(why('1.2.3')).toBe('bad host');
    expect(why('-host')).toBe('bad host');
    expect(why('under_score')).toBe('bad host');
    expect(why('user@host')).toBe('bad host');
    expect(why('host/path')).toBe('bad host');
  });

  it('requirePort refuses an address without one; defaultPort sets it', () => {
    expect(why('10.0.0.5', { requirePort: true })).toBe('no port');
    expect(why('[::1]', { requirePort: true })).toBe('no port');
    expect(ok('10.0.0.5:80', { requirePort: true }).port).toBe(80);
    expect(ok('pool.ntp.org', { defaultPort: 123 }).port).toBe(123);
  });

  it('every refusal has one operator sentence', () => {
    for (const s of ['', 'http://x', 'a b', '[x]:1', 'h:0', '1:2:3', '192.168.1.300']) {
      const r = parseAddress(s);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toMatch(/^[A-Z"].*[.…]$/);
    }
  });

  it('stays linear on long hostile input', () => {
    const hostile = `[${':'.repeat(100_000)}`;
    const t0 = performance.now();
    expect(why(hostile)).toBe('too long');
    expect(why(`${'a.'.repeat(126)}a`)).toBe(null);
    expect(why(`${'a.'.repeat(127)}a`)).toBe('bad host');
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('formatAddress', () => {
  it('brackets IPv6 and only IPv6; parses back unchanged', () => {
    expect(formatAddress({ host: '10.0.0.5', port: 80 })).toBe('10.0.0.5:80');
    expect(formatAddress({ host: '::1', port: 80 })).toBe('[::1]:80');
    expect(formatAddress({ host: 'fe80::1%eth0', port: 80 })).toBe('[fe80::1%eth0]:80');
    for (const a of [
      { host: '10.0.0.5', port: 80 },
      { host: '::1', port: 8080 },
      { host: 'fe80::1%eth0', port: 1 },
      { host: 'cam.local', port: 65535 },
    ]) {
      expect(ok(formatAddress(a), { requirePort: true })).toEqual({ ...a, key: formatAddress(a) });
    }
  });
});

import { lookup as dnsLookup } from 'node:dns';
import { afterEach, describe, expect, it } from 'vitest';
import { startSntpServer, type SntpServer, type SntpFault } from '../../../sim/sntp-server';
import { measureSntp, parseSntpReply, querySntp, SntpError, toNtpMs } from './sntp';

let server: SntpServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

const HOST = '127.0.0.1';

function packet(fill: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(48);
  b[0] = (4 << 3) | 4;
  b[1] = 2;
  fill(b);
  return b;
}
function stamp(b: Buffer, at: number, unixMs: number): void {
  const s = Math.floor(unixMs / 1000);
  b.writeUInt32BE((s + 2_208_988_800) >>> 0, at);
  b.writeUInt32BE(Math.floor(((unixMs - s * 1000) / 1000) * 2 ** 32) >>> 0, at + 4);
}
const NONCE = Buffer.from('abcdefgh', 'latin1');
const T = 1_760_000_000_000;

describe('parseSntpReply (untrusted input)', () => {
  const good = () =>
    packet((b) => {
      NONCE.copy(b, 24);
      stamp(b, 32, T + 1005);
      stamp(b, 40, T + 1006);
    });

  it('computes offset and round trip from the four timestamps', () => {
    const s = parseSntpReply(good(), NONCE, T, T + 12)!;
    // offset = ((T2 − T1) + (T3 − T4)) / 2 = (1005 + 994) / 2
    expect(s.offsetMs).toBeCloseTo(999.5, 2);
    expect(s.rttMs).toBeCloseTo(11, 2);
    expect(s.uncertaintyMs).toBeGreaterThanOrEqual(5.5);
    expect(s.stratum).toBe(2);
  });

  it('ignores a reply whose origin is not our nonce', () => {
    const b = good();
    b[30] = 0;
    expect(parseSntpReply(b, NONCE, T, T + 12)).toBeNull();
  });

  const cases: Array<[string, (b: Buffer) => void, string]> = [
    ['client mode', (b) => (b[0] = (4 << 3) | 3), 'bad_mode'],
    ['broadcast mode', (b) => (b[0] = (4 << 3) | 5), 'bad_mode'],
    ['version 0', (b) => (b[0] = 4), 'bad_version'],
    ['kiss-o-death', (b) => ((b[1] = 0), b.write('RATE', 12, 'latin1')), 'kiss_of_death'],
    ['leap 3', (b) => (b[0] = (3 << 6) | (4 << 3) | 4), 'unsynchronized'],
    ['stratum 16', (b) => (b[1] = 16), 'unsynchronized'],
    ['zero transmit', (b) => b.fill(0, 40, 48), 'bad_timestamps'],
    ['zero receive', (b) => b.fill(0, 32, 40), 'bad_timestamps'],
    ['transmit before receive', (b) => stamp(b, 40, T + 900), 'bad_timestamps'],
    ['huge root dispersion', (b) => b.writeUInt32BE(5 * 65536, 8), 'unsynchronized'],
  ];
  for (const [name, mutate, code] of cases) {
    it(`rejects ${name} (${code})`, () => {
      const b = good();
      mutate(b);
      try {
        parseSntpReply(b, NONCE, T, T + 12);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(SntpError);
        expect((e as SntpError).code).toBe(code);
      }
    });
  }

  it('rejects a short reply and a negative round trip', () => {
    expect(() => parseSntpReply(good().subarray(0, 47), NONCE, T, T + 12)).toThrow(/47 bytes/);
    expect(() => parseSntpReply(good(), NONCE, T, T - 20)).toThrow(/negative/);
  });

  it('reads kiss codes and era-1 timestamps (after 2036)', () => {
    const b = good();
    b[1] = 0;
    b.write('DENY', 12, 'latin1');
    try {
      parseSntpReply(b, NONCE, T, T + 12);
    } catch (e) {
      expect((e as SntpError).kissCode).toBe('DENY');
    }
    const era1 = Buffer.alloc(8);
    era1.writeUInt32BE(100, 0); // 100 s into era 1 = 2036-02-07T06:29:56Z
    expect(toNtpMs(era1, 0)).toBe(Date.UTC(2036, 1, 7, 6, 29, 56));
  });
});

describe('querySntp / measureSntp against the loopback sim server', () => {
  it('measures a known +250 ms offset within ±5 ms', async () => {
    server = await startSntpServer({ offsetMs: 250 });
    const m = await measureSntp({ host: HOST, port: server.port, samples: 4, intervalMs: 10 });
    // The error of one exchange is bounded by half its round trip (plus ms rounding), whatever the load.
    expect(Math.abs(m.offsetMs - 250)).toBeLessThanOrEqual(m.rttMs / 2 + 1);
    expect(m.samples).toBe(4);
    expect(m.rttMs).toBeGreaterThanOrEqual(0);
    expect(server.requests).toBe(4);
  });

  it('measures a negative offset too', async () => {
    server = await startSntpServer({ offsetMs: -3_600_000 });
    const s = await querySntp({ host: HOST, port: server.port });
    expect(Math.abs(s.offsetMs + 3_600_000)).toBeLessThanOrEqual(s.rttMs / 2 + 1);
  });

  const faults: Array<[SntpFault, string]> = [
    ['kiss', 'kiss_of_death'],
    ['short', 'short_reply'],
    ['client_mode', 'bad_mode'],
    ['unsynchronized', 'unsynchronized'],
    ['stratum16', 'unsynchronized'],
    ['zero_transmit', 'bad_timestamps'],
  ];
  for (const [fault, code] of faults) {
    it(`server fault ${fault} → ${code}`, async () => {
      server = await startSntpServer({ fault });
      await expect(querySntp({ host: HOST, port: server.port, timeoutMs: 2000 })).rejects.toMatchObject({ code });
    });
  }

  it('a forged origin is ignored and the query times out', async () => {
    server = await startSntpServer({ fault: 'wrong_origin' });
    await expect(querySntp({ host: HOST, port: server.port, timeoutMs: 300 })).rejects.toMatchObject({ code: 'timeout' });
    expect(server.requests).toBe(1);
  });

  it('a silent server times out; kiss-o-death stops measureSntp after one request', async () => {
    server = await startSntpServer({ fault: 'silent' });
    await expect(querySntp({ host: HOST, port: server.port, timeoutMs: 200 })).rejects.toThrow(/no SNTP reply/);
    server.setFault('kiss');
    await expect(measureSntp({ host: HOST, port: server.port, samples: 4, intervalMs: 0 })).rejects.toMatchObject({
      code: 'kiss_of_death',
    });
    expect(server.requests).toBe(2);
  });

  it('measureSntp keeps the good samples when some fail', async () => {
    server = await startSntpServer({ offsetMs: 40 });
    let n = 0;
    const orig = server;
    const p = measureSntp({ host: HOST, port: server.port, samples: 3, intervalMs: 30, timeoutMs: 200 });
    // Silence the server after the first exchange.
    const iv = setInterval(() => {
      if (orig.requests >= 1 && n++ === 0) orig.setFault('silent');
    }, 1);
    const m = await p.finally(() => clearInterval(iv));
    expect(m.samples).toBeGreaterThanOrEqual(1);
    expect(Math.abs(m.offsetMs - 40)).toBeLessThanOrEqual(m.rttMs / 2 + 1);
  });

  it('abort ends a query', async () => {
    server = await startSntpServer({ fault: 'silent' });
    const ac = new AbortController();
    const p = querySntp({ host: HOST, port: server.port, timeoutMs: 5000, signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'aborted' });
  });

  it('a closed port is an error, not a hang', async () => {
    server = await startSntpServer();
    const port = server.port;
    await server.stop();
    server = null;
    await expect(querySntp({ host: HOST, port, timeoutMs: 500 })).rejects.toBeInstanceOf(SntpError);
  });
});

describe('querySntp when the server name does not resolve', () => {
  it('rejects with a network_error instead of throwing out of the process', async () => {
    // A failing resolver, injected: no DNS traffic leaves the machine.
    // Only the server name fails; the socket's own bind address resolves as usual.
    const lookup = ((host: string, opts: unknown, cb: (e: NodeJS.ErrnoException | null, a?: string, f?: number) => void) => {
      if (host !== 'ntp.example.invalid') return dnsLookup(host, opts as never, cb as never);
      const e = Object.assign(new Error('getaddrinfo ENOTFOUND ntp.example.invalid'), { code: 'ENOTFOUND' });
      process.nextTick(() => cb(e));
    }) as never;
    const err = await querySntp({ host: 'ntp.example.invalid', port: 123, timeoutMs: 2000, lookup }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SntpError);
    expect((err as SntpError).code).toBe('network_error');
    expect((err as Error).message).toMatch(/ENOTFOUND/);
  });
});

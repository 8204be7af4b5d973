import { afterEach, describe, expect, it } from 'vitest';
import type { ControllerClockView } from '../../../src-shared/api';
import { startSntpServer, type SntpServer } from '../../../sim/sntp-server';
import { ControllerClock, parseServer } from './controller-clock';
import { SntpError, type SntpMeasurement } from './sntp';

/** Manual timers: tests fire them explicitly. */
function fakeTimers() {
  const timers: Array<{ fn: () => void; ms: number; cancelled: boolean }> = [];
  return {
    timers,
    setTimer: (fn: () => void, ms: number) => {
      const t = { fn, ms, cancelled: false };
      timers.push(t);
      return () => {
        t.cancelled = true;
      };
    },
    live: () => timers.filter((t) => !t.cancelled),
  };
}

const measurement = (offsetMs: number): SntpMeasurement => ({ offsetMs, rttMs: 2, uncertaintyMs: 1, stratum: 2, at: 0, samples: 4 });

describe('parseServer', () => {
  it('accepts host, host:port and [v6]:port; refuses nonsense', () => {
    expect(parseServer('pool.ntp.org')).toEqual({ host: 'pool.ntp.org', port: 123 });
    expect(parseServer(' 127.0.0.1:5123 ')).toEqual({ host: '127.0.0.1', port: 5123 });
    expect(parseServer('[::1]:9')).toEqual({ host: '::1', port: 9 });
    expect(() => parseServer('a b')).toThrow();
    expect(() => parseServer('host:70000')).toThrow(/range/);
    expect(() => parseServer('http://x')).toThrow();
  });
});

describe('ControllerClock (fake SNTP)', () => {
  it('starts unverified, becomes sntp after a good sync, applies the offset, re-syncs on schedule', async () => {
    let local = 1_000_000;
    const t = fakeTimers();
    const calls: string[] = [];
    const clock = new ControllerClock({
      server: 'time.test:1234',
      localNow: () => local,
      setTimer: t.setTimer,
      resyncIntervalMs: 60_000,
      measure: async (host, port) => {
        calls.push(`${host}:${port}`);
        return measurement(250);
      },
    });
    expect(clock.state()).toMatchObject({ state: 'unverified', offsetMs: null, error: null, server: 'time.test:1234' });
    expect(clock.now()).toBe(local);
    const events: ControllerClockView[] = [];
    clock.onDidChange((v) => events.push(v));
    clock.start();
    await clock.syncNow();
    expect(calls).toEqual(['time.test:1234']);
    expect(clock.state()).toMatchObject({ state: 'sntp', offsetMs: 250, uncertaintyMs: 1, lastSync: local + 250, error: null });
    expect(clock.now()).toBe(local + 250);
    expect(events).toHaveLength(1);
    expect(t.live().map((x) => x.ms)).toEqual([60_000]);
    local += 60_000;
    t.live()[0]!.fn();
    await clock.syncNow();
    expect(calls).toHaveLength(2);
    clock.stop();
    expect(t.live()).toHaveLength(0);
  });

  it('a failed re-sync keeps sntp (with the error) until maxAge, then unverified; retry sooner', async () => {
    let local = 0;
    const t = fakeTimers();
    let fail = false;
    const clock = new ControllerClock({
      server: 'time.test',
      localNow: () => local,
      setTimer: t.setTimer,
      resyncIntervalMs: 1000,
      retryIntervalMs: 100,
      maxAgeMs: 5000,
      measure: async () => {
        if (fail) throw new SntpError('timeout', 'no SNTP reply');
        return measurement(10);
      },
    });
    clock.start();
    await clock.syncNow();
    fail = true;
    local += 1000;
    t.live().at(-1)!.fn();
    const v = await clock.syncNow();
    expect(v).toMatchObject({ state: 'sntp', offsetMs: 10, error: 'time.test: no SNTP reply' });
    expect(t.live().at(-1)!.ms).toBe(100);
    local += 10_000;
    const later = await clock.syncNow();
    expect(later).toMatchObject({ state: 'unverified', offsetMs: 10, error: expect.stringContaining('no SNTP reply') });
    expect(clock.now()).toBe(local + 10); // the last offset keeps being applied
    clock.stop();
  });

  it('never answering: unverified with an error; concurrent syncs share one measurement', async () => {
    let n = 0;
    const clock = new ControllerClock({
      server: 'x.test',
      setTimer: fakeTimers().setTimer,
      measure: async () => {
        n++;
        throw new SntpError('network_error', 'getaddrinfo ENOTFOUND x.test');
      },
    });
    const [a, b] = await Promise.all([clock.syncNow(), clock.syncNow()]);
    expect(n).toBe(1);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ state: 'unverified', offsetMs: null, error: 'x.test: getaddrinfo ENOTFOUND x.test' });
  });

  it('an empty server means unverified without asking anyone', async () => {
    let n = 0;
    const clock = new ControllerClock({ server: '', setTimer: fakeTimers().setTimer, measure: async () => (n++, measurement(1)) });
    expect(await clock.syncNow()).toMatchObject({ state: 'unverified', error: expect.stringContaining('no SNTP server') });
    expect(n).toBe(0);
  });

  it('setServer drops the old offset and a late result from the old server', async () => {
    let release: (m: SntpMeasurement) => void = () => undefined;
    const clock = new ControllerClock({
      server: 'old.test',
      setTimer: fakeTimers().setTimer,
      measure: (host) => (host === 'old.test' ? new Promise((r) => (release = r)) : Promise.resolve(measurement(-5))),
    });
    clock.start();
    clock.setServer('new.test');
    await clock.syncNow();
    release(measurement(999));
    await Promise.resolve();
    expect(clock.state()).toMatchObject({ server: 'new.test', offsetMs: -5, state: 'sntp' });
    clock.stop();
  });

  it('a throwing listener does not break the clock; unsubscribe works', async () => {
    const clock = new ControllerClock({ server: 'a.test', setTimer: fakeTimers().setTimer, measure: async () => measurement(3) });
    let seen = 0;
    clock.onDidChange(() => {
      throw new Error('listener bug');
    });
    const off = clock.onDidChange(() => seen++);
    await clock.syncNow();
    expect(seen).toBe(1);
    off.dispose();
    clock.setServer('b.test');
    expect(seen).toBe(1);
  });
});

describe('ControllerClock against the loopback sim SNTP server', () => {
  let server: SntpServer | null = null;
  afterEach(async () => {
    await server?.stop();
    server = null;
  });

  it('measures +750 ms within ±5 ms and reports sntp', async () => {
    server = await startSntpServer({ offsetMs: 750 });
    const clock = new ControllerClock({ server: `127.0.0.1:${server.port}`, samples: 3 });
    const v = await clock.syncNow();
    expect(v.state).toBe('sntp');
    expect(Math.abs(v.offsetMs! - 750)).toBeLessThan(5);
    expect(Math.abs(clock.now() - (performance.timeOrigin + performance.now() + 750))).toBeLessThan(5);
    clock.stop();
  });

  it('a kiss-o-death server leaves it unverified with the kiss code in the error', async () => {
    server = await startSntpServer({ fault: 'kiss', kissCode: 'RATE' });
    const clock = new ControllerClock({ server: `127.0.0.1:${server.port}` });
    const v = await clock.syncNow();
    expect(v.state).toBe('unverified');
    expect(v.error).toMatch(/kiss-o'-death RATE/);
    clock.stop();
  });
});

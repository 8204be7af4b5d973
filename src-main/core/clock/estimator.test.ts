import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src-shared/prng';
import { ClockEstimator, isClockFlagged, type ClockSample } from './estimator';

/** Deterministic, so failures reproduce. */
const rng = mulberry32;

const T0 = 1_760_000_000_000; // controller ms

/** A round trip: out/back delays in ms; the device stamps on receipt with its clock = true + offset(t). */
function exchange(sentAt: number, outMs: number, backMs: number, offsetAt: (t: number) => number): ClockSample {
  const atDevice = sentAt + outMs;
  return { sentAt, receivedAt: atDevice + backMs, deviceTimestampSec: (atDevice + offsetAt(atDevice)) / 1000 };
}

describe('ClockEstimator', () => {
  it('is null before any sample', () => {
    expect(new ClockEstimator().estimate()).toBeNull();
  });

  it('one symmetric sample: offset = device − midpoint, uncertainty = RTT/2', () => {
    const e = new ClockEstimator();
    expect(e.addSample(exchange(T0, 4, 4, () => 750)).accepted).toBe(true);
    const est = e.estimate()!;
    expect(est.offsetMs).toBeCloseTo(750, 6);
    expect(est.rttMs).toBeCloseTo(8, 6);
    expect(est.uncertaintyMs).toBeCloseTo(4, 6);
    expect(est.samples).toBe(1);
    expect(est.driftPpm).toBeUndefined();
  });

  it('rejects a device timestamp whose offset overflows (1e308 s × 1000 = Infinity), keeping the estimate finite', () => {
    const e = new ClockEstimator();
    // First sample of a fresh estimator: nothing to contradict, so only validation can refuse it.
    const v = e.addSample({ sentAt: T0, receivedAt: T0 + 8, deviceTimestampSec: 1e308 });
    expect(v.accepted).toBe(false);
    expect(e.estimate()).toBeNull();
    e.addSample(exchange(T0 + 100, 4, 4, () => 750));
    const est = e.estimate()!;
    expect(Number.isFinite(est.offsetMs)).toBe(true);
    expect(est.offsetMs).toBeCloseTo(750, 6);
  });

  it('keeps the minimum-RTT sample under jitter', () => {
    const r = rng(1);
    const e = new ClockEstimator();
    for (let i = 0; i < 20; i++) {
      const out = 1 + r() * 20;
      const back = 1 + r() * 20;
      e.addSample(exchange(T0 + i * 1000, out, back, () => -1234));
    }
    e.addSample(exchange(T0 + 20_000, 0.5, 0.5, () => -1234));
    const est = e.estimate()!;
    expect(est.rttMs).toBeCloseTo(1, 6);
    expect(Math.abs(est.offsetMs - -1234)).toBeLessThan(0.1);
    expect(est.samples).toBe(21);
  });

  it('asymmetric delays: the error stays within the reported uncertainty', () => {
    const e = new ClockEstimator();
    e.addSample(exchange(T0, 10, 2, () => 300)); // device stamps late: error (10 − 2)/2 = 4 ms
    const est = e.estimate()!;
    expect(est.offsetMs - 300).toBeCloseTo(4, 6);
    expect(Math.abs(est.offsetMs - 300)).toBeLessThanOrEqual(est.uncertaintyMs);
  });

  it('the true offset lies within ± uncertainty across random asymmetric delays', () => {
    const r = rng(7);
    for (let run = 0; run < 50; run++) {
      const e = new ClockEstimator();
      const truth = (r() - 0.5) * 4000;
      for (let i = 0; i < 10; i++) e.addSample(exchange(T0 + i * 1000, r() * 30, r() * 30, () => truth));
      const est = e.estimate()!;
      expect(Math.abs(est.offsetMs - truth)).toBeLessThanOrEqual(est.uncertaintyMs + 1e-6);
    }
  });

  it('discards absurd samples with a reason', () => {
    const e = new ClockEstimator({ maxRttMs: 500 });
    expect(e.addSample({ sentAt: T0, receivedAt: T0 - 1, deviceTimestampSec: T0 / 1000 })).toEqual({
      accepted: false,
      reason: expect.stringContaining('negative'),
    });
    expect(e.addSample({ sentAt: T0, receivedAt: T0 + 501, deviceTimestampSec: T0 / 1000 }).reason).toMatch(/exceeds 500/);
    expect(e.addSample({ sentAt: NaN, receivedAt: T0, deviceTimestampSec: T0 / 1000 }).accepted).toBe(false);
    expect(e.addSample({ sentAt: T0, receivedAt: T0 + 2, deviceTimestampSec: Infinity }).accepted).toBe(false);
    expect(e.addSample({ sentAt: T0, receivedAt: T0 + 2, deviceTimestampSec: 0 }).accepted).toBe(false);
    expect(e.addSample({ sentAt: T0, receivedAt: T0 + 2, deviceTimestampSec: -5 }).accepted).toBe(false);
    expect(e.estimate()).toBeNull();
  });

  it('a slow outlier does not move the estimate', () => {
    const e = new ClockEstimator();
    for (let i = 0; i < 5; i++) e.addSample(exchange(T0 + i * 1000, 2, 2, () => 100));
    const before = e.estimate()!;
    e.addSample(exchange(T0 + 6000, 400, 5, () => 100)); // congested, very asymmetric
    const after = e.estimate()!;
    expect(after.offsetMs).toBeCloseTo(before.offsetMs, 3);
    expect(after.samples).toBe(6);
  });

  it('a single wild device timestamp with a tight RTT is held aside, not believed', () => {
    const e = new ClockEstimator();
    for (let i = 0; i < 5; i++) e.addSample(exchange(T0 + i * 1000, 2, 2, () => 100));
    const v = e.addSample(exchange(T0 + 6000, 2, 2, () => 100 + 60_000));
    expect(v.accepted).toBe(false);
    expect(v.reason).toMatch(/held/);
    e.addSample(exchange(T0 + 7000, 2, 2, () => 100));
    expect(e.estimate()!.offsetMs).toBeCloseTo(100, 3);
  });

  it('follows a clock step after three consistent contradicting samples', () => {
    const e = new ClockEstimator();
    for (let i = 0; i < 10; i++) e.addSample(exchange(T0 + i * 1000, 2, 2, () => 100));
    for (let i = 10; i < 12; i++) e.addSample(exchange(T0 + i * 1000, 2, 2, () => 600));
    expect(e.estimate()!.offsetMs).toBeCloseTo(100, 3);
    e.addSample(exchange(T0 + 12_000, 2, 2, () => 600));
    expect(e.estimate()!.offsetMs).toBeCloseTo(600, 3);
    expect(e.estimate()!.samples).toBe(3);
  });

  it('converges on a drifting device (200 ppm) with jitter, and reports the drift', () => {
    const r = rng(3);
    const drift = 200e-6;
    const truth = (t: number) => 500 + drift * (t - T0);
    const e = new ClockEstimator();
    let last = T0;
    for (let i = 0; i < 300; i++) {
      last = T0 + i * 1000;
      e.addSample(exchange(last, 1 + r() * 10, 1 + r() * 10, truth));
    }
    const est = e.estimate()!;
    expect(Math.abs(est.offsetMs - truth(est.at))).toBeLessThan(1);
    expect(est.driftPpm).toBeDefined();
    expect(Math.abs(est.driftPpm! - 200)).toBeLessThan(20);
    // Extrapolation a few seconds ahead stays close.
    expect(Math.abs(e.offsetAt(last + 5000)! - truth(last + 5000))).toBeLessThan(1.5);
    // A plain minimum-RTT pick over the same window would be off by the drift over the window.
    expect(drift * 300_000).toBeGreaterThan(50);
  });

  it('before a drift fit, aging prefers a recent good sample over an old excellent one', () => {
    const drift = 500e-6;
    const truth = (t: number) => drift * (t - T0);
    const e = new ClockEstimator({ minDriftSpanMs: 1e9 }); // never fit
    e.addSample(exchange(T0, 0.1, 0.1, truth)); // excellent but will be 40 s old
    for (let i = 1; i <= 40; i++) e.addSample(exchange(T0 + i * 1000, 1, 1, truth));
    const est = e.estimate()!;
    expect(est.driftPpm).toBeUndefined();
    // Old sample is 20 ms off by now; a recent one is within 1 ms.
    expect(Math.abs(est.offsetMs - truth(est.at))).toBeLessThan(1.5);
  });

  it('window by count keeps the newest maxSamples', () => {
    const e = new ClockEstimator({ maxSamples: 5 });
    e.addSample(exchange(T0, 0.1, 0.1, () => 0)); // best RTT, will fall out by count
    for (let i = 1; i <= 5; i++) e.addSample(exchange(T0 + i * 1000, 3, 3, () => 0));
    const est = e.estimate()!;
    expect(est.samples).toBe(5);
    expect(est.rttMs).toBeCloseTo(6, 6);
  });

  it('window by age drops old samples, and estimate(now) expires everything eventually', () => {
    const e = new ClockEstimator({ maxAgeMs: 10_000 });
    e.addSample(exchange(T0, 0.1, 0.1, () => 0));
    e.addSample(exchange(T0 + 20_000, 3, 3, () => 0));
    expect(e.estimate()!.samples).toBe(1);
    expect(e.estimate()!.rttMs).toBeCloseTo(6, 6);
    expect(e.estimate(T0 + 25_000)).not.toBeNull();
    expect(e.estimate(T0 + 40_000)).toBeNull();
    expect(e.addSample(exchange(T0 - 60_000, 1, 1, () => 0)).reason).toMatch(/older/);
  });

  it('reset forgets everything', () => {
    const e = new ClockEstimator();
    e.addSample(exchange(T0, 1, 1, () => 5));
    e.reset();
    expect(e.estimate()).toBeNull();
    expect(e.size).toBe(0);
  });

  it('flags |offset| over the threshold (default one frame at 30 fps)', () => {
    expect(isClockFlagged(33)).toBe(false);
    expect(isClockFlagged(33.1)).toBe(true);
    expect(isClockFlagged(-40)).toBe(true);
    expect(isClockFlagged(-40, 50)).toBe(false);
  });
});

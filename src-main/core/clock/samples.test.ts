/** Clock offset from DEVICE_STATUS round trips. */
import { describe, expect, it } from 'vitest';
import { parseReply } from '../../../src-shared/protocol';
import type { TimedReply } from '../device-client/types';
import { estimateClock } from './samples';

const timed = (ts: number | null, sentAt: number, receivedAt: number): TimedReply => ({
  reply: parseReply({ status: 'ready', timestamp: ts }),
  sentAt,
  receivedAt,
  attempts: 1,
});

describe('estimateClock', () => {
  it('clock estimate keeps the minimum-RTT sample', () => {
    // device clock = controller + 2000 ms; the slow sample is skewed by asymmetric delay.
    const e = estimateClock([timed(12.09, 10_000, 10_100), timed(12.0205, 10_020, 10_021), timed(null, 0, 0)]);
    expect(e!.offsetMs).toBeCloseTo(2000, 3);
    expect(e!.uncertaintyMs).toBe(0.5);
    expect(estimateClock([timed(null, 0, 1)])).toBeNull();
  });

  it("intersects the samples' bounds: asymmetric delays cancel out across samples", () => {
    // True offset 2000 ms. A: fast request, slow reply. B: slow request, fast reply. Same RTT.
    const a = timed(2.001, 0, 11); // stamped at controller 1 → bounds [1990, 2001]
    const b = timed(2.11, 100, 111); // stamped at controller 110 → bounds [1999, 2010]
    const e = estimateClock([a, b])!;
    expect(e.offsetMs).toBeCloseTo(2000, 6);
    expect(e.uncertaintyMs).toBeCloseTo(1, 6);
    // Min-RTT alone would have said 1995.5 (A's midpoint).
    expect(estimateClock([a])!.offsetMs).toBeCloseTo(1995.5, 6);
    // Bounds that cannot all hold (the device clock stepped): fall back to the fastest sample.
    const stepped = estimateClock([timed(2.001, 0, 11), timed(5.11, 100, 110)])!;
    expect(stepped.offsetMs).toBeCloseTo(5.11 * 1000 - 105, 6);
    expect(stepped.uncertaintyMs).toBe(5);
  });
});

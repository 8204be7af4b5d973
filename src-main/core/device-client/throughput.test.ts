import { describe, expect, it } from 'vitest';
import { ThroughputWatch } from './throughput';

describe('ThroughputWatch', () => {
  it('a window that moved less than the floor is stalled, with the figures in one line', () => {
    const w = new ThroughputWatch({ minBytesPerSecond: 16 * 1024, windowMs: 60_000 });
    w.start(100);
    expect(w.endOfWindow(100 + 16 * 1024 * 60)).toBeNull();
    const base = 100 + 16 * 1024 * 60;
    expect(w.endOfWindow(base + 3)).toBe('only 3 B arrived in the last 60 s (below 16.0 KiB/s)');
  });
  it('each window is judged on its own (a fast start does not buy a later trickle)', () => {
    const w = new ThroughputWatch({ minBytesPerSecond: 10, windowMs: 1000 });
    w.start(0);
    expect(w.endOfWindow(1_000_000)).toBeNull();
    expect(w.endOfWindow(1_000_009)).not.toBeNull();
  });
});

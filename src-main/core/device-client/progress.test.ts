import { describe, expect, it } from 'vitest';
import { ProgressMeter } from './progress';
import type { DownloadProgress } from './types';

function meter(intervalMs = 250) {
  let t = 0;
  const seen: DownloadProgress[] = [];
  const m = new ProgressMeter(
    () => t,
    intervalMs,
    (p) => seen.push(p),
  );
  return { m, seen, advance: (ms: number) => (t += ms) };
}

describe('ProgressMeter', () => {
  it('throttles to one callback per interval', () => {
    const { m, seen, advance } = meter(250);
    m.setTotal(1000);
    for (let i = 1; i <= 10; i++) {
      advance(100);
      m.update(i * 10);
    }
    // t = 300 (emit), 600 (emit), 900 (emit): intervals of ≥ 250 ms
    expect(seen.map((p) => p.bytes)).toEqual([30, 60, 90]);
  });

  it('computes a rate and an ETA, and a final callback with ETA 0 when complete', () => {
    const { m, seen, advance } = meter(100);
    m.setTotal(10_000);
    advance(1000);
    m.update(1000); // 1000 B/s
    expect(seen[0]).toEqual({ bytes: 1000, total: 10_000, rateBps: 1000, etaSeconds: 9 });
    advance(1000);
    m.update(3000); // instant 2000 B/s, smoothed between 1000 and 2000
    expect(seen[1]!.rateBps).toBeGreaterThan(1000);
    expect(seen[1]!.rateBps).toBeLessThan(2000);
    advance(500);
    m.update(10_000);
    m.finish();
    const last = seen.at(-1)!;
    expect(last.bytes).toBe(10_000);
    expect(last.etaSeconds).toBe(0);
    m.finish();
    m.update(10_000);
    expect(seen.at(-1)).toBe(last); // nothing after the final callback
  });

  it('final callback on an incomplete transfer has no ETA; unknown total gives no ETA', () => {
    const { m, seen, advance } = meter(10);
    advance(20);
    m.update(5);
    expect(seen[0]!.total).toBeNull();
    expect(seen[0]!.etaSeconds).toBeNull();
    m.setTotal(100);
    m.finish();
    expect(seen.at(-1)).toMatchObject({ bytes: 5, total: 100, etaSeconds: null });
  });

  it('a throwing callback is contained', () => {
    const m = new ProgressMeter(
      () => 1000,
      0,
      () => {
        throw new Error('UI bug');
      },
    );
    expect(() => {
      m.update(1);
      m.finish();
    }).not.toThrow();
  });
});

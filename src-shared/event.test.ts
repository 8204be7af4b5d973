import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DisposableStore, Emitter, nextEvent, setListenerErrorHandler } from './event';

const reported: Array<{ error: unknown; emitter: string }> = [];
const prev = setListenerErrorHandler((error, emitter) => reported.push({ error, emitter }));
afterEach(() => {
  reported.length = 0;
});
// Leave the hook as other test files expect it.
afterAll(() => {
  setListenerErrorHandler(prev);
});

describe('Emitter', () => {
  it('calls every listener in subscription order with the value', () => {
    const e = new Emitter<number>('t');
    const seen: string[] = [];
    e.event((v) => seen.push(`a${v}`));
    e.event((v) => seen.push(`b${v}`));
    e.fire(1);
    e.fire(2);
    expect(seen).toEqual(['a1', 'b1', 'a2', 'b2']);
  });

  it('a throwing listener is reported once through the hook and the others still run', () => {
    const e = new Emitter<string>('fleet: deviceChanged');
    const seen: string[] = [];
    e.event((v) => seen.push(`first ${v}`));
    e.event(() => {
      throw new Error('listener bug\nwith a second line');
    });
    e.event((v) => seen.push(`third ${v}`));
    expect(() => e.fire('x')).not.toThrow();
    expect(seen).toEqual(['first x', 'third x']);
    expect(reported).toHaveLength(1);
    expect(reported[0]!.emitter).toBe('fleet: deviceChanged');
    expect((reported[0]!.error as Error).message).toMatch(/listener bug/);
    // The emitter keeps working after a listener failed.
    e.fire('y');
    expect(seen).toEqual(['first x', 'third x', 'first y', 'third y']);
    expect(reported).toHaveLength(2);
  });

  it('a throwing hook does not stop delivery either', () => {
    const before = setListenerErrorHandler(() => {
      throw new Error('the reporter broke');
    });
    try {
      const e = new Emitter<number>();
      let got = 0;
      e.event(() => {
        throw new Error('x');
      });
      e.event((v) => {
        got = v;
      });
      expect(() => e.fire(7)).not.toThrow();
      expect(got).toBe(7);
    } finally {
      setListenerErrorHandler(before);
    }
  });

  it('dispose of a subscription removes exactly that subscription, and is idempotent', () => {
    const e = new Emitter<number>();
    const seen: number[] = [];
    const f = (v: number) => seen.push(v);
    const a = e.event(f);
    e.event(f); // the same function twice: two subscriptions
    e.fire(1);
    a.dispose();
    a.dispose();
    e.fire(2);
    expect(seen).toEqual([1, 1, 2]);
  });

  it('a listener removed during fire (by an earlier one) is not called; one added during fire waits for the next', () => {
    const e = new Emitter<number>();
    const seen: string[] = [];
    let late: { dispose(): void } | null = null;
    e.event((v) => {
      seen.push(`a${v}`);
      b.dispose();
      if (!late) late = e.event((w) => seen.push(`late${w}`));
    });
    const b = e.event((v) => seen.push(`b${v}`));
    e.fire(1);
    e.fire(2);
    expect(seen).toEqual(['a1', 'a2', 'late2']);
  });

  it('a listener may remove itself during fire', () => {
    const e = new Emitter<number>();
    const seen: number[] = [];
    const sub = e.event((v) => {
      seen.push(v);
      sub.dispose();
    });
    e.event((v) => seen.push(v * 10));
    e.fire(1);
    e.fire(2);
    expect(seen).toEqual([1, 10, 20]);
  });

  it('dispose drops every listener, stops a fire in progress, and later subscriptions are inert', () => {
    const e = new Emitter<number>();
    const seen: number[] = [];
    e.event((v) => {
      seen.push(v);
      e.dispose();
    });
    e.event((v) => seen.push(v * 10));
    e.fire(1);
    expect(seen).toEqual([1]);
    expect(e.hasListeners).toBe(false);
    const sub = e.event((v) => seen.push(v));
    expect(e.hasListeners).toBe(false);
    e.fire(2);
    sub.dispose();
    expect(seen).toEqual([1]);
  });

  it('keeps no listener after its subscription is disposed (no leak over many subscribe/unsubscribe rounds)', () => {
    const e = new Emitter<number>();
    for (let i = 0; i < 10_000; i++) e.event(() => undefined).dispose();
    expect(e.hasListeners).toBe(false);
  });
});

describe('DisposableStore', () => {
  it('disposes everything it holds once, and anything added after it was disposed at once', () => {
    const e = new Emitter<number>();
    const store = new DisposableStore();
    const seen: number[] = [];
    store.add(e.event((v) => seen.push(v)));
    store.add(e.event((v) => seen.push(-v)));
    e.fire(1);
    store.dispose();
    e.fire(2);
    expect(seen).toEqual([1, -1]);
    store.add(e.event((v) => seen.push(v)));
    e.fire(3);
    expect(seen).toEqual([1, -1]);
    expect(e.hasListeners).toBe(false);
  });
});

describe('nextEvent', () => {
  it('resolves with the first accepted value and unsubscribes', async () => {
    const e = new Emitter<number>();
    const p = nextEvent(e.event, (v) => v > 1);
    e.fire(1);
    e.fire(2);
    e.fire(3);
    await expect(p).resolves.toBe(2);
    expect(e.hasListeners).toBe(false);
  });
});

/**
 * The timer seam every service takes (fleet, controller clock, recorder): production hands in
 * real timers, unit tests virtual time (fleet/fleet.testing.ts `FakeTime`), so waits cost no real time;
 * tests over real I/O fake the timers themselves (timers.testing.ts `startVirtualTime`).
 */

/** Run `fn` after `ms`; returns a cancel function. */
export type SetTimer = (fn: () => void, ms: number) => () => void;

export const realSetTimer: SetTimer = (fn, ms) => {
  const t = setTimeout(fn, Math.max(0, ms));
  return () => clearTimeout(t);
};

/** Wait `ms` on `setTimer`; rejects with "aborted" when `signal` fires first. */
export function sleepOn(setTimer: SetTimer, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((res, rej) => {
    if (signal?.aborted) return rej(new Error('aborted'));
    const cancel = setTimer(
      () => {
        signal?.removeEventListener('abort', onAbort);
        res();
      },
      Math.max(0, ms),
    );
    const onAbort = () => {
      cancel();
      rej(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

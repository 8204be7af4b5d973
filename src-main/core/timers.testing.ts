/**
 * Virtual time for tests that keep their real I/O (loopback TCP to sim devices, real files):
 * every timer and clock of the test process (setTimeout/setInterval, Date, performance.now) is
 * faked, and time jumps to the next timer only when the process has nothing else to do — no file,
 * connect or write request pending, and no I/O callback for a few event-loop turns and a real
 * millisecond. I/O takes the real time it takes; waits (countdowns, a device trimming, back-offs,
 * confirmation polls) take none. A timeout fires only when nothing could have answered before it.
 * The flip side: a request that never completes (a file call on a hung mount) holds time still,
 * so a deadline against one is tested in real time.
 */
import { createHook } from 'node:async_hooks';
import { setImmediate as realSetImmediate, setTimeout as realSetTimeout } from 'node:timers';
import { vi } from 'vitest';

export interface VirtualTime {
  /** Timers fired so far. */
  readonly fired: number;
  /** Virtual ms elapsed since start. */
  elapsed(): number;
  /** Stop driving and give the process its real timers back. */
  stop(): Promise<void>;
}

/** Live handles that are not work in progress (an open socket waits for its peer; timers are ours to fire). */
const IDLE_RESOURCES = new Set([
  'TCPSocketWrap',
  'TCPServerWrap',
  'PipeWrap',
  'TTYWrap',
  'UDPWrap',
  'Timeout',
  'Immediate',
  'MessagePort',
  'SignalWrap',
  'FSEventWrap',
  'StatWatcher',
]);
/** Consecutive quiet event-loop turns before time may move (a loopback hop takes one). */
const QUIET_TURNS = 4;

export function startVirtualTime(): VirtualTime {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance'] });
  const t0 = Date.now();
  let activity = 0;
  let fired = 0;
  let stopped = false;
  let driving = false;
  // Every callback the process runs for I/O or another module's timer is activity; ours are not.
  const watched = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type !== 'PROMISE' && !driving) watched.add(id);
    },
    before(id) {
      if (watched.has(id)) activity++;
    },
    destroy(id) {
      watched.delete(id);
    },
  });
  hook.enable();

  const ours = <T>(make: (done: () => void) => T) =>
    new Promise<void>((r) => {
      driving = true;
      try {
        make(r);
      } finally {
        driving = false;
      }
    });
  const turn = () => ours((r) => realSetImmediate(r));
  const realMs = (ms: number) => ours((r) => realSetTimeout(r, ms));
  const busy = () => process.getActiveResourcesInfo().some((t) => !IDLE_RESOURCES.has(t));

  async function idle(): Promise<boolean> {
    const before = activity;
    for (let i = 0; i < QUIET_TURNS; i++) {
      await turn();
      if (busy()) {
        await realMs(1); // wakes as soon as the request completes
        return false;
      }
    }
    // One real millisecond more: bytes the kernel has not handed over yet get their chance.
    await realMs(1);
    return activity === before && !busy();
  }

  const loop = (async () => {
    while (!stopped) {
      if (!(await idle()) || stopped) continue;
      if (vi.getTimerCount() === 0) {
        await realMs(2); // nothing to fire: whatever the test awaits is real work
        continue;
      }
      vi.advanceTimersToNextTimer();
      fired++;
    }
  })();

  return {
    get fired() {
      return fired;
    },
    elapsed: () => Date.now() - t0,
    async stop() {
      stopped = true;
      await loop;
      hook.disable();
      vi.useRealTimers();
    },
  };
}

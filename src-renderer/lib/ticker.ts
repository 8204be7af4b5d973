/**
 * Shared clocks for text that changes with time ("2 s ago", "00:14", "Starting in 2.4 s").
 * One interval per cadence for the whole page; a component subscribes through `useTicking`,
 * which re-renders it only when its formatted text actually changes. Cards never re-render
 * because time passed — only these leaves do.
 */
import { useCallback, useSyncExternalStore } from 'react';

interface Clock {
  now: number;
  listeners: Set<() => void>;
  timer: ReturnType<typeof setInterval> | null;
}
const clocks = new Map<number, Clock>();

function clockFor(intervalMs: number): Clock {
  let c = clocks.get(intervalMs);
  if (!c) {
    c = { now: Date.now(), listeners: new Set(), timer: null };
    clocks.set(intervalMs, c);
  }
  return c;
}

function subscribe(intervalMs: number, listener: () => void): () => void {
  const c = clockFor(intervalMs);
  c.listeners.add(listener);
  if (!c.timer) {
    c.now = Date.now();
    c.timer = setInterval(() => {
      c.now = Date.now();
      for (const l of [...c.listeners]) l();
    }, intervalMs);
  }
  return () => {
    c.listeners.delete(listener);
    if (c.listeners.size === 0 && c.timer) {
      clearInterval(c.timer);
      c.timer = null;
    }
  };
}

/** `format(now)` re-evaluated every `intervalMs`; the component re-renders only when it changes. */
export function useTicking(format: (now: number) => string, intervalMs = 1000): string {
  const sub = useCallback((l: () => void) => subscribe(intervalMs, l), [intervalMs]);
  const get = () => {
    const c = clockFor(intervalMs);
    // Idle clock: refresh at most once per interval so repeated reads agree with each other.
    if (!c.timer && Date.now() - c.now >= intervalMs) c.now = Date.now();
    return format(c.now);
  };
  return useSyncExternalStore(sub, get, get);
}

/**
 * The controller as tests build it: temp folders for settings and takes, no mDNS and no SNTP
 * traffic, shut down and cleaned up by `stop()`; and its events awaited with a deadline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControllerEvent, DeviceView } from '../../src-shared/api';
import { ControllerClock } from './clock';
import { createController, type Controller } from './controller';
import type { ControllerOptions } from './controller-options';
import { startVirtualTime, type VirtualTime } from './timers.testing';

export interface ControllerDirs {
  root: string;
  /** settings.json and devices.json. */
  userDataDir: string;
  /** The takes (settingsOverride.recordingsDir). */
  recordingsDir: string;
}

export interface ControllerRig {
  /** Fresh temp folders, removed by stop(). */
  dirs(): ControllerDirs;
  /** A controller on `d` (default: fresh folders) with discovery off and no time server; shut down by stop(). */
  controller(d?: ControllerDirs, extra?: Partial<ControllerOptions>): Promise<Controller>;
  /** Run `fn` at stop(), the last deferred first. */
  defer(fn: () => unknown): void;
  /** Set when the rig runs on virtual time. */
  readonly time: VirtualTime | null;
  stop(): Promise<void>;
}

/**
 * `virtualTime`: the whole process on virtual time (timers.testing.ts) until stop(): countdowns,
 * polls and trims cost nothing. Not for a test that measures real time (an event-loop ticker).
 */
export function startControllerRig(prefix = 'mc-controller-', opts: { virtualTime?: boolean } = {}): ControllerRig {
  const cleanups: Array<() => unknown> = [];
  const time = opts.virtualTime ? startVirtualTime() : null;
  const rig: ControllerRig = {
    time,
    dirs() {
      const root = mkdtempSync(join(tmpdir(), prefix));
      cleanups.push(() => rmSync(root, { recursive: true, force: true }));
      return { root, userDataDir: join(root, 'user'), recordingsDir: join(root, 'takes') };
    },
    async controller(d = rig.dirs(), extra = {}) {
      const c = await createController({
        discovery: false,
        // No SNTP traffic from tests: an empty server disables it.
        clock: new ControllerClock({ server: '' }),
        ...extra,
        userDataDir: d.userDataDir,
        settingsOverride: { recordingsDir: d.recordingsDir, ...extra.settingsOverride },
      });
      cleanups.push(() => c.shutdown());
      return c;
    },
    defer(fn) {
      cleanups.push(fn);
    },
    async stop() {
      try {
        for (const fn of cleanups.splice(0).reverse()) await fn();
      } finally {
        await time?.stop();
      }
    },
  };
  return rig;
}

/** The first event `pick` maps to a value; rejects after `timeoutMs`. */
export function waitForEvent<T>(c: Controller, pick: (e: ControllerEvent) => T | undefined, timeoutMs = 20_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('timed out waiting for a controller event'));
    }, timeoutMs);
    const off = c.subscribe((e) => {
      const v = pick(e);
      if (v !== undefined) {
        clearTimeout(timer);
        off();
        resolve(v);
      }
    });
  });
}

/** Resolves with the online devices once at least `n` are online; rejects after `timeoutMs`. */
export function onlineDevices(c: Controller, n: number, timeoutMs = 20_000): Promise<DeviceView[]> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      off();
      f();
    };
    const check = async () => {
      const s = await c.getSnapshot();
      if (!s.ok) throw new Error(s.error.message);
      const online = s.value.devices.filter((d) => d.state === 'online');
      if (online.length >= n) finish(() => resolve(online));
    };
    const fail = (e: unknown) => finish(() => reject(e));
    // Subscribed before the first look, so no change slips between the look and the wait.
    const off = c.subscribe((e) => {
      if (e.type === 'deviceChanged') check().catch(fail);
    });
    const timer = setTimeout(() => fail(new Error(`fewer than ${n} devices online after ${timeoutMs} ms`)), timeoutMs);
    check().catch(fail);
  });
}

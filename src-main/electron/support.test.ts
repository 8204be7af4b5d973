import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { demoCountFrom, installGracefulQuit, settleWithin } from './lifecycle';
import { buildMenuTemplate, type MenuItem } from './menu';
import { DEFAULT_SIZE, loadWindowState, MIN_SIZE, saveWindowState, trackWindowState } from './window-state';

vi.mock('electron', () => {
  throw new Error('these helpers must not import electron');
});

describe('window state', () => {
  let dir: string;
  let file: string;
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'winstate-'));
    file = join(dir, 'sub', 'window-state.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips bounds and maximized', () => {
    expect(saveWindowState(file, { bounds: { x: 100, y: 50, width: 1400, height: 900 }, maximized: true })).toBe(true);
    expect(loadWindowState(file, screen)).toEqual({ bounds: { x: 100, y: 50, width: 1400, height: 900 }, maximized: true });
  });
  it('missing or corrupt file → default size, not maximized', () => {
    expect(loadWindowState(file, screen)).toEqual({ bounds: DEFAULT_SIZE, maximized: false });
    saveWindowState(file, { bounds: { x: 0, y: 0, width: 1, height: 1 }, maximized: false });
    writeFileSync(file, '{oops');
    expect(loadWindowState(file, screen)).toEqual({ bounds: DEFAULT_SIZE, maximized: false });
  });
  it('a window left on a display that is gone is re-centred; tiny or huge sizes are clamped', () => {
    saveWindowState(file, { bounds: { x: 5000, y: 3000, width: 50, height: 99999 }, maximized: false });
    expect(loadWindowState(file, screen)).toEqual({ bounds: { width: MIN_SIZE.width, height: 10_000 }, maximized: false });
  });
  it('tracks moves (debounced) and saves on close', () => {
    vi.useFakeTimers();
    try {
      const listeners = new Map<string, () => void>();
      let bounds = { x: 10, y: 20, width: 1000, height: 700 };
      const win = {
        on: (e: string, l: () => void) => listeners.set(e, l),
        getNormalBounds: () => bounds,
        isMaximized: () => false,
        isDestroyed: () => false,
      };
      trackWindowState(win, file, 500);
      listeners.get('move')!();
      expect(() => readFileSync(file)).toThrow();
      vi.advanceTimersByTime(500);
      expect(JSON.parse(readFileSync(file, 'utf8')).bounds).toEqual(bounds);
      bounds = { x: 30, y: 40, width: 1100, height: 800 };
      listeners.get('close')!();
      expect(JSON.parse(readFileSync(file, 'utf8')).bounds).toEqual(bounds);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('menu', () => {
  const actions = { openRecordingsFolder: vi.fn(), showAbout: vi.fn() };
  const labels = (items: MenuItem[]) => items.map((i) => i.label ?? i.role ?? i.type);
  const find = (items: MenuItem[], label: string) => items.find((i) => i.label === label)!;
  it('File: Open Recordings Folder and Quit; Help: About', () => {
    const t = buildMenuTemplate({ isDev: false, platform: 'linux', appName: 'MultiCam Controller', actions });
    expect(labels(t)).toEqual(['File', 'Edit', 'View', 'Help']);
    const file = find(t, 'File').submenu!;
    expect(labels(file)).toEqual(['Open Recordings Folder', 'separator', 'Quit']);
    file[0]!.click!();
    expect(actions.openRecordingsFolder).toHaveBeenCalled();
    find(t, 'Help').submenu![0]!.click!();
    expect(actions.showAbout).toHaveBeenCalled();
  });
  it('reload and devtools only in dev', () => {
    const roles = (isDev: boolean) => find(buildMenuTemplate({ isDev, platform: 'linux', appName: 'X', actions }), 'View').submenu!.map((i) => i.role);
    expect(roles(false)).not.toContain('reload');
    expect(roles(false)).not.toContain('toggleDevTools');
    expect(roles(true)).toContain('reload');
  });
  it('macOS gets the app menu first', () => {
    expect(labels(buildMenuTemplate({ isDev: false, platform: 'darwin', appName: 'MultiCam Controller', actions }))[0]).toBe('MultiCam Controller');
  });
});

describe('lifecycle', () => {
  function fakeApp() {
    let listener: ((e: { preventDefault(): void }) => void) | null = null;
    const app = {
      quit: vi.fn(() => {
        const e = { preventDefault: vi.fn() };
        listener!(e);
        return e;
      }),
      on: (_: 'before-quit', l: (e: { preventDefault(): void }) => void) => {
        listener = l;
      },
      fire: () => {
        const e = { preventDefault: vi.fn() };
        listener!(e);
        return e;
      },
    };
    return app;
  }
  it('holds the first quit until the controller has shut down, then quits', async () => {
    const app = fakeApp();
    let finish!: () => void;
    const shutdown = vi.fn(() => new Promise<void>((r) => (finish = r)));
    installGracefulQuit(app, shutdown, 60_000);
    expect(app.fire().preventDefault).toHaveBeenCalled();
    expect(app.fire().preventDefault).toHaveBeenCalled(); // a second quit while stopping is held too
    await vi.waitFor(() => expect(shutdown).toHaveBeenCalledTimes(1));
    expect(app.quit).not.toHaveBeenCalled();
    finish();
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledTimes(1));
    expect(app.quit.mock.results[0]!.value.preventDefault).not.toHaveBeenCalled(); // the real quit goes through
  });
  it('quits anyway when shutdown hangs or throws', async () => {
    const app = fakeApp();
    const log = vi.fn();
    installGracefulQuit(app, () => new Promise<void>(() => undefined), 10, log);
    app.fire();
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalled());
    expect(log.mock.calls[0]![0]).toContain('timed out');
    const app2 = fakeApp();
    installGracefulQuit(app2, async () => {
      throw new Error('x');
    });
    app2.fire();
    await vi.waitFor(() => expect(app2.quit).toHaveBeenCalled());
  });
  it('settleWithin reports done / failed / timeout', async () => {
    expect(await settleWithin(Promise.resolve(), 1000)).toBe('done');
    expect(await settleWithin(Promise.reject(new Error('x')), 1000)).toBe('failed');
    expect(await settleWithin(new Promise(() => undefined), 1)).toBe('timeout');
  });
  it('demo count from argv or env, bounded', () => {
    expect(demoCountFrom(['electron', '.', '--demo', '4'], {})).toBe(4);
    expect(demoCountFrom(['--demo=6'], {})).toBe(6);
    expect(demoCountFrom([], { MULTICAM_DEMO: '3' })).toBe(3);
    expect(demoCountFrom(['--demo', '0'], {})).toBe(0);
    expect(demoCountFrom(['--demo', '101'], {})).toBe(0);
    expect(demoCountFrom(['--demo', 'x'], {})).toBe(0);
    expect(demoCountFrom([], {})).toBe(0);
  });
});

/** main.ts is wiring only; this checks the wiring with `electron` and the controller mocked. */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { API_METHODS } from '../../src-shared/api';
import { makeFakeApi } from '../bridge/fake-api.testing';

const h = vi.hoisted(() => {
  const appListeners = new Map<string, Array<(...a: unknown[]) => void>>();
  const wcListeners = new Map<string, (...a: unknown[]) => void>();
  const state = {
    appListeners,
    wcListeners,
    windows: [] as Array<{ options: Record<string, unknown>; url: string | null }>,
    schemes: [] as unknown[],
    handled: [] as string[],
    ipcChannels: [] as string[],
    permissionRequest: null as null | ((wc: unknown, p: string, cb: (g: boolean) => void) => void),
    permissionCheck: null as null | ((...a: unknown[]) => boolean),
    headers: null as
      | null
      | ((d: { url: string; responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders?: Record<string, string[]> }) => void) => void),
    sandboxEnabled: false,
    lockRequested: false,
    menu: null as unknown,
    openHandler: null as null | ((d: { url: string }) => { action: string }),
    openExternal: vi.fn(async () => undefined),
  };
  return state;
});

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = {
      mainFrame: { url: 'app://renderer/index.html', parent: null },
      isDestroyed: () => false,
      send: vi.fn(),
      startDrag: vi.fn(),
    };
    constructor(public options: Record<string, unknown>) {
      h.windows.push({ options, url: null });
    }
    on() {}
    once() {}
    maximize() {}
    isDestroyed() {
      return false;
    }
    isMaximized() {
      return false;
    }
    getNormalBounds() {
      return { x: 0, y: 0, width: 1280, height: 800 };
    }
    async loadURL(url: string) {
      h.windows.at(-1)!.url = url;
    }
  }
  const app = {
    isPackaged: true,
    setName: vi.fn(),
    setPath: vi.fn(),
    enableSandbox: () => {
      h.sandboxEnabled = true;
    },
    requestSingleInstanceLock: () => {
      h.lockRequested = true;
      return true;
    },
    on: (name: string, l: (...a: unknown[]) => void) => {
      if (!h.appListeners.has(name)) h.appListeners.set(name, []);
      h.appListeners.get(name)!.push(l);
    },
    whenReady: async () => undefined,
    getAppPath: () => '/opt/multicam/resources/app.asar',
    getPath: () => '/tmp/multicam-main-test-userdata',
    getVersion: () => '0.1.0',
    quit: vi.fn(),
    exit: vi.fn(),
  };
  return {
    app,
    BrowserWindow,
    dialog: { showMessageBox: vi.fn(), showErrorBox: vi.fn((_t: string, m: string) => console.error(m)) },
    ipcMain: { handle: (c: string) => h.ipcChannels.push(c), removeHandler: vi.fn() },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: (m: unknown) => (h.menu = m) },
    nativeImage: { createFromPath: (p: string) => ({ path: p }) },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => h.schemes.push(...s),
      handle: (scheme: string) => h.handled.push(scheme),
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (f: typeof h.permissionRequest) => (h.permissionRequest = f),
        setPermissionCheckHandler: (f: typeof h.permissionCheck) => (h.permissionCheck = f),
        webRequest: { onHeadersReceived: (f: typeof h.headers) => (h.headers = f) },
      },
    },
    shell: { openExternal: h.openExternal, showItemInFolder: vi.fn(), openPath: vi.fn() },
  };
});

vi.mock('../core/controller', () => ({
  createController: vi.fn(async () => Object.assign(makeFakeApi(), { shutdown: vi.fn(async () => undefined), resolveDownloadPath: vi.fn() })),
}));

beforeAll(async () => {
  await import('./main');
  await vi.waitFor(() => expect(h.windows).toHaveLength(1));
});

describe('main.ts wiring', () => {
  it('sandbox for every renderer, single-instance lock, app:// registered as a privileged standard secure scheme', () => {
    expect(h.sandboxEnabled).toBe(true);
    expect(h.lockRequested).toBe(true);
    expect(h.appListeners.has('second-instance')).toBe(true);
    expect(h.schemes).toEqual([expect.objectContaining({ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) })]);
    expect(h.handled).toEqual(['app']);
  });
  it('the window is isolated and sandboxed and loads app://renderer in a packaged app', () => {
    const w = h.windows[0]!;
    expect(w.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, devTools: false });
    expect(String((w.options.webPreferences as { preload: string }).preload)).toMatch(/dist-electron[\\/]preload\.cjs$/);
    expect(w.url).toBe('app://renderer/index.html');
  });
  it('permissions are denied and every response carries the CSP', () => {
    const cb = vi.fn();
    h.permissionRequest!({}, 'media', cb);
    expect(cb).toHaveBeenCalledWith(false);
    expect(h.permissionCheck!({}, 'media', 'app://renderer', {})).toBe(false);
    const done = vi.fn();
    h.headers!({ url: 'app://renderer/', responseHeaders: {} }, done);
    expect(done.mock.calls[0]![0].responseHeaders['Content-Security-Policy'][0]).toContain("script-src 'self';");
  });
  it('every web contents created is hardened (navigation denied, window.open denied)', () => {
    const listeners = new Map<string, (e: { preventDefault(): void }, url?: string) => void>();
    let open: ((d: { url: string }) => { action: string }) | null = null;
    const contents = {
      on: (n: string, l: (e: { preventDefault(): void }) => void) => listeners.set(n, l),
      setWindowOpenHandler: (f: typeof open) => (open = f),
    };
    for (const l of h.appListeners.get('web-contents-created') ?? []) l({}, contents);
    const e = { preventDefault: vi.fn() };
    listeners.get('will-navigate')!(e, 'https://evil.example');
    expect(e.preventDefault).toHaveBeenCalled();
    expect(open!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
  });
  it('IPC handlers for every contract method, a menu, and a graceful quit', () => {
    expect(h.ipcChannels.sort()).toEqual(API_METHODS.map((m) => `api:${m}`).sort());
    expect((h.menu as Array<{ label?: string }>).map((m) => m.label)).toEqual(expect.arrayContaining(['File', 'View', 'Help']));
    expect(h.appListeners.has('before-quit')).toBe(true);
  });
});

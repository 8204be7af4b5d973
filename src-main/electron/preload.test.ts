import { beforeAll, describe, expect, it, vi } from 'vitest';
import { API_METHODS, type ControllerEvent } from '../../src-shared/api';

const electron = vi.hoisted(() => {
  const listeners = new Map<string, Set<(...a: unknown[]) => void>>();
  return {
    exposed: new Map<string, unknown>(),
    listeners,
    ipcRenderer: {
      invoke: vi.fn(async (channel: string, ...args: unknown[]) => ({ ok: true, value: { channel, args } })),
      on: vi.fn((channel: string, l: (...a: unknown[]) => void) => {
        if (!listeners.has(channel)) listeners.set(channel, new Set());
        listeners.get(channel)!.add(l);
      }),
      removeListener: vi.fn((channel: string, l: (...a: unknown[]) => void) => listeners.get(channel)?.delete(l)),
      send: vi.fn(),
      sendSync: vi.fn(),
    },
  };
});
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => electron.exposed.set(key, value) },
  ipcRenderer: electron.ipcRenderer,
}));

type Exposed = Record<string, (...args: unknown[]) => unknown>;
let multicam: Exposed;
beforeAll(async () => {
  await import('./preload');
  multicam = electron.exposed.get('multicam') as Exposed;
});

describe('preload surface', () => {
  it('exposes exactly one global: multicam', () => {
    expect([...electron.exposed.keys()]).toEqual(['multicam']);
  });
  it('is exactly the contract methods plus subscribe (snapshot)', () => {
    expect(Object.keys(multicam).sort()).toEqual([...API_METHODS, 'subscribe'].sort());
    expect(Object.keys(multicam).sort()).toMatchInlineSnapshot(`
      [
        "addDevice",
        "addVirtualDevices",
        "cancelDownload",
        "clipDuration",
        "contactSheet",
        "exportTake",
        "getSnapshot",
        "refreshDiscovery",
        "removeDevice",
        "renameDevice",
        "retryDownload",
        "retryStop",
        "retryUpload",
        "revealDownload",
        "revealTake",
        "reviewTake",
        "setDeviceColor",
        "setDeviceIncluded",
        "startDrag",
        "startTake",
        "startTakeDrag",
        "stopTake",
        "subscribe",
        "syncTake",
        "testStorage",
        "thumbnail",
        "trashTake",
        "updateSettings",
        "uploadTake",
      ]
    `);
    for (const v of Object.values(multicam)) expect(typeof v).toBe('function');
    expect(Object.isFrozen(multicam)).toBe(true);
  });
  it('never exposes ipcRenderer or its methods', () => {
    const values = Object.values(multicam);
    for (const k of ['ipcRenderer', 'invoke', 'send', 'sendSync', 'on']) expect(multicam).not.toHaveProperty(k);
    for (const fn of Object.values(electron.ipcRenderer)) expect(values).not.toContain(fn);
    expect(values).not.toContain(electron.ipcRenderer);
  });
  it('each method invokes api:<method> with the arguments as given', async () => {
    const r = await multicam.renameDevice!('dev-1', 'Cam A');
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith('api:renameDevice', 'dev-1', 'Cam A');
    expect(r).toEqual({ ok: true, value: { channel: 'api:renameDevice', args: ['dev-1', 'Cam A'] } });
    await multicam.startDrag!('dl-1');
    expect(electron.ipcRenderer.invoke).toHaveBeenLastCalledWith('api:startDrag', 'dl-1');
  });
  it('subscribe delivers only the event payload (never the IPC event) and unsubscribes', () => {
    const got: unknown[][] = [];
    const unsubscribe = multicam.subscribe!((...args: unknown[]) => got.push(args)) as () => void;
    const ipcEvent = { sender: electron.ipcRenderer, ports: [] };
    const e: ControllerEvent = { seq: 3, type: 'deviceRemoved', deviceKey: 'd' };
    for (const l of electron.listeners.get('api:event') ?? []) l(ipcEvent, e);
    expect(got).toEqual([[e]]);
    unsubscribe();
    expect(electron.listeners.get('api:event')?.size ?? 0).toBe(0);
    unsubscribe(); // idempotent
    expect(electron.ipcRenderer.removeListener).toHaveBeenCalledTimes(1);
  });
});

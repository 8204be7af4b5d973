/**
 * Preload (sandboxed; bundled to dist-electron/preload.cjs). Exposes `window.multicam`: exactly
 * the contract's named methods, each one `ipcRenderer.invoke('api:<method>', ...args)`, plus
 * `subscribe(listener)`. `ipcRenderer` itself, and the IPC event object, never reach the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { API_METHODS, type ControllerApi, type ControllerEvent } from '../../src-shared/api';

const EVENT_CHANNEL = 'api:event'; // = API_EVENT_CHANNEL in ipc-handlers.ts (kept apart: the preload bundles nothing from main)

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function buildPreloadApi(ipc: IpcRendererLike): ControllerApi {
  const api: Record<string, unknown> = {};
  for (const method of API_METHODS) {
    api[method] = (...args: unknown[]) => ipc.invoke(`api:${method}`, ...args);
  }
  api.subscribe = (listener: (event: ControllerEvent) => void) => {
    if (typeof listener !== 'function') throw new TypeError('subscribe needs a function');
    // Only the event payload crosses: never the IpcRendererEvent (its `sender` is ipcRenderer).
    const wrapped = (_event: unknown, payload: unknown) => listener(payload as ControllerEvent);
    ipc.on(EVENT_CHANNEL, wrapped);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      ipc.removeListener(EVENT_CHANNEL, wrapped);
    };
  };
  return Object.freeze(api) as unknown as ControllerApi;
}

contextBridge.exposeInMainWorld('multicam', buildPreloadApi(ipcRenderer as unknown as IpcRendererLike));

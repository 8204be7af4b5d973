/**
 * Preload (sandboxed; bundled to dist-electron/preload.cjs). Exposes `window.multicam`: exactly
 * the contract's named methods, each one `ipcRenderer.invoke('api:<method>', ...args)`, plus
 * `subscribe(listener)`. `ipcRenderer` itself, and the IPC event object, never reach the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { ControllerApi, ControllerEvent, Result } from '../../src-shared/api';
import { API_EVENT_CHANNEL, apiChannel, createApiClient, type ApiCall } from '../../src-shared/api-client';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export function buildPreloadApi(ipc: IpcRendererLike): ControllerApi {
  const call: ApiCall = (method, args) => ipc.invoke(apiChannel(method), ...args) as Promise<Result<unknown>>;
  const subscribe = (listener: (event: ControllerEvent) => void) => {
    if (typeof listener !== 'function') throw new TypeError('subscribe needs a function');
    // Only the event payload crosses: never the IpcRendererEvent (its `sender` is ipcRenderer).
    const wrapped = (_event: unknown, payload: unknown) => listener(payload as ControllerEvent);
    ipc.on(API_EVENT_CHANNEL, wrapped);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      ipc.removeListener(API_EVENT_CHANNEL, wrapped);
    };
  };
  return Object.freeze(createApiClient(call, subscribe));
}

contextBridge.exposeInMainWorld('multicam', buildPreloadApi(ipcRenderer as unknown as IpcRendererLike));

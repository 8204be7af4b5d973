/** React access to the one store and the ControllerApi, plus per-item selector hooks. */
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { ControllerApi, DeviceView, DownloadView, TakeView, UploadView } from '../../src-shared/api';
import type { ControllerState, ControllerStore } from './store';

export interface ControllerContextValue {
  store: ControllerStore;
  api: ControllerApi;
  /** Browser mode: a finished file's local address, for drag-out (Transport.fileUrl). */
  fileUrl?: ((downloadId: string, name: string) => string) | undefined;
}

const Ctx = createContext<ControllerContextValue | null>(null);

export function ControllerProvider({ store, api, fileUrl, children }: ControllerContextValue & { children: ReactNode }) {
  return <Ctx.Provider value={{ store, api, fileUrl }}>{children}</Ctx.Provider>;
}

function useCtx(): ControllerContextValue {
  const v = useContext(Ctx);
  if (!v) throw new Error('ControllerProvider is missing');
  return v;
}

export const useApi = (): ControllerApi => useCtx().api;
export const useFileUrl = () => useCtx().fileUrl;
export const useStoreApi = (): ControllerStore => useCtx().store;

export function useController<T>(selector: (s: ControllerState) => T): T {
  return useStore(useCtx().store, selector);
}

const EMPTY: string[] = [];

export const useDeviceIds = () => useController((s) => s.deviceIds);
export const useDevice = (id: string): DeviceView | undefined => useController((s) => s.devices[id]);
export const useTakeIds = () => useController((s) => s.takeIds);
export const useTake = (id: string | null): TakeView | undefined => useController((s) => (id ? s.takes[id] : undefined));
export const useDownload = (id: string | null): DownloadView | undefined => useController((s) => (id ? s.downloads[id] : undefined));
export const useUpload = (id: string | null): UploadView | undefined => useController((s) => (id ? s.uploads[id] : undefined));
export const useDownloadIdsForTake = (takeId: string) => useController((s) => s.downloadIdsByTake[takeId] ?? EMPTY);
export const useUploadIdsForTake = (takeId: string) => useController((s) => s.uploadIdsByTake[takeId] ?? EMPTY);
export const useSettings = () => useController((s) => s.settings);
/** The picture is live: connection open and a snapshot taken since it (re)opened. Otherwise nothing shown is known. */
export const isLive = (s: ControllerState) => s.status === 'ready' && s.fresh && s.connection.phase === 'open';
export const useLive = () => useController(isLive);
export const useCapabilities = () => useController((s) => s.capabilities);

/**
 * How many devices match `pred` — a number, so a component re-renders only when the count
 * changes. Pass a module-level predicate (a new function each render would still work, just
 * re-run the count).
 */
export function useDeviceCount(pred: (d: DeviceView) => boolean): number {
  return useController((s) => {
    let n = 0;
    for (const id of s.deviceIds) {
      const d = s.devices[id];
      if (d && pred(d)) n++;
    }
    return n;
  });
}

export const isIncluded = (d: DeviceView) => d.included;
export const isUnreachable = (d: DeviceView) => d.state === 'offline' || d.state === 'stale';
/** Included, but pre-flight will skip it: the controller cannot reach it now. */
export const isIncludedButUnreachable = (d: DeviceView) => d.included && isUnreachable(d);

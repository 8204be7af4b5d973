/**
 * The one client proxy of the contract: every ControllerApi method becomes `call(method, args)`,
 * plus the transport's `subscribe`. The preload (IPC), the renderer's Electron transport and the
 * WebSocket client all build their ControllerApi here, so the contract's shape is cast once.
 */
import { API_METHODS, type ApiMethod, type ControllerApi, type ControllerEvent, type Result } from './api';

/** IPC channel that carries controller events to the window (main sends, preload listens). */
export const API_EVENT_CHANNEL = 'api:event';
/** IPC channel of one contract method. */
export const apiChannel = (method: ApiMethod): string => `api:${method}`;

export type ApiCall = (method: ApiMethod, args: unknown[]) => Promise<Result<unknown>>;
export type ApiSubscribe = (listener: (event: ControllerEvent) => void) => () => void;

export function createApiClient(call: ApiCall, subscribe: ApiSubscribe): ControllerApi {
  const api: Record<string, unknown> = {};
  for (const method of API_METHODS) api[method] = (...args: unknown[]) => call(method, args);
  api.subscribe = subscribe;
  // The only cast of the contract's shape: the loop above fills exactly API_METHODS, whose keys
  // api.ts ties to ControllerApi's methods.
  return api as unknown as ControllerApi;
}

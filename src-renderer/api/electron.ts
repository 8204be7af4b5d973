/**
 * Electron transport: the preload exposes `window.multicam`, an object with every ControllerApi
 * method (returning Promise<Result>) plus `subscribe(listener) => unsubscribe`.
 */
import { errorLine } from '../../src-shared/error-line';
import { API_METHODS, err, type ControllerEvent, type Result } from '../../src-shared/api';
import { createApiClient, type ApiCall } from '../../src-shared/api-client';
import { ALWAYS_OPEN, type Transport } from './transport';

type Bridge = Record<string, unknown> & { subscribe?: unknown };

/** The preload's object when it looks complete, else null. */
export function findElectronBridge(w: unknown): Bridge | null {
  const candidate = (w as { multicam?: unknown } | null | undefined)?.multicam;
  if (!candidate || typeof candidate !== 'object') return null;
  const b = candidate as Bridge;
  if (typeof b.subscribe !== 'function') return null;
  return API_METHODS.every((m) => typeof b[m] === 'function') ? b : null;
}

export function createElectronTransport(bridge: Bridge): Transport {
  const call: ApiCall = async (method, args) => {
    const fn = bridge[method] as (...a: unknown[]) => Promise<Result<unknown>>;
    try {
      const r = await fn(...args);
      if (r && typeof r === 'object' && 'ok' in r) return r;
      return err('bad_reply', `The controller gave an unreadable answer to ${method}.`);
    } catch (e) {
      return err('ipc_error', `Could not reach the controller (${method}): ${errorLine(e)}`);
    }
  };
  const subscribe = bridge.subscribe as (l: (e: ControllerEvent) => void) => () => void;
  return { kind: 'electron', api: createApiClient(call, (listener) => subscribe(listener)), connection: ALWAYS_OPEN };
}

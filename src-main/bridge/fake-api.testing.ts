/** A small fake ControllerApi for transport tests: records calls, lets tests emit events. */
import { vi } from 'vitest';
import { API_METHODS, ok, type ApiMethod, type ControllerApi, type ControllerEvent } from '../../src-shared/api';

export interface FakeApi extends ControllerApi {
  calls: Array<{ method: string; args: unknown[] }>;
  listeners: Set<(e: ControllerEvent) => void>;
  emit(e: ControllerEvent): void;
}

export function makeFakeApi(overrides: Partial<Record<ApiMethod, (...args: unknown[]) => unknown>> = {}): FakeApi {
  const calls: FakeApi['calls'] = [];
  const listeners = new Set<(e: ControllerEvent) => void>();
  const api: Record<string, unknown> = {
    calls,
    listeners,
    emit: (e: ControllerEvent) => {
      for (const l of listeners) l(e);
    },
    subscribe: vi.fn((l: (e: ControllerEvent) => void) => {
      listeners.add(l);
      return () => listeners.delete(l);
    }),
  };
  for (const m of API_METHODS) {
    api[m] = vi.fn(async (...args: unknown[]) => {
      calls.push({ method: m, args });
      const o = overrides[m];
      return o ? o(...args) : ok({ method: m, args });
    });
  }
  return api as unknown as FakeApi;
}

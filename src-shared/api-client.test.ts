import { describe, expect, it } from 'vitest';
import { API_METHODS, ok, type ApiMethod, type ControllerEvent, type Result } from './api';
import { API_EVENT_CHANNEL, apiChannel, createApiClient } from './api-client';

describe('createApiClient', () => {
  it('forwards every contract method with its arguments and hands back the Result of that call', async () => {
    const calls: [ApiMethod, unknown[]][] = [];
    const api = createApiClient(
      async (method, args) => {
        calls.push([method, args]);
        return ok({ answeredBy: method, args });
      },
      () => () => undefined,
    );
    const fns = api as unknown as Record<string, (...a: unknown[]) => Promise<Result<unknown>>>;
    for (const [i, method] of API_METHODS.entries()) {
      const args = [`a${i}`, { n: i }];
      const r = await fns[method]!(...args);
      expect(r).toEqual({ ok: true, value: { answeredBy: method, args } });
      expect(calls.at(-1)).toEqual([method, args]);
    }
    expect(calls.map(([m]) => m)).toEqual(API_METHODS);
  });

  it('has exactly the contract methods plus subscribe, which is the transport own', () => {
    const listeners: ((e: ControllerEvent) => void)[] = [];
    const unsubscribe = () => undefined;
    const api = createApiClient(
      async () => ok(undefined),
      (l) => {
        listeners.push(l);
        return unsubscribe;
      },
    );
    expect(Object.keys(api).sort()).toEqual([...API_METHODS, 'subscribe'].sort());
    const listener = () => undefined;
    expect(api.subscribe(listener)).toBe(unsubscribe);
    expect(listeners).toEqual([listener]);
  });

  it('names the IPC channels in one place', () => {
    expect(apiChannel('getSnapshot')).toBe('api:getSnapshot');
    expect(API_EVENT_CHANNEL).toBe('api:event');
    expect(new Set(API_METHODS.map(apiChannel)).has(API_EVENT_CHANNEL)).toBe(false);
  });
});

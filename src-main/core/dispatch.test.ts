import { describe, expect, it } from 'vitest';
import { err, ok, type ControllerApi } from '../../src-shared/api';
import { dispatchApi } from './dispatch';

const api = (impl: Record<string, (...a: unknown[]) => unknown>) => impl as Partial<ControllerApi> as ControllerApi;

describe('dispatchApi', () => {
  it('calls the method with its arguments and returns its Result', async () => {
    const a = api({ removeDevice: async (id: unknown) => ok(`removed ${String(id)}`) });
    expect(await dispatchApi(a, 'removeDevice', ['d1'])).toEqual({ ok: true, value: 'removed d1' });
    expect(await dispatchApi(a, 'removeDevice', ['d1'], { removeDevice: async ([id]) => err('forbidden', `local ${String(id)}`) })).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'local d1' },
    });
  });
  it('settles every failure as a one-line Result', async () => {
    const a = api({
      removeDevice: async () => {
        throw new Error('boom\n    at secret (/home/x.ts:1:1)');
      },
      stopTake: async () => 'not a result',
    });
    expect(await dispatchApi(a, 'removeDevice', ['d1'])).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
    expect(await dispatchApi(a, 'stopTake', [])).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(await dispatchApi(a, 'getSnapshot', [])).toMatchObject({ ok: false, error: { code: 'unsupported' } });
    expect(await dispatchApi(a, 'toString', [])).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
  });
});

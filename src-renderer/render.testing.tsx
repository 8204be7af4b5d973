/** Test helpers (used by *.test.tsx only): render UI on the fake controller with a live store. */
import { render, waitFor, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createFakeApi, createFakeTransport, type FakeApiOptions, type FakeControllerApi } from './api/fake';
import { ControllerProvider } from './store/context';
import { createControllerStore, startSync, type ControllerStore, type SyncHandle } from './store/store';

export interface Rendered extends RenderResult {
  fake: FakeControllerApi;
  store: ControllerStore;
  sync: SyncHandle;
}

export async function renderWithFake(ui: ReactElement, fakeOrOptions: FakeControllerApi | FakeApiOptions = {}): Promise<Rendered> {
  const fake = 'calls' in fakeOrOptions ? (fakeOrOptions as FakeControllerApi) : createFakeApi(fakeOrOptions as FakeApiOptions);
  const store = createControllerStore();
  const sync = startSync(store, createFakeTransport(fake));
  await waitFor(() => {
    if (store.getState().status !== 'ready') throw new Error('store not ready');
  });
  const r = render(
    <ControllerProvider store={store} api={fake}>
      {ui}
    </ControllerProvider>,
  );
  return { ...r, fake, store, sync };
}

/** Calls of one method on the fake. */
export const callsOf = (fake: FakeControllerApi, method: string) => fake.calls.filter((c) => c.method === method).map((c) => c.args);

import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { API_METHODS } from '../src-shared/api';
import { pickTransport } from './api';
import { createElectronTransport, findElectronBridge } from './api/electron';
import { createFakeApi } from './api/fake';
import type { ConnectionState, Transport } from './api/transport';
import { App } from './App';
import { ControllerProvider } from './store/context';
import { createControllerStore, startSync } from './store/store';

afterEach(cleanup);

function controllable(fake = createFakeApi({ scenario: 'studio' })) {
  let state: ConnectionState = { phase: 'open', attempt: 0, nextRetryAt: null, error: null, opens: 1 };
  const listeners = new Set<(s: ConnectionState) => void>();
  const transport: Transport = {
    kind: 'fake',
    api: fake,
    connection: { get: () => state, subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) },
  };
  const set = (s: Partial<ConnectionState>) => {
    state = { ...state, ...s };
    for (const l of listeners) l(state);
  };
  return { fake, transport, set };
}

async function renderApp(transport: Transport) {
  const store = createControllerStore();
  startSync(store, transport);
  render(
    <ControllerProvider store={store} api={transport.api}>
      <App />
    </ControllerProvider>,
  );
  await screen.findByRole('region', { name: 'Recording' });
  return store;
}

describe('app', () => {
  it('shows the disconnected banner while reconnecting and re-snapshots after', async () => {
    const { fake, transport, set } = controllable();
    await renderApp(transport);
    expect(screen.queryByText(/Disconnected from controller/)).toBeNull();
    act(() => set({ phase: 'reconnecting', attempt: 2, nextRetryAt: Date.now() + 4000, error: 'connection lost' }));
    expect(screen.getByText('Disconnected from controller — reconnecting…')).toBeTruthy();
    expect(screen.getByText(/Next try in [3-5] s \(attempt 2\)/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Stop' }) as HTMLButtonElement).disabled).toBe(true);
    const before = fake.calls.filter((c) => c.method === 'getSnapshot').length;
    act(() => set({ phase: 'open', attempt: 0, nextRetryAt: null, error: null, opens: 2 }));
    await waitFor(() => expect(screen.queryByText(/Disconnected from controller/)).toBeNull());
    expect(fake.calls.filter((c) => c.method === 'getSnapshot').length).toBe(before + 1);
  });

  it('warns about an unverified controller clock and unavailable discovery', async () => {
    const fake = createFakeApi();
    fake.world.controllerClock = { state: 'unverified', server: 'pool.ntp.org', offsetMs: null, uncertaintyMs: null, lastSync: null, error: 'timeout' };
    fake.world.discovery = { state: 'unavailable', reason: 'no IPv4 interface is up', interfaces: [] };
    await renderApp(controllable(fake).transport);
    const chip = screen.getByText(/Controller clock unverified — time server .* could not be used/);
    expect(chip.getAttribute('title')).toMatch(/timeout/);
    expect(screen.getByText(/Discovery unavailable: no IPv4 interface is up/)).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'No devices yet' })).toBeTruthy();
  });

  it('opens settings from the header; R does nothing while the dialog is open', async () => {
    const fake = createFakeApi();
    fake.putDevice({ deviceKey: 'a', name: 'Cam A' });
    await renderApp(controllable(fake).transport);
    fireEvent.click(screen.getByRole('button', { name: 'Settings' }));
    expect(screen.getByRole('dialog', { name: 'Settings' })).toBeTruthy();
    fireEvent.keyDown(document.body, { key: 'r' });
    expect(fake.calls.filter((c) => c.method === 'startTake')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('transport choice', () => {
  it('uses the Electron preload object when it has every method', async () => {
    const calls: unknown[][] = [];
    const bridge: Record<string, unknown> = { subscribe: () => () => {} };
    for (const m of API_METHODS) bridge[m] = async (...args: unknown[]) => (calls.push([m, ...args]), { ok: true, value: null });
    expect(findElectronBridge({ multicam: bridge })).toBe(bridge);
    expect(findElectronBridge({ multicam: { subscribe: () => {} } })).toBeNull();
    const t = createElectronTransport(bridge);
    expect(t.kind).toBe('electron');
    await t.api.setDeviceIncluded('a', true);
    expect(calls).toEqual([['setDeviceIncluded', 'a', true]]);
    bridge.stopTake = async () => {
      throw new Error('ipc down');
    };
    const t2 = createElectronTransport(bridge);
    const r = await t2.api.stopTake();
    expect(r.ok ? '' : r.error.code).toBe('ipc_error');
  });

  it('asks for the token when there is no preload and no token', () => {
    const fakeWindow = { location: { hash: '', search: '', protocol: 'http:', host: '127.0.0.1:1' } } as unknown as Window;
    const r = pickTransport(fakeWindow);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(/#token=/);
  });
});

import { describe, expect, it } from 'vitest';
import type { ControllerEvent, Result, Snapshot } from '../../src-shared/api';
import { createFakeApi, createFakeTransport, makeDevice } from '../api/fake';
import type { ConnectionState, Transport } from '../api/transport';
import { applyEvent, createControllerStore, INITIAL_STATE, startSync } from './store';

const flush = () => new Promise((r) => setTimeout(r, 0));

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('store sync: subscribe, snapshot, apply newer events', () => {
  it('loads a snapshot and applies later events in order', async () => {
    const fake = createFakeApi();
    fake.putDevice({ deviceKey: 'a', name: 'Cam A' });
    const store = createControllerStore();
    startSync(store, createFakeTransport(fake));
    await flush();
    expect(store.getState().status).toBe('ready');
    expect(store.getState().deviceIds).toEqual(['a']);
    const seqAtSnapshot = store.getState().seq;
    fake.putDevice({ deviceKey: 'b', name: 'Cam B' });
    fake.putDevice({ deviceKey: 'a', name: 'Cam A renamed' });
    expect(store.getState().deviceIds).toEqual(['a', 'b']);
    expect(store.getState().devices.a?.name).toBe('Cam A renamed');
    expect(store.getState().seq).toBe(seqAtSnapshot + 2);
  });

  it('buffers events that arrive before the snapshot and drops those the snapshot already has', async () => {
    const fake = createFakeApi();
    fake.putDevice({ deviceKey: 'a', name: 'old name' }); // seq 1
    const held = deferred<Result<Snapshot>>();
    let snapshotSeq = 0;
    fake.handle('getSnapshot', async () => held.promise);
    const store = createControllerStore();
    startSync(store, createFakeTransport(fake));
    expect(fake.listenerCount()).toBe(1); // subscribed before asking for the snapshot
    fake.putDevice({ deviceKey: 'a', name: 'in snapshot' }); // seq 2, reflected in the snapshot
    snapshotSeq = fake.world.seq;
    const snap: Snapshot = {
      seq: snapshotSeq,
      devices: [makeDevice({ deviceKey: 'a', name: 'in snapshot' })],
      takes: [],
      downloads: [],
      uploads: [],
      activeTakeId: null,
      settings: fake.world.settings,
      controllerClock: fake.world.controllerClock,
      discovery: fake.world.discovery,
      capabilities: fake.world.capabilities,
    };
    fake.putDevice({ deviceKey: 'a', name: 'after snapshot' }); // seq 3, newer
    fake.putDevice({ deviceKey: 'c', name: 'new device' }); // seq 4
    expect(store.getState().status).toBe('loading');
    held.resolve({ ok: true, value: snap });
    await flush();
    const s = store.getState();
    expect(s.status).toBe('ready');
    expect(s.devices.a?.name).toBe('after snapshot');
    expect(s.deviceIds).toEqual(['a', 'c']);
    expect(s.seq).toBe(4);
  });

  it('ignores events not newer than what it has (duplicates, replays)', () => {
    const state = { ...INITIAL_STATE, seq: 10 };
    const old: ControllerEvent = { seq: 10, type: 'deviceChanged', device: makeDevice({ deviceKey: 'x' }) };
    expect(applyEvent(state, old)).toBeNull();
    const fresh: ControllerEvent = { seq: 11, type: 'deviceChanged', device: makeDevice({ deviceKey: 'x' }) };
    expect(applyEvent(state, fresh)).toMatchObject({ seq: 11, deviceIds: ['x'] });
  });

  it('removes a device from the map and the ordered list', async () => {
    const fake = createFakeApi();
    fake.putDevice({ deviceKey: 'a' });
    fake.putDevice({ deviceKey: 'b' });
    fake.putDevice({ deviceKey: 'c' });
    const store = createControllerStore();
    startSync(store, createFakeTransport(fake));
    await flush();
    await fake.removeDevice('b');
    expect(store.getState().deviceIds).toEqual(['a', 'c']);
    expect(store.getState().devices.b).toBeUndefined();
  });

  it('keeps takes newest first and groups downloads by take', async () => {
    const fake = createFakeApi({ scenario: 'studio' });
    const store = createControllerStore();
    startSync(store, createFakeTransport(fake));
    await flush();
    expect(store.getState().takeIds).toEqual(['take-002', 'take-001']);
    expect(store.getState().downloadIdsByTake['take-001']).toContain('dl-b2');
    const before = store.getState().downloadIdsByTake['take-001'];
    fake.putDownload({ ...fake.world.downloads.get('dl-b2')!, bytes: 300_000_000 });
    // Progress on a known download keeps the id list (so take cards do not re-render).
    expect(store.getState().downloadIdsByTake['take-001']).toBe(before);
    expect(store.getState().downloads['dl-b2']?.bytes).toBe(300_000_000);
  });

  it('takes a fresh snapshot after the connection reopens', async () => {
    const fake = createFakeApi();
    fake.putDevice({ deviceKey: 'a' });
    let conn: ConnectionState = { phase: 'open', attempt: 0, nextRetryAt: null, error: null, opens: 1 };
    const listeners = new Set<(s: ConnectionState) => void>();
    const setConn = (s: ConnectionState) => {
      conn = s;
      for (const l of listeners) l(s);
    };
    const transport: Transport = {
      kind: 'fake',
      api: fake,
      connection: { get: () => conn, subscribe: (l) => (listeners.add(l), () => listeners.delete(l)) },
    };
    const store = createControllerStore();
    startSync(store, transport);
    await flush();
    expect(store.getState().deviceIds).toEqual(['a']);

    setConn({ ...conn, phase: 'reconnecting', attempt: 1 });
    expect(store.getState().connection.phase).toBe('reconnecting');
    // While disconnected the controller changed and we heard nothing (events lost).
    const quiet = fake.subscribe(() => {});
    fake.world.devices.delete('a');
    fake.world.devices.set('z', makeDevice({ deviceKey: 'z' }));
    fake.world.seq += 5;
    quiet();
    const snapshotsBefore = fake.calls.filter((c) => c.method === 'getSnapshot').length;
    setConn({ ...conn, phase: 'open', attempt: 0, opens: 2 });
    await flush();
    expect(fake.calls.filter((c) => c.method === 'getSnapshot').length).toBe(snapshotsBefore + 1);
    expect(store.getState().deviceIds).toEqual(['z']);
    expect(store.getState().connection.opens).toBe(2);
  });

  it('reports a failed snapshot', async () => {
    const fake = createFakeApi();
    fake.handle('getSnapshot', async () => ({ ok: false, error: { code: 'internal', message: 'controller is starting' } }));
    const store = createControllerStore();
    const sync = startSync(store, createFakeTransport(fake), { retryMs: 60_000 });
    await flush();
    expect(store.getState().status).toBe('error');
    expect(store.getState().loadError).toBe('controller is starting');
    sync.stop();
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ControllerEvent } from '../../src-shared/api';
import { errorLine } from '../../src-shared/error-line';
import { setListenerErrorHandler } from '../../src-shared/event';
import { bridgeUrl, createWsClient, tokenFromLocation, type SocketLike, type WsClient } from './ws-client';

/** A server-side view of one fake socket. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  closed = false;
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
  }
  // server side
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  reply(msg: unknown) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

let client: WsClient | null = null;
afterEach(() => {
  client?.dispose();
  client = null;
  vi.useRealTimers();
});

function setup() {
  const sockets: FakeSocket[] = [];
  client = createWsClient({
    url: 'ws://127.0.0.1:5555/api?token=t',
    socketFactory: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    minDelayMs: 100,
    maxDelayMs: 1000,
    random: () => 0.5,
  });
  return { client, sockets, last: () => sockets[sockets.length - 1]! };
}

describe('WebSocket transport', () => {
  it('reads the token from the hash or the query and builds the socket URL', () => {
    expect(tokenFromLocation({ hash: '#token=abc%2Fd', search: '' })).toBe('abc/d');
    expect(tokenFromLocation({ hash: '', search: '?token=q1' })).toBe('q1');
    expect(tokenFromLocation({ hash: '', search: '' })).toBeNull();
    expect(bridgeUrl({ protocol: 'http:', host: '127.0.0.1:4000' }, 'a b')).toBe('ws://127.0.0.1:4000/api?token=a%20b');
    expect(bridgeUrl({ protocol: 'https:', host: 'x:1' }, 't')).toBe('wss://x:1/api?token=t');
  });

  it('sends calls with ids once open and resolves them from results', async () => {
    const { client, last } = setup();
    expect(client.connection.get().phase).toBe('connecting');
    const p = client.api.addDevice('10.0.0.2:8080'); // queued while opening
    last().open();
    expect(client.connection.get()).toMatchObject({ phase: 'open', opens: 1 });
    expect(last().sent).toEqual([{ type: 'call', id: 1, method: 'addDevice', args: ['10.0.0.2:8080'] }]);
    const p2 = client.api.setDeviceIncluded('a', false);
    expect(last().sent[1]).toEqual({ type: 'call', id: 2, method: 'setDeviceIncluded', args: ['a', false] });
    last().reply({ type: 'result', id: 2, result: { ok: false, error: { code: 'not_found', message: 'no device a' } } });
    last().reply({ type: 'result', id: 1, result: { ok: true, value: { id: 'x' } } });
    await expect(p2).resolves.toEqual({ ok: false, error: { code: 'not_found', message: 'no device a' } });
    await expect(p).resolves.toEqual({ ok: true, value: { id: 'x' } });
  });

  it('delivers events to subscribers and ignores garbage', () => {
    const { client, last } = setup();
    last().open();
    const got: ControllerEvent[] = [];
    const off = client.api.subscribe((e) => got.push(e));
    last().onmessage?.({ data: 'not json' });
    last().reply({ type: 'result', id: 999, result: { ok: true, value: 1 } }); // unknown id
    last().reply({ type: 'event', event: { seq: 5, type: 'activeTakeChanged', takeId: null } });
    off();
    last().reply({ type: 'event', event: { seq: 6, type: 'activeTakeChanged', takeId: 't' } });
    expect(got).toEqual([{ seq: 5, type: 'activeTakeChanged', takeId: null }]);
  });

  it('a throwing subscriber is reported and does not keep the event (or the connection state) from the others', () => {
    const { client, last } = setup();
    const reported: string[] = [];
    const prev = setListenerErrorHandler((e, emitter) => reported.push(`${emitter}: ${errorLine(e)}`));
    try {
      const got: number[] = [];
      client.api.subscribe(() => {
        throw new Error('panel bug');
      });
      client.api.subscribe((e) => got.push(e.seq));
      const phases: string[] = [];
      client.connection.subscribe(() => {
        throw new Error('badge bug');
      });
      client.connection.subscribe((st) => phases.push(st.phase));
      last().open();
      last().reply({ type: 'event', event: { seq: 7, type: 'activeTakeChanged', takeId: null } });
      expect(got).toEqual([7]);
      expect(phases).toContain('open');
      expect(reported).toEqual(expect.arrayContaining(['bridge: controller event: panel bug', 'bridge: connection state: badge bug']));
    } finally {
      setListenerErrorHandler(prev);
    }
  });

  it('fails pending calls on disconnect, reconnects with backoff, keeps event listeners', async () => {
    vi.useFakeTimers();
    const { client, sockets, last } = setup();
    last().open();
    const got: ControllerEvent[] = [];
    client.api.subscribe((e) => got.push(e));
    const pending = client.api.stopTake();
    last().drop();
    const r = await pending;
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('disconnected');
      expect(r.error.message).toMatch(/may or may not have happened/);
    }
    expect(client.connection.get()).toMatchObject({ phase: 'reconnecting', attempt: 1 });
    // While waiting to reconnect, a call fails at once with a clear message.
    const now = await client.api.getSnapshot();
    expect(now.ok ? 'ok' : now.error.message).toMatch(/Disconnected from the controller/);
    expect(sockets).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    last().drop(); // second attempt fails too: longer wait
    expect(client.connection.get()).toMatchObject({ phase: 'reconnecting', attempt: 2 });
    vi.advanceTimersByTime(150);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(60);
    expect(sockets).toHaveLength(3);
    last().open();
    expect(client.connection.get()).toMatchObject({ phase: 'open', attempt: 0, opens: 2 });
    last().reply({ type: 'event', event: { seq: 9, type: 'activeTakeChanged', takeId: null } });
    expect(got).toHaveLength(1);
  });

  it('stops for good on dispose', async () => {
    const { client, sockets, last } = setup();
    last().open();
    const p = client.api.stopTake();
    client.dispose();
    expect((await p).ok).toBe(false);
    expect(last().closed).toBe(true);
    expect(client.connection.get().phase).toBe('closed');
    expect(sockets).toHaveLength(1);
  });
});

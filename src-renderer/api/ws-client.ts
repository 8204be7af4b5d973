/**
 * Browser-mode transport: ControllerApi over one WebSocket (src-shared/bridge-protocol.ts).
 *
 * - Calls carry increasing ids; results resolve them. A call made while the socket is still
 *   opening waits for it; a call made while we are waiting to reconnect fails at once.
 * - When the socket drops, every call still waiting fails with a `disconnected` Result (the
 *   action may or may not have happened), and we reconnect with exponential backoff.
 * - Event listeners survive reconnects; the store re-takes a snapshot when `opens` grows.
 */
import { errorLine } from '../../src-shared/error-line';
import { err, type ControllerEvent, type Result } from '../../src-shared/api';
import { createApiClient } from '../../src-shared/api-client';
import { Emitter } from '../../src-shared/event';
import { BRIDGE_FILES_PATH, BRIDGE_PATH, type BridgeClientMessage, type BridgeServerMessage } from '../../src-shared/bridge-protocol';
import type { ConnectionSource, ConnectionState, Transport } from './transport';

/** The part of the DOM WebSocket we use, so tests can hand in a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code?: number; reason?: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type SocketFactory = (url: string) => SocketLike;

export interface WsClientOptions {
  url: string;
  socketFactory?: SocketFactory;
  /** Backoff: first delay and cap, ms. */
  minDelayMs?: number;
  maxDelayMs?: number;
  now?: () => number;
  random?: () => number;
}

const OPEN = 1;

export interface WsClient extends Transport {
  kind: 'websocket';
  /** Stop reconnecting and close the socket. */
  dispose(): void;
}

interface Pending {
  method: string;
  resolve: (r: Result<unknown>) => void;
  /** Serialized message not yet sent (socket still opening). */
  unsent: string | null;
}

/** Token from `#token=…` or `?token=…`. */
export function tokenFromLocation(loc: { hash: string; search: string }): string | null {
  const fromHash = new URLSearchParams(loc.hash.replace(/^#/, '')).get('token');
  if (fromHash) return fromHash;
  return new URLSearchParams(loc.search).get('token');
}

/** Where browser mode serves a finished file (src-main/bridge/http-files.ts). */
export function fileUrl(loc: { protocol: string; host: string }, token: string, downloadId: string, name: string): string {
  return `${loc.protocol}//${loc.host}${BRIDGE_FILES_PATH}${encodeURIComponent(downloadId)}/${encodeURIComponent(name)}?token=${encodeURIComponent(token)}`;
}

export function bridgeUrl(loc: { protocol: string; host: string }, token: string): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}${BRIDGE_PATH}?token=${encodeURIComponent(token)}`;
}

export function createWsClient(options: WsClientOptions): WsClient {
  const factory: SocketFactory = options.socketFactory ?? ((url) => new WebSocket(url) as unknown as SocketLike);
  const minDelay = options.minDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 10_000;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;

  let socket: SocketLike | null = null;
  let nextId = 1;
  let disposed = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  const pending = new Map<number, Pending>();
  // One emitter type everywhere (src-shared/event.ts): a throwing listener is reported, never
  // stops the others or the socket's message handling.
  const events = new Emitter<ControllerEvent>('bridge: controller event');
  const states = new Emitter<ConnectionState>('bridge: connection state');
  let state: ConnectionState = { phase: 'connecting', attempt: 0, nextRetryAt: null, error: null, opens: 0 };

  function setState(patch: Partial<ConnectionState>) {
    state = { ...state, ...patch };
    states.fire(state);
  }

  function failAll(message: string) {
    const waiting = [...pending.values()];
    pending.clear();
    for (const p of waiting) p.resolve(err('disconnected', `${message} (${p.method})`));
  }

  function connect() {
    retryTimer = null;
    if (disposed) return;
    let s: SocketLike;
    try {
      s = factory(options.url);
    } catch (e) {
      scheduleReconnect(`could not open a connection: ${errorLine(e)}`);
      return;
    }
    socket = s;
    s.onopen = () => {
      if (socket !== s) return;
      setState({ phase: 'open', attempt: 0, nextRetryAt: null, error: null, opens: state.opens + 1 });
      for (const p of pending.values()) {
        if (p.unsent !== null) {
          s.send(p.unsent);
          p.unsent = null;
        }
      }
    };
    s.onmessage = (ev) => {
      if (socket !== s) return;
      handleMessage(ev.data);
    };
    s.onerror = () => {
      /* onclose follows and carries the outcome */
    };
    s.onclose = (ev) => {
      if (socket !== s) return;
      socket = null;
      const why = ev?.code === 4401 || ev?.code === 1008 ? 'the controller refused this page (token or origin)' : 'connection lost';
      failAll('Lost the connection to the controller before it answered; the action may or may not have happened');
      if (!disposed) scheduleReconnect(why);
    };
  }

  function scheduleReconnect(reason: string) {
    const attempt = state.attempt + 1;
    const base = Math.min(maxDelay, minDelay * 2 ** (attempt - 1));
    const delay = Math.round(base * (0.75 + random() * 0.5));
    setState({ phase: 'reconnecting', attempt, nextRetryAt: now() + delay, error: reason });
    retryTimer = setTimeout(connect, delay);
  }

  function handleMessage(data: unknown) {
    if (typeof data !== 'string') return;
    let msg: BridgeServerMessage;
    try {
      msg = JSON.parse(data) as BridgeServerMessage;
    } catch {
      return;
    }
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'result' && typeof msg.id === 'number') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      const r = msg.result;
      p.resolve(r && typeof r === 'object' && 'ok' in r ? r : err('bad_reply', `The controller gave an unreadable answer to ${p.method}.`));
    } else if (msg.type === 'event' && msg.event && typeof msg.event === 'object') {
      events.fire(msg.event);
    }
  }

  function call(method: string, args: unknown[]): Promise<Result<unknown>> {
    if (disposed) return Promise.resolve(err('disconnected', 'The connection to the controller is closed.'));
    const id = nextId++;
    const text = JSON.stringify({ type: 'call', id, method, args } satisfies BridgeClientMessage);
    return new Promise((resolve) => {
      if (socket && socket.readyState === OPEN && state.phase === 'open') {
        pending.set(id, { method, resolve, unsent: null });
        try {
          socket.send(text);
        } catch (e) {
          pending.delete(id);
          resolve(err('disconnected', `Could not send to the controller: ${errorLine(e)}`));
        }
      } else if (socket) {
        // Socket still opening: send when it opens, fail if it closes first.
        pending.set(id, { method, resolve, unsent: text });
      } else {
        resolve(err('disconnected', 'Disconnected from the controller — reconnecting. Try again in a moment.'));
      }
    });
  }

  const api = createApiClient(call, (listener) => {
    const sub = events.event(listener);
    return () => sub.dispose();
  });

  const connection: ConnectionSource = {
    get: () => state,
    subscribe(listener) {
      const sub = states.event(listener);
      return () => sub.dispose();
    },
  };

  connect();

  return {
    kind: 'websocket',
    api,
    connection,
    dispose() {
      disposed = true;
      if (retryTimer) clearTimeout(retryTimer);
      const s = socket;
      socket = null;
      failAll('The connection to the controller was closed');
      setState({ phase: 'closed', nextRetryAt: null });
      s?.close(1000, 'bye');
    },
  };
}

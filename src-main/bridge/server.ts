/**
 * Browser-mode bridge: the ControllerApi over one WebSocket (src-shared/bridge-protocol.ts),
 * plus the built renderer over plain HTTP, on 127.0.0.1 by default.
 *
 * Guards: a Host check on every request (only `127.0.0.1:PORT` / `localhost:PORT`, plus names the
 * operator allowed explicitly, so a page on a DNS-rebound name cannot read even the static files), a random token (constant-time compare), an
 * Origin check (the bridge's own origin only),
 * a message size cap, strict message parsing, `validateArgs` before the controller sees anything.
 */
import { formatAddress } from '../../src-shared/address';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { validateArgs, type ControllerApi, type ControllerEvent, type Result } from '../../src-shared/api';
import { BRIDGE_MAX_MESSAGE_BYTES, BRIDGE_PATH, type BridgeClientMessage, type BridgeServerMessage } from '../../src-shared/bridge-protocol';
import { dispatchApi } from '../core/dispatch';
import { createFilesHandler, type ResolveFile } from './http-files';
import { createStaticHandler, SECURITY_HEADERS } from './http-static';

export interface BridgeOptions {
  api: ControllerApi;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port. */
  port?: number;
  /** The built renderer (dist/renderer). Without it only the WebSocket is served. */
  staticDir?: string;
  /** Default: 32 random bytes, hex. */
  token?: string;
  /** Finished files by download id (the controller's resolveDownloadPath): served at /files/ with the token. */
  resolveFile?: ResolveFile;
  /** Extra Origins allowed to open the socket (besides http://127.0.0.1:PORT and http://localhost:PORT). */
  allowedOrigins?: string[];
  /**
   * Extra names accepted in the Host header (besides 127.0.0.1:PORT, localhost:PORT and the listen
   * address): `name:port`, or a bare `name` (`[v6]`) meaning that name at the bridge's port. Each is
   * also accepted as the page's Origin (`http://name:port`), so the app opened under it can connect.
   */
  allowedHosts?: string[];
  /** Calls a single connection may have in flight. Default 64. */
  maxInFlightPerClient?: number;
  /** A client whose unsent backlog exceeds this is dropped (it is not reading). Default 16 MiB. */
  maxBufferedBytes?: number;
}

export interface BridgeHandle {
  /** `http://127.0.0.1:PORT/#token=…` — what the operator opens. */
  url: string;
  port: number;
  token: string;
  /** Connected WebSocket clients right now. */
  clientCount(): number;
  close(): Promise<void>;
}

/** Constant-time token comparison (hashing first makes the lengths equal). */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** Strictly parse one client frame; null when it is not a well-formed call. */
export function parseClientMessage(text: string): BridgeClientMessage | { badId: number } | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const m = raw as Record<string, unknown>;
  const id = m.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return null;
  const keys = Object.keys(m);
  if (
    m.type !== 'call' ||
    typeof m.method !== 'string' ||
    !Array.isArray(m.args) ||
    keys.length !== 4 ||
    !keys.every((k) => k === 'type' || k === 'id' || k === 'method' || k === 'args')
  ) {
    return { badId: id };
  }
  return { type: 'call', id, method: m.method, args: m.args as unknown[] };
}

/** Validate, then call one contract method through the core dispatcher; never throws, never leaks a stack. */
export async function dispatchCall(api: ControllerApi, method: string, args: unknown): Promise<Result<unknown>> {
  const checked = validateArgs(method, args);
  if (!checked.ok) return checked;
  return dispatchApi(api, method, checked.value);
}

function rejectUpgrade(socket: Duplex, status: 400 | 401 | 403 | 404, text: string): void {
  socket.write(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`);
  socket.destroy();
}

/** `name` → `name:port`; `name:p` and `[v6]:p` stay; a bare `[v6]` gets the port. */
function withPort(host: string, port: number): string {
  return /:\d+$/.test(host) && (!host.startsWith('[') || host.includes(']:')) ? host : `${host}:${port}`;
}

export async function startBridge(options: BridgeOptions): Promise<BridgeHandle> {
  const { api } = options;
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('hex');
  if (token.length < 16) throw new Error('bridge token must be at least 16 characters');
  const maxInFlight = options.maxInFlightPerClient ?? 64;
  const maxBuffered = options.maxBufferedBytes ?? 16 * 1024 * 1024;
  const serveStatic = options.staticDir ? createStaticHandler({ root: options.staticDir }) : null;

  const server: Server = createServer((req, res) => {
    if (!hostAllowed(req)) {
      res.writeHead(421, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('wrong host: open the address the controller printed');
      return;
    }
    void serveFiles(req, res)
      .then((handled) => {
        if (!handled) staticOrNothing(req, res);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, SECURITY_HEADERS);
        res.end();
      });
  });
  const serveFiles = createFilesHandler({ resolve: options.resolveFile ?? null, tokenOk: (given) => tokensEqual(given, token) });
  const staticOrNothing = (req: IncomingMessage, res: ServerResponse): void => {
    if (!serveStatic) {
      res.writeHead(404, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('no renderer build');
      return;
    }
    serveStatic(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, SECURITY_HEADERS);
      res.end();
    });
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: BRIDGE_MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const clients = new Set<WebSocket>();
  let allowed = new Set<string>();
  let allowedHosts = new Set<string>();
  // A DNS-rebinding page reaches us under its own name: the Host header is the one thing it cannot choose.
  const hostAllowed = (req: IncomingMessage): boolean => typeof req.headers.host === 'string' && allowedHosts.has(req.headers.host.toLowerCase());

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://bridge.invalid');
    } catch {
      return rejectUpgrade(socket, 400, 'Bad Request');
    }
    if (!hostAllowed(req)) return rejectUpgrade(socket, 403, 'Forbidden');
    if (url.pathname !== BRIDGE_PATH) return rejectUpgrade(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || !allowed.has(origin)) return rejectUpgrade(socket, 403, 'Forbidden');
    const given = url.searchParams.get('token') ?? '';
    if (!tokensEqual(given, token)) {
      // Our own page with a stale token (browser mode was restarted): a browser cannot read an
      // HTTP status on a WebSocket handshake, so open, say why with a close code, and hang up.
      wss.handleUpgrade(req, socket, head, (ws) => ws.close(4401, 'invalid token: reopen the address the controller printed'));
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    clients.add(ws);
    let inFlight = 0;
    const send = (msg: BridgeServerMessage): void => {
      if (ws.readyState !== WebSocket.OPEN) return;
      if (ws.bufferedAmount > maxBuffered) {
        ws.terminate(); // not reading: drop it rather than grow without bound
        return;
      }
      ws.send(JSON.stringify(msg));
    };
    const unsubscribe = api.subscribe((event: ControllerEvent) => send({ type: 'event', event }));
    let closed = false;
    const cleanup = (): void => {
      if (closed) return;
      closed = true;
      clients.delete(ws);
      unsubscribe();
    };
    ws.on('close', cleanup);
    ws.on('error', () => {
      cleanup();
      ws.terminate();
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        ws.close(1003, 'text frames only');
        return;
      }
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Array.isArray(data)
          ? Buffer.concat(data).toString('utf8')
          : Buffer.from(data).toString('utf8');
      const msg = parseClientMessage(text);
      if (msg === null) {
        ws.close(1007, 'malformed message');
        return;
      }
      if ('badId' in msg) {
        send({ type: 'result', id: msg.badId, result: { ok: false, error: { code: 'invalid_request', message: 'expected {type:"call", id, method, args}' } } });
        return;
      }
      if (inFlight >= maxInFlight) {
        send({ type: 'result', id: msg.id, result: { ok: false, error: { code: 'busy', message: 'too many calls in flight' } } });
        return;
      }
      inFlight++;
      void dispatchCall(api, msg.method, msg.args).then((result) => {
        inFlight--;
        send({ type: 'result', id: msg.id, result });
      });
    });
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
  const port = (server.address() as AddressInfo).port;
  allowed = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`, ...(options.allowedOrigins ?? [])]);
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  for (const extra of options.allowedHosts ?? []) {
    const h = withPort(extra.toLowerCase(), port);
    allowedHosts.add(h);
    allowed.add(`http://${h}`);
  }
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '0.0.0.0' && host !== '::') {
    const own = formatAddress({ host, port }).toLowerCase();
    allowed.add(`http://${own}`);
    allowedHosts.add(own);
  }
  const pageHost = host === '0.0.0.0' || host === '::' || host === 'localhost' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${pageHost}:${port}/#token=${token}`,
    port,
    token,
    clientCount: () => clients.size,
    close() {
      closing ??= (async () => {
        for (const ws of clients) ws.terminate();
        await new Promise<void>((r) => wss.close(() => r()));
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      })();
      return closing;
    },
  };
}

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { err, type ControllerEvent } from '../../src-shared/api';
import { BRIDGE_MAX_MESSAGE_BYTES, type BridgeServerMessage } from '../../src-shared/bridge-protocol';
import { makeFakeApi, type FakeApi } from './fake-api.testing';
import { RENDERER_CSP, safeRelativePath } from './http-static';
import { dispatchCall, parseClientMessage, startBridge, tokensEqual, type BridgeHandle } from './server';

let dir: string;
let staticDir: string;
let api: FakeApi;
let bridge: BridgeHandle;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bridge-'));
  staticDir = join(dir, 'renderer');
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>MultiCam</title>');
  writeFileSync(join(staticDir, 'assets', 'app-123.js'), 'console.log(1)');
  writeFileSync(join(staticDir, 'assets', 'app-123.css'), 'body{}');
  writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
  symlinkSync(join(dir, 'secret.txt'), join(staticDir, 'link.txt'));
  api = makeFakeApi();
  bridge = await startBridge({ api, staticDir });
});
afterEach(async () => {
  await bridge.close();
  rmSync(dir, { recursive: true, force: true });
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
/** Raw HTTP GET that does not normalise the path (so `..` reaches the server as sent). */
function get(path: string, method = 'GET', headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const origin = () => `http://127.0.0.1:${bridge.port}`;
function connect(opts: { token?: string | null; origin?: string | null } = {}): WebSocket {
  const token = opts.token === undefined ? bridge.token : opts.token;
  const o = opts.origin === undefined ? origin() : opts.origin;
  const q = token === null ? '' : `?token=${encodeURIComponent(token)}`;
  return new WebSocket(`ws://127.0.0.1:${bridge.port}/api${q}`, { headers: o === null ? {} : { Origin: o } });
}
function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
}
function refused(ws: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('should not open')));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', () => resolve(-1));
  });
}
function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}
/** Collects server messages; `next(pred)` waits for the first one matching. */
function inbox(ws: WebSocket) {
  const got: BridgeServerMessage[] = [];
  const waiters: Array<{ pred: (m: BridgeServerMessage) => boolean; resolve: (m: BridgeServerMessage) => void }> = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as BridgeServerMessage;
    got.push(m);
    for (const w of [...waiters])
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
  });
  return {
    got,
    next(pred: (m: BridgeServerMessage) => boolean): Promise<BridgeServerMessage> {
      const hit = got.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}
async function call(ws: WebSocket, box: ReturnType<typeof inbox>, id: number, method: string, args: unknown[]) {
  ws.send(JSON.stringify({ type: 'call', id, method, args }));
  const m = await box.next((x) => x.type === 'result' && x.id === id);
  return m.type === 'result' ? m.result : null;
}
const event = (seq: number): ControllerEvent => ({ seq, type: 'deviceRemoved', deviceKey: `dev-${seq}` });

describe('static files', () => {
  it('serves index.html with CSP, security headers and no-cache', async () => {
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('MultiCam');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['content-security-policy']).toBe(RENDERER_CSP);
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['x-frame-options']).toBe('DENY');
    expect(r.headers['cache-control']).toBe('no-cache');
  });
  it('serves hashed assets immutable with the right type', async () => {
    const js = await get('/assets/app-123.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await get('/assets/app-123.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });
  it('falls back to index.html for app routes, 404s for missing files', async () => {
    expect((await get('/takes/today')).body).toContain('MultiCam');
    expect((await get('/assets/missing.js')).status).toBe(404);
  });
  it('refuses path traversal in every spelling', async () => {
    for (const p of [
      '/../secret.txt',
      '/../../etc/passwd',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00index.html',
      '/%zz',
    ]) {
      const r = await get(p);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.body, p).not.toContain('TOP SECRET');
    }
  });
  it('refuses a symlink that leaves the root', async () => {
    const r = await get('/link.txt');
    expect(r.status).toBe(404);
    expect(r.body).not.toContain('TOP SECRET');
  });
  it('answers only to its own Host (a DNS-rebinding page cannot read the files)', async () => {
    for (const host of ['evil.example', `evil.example:${bridge.port}`, `127.0.0.1:${bridge.port + 1}`, `127.0.0.1.nip.io:${bridge.port}`]) {
      const r = await get('/index.html', 'GET', { Host: host });
      expect(r.status, host).toBe(421);
      expect(r.body).not.toContain('<html');
    }
    expect((await get('/index.html', 'GET', { Host: `localhost:${bridge.port}` })).status).toBe(200);
    expect((await get('/index.html', 'GET', { Host: `LOCALHOST:${bridge.port}` })).status).toBe(200);
    expect((await get('/index.html')).status).toBe(200);
  });
  it('answers to a name the operator allowed (at its port), and still to nothing else', async () => {
    const extra = await startBridge({ api, staticDir, allowedHosts: ['Studio.local', 'proxy.example:8443'] });
    try {
      const at = (host: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request({ host: '127.0.0.1', port: extra.port, path: '/index.html', headers: { Host: host } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      expect(await at(`studio.local:${extra.port}`)).toBe(200);
      expect(await at('proxy.example:8443')).toBe(200);
      expect(await at(`127.0.0.1:${extra.port}`)).toBe(200);
      for (const host of [`studio.local:${extra.port + 1}`, 'studio.local', `evil.example:${extra.port}`, `proxy.example:${extra.port}`]) {
        expect(await at(host), host).toBe(421);
      }
      // The app opened under that name can open its socket (Origin and Host both that name).
      const ws = new WebSocket(`ws://127.0.0.1:${extra.port}/api?token=${extra.token}`, {
        headers: { Origin: `http://studio.local:${extra.port}`, Host: `studio.local:${extra.port}` },
      });
      await opened(ws);
      ws.close();
      const foreign = new WebSocket(`ws://127.0.0.1:${extra.port}/api?token=${extra.token}`, {
        headers: { Origin: `http://evil.example:${extra.port}`, Host: `studio.local:${extra.port}` },
      });
      expect(await refused(foreign)).toBe(403);
    } finally {
      await extra.close();
    }
  });
  it('allows only GET and HEAD', async () => {
    expect((await get('/', 'POST')).status).toBe(405);
    const head = await get('/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });
  it('safeRelativePath is pure and strict', () => {
    expect(safeRelativePath('/assets/a.js')).toBe('assets/a.js');
    expect(safeRelativePath('/./a//b')).toBe('a/b');
    expect(safeRelativePath('/a/../b')).toBeNull();
    expect(safeRelativePath('/C:/x')).toBeNull();
  });
});

describe('websocket guards', () => {
  it('the URL carries the token and the port', () => {
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/#token=${bridge.token}`);
    expect(bridge.token).toMatch(/^[0-9a-f]{64}$/);
  });
  it('closes a missing or wrong token with 4401 and a reason the page can show, before any call or event', async () => {
    for (const token of [null, 'x'.repeat(64), bridge.token.slice(0, -1)]) {
      const ws = connect({ token });
      const got = await closed(ws);
      expect(got.code).toBe(4401);
      expect(got.reason).toMatch(/invalid token/);
    }
    expect(bridge.clientCount()).toBe(0);
    expect(api.subscribe).not.toHaveBeenCalled();
  });
  it('a foreign Origin is refused outright (403), whatever the token', async () => {
    expect(await refused(connect({ token: null, origin: 'http://evil.example' }))).toBe(403);
    expect(await refused(connect({ token: 'x'.repeat(64), origin: 'http://evil.example' }))).toBe(403);
  });
  it('rejects a foreign or missing Origin with 403', async () => {
    expect(await refused(connect({ origin: 'http://evil.example' }))).toBe(403);
    expect(await refused(connect({ origin: `http://127.0.0.1:${bridge.port + 1}` }))).toBe(403);
    expect(await refused(connect({ origin: null }))).toBe(403);
    expect(api.subscribe).not.toHaveBeenCalled();
  });
  it('accepts its own origin, localhost spelling included', async () => {
    const a = connect();
    const b = connect({ origin: `http://localhost:${bridge.port}` });
    await Promise.all([opened(a), opened(b)]);
    expect(bridge.clientCount()).toBe(2);
    a.close();
    b.close();
  });
  it('refuses a foreign Host on the WebSocket even with the right Origin and token (403)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/api?token=${bridge.token}`, {
      headers: { Origin: origin(), Host: `rebound.example:${bridge.port}` },
    });
    expect(await refused(ws)).toBe(403);
    expect(api.subscribe).not.toHaveBeenCalled();
  });
  it('rejects other paths', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/other?token=${bridge.token}`, { headers: { Origin: origin() } });
    expect(await refused(ws)).toBe(404);
  });
  it('tokensEqual compares whole tokens', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true);
    expect(tokensEqual('abc', 'abcd')).toBe(false);
    expect(tokensEqual('', 'abc')).toBe(false);
  });
});

describe('websocket calls', () => {
  it('calls the api and returns its Result', async () => {
    const ws = connect();
    const box = inbox(ws);
    await opened(ws);
    const r = await call(ws, box, 1, 'renameDevice', ['dev-1', 'Cam A']);
    expect(r).toEqual({ ok: true, value: { method: 'renameDevice', args: ['dev-1', 'Cam A'] } });
    expect(api.calls).toEqual([{ method: 'renameDevice', args: ['dev-1', 'Cam A'] }]);
    ws.close();
  });
  it('invalid args → invalid_argument and the api is not called', async () => {
    const ws = connect();
    const box = inbox(ws);
    await opened(ws);
    const r1 = await call(ws, box, 1, 'setDeviceColor', ['dev-1', 'red; background:url(x)']);
    const r2 = await call(ws, box, 2, 'addVirtualDevices', [1000]);
    const r3 = await call(ws, box, 3, 'renameDevice', ['dev-1']);
    for (const r of [r1, r2, r3]) expect(r).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    expect(api.calls).toEqual([]);
    ws.close();
  });
  it('unknown methods (including subscribe and prototype names) are refused', async () => {
    const ws = connect();
    const box = inbox(ws);
    await opened(ws);
    for (const [i, m] of ['subscribe', 'constructor', '__proto__', 'toString', 'shutdown'].entries()) {
      expect(await call(ws, box, i, m, [])).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
    }
    expect(api.calls).toEqual([]);
    ws.close();
  });
  it('a throwing api becomes an internal error without a stack', async () => {
    api = makeFakeApi({
      stopTake: () => {
        throw new Error('boom\n    at secret (/home/op/src/x.ts:1:1)');
      },
      getSnapshot: () => 'not a result',
    });
    await bridge.close();
    bridge = await startBridge({ api, staticDir });
    const ws = connect();
    const box = inbox(ws);
    await opened(ws);
    const r = await call(ws, box, 7, 'stopTake', []);
    expect(r).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } });
    expect(await call(ws, box, 8, 'getSnapshot', [])).toMatchObject({ ok: false, error: { code: 'internal' } });
    ws.close();
  });
  it('passes an api error Result through unchanged (e.g. unsupported drag in browser mode)', async () => {
    api = makeFakeApi({ startDrag: async () => err('unsupported', 'drag-out needs the desktop app') });
    await bridge.close();
    bridge = await startBridge({ api, staticDir });
    const ws = connect();
    const box = inbox(ws);
    await opened(ws);
    expect(await call(ws, box, 1, 'startDrag', ['dl-1'])).toEqual({ ok: false, error: { code: 'unsupported', message: 'drag-out needs the desktop app' } });
    ws.close();
  });
  it('malformed JSON closes only that socket; the server keeps serving', async () => {
    const bad = connect();
    await opened(bad);
    const done = closed(bad);
    bad.send('{not json');
    expect((await done).code).toBe(1007);
    const good = connect();
    const box = inbox(good);
    await opened(good);
    expect(await call(good, box, 1, 'getSnapshot', [])).toMatchObject({ ok: true });
    good.close();
  });
  it('a well-formed frame with the wrong shape gets an invalid_request result', async () => {
    const ws = connect();
    const box = inbox(ws);
    await opened(ws);
    ws.send(JSON.stringify({ type: 'call', id: 5, method: 'getSnapshot', args: {} }));
    const m = await box.next((x) => x.type === 'result' && x.id === 5);
    expect(m).toMatchObject({ result: { ok: false, error: { code: 'invalid_request' } } });
    expect(api.calls).toEqual([]);
    ws.close();
  });
  it('binary frames close the socket', async () => {
    const ws = connect();
    await opened(ws);
    const done = closed(ws);
    ws.send(Buffer.from([1, 2, 3]));
    expect((await done).code).toBe(1003);
  });
  it('an oversized message is rejected (1009) and the api never sees it', async () => {
    const ws = connect();
    await opened(ws);
    const done = closed(ws);
    ws.send(JSON.stringify({ type: 'call', id: 1, method: 'addDevice', args: ['x'.repeat(BRIDGE_MAX_MESSAGE_BYTES + 10)] }));
    expect((await done).code).toBe(1009);
    expect(api.calls).toEqual([]);
  });
});

describe('events', () => {
  it('forwards every event to every client', async () => {
    const a = connect();
    const b = connect();
    const boxA = inbox(a);
    const boxB = inbox(b);
    await Promise.all([opened(a), opened(b)]);
    expect(api.listeners.size).toBe(2);
    api.emit(event(41));
    api.emit(event(42));
    for (const box of [boxA, boxB]) {
      await box.next((m) => m.type === 'event' && m.event.seq === 42);
      expect(box.got.filter((m) => m.type === 'event').map((m) => (m.type === 'event' ? m.event.seq : 0))).toEqual([41, 42]);
    }
    a.close();
    b.close();
  });
  it('unsubscribes when a client disconnects, and on close()', async () => {
    const a = connect();
    const b = connect();
    await Promise.all([opened(a), opened(b)]);
    expect(api.listeners.size).toBe(2);
    const done = closed(a);
    a.close();
    await done;
    await expect.poll(() => api.listeners.size).toBe(1);
    expect(bridge.clientCount()).toBe(1);
    await bridge.close();
    expect(api.listeners.size).toBe(0);
  });
});

describe('pure helpers', () => {
  it('parseClientMessage is strict', () => {
    expect(parseClientMessage('[]')).toBeNull();
    expect(parseClientMessage('{"type":"call","id":-1,"method":"x","args":[]}')).toBeNull();
    expect(parseClientMessage('{"type":"call","id":1.5,"method":"x","args":[]}')).toBeNull();
    expect(parseClientMessage('{"type":"call","id":1,"method":"x","args":[],"extra":1}')).toEqual({ badId: 1 });
    expect(parseClientMessage('{"type":"call","id":1,"method":"x","args":[2]}')).toEqual({ type: 'call', id: 1, method: 'x', args: [2] });
  });
  it('dispatchCall validates before calling', async () => {
    const a = makeFakeApi();
    expect(await dispatchCall(a, 'removeDevice', [''])).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    expect(await dispatchCall(a, 'removeDevice', ['d1'])).toMatchObject({ ok: true });
    expect(a.calls).toHaveLength(1);
  });
});

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { appUrlToRelativePath, createAppProtocolHandler } from './app-protocol';
import {
  APP_ENTRY_URL,
  DEV_RENDERER_CSP,
  denyAllPermissions,
  hardenWebContents,
  installCsp,
  isSafeExternalUrl,
  isTrustedRendererUrl,
  makeWindowOpenHandler,
  RENDERER_CSP,
  secureWebPreferences,
  withCsp,
  type HardenableWebContents,
  type SessionLike,
} from './security';

vi.mock('electron', () => {
  throw new Error('security helpers must not import electron');
});

describe('webPreferences', () => {
  it('isolated, sandboxed, no node, web security on', () => {
    expect(secureWebPreferences('/p/preload.cjs')).toMatchObject({
      preload: '/p/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });
});

describe('external links', () => {
  it('only plain https', () => {
    expect(isSafeExternalUrl('https://multicam.example/help')).toBe(true);
    for (const u of [
      'http://multicam.example',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'https://user:pw@host/',
      'app://renderer/x',
      'not a url',
      `https://x/${'a'.repeat(3000)}`,
    ]) {
      expect(isSafeExternalUrl(u), u).toBe(false);
    }
  });
  it('window.open is always denied; https goes to the OS browser, nothing else does', () => {
    const shell = { openExternal: vi.fn(async () => undefined) };
    const handler = makeWindowOpenHandler(shell);
    expect(handler({ url: 'https://multicam.example/' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'http://example.com' })).toEqual({ action: 'deny' });
    expect(shell.openExternal.mock.calls).toEqual([['https://multicam.example/']]);
  });
});

describe('navigation', () => {
  it('will-navigate, will-redirect and will-attach-webview are all prevented', () => {
    const listeners = new Map<string, (e: { preventDefault(): void }, url?: string) => void>();
    let openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
    const wc = {
      on: (name: string, l: (e: { preventDefault(): void }, url?: string) => void) => listeners.set(name, l),
      setWindowOpenHandler: (h: (d: { url: string }) => { action: 'deny' }) => {
        openHandler = h;
      },
    };
    const shell = { openExternal: vi.fn(async () => undefined) };
    hardenWebContents(wc as unknown as HardenableWebContents, shell);
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = { preventDefault: vi.fn() };
      listeners.get(name)!(e, 'https://evil.example/');
      expect(e.preventDefault, name).toHaveBeenCalled();
    }
    expect(openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });
  it('trusted renderer URLs: app://renderer, or the configured dev server', () => {
    expect(isTrustedRendererUrl(APP_ENTRY_URL)).toBe(true);
    expect(isTrustedRendererUrl('app://renderer/assets/x.js')).toBe(true);
    expect(isTrustedRendererUrl('app://other/index.html')).toBe(false);
    expect(isTrustedRendererUrl('file:///index.html')).toBe(false);
    expect(isTrustedRendererUrl('http://localhost:5173/')).toBe(false);
    expect(isTrustedRendererUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true);
    expect(isTrustedRendererUrl('http://localhost:5173.evil.example/', 'http://localhost:5173')).toBe(false);
  });
});

describe('session', () => {
  type RequestHandler = (wc: unknown, p: string, cb: (g: boolean) => void, d: unknown) => void;
  type CheckHandler = (wc: unknown, p: string, o: string, d: unknown) => boolean;
  type HeadersListener = Parameters<SessionLike['webRequest']['onHeadersReceived']>[0];
  interface FakeSession extends SessionLike {
    request: RequestHandler | null;
    check: CheckHandler | null;
    headers: HeadersListener | null;
  }
  function fakeSession(): FakeSession {
    const s: FakeSession = {
      request: null,
      check: null,
      headers: null,
      setPermissionRequestHandler(h) {
        s.request = h;
      },
      setPermissionCheckHandler(h) {
        s.check = h;
      },
      webRequest: {
        onHeadersReceived(l) {
          s.headers = l;
        },
      },
    };
    return s;
  }
  it('every permission request and check is denied', () => {
    const s = fakeSession();
    denyAllPermissions(s);
    for (const p of ['media', 'notifications', 'geolocation', 'openExternal', 'clipboard-read']) {
      const cb = vi.fn();
      s.request!({}, p, cb, {});
      expect(cb).toHaveBeenCalledWith(false);
      expect(s.check!({}, p, 'app://renderer', {})).toBe(false);
    }
  });
  it('every response gets our CSP, replacing whatever the server sent', () => {
    const s = fakeSession();
    installCsp(s, RENDERER_CSP);
    const cb = vi.fn();
    s.headers!({ url: 'app://renderer/index.html', responseHeaders: { 'content-security-policy': ['default-src *'], 'X-Other': ['1'] } }, cb);
    const headers = cb.mock.calls[0]![0].responseHeaders as Record<string, string[]>;
    expect(headers['Content-Security-Policy']).toEqual([RENDERER_CSP]);
    expect(headers['content-security-policy']).toBeUndefined();
    expect(headers['X-Other']).toEqual(['1']);
    expect(withCsp(undefined, 'x')['Content-Security-Policy']).toEqual(['x']);
  });
  it('the production CSP allows no inline or remote script; dev only adds inline for HMR', () => {
    expect(RENDERER_CSP).toContain("script-src 'self';");
    expect(RENDERER_CSP).not.toMatch(/unsafe-eval|https?:\/\/(?!)/);
    expect(RENDERER_CSP).toContain("object-src 'none'");
    expect(RENDERER_CSP).toContain("frame-ancestors 'none'");
    expect(DEV_RENDERER_CSP).toContain("script-src 'self' 'unsafe-inline'");
  });
});

describe('app:// protocol', () => {
  let dir: string;
  let handler: ReturnType<typeof createAppProtocolHandler>;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'appproto-'));
    mkdirSync(join(dir, 'renderer', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>MultiCam</title>');
    writeFileSync(join(dir, 'renderer', 'assets', 'a-1.js'), 'export {}');
    writeFileSync(join(dir, 'secret.txt'), 'TOP SECRET');
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'renderer', 'leak.txt'));
    handler = createAppProtocolHandler(join(dir, 'renderer'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves files with content type and CSP', async () => {
    const r = await handler({ url: 'app://renderer/index.html', method: 'GET' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe(RENDERER_CSP);
    expect(await r.text()).toContain('MultiCam');
    const js = await handler({ url: 'app://renderer/assets/a-1.js' });
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await (await handler({ url: 'app://renderer/' })).text()).toContain('MultiCam');
    expect(await (await handler({ url: 'app://renderer/takes/1' })).text()).toContain('MultiCam');
  });
  it('refuses traversal, other hosts and symlinks out of the root', async () => {
    for (const url of [
      'app://renderer/%2e%2e/secret.txt',
      'app://renderer/..%2fsecret.txt',
      'app://renderer/assets/..%2f..%2fsecret.txt',
      'app://renderer/%5c..%5csecret.txt',
      'app://renderer/leak.txt',
      'app://other/index.html',
      'app://renderer/%00',
    ]) {
      const r = await handler({ url, method: 'GET' });
      expect(r.status, url).toBeGreaterThanOrEqual(400);
      expect(await r.text(), url).not.toContain('TOP SECRET');
    }
    // The URL parser clamps dot segments (plain or %2e) at the root…
    expect(appUrlToRelativePath('app://renderer/a/../../b')).toBe('b');
    expect(appUrlToRelativePath('app://renderer/%2e%2e/%2e%2e/b')).toBe('b');
    // …and anything that only becomes `..` or `\` after decoding is refused.
    expect(appUrlToRelativePath('app://renderer/..%2f..%2fb')).toBeNull();
    expect(appUrlToRelativePath('app://renderer/a%5c..%5cb')).toBeNull();
    expect(appUrlToRelativePath('app://renderer/')).toBe('index.html');
  });
});

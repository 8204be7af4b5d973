/**
 * Window and session hardening for the Electron shell, as pure functions over small
 * structural types (no `electron` import), so tests drive them with plain objects.
 */
import { RENDERER_CSP } from '../../src-shared/csp';

/** The renderer is served from `app://renderer/…` in production. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** The one renderer CSP (src-shared/csp.ts), the same string browser mode sends. */
export { RENDERER_CSP };

/** Dev only (vite dev server): its React refresh preamble is an inline script and HMR talks over ws. */
export const DEV_RENDERER_CSP = RENDERER_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'");

/** The BrowserWindow webPreferences we always use. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  } as const;
}

/** Is `url` our renderer: `app://renderer/…`, or (dev) the vite dev server's origin? */
export function isTrustedRendererUrl(url: string, devServerUrl?: string | null): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol === `${APP_SCHEME}:`) return u.host === APP_HOST && u.username === '' && u.password === '';
  if (!devServerUrl) return false;
  try {
    const d = new URL(devServerUrl);
    return (d.protocol === 'http:' || d.protocol === 'https:') && u.protocol === d.protocol && u.host === d.host;
  } catch {
    return false;
  }
}

/** Only plain https links (no credentials) may go to the OS browser. */
export function isSafeExternalUrl(url: string): boolean {
  if (typeof url !== 'string' || url.length > 2048) return false;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.hostname !== '' && u.username === '' && u.password === '';
  } catch {
    return false;
  }
}

export interface ShellLike {
  openExternal(url: string): Promise<void>;
  showItemInFolder(path: string): void;
}

interface PreventableEvent {
  preventDefault(): void;
}

export interface HardenableWebContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** Window open handler: always deny; hand validated https links to the OS browser. */
export function makeWindowOpenHandler(shell: Pick<ShellLike, 'openExternal'>) {
  return ({ url }: { url: string }): { action: 'deny' } => {
    if (isSafeExternalUrl(url)) void shell.openExternal(url).catch(() => undefined);
    return { action: 'deny' };
  };
}

/** No navigation away from the renderer, no redirects, no webviews, no new windows. */
export function hardenWebContents(wc: HardenableWebContents, shell: Pick<ShellLike, 'openExternal'>): void {
  const deny = (event: PreventableEvent): void => event.preventDefault();
  wc.on('will-navigate', deny);
  wc.on('will-redirect', deny);
  wc.on('will-attach-webview', deny);
  wc.setWindowOpenHandler(makeWindowOpenHandler(shell));
}

export interface SessionLike {
  setPermissionRequestHandler(handler: ((wc: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | null): void;
  setPermissionCheckHandler(handler: ((wc: unknown, permission: string, origin: string, details: unknown) => boolean) | null): void;
  webRequest: {
    onHeadersReceived(
      listener: (
        details: { url: string; responseHeaders?: Record<string, string[] | string> },
        callback: (response: { responseHeaders?: Record<string, string[] | string>; cancel?: boolean }) => void,
      ) => void,
    ): void;
  };
}

/** Camera, microphone, notifications, geolocation…: the controller needs none of them. */
export function denyAllPermissions(session: SessionLike): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/** Replace any CSP header on every response with ours (the renderer's index.html carries no meta CSP). */
export function withCsp(headers: Record<string, string[] | string> | undefined, csp: string): Record<string, string[] | string> {
  const out: Record<string, string[] | string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (k.toLowerCase() !== 'content-security-policy') out[k] = v;
  }
  out['Content-Security-Policy'] = [csp];
  out['X-Content-Type-Options'] = ['nosniff'];
  return out;
}

export function installCsp(session: SessionLike, csp: string): void {
  session.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withCsp(details.responseHeaders, csp) }));
}

/**
 * Serving the built renderer as static files, shared by browser mode (src-main/bridge/http-static)
 * and the Electron `app://` protocol (src-main/electron/app-protocol): URL path → safe relative
 * path, file lookup confined to the root (symlinks out of it refused), content types and the
 * security headers that go with every response.
 */
import { realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { RENDERER_CSP } from '../../../src-shared/csp';

export { RENDERER_CSP };

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': RENDERER_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
};

export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Map a URL pathname (still percent-encoded) to a path relative to the served root, or null when
 * it must be refused. Pure (no file system): decoding, `..`, NUL, backslash and drive-letter tricks
 * are all refused. `/` maps to `''` (the root itself).
 */
export function safeRelativePath(pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..' || /^[a-zA-Z]:$/.test(s))) return null;
  return segments.join('/');
}

export interface StaticFile {
  /** Real absolute path (inside the root). */
  file: string;
  size: number;
  /** The relative path that was asked for (or the fallback's). */
  rel: string;
}

/**
 * Looks files up under one root. A directory serves its index.html; an extension-less path that
 * is not a file gets the single-page fallback (index.html). Never returns a file outside the
 * root's real path.
 */
export function createStaticLocator(rootDir: string, fallback = 'index.html'): (rel: string) => Promise<StaticFile | null> {
  const root = resolve(rootDir);
  let realRoot: string | null = null;

  async function locate(rel: string): Promise<StaticFile | null> {
    realRoot ??= await realpath(root).catch(() => null);
    if (!realRoot) return null;
    const inside = (p: string) => p === realRoot || p.startsWith(realRoot + sep);
    try {
      let file = await realpath(join(realRoot, rel));
      if (!inside(file)) return null; // symlink out of the root
      let s = await stat(file);
      if (s.isDirectory()) {
        file = await realpath(join(file, 'index.html'));
        if (!inside(file)) return null;
        s = await stat(file);
      }
      if (!s.isFile()) return null;
      return { file, size: s.size, rel };
    } catch {
      return null;
    }
  }

  return async (rel) => (await locate(rel)) ?? (extname(rel) === '' ? await locate(fallback) : null);
}

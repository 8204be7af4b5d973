/**
 * Static files for browser mode: the built renderer (dist/renderer), nothing else.
 * Path traversal safe (decoded `..`, NUL, backslashes, symlinks out of the root are refused),
 * correct content types, cache headers and the same security headers as the Electron window.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

/** The Content-Security-Policy the renderer runs under (identical to the Electron window's). */
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "media-src 'self' blob: data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; " +
  "base-uri 'none'; frame-ancestors 'none'";

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
 * Map a URL pathname to a path inside `root`, or null when it must be refused.
 * Pure (no file system): decoding, `..`, NUL, backslash and drive-letter tricks are all refused.
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

/** Vite's hashed assets never change; everything else is revalidated. */
export function cacheControlFor(rel: string): string {
  return rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
}

export interface StaticHandlerOptions {
  /** Absolute directory served (the built renderer). */
  root: string;
  /** Single-page fallback document for extension-less paths. Default `index.html`. */
  fallback?: string;
}

function sendError(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/** A request handler for the static renderer. */
export function createStaticHandler(options: StaticHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const root = resolve(options.root);
  const fallback = options.fallback ?? 'index.html';
  let realRoot: string | null = null;

  async function locate(rel: string): Promise<{ file: string; size: number; rel: string } | null> {
    realRoot ??= await realpath(root).catch(() => null);
    if (!realRoot) return null;
    const candidate = join(realRoot, rel);
    try {
      const real = await realpath(candidate);
      if (real !== realRoot && !real.startsWith(realRoot + sep)) return null; // symlink out of the root
      let s = await stat(real);
      let file = real;
      if (s.isDirectory()) {
        file = join(real, 'index.html');
        s = await stat(file);
      }
      if (!s.isFile()) return null;
      return { file, size: s.size, rel };
    } catch {
      return null;
    }
  }

  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, 405, 'method not allowed');
    }
    const rawPath = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
    const rel = safeRelativePath(rawPath);
    if (rel === null) return sendError(res, 400, 'bad path');
    let found = await locate(rel);
    if (!found && extname(rel) === '') found = await locate(fallback);
    if (!found) return sendError(res, 404, 'not found');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': contentTypeFor(found.file),
      'Content-Length': String(found.size),
      'Cache-Control': cacheControlFor(found.rel),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(found.file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };
}

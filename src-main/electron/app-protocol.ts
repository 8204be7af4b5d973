/**
 * The `app://renderer/…` protocol handler (used with `protocol.handle`): files only from the
 * built renderer directory, traversal safe, with content types and the CSP. No electron import.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, RENDERER_CSP } from './security';

const TYPES: Record<string, string> = {
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
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

/** URL → path relative to the renderer root, or null when refused (wrong host, `..`, NUL, `\`). */
export function appUrlToRelativePath(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..' || /^[a-zA-Z]:$/.test(s))) return null;
  return segments.length ? segments.join('/') : 'index.html';
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': RENDERER_CSP } });
}

/** A `protocol.handle` handler serving `rootDir`. */
export function createAppProtocolHandler(rootDir: string): (request: { url: string; method?: string }) => Promise<Response> {
  const root = resolve(rootDir);
  let realRoot: string | null = null;

  async function inside(rel: string): Promise<string | null> {
    realRoot ??= await realpath(root).catch(() => null);
    if (!realRoot) return null;
    try {
      const real = await realpath(join(realRoot, rel));
      if (!real.startsWith(realRoot + sep)) return null;
      return (await stat(real)).isFile() ? real : null;
    } catch {
      return null;
    }
  }

  return async (request) => {
    if (request.method && request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
    const rel = appUrlToRelativePath(request.url);
    if (rel === null) return text(400, 'bad path');
    // Single-page app: extension-less paths get index.html.
    const file = (await inside(rel)) ?? (extname(rel) === '' ? await inside('index.html') : null);
    if (!file) return text(404, 'not found');
    const body = await readFile(file);
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: {
        'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': String(body.length),
        'Content-Security-Policy': RENDERER_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      },
    });
  };
}

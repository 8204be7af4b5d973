/**
 * The `app://renderer/…` protocol handler (used with `protocol.handle`): files only from the
 * built renderer directory. Path safety, content types, the CSP and security headers come from
 * src-main/core/static-files (shared with browser mode). No electron import.
 */
import { readFile } from 'node:fs/promises';
import { contentTypeFor, createStaticLocator, safeRelativePath, SECURITY_HEADERS } from '../core/static-files';
import { APP_HOST, APP_SCHEME } from './security';

/** URL → path relative to the renderer root, or null when refused (wrong host, `..`, NUL, `\`). */
export function appUrlToRelativePath(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  const rel = safeRelativePath(u.pathname);
  return rel === null ? null : rel || 'index.html';
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}

/** A `protocol.handle` handler serving `rootDir`. */
export function createAppProtocolHandler(rootDir: string): (request: { url: string; method?: string }) => Promise<Response> {
  const locate = createStaticLocator(rootDir);
  return async (request) => {
    if (request.method && request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
    const rel = appUrlToRelativePath(request.url);
    if (rel === null) return text(400, 'bad path');
    const found = await locate(rel);
    if (!found) return text(404, 'not found');
    const body = await readFile(found.file);
    return new Response(request.method === 'HEAD' ? null : body, {
      status: 200,
      headers: {
        ...SECURITY_HEADERS,
        'Content-Type': contentTypeFor(found.file),
        'Content-Length': String(body.length),
        'Cache-Control': 'no-cache',
      },
    });
  };
}

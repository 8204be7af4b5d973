/**
 * Static files for browser mode: the built renderer (dist/renderer), nothing else. Path safety,
 * content types, the CSP and security headers come from src-main/core/static-files (shared with
 * the Electron app:// protocol); this file is the Node HTTP handler around them.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentTypeFor, createStaticLocator, safeRelativePath, SECURITY_HEADERS } from '../core/static-files';

export { CONTENT_TYPES, contentTypeFor, RENDERER_CSP, safeRelativePath, SECURITY_HEADERS } from '../core/static-files';

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
  const locate = createStaticLocator(options.root, options.fallback ?? 'index.html');
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, 405, 'method not allowed');
    }
    const rawPath = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
    const rel = safeRelativePath(rawPath);
    if (rel === null) return sendError(res, 400, 'bad path');
    const found = await locate(rel);
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

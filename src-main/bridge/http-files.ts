/**
 * Browser mode's finished files: `GET /files/<downloadId>/<name>?token=…` answers the exact bytes
 * of a downloaded video so the page can drag it out (Chromium `DownloadURL`). The file is found by
 * download id through the controller (proven inside its take folder); the name in the URL picks
 * among that download's files (an OAK zip or the video taken out of it), never a path. Without
 * the page's token: 403, nothing read.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename, extname } from 'node:path';
import type { Result } from '../../src-shared/api';
import { BRIDGE_FILES_PATH } from '../../src-shared/bridge-protocol';
import { SECURITY_HEADERS } from './http-static';

/** The file of a download, by id; `name` (the URL's last part, untrusted) may pick among its files. */
export type ResolveFile = (downloadId: string, name: string) => Promise<Result<string>>;

/**
 * The controller's files as the page offers them: the video taken out of an OAK zip when the URL
 * names it, else the download itself. The browser saves the bytes under the page's name, so a
 * name that is neither (a video gone since the take was aligned) is refused, never answered with
 * other bytes; no name at all means the download.
 */
export function controllerFiles(c: {
  resolveDownloadPath(id: string): Promise<Result<string>>;
  resolveEditorFiles(id: string): Promise<Result<string[]>>;
}): ResolveFile {
  return async (id, name) => {
    const editor = await c.resolveEditorFiles(id);
    const hit = editor.ok ? editor.value.find((p) => basename(p) === name) : undefined;
    if (hit) return { ok: true, value: hit };
    const file = await c.resolveDownloadPath(id);
    if (!file.ok || name === '' || basename(file.value) === name) return file;
    return {
      ok: false,
      error: { code: 'not_found', message: `${name.slice(0, 200)} is not in the take folder (align the take again to take the video out of its zip)` },
    };
  };
}

const VIDEO_TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.mov': 'video/quicktime',
  '.m4v': 'video/x-m4v',
  '.mkv': 'video/x-matroska',
  '.webm': 'video/webm',
  '.h264': 'video/h264',
};
export const videoTypeFor = (name: string): string => VIDEO_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

/** Handles `/files/…` requests (returns false for any other path). */
export function createFilesHandler(opts: { resolve: ResolveFile | null; tokenOk: (given: string) => boolean }) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://bridge.invalid');
    if (!url.pathname.startsWith(BRIDGE_FILES_PATH)) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      plain(res, 405, 'method not allowed');
      return true;
    }
    if (!opts.tokenOk(url.searchParams.get('token') ?? '')) {
      plain(res, 403, 'forbidden: this address needs the token of the page');
      return true;
    }
    const [rawId, rawName] = url.pathname.slice(BRIDGE_FILES_PATH.length).split('/');
    let id: string;
    let asked: string;
    try {
      id = decodeURIComponent(rawId ?? '');
      asked = decodeURIComponent(rawName ?? '').slice(0, 1024);
    } catch {
      plain(res, 400, 'bad file id');
      return true;
    }
    if (!id || id.length > 512 || !opts.resolve) {
      plain(res, 404, 'no such file');
      return true;
    }
    const file = await opts.resolve(id, asked);
    if (!file.ok) {
      plain(res, file.error.code === 'not_ready' ? 409 : 404, file.error.message);
      return true;
    }
    const st = await stat(file.value).catch(() => null);
    if (!st?.isFile()) {
      plain(res, 404, 'the file is missing from the take folder');
      return true;
    }
    const name = basename(file.value);
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': videoTypeFor(name),
      'Content-Length': String(st.size),
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    const stream = createReadStream(file.value);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return true;
  };
}

/**
 * Browser-mode wire format: the ControllerApi carried over one WebSocket.
 * The page is opened as `http://127.0.0.1:PORT/#token=TOKEN`; the socket connects to
 * `ws://127.0.0.1:PORT/api?token=TOKEN` and the server checks the token and the Origin.
 */
import type { ControllerEvent, Result } from './api';

export const BRIDGE_PATH = '/api';

export type BridgeClientMessage = { type: 'call'; id: number; method: string; args: unknown[] };

export type BridgeServerMessage = { type: 'result'; id: number; result: Result<unknown> } | { type: 'event'; event: ControllerEvent };

/** Biggest message the server accepts from a page (settings patches are the largest). */
export const BRIDGE_MAX_MESSAGE_BYTES = 256 * 1024;

/**
 * Browser mode serves finished files at `/files/<downloadId>/<name>?token=…` (the token of the
 * page), so a file can be dragged out of the page with Chromium's `DownloadURL`.
 */
export const BRIDGE_FILES_PATH = '/files/';

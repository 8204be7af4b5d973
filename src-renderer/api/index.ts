/**
 * Picks the transport: the Electron preload's `window.multicam` when present, else the browser
 * bridge over a WebSocket (token from `#token=` or `?token=`). The fake transport is only used by
 * tests and the demo page (demo.tsx), never here.
 */
import { createElectronTransport, findElectronBridge } from './electron';
import type { Transport } from './transport';
import { bridgeUrl, createWsClient, fileUrl, tokenFromLocation } from './ws-client';

export type PickResult = { ok: true; transport: Transport } | { ok: false; message: string };

export function pickTransport(w: Window = window): PickResult {
  const bridge = findElectronBridge(w);
  if (bridge) return { ok: true, transport: createElectronTransport(bridge) };
  const token = tokenFromLocation(w.location);
  if (!token)
    return {
      ok: false,
      message: 'This page needs its access token. Open the full address printed by the controller (it ends in #token=…).',
    };
  const transport = createWsClient({ url: bridgeUrl(w.location, token) });
  transport.fileUrl = (downloadId, name) => fileUrl(w.location, token, downloadId, name);
  return { ok: true, transport };
}

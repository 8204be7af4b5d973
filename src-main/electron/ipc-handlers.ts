/**
 * The ControllerApi over Electron IPC, main-process side. No `electron` import: main.ts hands in
 * `ipcMain`, `shell` and the window; tests hand in plain objects.
 *
 * Every `api:<method>` handler: 1) checks the sender is our window's main frame showing our
 * renderer (`app://renderer` or the dev server), 2) validates the arguments with the contract's
 * schemas, 3) returns a `Result` (a thrown error becomes `internal`, without its stack).
 * Drag-out and reveal work from a download id only; a path never comes from the renderer.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { API_METHODS, err, ok, validateArgs, type ApiMethod, type ControllerApi, type ControllerEvent, type Result, type Snapshot } from '../../src-shared/api';
import { API_EVENT_CHANNEL, apiChannel } from '../../src-shared/api-client';
import { dispatchApi, isResult, type LocalHandler } from '../core/dispatch';
import { isTrustedRendererUrl, type ShellLike } from './security';

export { API_EVENT_CHANNEL };
export const channelFor = apiChannel;

export interface FrameLike {
  readonly url: string;
  readonly parent: FrameLike | null;
  readonly processId?: number;
  readonly routingId?: number;
}

export interface IpcEventLike {
  readonly sender: unknown;
  readonly senderFrame: FrameLike | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcEventLike, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

export interface WebContentsLike {
  readonly mainFrame: FrameLike;
  isDestroyed(): boolean;
  send(channel: string, ...args: unknown[]): void;
  startDrag(item: { file: string; files?: string[]; icon: never }): void;
}

/** What the shell needs from the controller to turn a download id into a finished file. */
export interface DownloadFileResolver {
  /** Absolute path of a finished download inside its take folder, or an error Result. */
  resolveDownloadPath(downloadId: string): Result<string> | Promise<Result<string>>;
  /** The files an editor gets for a download (an OAK zip's extracted video rather than the zip). */
  resolveEditorFiles?(downloadId: string): Result<string[]> | Promise<Result<string[]>>;
  /** Every finished file of a take (whole-take drag), each inside its take folder. */
  resolveTakeFiles?(takeId: string): Result<string[]> | Promise<Result<string[]>>;
  /** The take's folder (Reveal folder). */
  resolveTakeFolder?(takeId: string): Result<string> | Promise<Result<string>>;
}

export interface IpcHandlerOptions {
  ipcMain: IpcMainLike;
  api: ControllerApi;
  /** The one window allowed to call (null while there is none). */
  getWebContents(): WebContentsLike | null;
  /** Dev only: the vite dev server URL the window shows. */
  devServerUrl?: string | null;
  files: DownloadFileResolver;
  shell: Pick<ShellLike, 'showItemInFolder'>;
  /** Drag image: a NativeImage (or a path) of the bundled drag icon. */
  dragIcon: unknown;
  /** Default: `fs.stat(path).isFile()`. */
  isFile?: (path: string) => Promise<boolean>;
}

/** Why this IPC event must be refused, or null when it comes from our renderer's main frame. */
export function senderProblem(event: IpcEventLike, wc: WebContentsLike | null, devServerUrl?: string | null): string | null {
  if (!wc || wc.isDestroyed()) return 'no window';
  if (event.sender !== wc) return 'not our window';
  const frame = event.senderFrame;
  if (!frame) return 'no sender frame';
  if (frame.parent !== null) return 'not the main frame';
  const main = wc.mainFrame;
  const sameFrame = frame === main || (frame.processId !== undefined && frame.processId === main.processId && frame.routingId === main.routingId);
  if (!sameFrame) return 'not the main frame';
  if (!isTrustedRendererUrl(frame.url, devServerUrl)) return 'untrusted origin';
  return null;
}

const defaultIsFile = async (path: string): Promise<boolean> => {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
};

/** Register `api:<method>` for every contract method. Returns `dispose()` (removes them all). */
export function registerIpcHandlers(o: IpcHandlerOptions): { dispose(): void } {
  const isFile = o.isFile ?? defaultIsFile;

  async function resolveFile(downloadId: string): Promise<Result<string>> {
    const r = await o.files.resolveDownloadPath(downloadId);
    if (!r.ok) return r;
    if (typeof r.value !== 'string' || !isAbsolute(r.value)) return err('internal', 'download path is not absolute');
    if (!(await isFile(r.value))) return err('not_found', 'the downloaded file is missing from the take folder');
    return r;
  }

  /** Electron-only methods: implemented here, not by the controller. */
  const local: Partial<Record<ApiMethod, (args: unknown[], wc: WebContentsLike) => Promise<Result<unknown>>>> = {
    async startDrag([downloadId], wc) {
      const f = await resolveFile(downloadId as string);
      if (!f.ok) return f;
      // An OAK device's zip: the editor gets the video taken out of it, when there is one.
      const editor = o.files.resolveEditorFiles ? await o.files.resolveEditorFiles(downloadId as string) : ok([f.value]);
      const files: string[] = [];
      if (editor.ok) for (const p of editor.value) if (typeof p === 'string' && isAbsolute(p) && (await isFile(p))) files.push(p);
      if (files.length === 0) files.push(f.value);
      wc.startDrag(files.length === 1 ? { file: files[0]!, icon: o.dragIcon as never } : { file: files[0]!, files, icon: o.dragIcon as never });
      return ok(undefined);
    },
    async startTakeDrag([takeId], wc) {
      if (!o.files.resolveTakeFiles) return err('unsupported', 'Dragging a whole take is not available.');
      const r = await o.files.resolveTakeFiles(takeId as string);
      if (!r.ok) return r;
      const files: string[] = [];
      for (const f of r.value) if (typeof f === 'string' && isAbsolute(f) && (await isFile(f))) files.push(f);
      if (files.length === 0) return err('not_found', 'the take has no downloaded files in its folder');
      wc.startDrag({ file: files[0]!, files, icon: o.dragIcon as never });
      return ok(undefined);
    },
    async revealTake([takeId]) {
      if (!o.files.resolveTakeFolder) return err('unsupported', 'Reveal folder is not available.');
      const r = await o.files.resolveTakeFolder(takeId as string);
      if (!r.ok) return r;
      if (typeof r.value !== 'string' || !isAbsolute(r.value)) return err('internal', 'take folder is not absolute');
      o.shell.showItemInFolder(r.value);
      return ok(undefined);
    },
    async revealDownload([downloadId]) {
      const f = await resolveFile(downloadId as string);
      if (!f.ok) return f;
      o.shell.showItemInFolder(f.value);
      return ok(undefined);
    },
    async getSnapshot() {
      const r = await o.api.getSnapshot();
      if (!isResult(r) || !r.ok) return r;
      // This transport does drag-out and reveal itself.
      const snap: Snapshot = { ...r.value, capabilities: { ...r.value.capabilities, dragOut: true, reveal: true } };
      return ok(snap);
    },
  };

  const channels: string[] = [];
  for (const method of API_METHODS) {
    const channel = channelFor(method);
    o.ipcMain.handle(channel, async (event: IpcEventLike, ...rawArgs: unknown[]) => {
      const wc = o.getWebContents();
      const problem = senderProblem(event, wc, o.devServerUrl);
      if (problem || !wc) return err('forbidden', `refused IPC call from an untrusted sender (${problem ?? 'no window'})`);
      const checked = validateArgs(method, rawArgs);
      if (!checked.ok) return checked;
      const handler = local[method];
      const own: Partial<Record<ApiMethod, LocalHandler>> | undefined = handler && { [method]: (args: unknown[]) => handler(args, wc) };
      return dispatchApi(o.api, method, checked.value, own);
    });
    channels.push(channel);
  }
  return {
    dispose() {
      for (const c of channels) o.ipcMain.removeHandler(c);
    },
  };
}

/** Push controller events to the window. Returns the unsubscribe function. */
export function forwardEvents(api: Pick<ControllerApi, 'subscribe'>, getWebContents: () => Pick<WebContentsLike, 'isDestroyed' | 'send'> | null): () => void {
  return api.subscribe((event: ControllerEvent) => {
    const wc = getWebContents();
    if (wc && !wc.isDestroyed()) wc.send(API_EVENT_CHANNEL, event);
  });
}

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { API_METHODS, err, ok, type ControllerEvent, type Result } from '../../src-shared/api';
import { makeFakeApi, type FakeApi } from '../bridge/fake-api.testing';
import {
  API_EVENT_CHANNEL,
  channelFor,
  forwardEvents,
  registerIpcHandlers,
  senderProblem,
  type FrameLike,
  type IpcEventLike,
  type WebContentsLike,
} from './ipc-handlers';

// The handlers must not need Electron at all: if anything imports it, this throws.
vi.mock('electron', () => {
  throw new Error('ipc-handlers must not import electron');
});

type Handler = (event: IpcEventLike, ...args: unknown[]) => Promise<Result<unknown>>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  return {
    handlers,
    handle: vi.fn((channel: string, h: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, h);
    }),
    removeHandler: vi.fn((channel: string) => handlers.delete(channel)),
  };
}
function frame(url: string, parent: FrameLike | null = null): FrameLike {
  return { url, parent, processId: 3, routingId: Math.floor(Math.random() * 1e6) };
}
function fakeWebContents(url = 'app://renderer/index.html') {
  return {
    mainFrame: frame(url),
    destroyed: false,
    isDestroyed() {
      return this.destroyed;
    },
    send: vi.fn(),
    startDrag: vi.fn(),
  };
}

let dir: string;
let takeFile: string;
let api: FakeApi;
let ipc: ReturnType<typeof fakeIpcMain>;
let wc: ReturnType<typeof fakeWebContents>;
let resolveDownloadPath: Mock<(id: string) => Result<string>>;
let shell: { showItemInFolder: Mock<(path: string) => void> };
const icon = { nativeImage: 'drag-icon' };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ipc-'));
  takeFile = join(dir, 'take-001', 'cam-a.mp4');
  mkdirSync(join(dir, 'take-001'));
  writeFileSync(takeFile, 'video');
  api = makeFakeApi({ getSnapshot: async () => ok({ seq: 1, capabilities: { dragOut: false, reveal: false, virtualDevices: true } }) });
  ipc = fakeIpcMain();
  wc = fakeWebContents();
  resolveDownloadPath = vi.fn(
    (id: string): Result<string> =>
      id === 'dl-1' ? ok(takeFile) : id === 'dl-gone' ? ok(join(dir, 'take-001', 'gone.mp4')) : err('not_found', 'no such download'),
  );
  shell = { showItemInFolder: vi.fn<(path: string) => void>() };
  registerIpcHandlers({ ipcMain: ipc, api, getWebContents: () => wc as unknown as WebContentsLike, files: { resolveDownloadPath }, shell, dragIcon: icon });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fromOurWindow = (): IpcEventLike => ({ sender: wc, senderFrame: wc.mainFrame });
const invoke = (method: string, event: IpcEventLike, ...args: unknown[]) => {
  const h = ipc.handlers.get(`api:${method}`);
  if (!h) throw new Error(`no handler for ${method}`);
  return h(event, ...args);
};

describe('registration', () => {
  it('registers exactly one handler per contract method', () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(API_METHODS.map(channelFor).sort());
    expect(ipc.handlers.has('api:subscribe')).toBe(false);
  });
  it('dispose removes them all', () => {
    const ipc2 = fakeIpcMain();
    const reg = registerIpcHandlers({ ipcMain: ipc2, api, getWebContents: () => null, files: { resolveDownloadPath }, shell, dragIcon: icon });
    reg.dispose();
    expect(ipc2.handlers.size).toBe(0);
  });
});

describe('sender check', () => {
  it('accepts our main frame and calls the api', async () => {
    expect(await invoke('renameDevice', fromOurWindow(), 'dev-1', 'Cam A')).toEqual(ok({ method: 'renameDevice', args: ['dev-1', 'Cam A'] }));
  });
  it('refuses a sub-frame, a foreign frame, another window and a foreign origin; the api is never called', async () => {
    const other = fakeWebContents();
    const cases: IpcEventLike[] = [
      { sender: wc, senderFrame: frame('app://renderer/index.html', wc.mainFrame) }, // iframe inside our page
      { sender: wc, senderFrame: frame('app://renderer/index.html') }, // a different top frame
      { sender: other, senderFrame: other.mainFrame }, // another window
      { sender: wc, senderFrame: null },
    ];
    for (const ev of cases) expect(await invoke('stopTake', ev)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    wc.mainFrame = frame('https://evil.example/');
    expect(await invoke('stopTake', fromOurWindow())).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    wc.mainFrame = frame('file:///etc/index.html');
    expect(await invoke('stopTake', fromOurWindow())).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    wc.mainFrame = frame('app://elsewhere/index.html');
    expect(await invoke('stopTake', fromOurWindow())).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    wc.destroyed = true;
    expect(await invoke('stopTake', fromOurWindow())).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(api.calls).toEqual([]);
  });
  it('accepts the dev server origin only when configured', () => {
    const devWc = fakeWebContents('http://localhost:5173/');
    const ev = { sender: devWc, senderFrame: devWc.mainFrame };
    expect(senderProblem(ev, devWc as unknown as WebContentsLike, null)).toBe('untrusted origin');
    expect(senderProblem(ev, devWc as unknown as WebContentsLike, 'http://localhost:5173')).toBeNull();
    expect(senderProblem(ev, devWc as unknown as WebContentsLike, 'http://localhost:5174')).toBe('untrusted origin');
  });
});

describe('argument validation', () => {
  it('invalid → invalid_argument, api not called', async () => {
    expect(await invoke('setDeviceIncluded', fromOurWindow(), 'dev-1', 'yes')).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    expect(await invoke('addVirtualDevices', fromOurWindow(), 0)).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    expect(await invoke('getSnapshot', fromOurWindow(), 'extra')).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    expect(await invoke('updateSettings', fromOurWindow(), { delaySeconds: 'soon' })).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    expect(api.calls).toEqual([]);
  });
  it('a throwing api becomes internal without a stack', async () => {
    const ipc2 = fakeIpcMain();
    const bad = makeFakeApi({
      stopTake: () => {
        throw new Error('disk on fire\n    at x (/src/y.ts:1:1)');
      },
    });
    registerIpcHandlers({
      ipcMain: ipc2,
      api: bad,
      getWebContents: () => wc as unknown as WebContentsLike,
      files: { resolveDownloadPath },
      shell,
      dragIcon: icon,
    });
    expect(await ipc2.handlers.get('api:stopTake')!(fromOurWindow())).toEqual(err('internal', 'disk on fire'));
  });
  it('getSnapshot reports drag-out and reveal as available over IPC', async () => {
    const r = await invoke('getSnapshot', fromOurWindow());
    expect(r).toMatchObject({ ok: true, value: { capabilities: { dragOut: true, reveal: true, virtualDevices: true } } });
  });
});

describe('drag-out and reveal', () => {
  it('startDrag resolves the id through the controller and drags that file with the bundled icon', async () => {
    expect(await invoke('startDrag', fromOurWindow(), 'dl-1')).toEqual(ok(undefined));
    expect(resolveDownloadPath).toHaveBeenCalledWith('dl-1');
    expect(wc.startDrag).toHaveBeenCalledWith({ file: takeFile, icon });
    expect(api.calls).toEqual([]); // the controller's own startDrag (browser-mode `unsupported`) is not used
  });
  it("an OAK zip: the editor gets the video taken out of it (the controller's editor files), never a file outside or missing", async () => {
    const zip = join(dir, 'take-001', 'oak.zip');
    const extracted = join(dir, 'take-001', 'oak.mp4');
    writeFileSync(zip, 'zip');
    writeFileSync(extracted, 'video');
    const ipc2 = fakeIpcMain();
    const editorFiles = vi.fn(
      (id: string): Result<string[]> => (id === 'dl-zip' ? ok([extracted, join(dir, 'take-001', 'absent.mp4'), 'relative.mp4']) : ok([])),
    );
    registerIpcHandlers({
      ipcMain: ipc2,
      api,
      getWebContents: () => wc as unknown as WebContentsLike,
      files: {
        resolveDownloadPath: (id) => (id === 'dl-zip' || id === 'dl-plain' ? ok(id === 'dl-zip' ? zip : takeFile) : err('not_found', 'no')),
        resolveEditorFiles: editorFiles,
      },
      shell,
      dragIcon: icon,
    });
    expect(await ipc2.handlers.get('api:startDrag')!(fromOurWindow(), 'dl-zip')).toEqual(ok(undefined));
    expect(wc.startDrag).toHaveBeenLastCalledWith({ file: extracted, icon });
    // Nothing usable from the editor list: the download itself.
    expect(await ipc2.handlers.get('api:startDrag')!(fromOurWindow(), 'dl-plain')).toEqual(ok(undefined));
    expect(wc.startDrag).toHaveBeenLastCalledWith({ file: takeFile, icon });
  });
  it('never uses a renderer-supplied path', async () => {
    for (const p of ['/etc/passwd', join(dir, 'take-001', 'cam-a.mp4'), '../../secret']) {
      expect(await invoke('startDrag', fromOurWindow(), p)).toMatchObject({ ok: false });
    }
    expect(await invoke('startDrag', fromOurWindow(), { file: '/etc/passwd' })).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    expect(wc.startDrag).not.toHaveBeenCalled();
  });
  it('a missing file is not_found and nothing is dragged', async () => {
    expect(await invoke('startDrag', fromOurWindow(), 'dl-gone')).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(wc.startDrag).not.toHaveBeenCalled();
  });
  it('a foreign frame cannot drag', async () => {
    expect(await invoke('startDrag', { sender: wc, senderFrame: frame('app://renderer/x', wc.mainFrame) }, 'dl-1')).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    expect(resolveDownloadPath).not.toHaveBeenCalled();
  });
  it('revealDownload shows the resolved file in the OS file manager', async () => {
    expect(await invoke('revealDownload', fromOurWindow(), 'dl-1')).toEqual(ok(undefined));
    expect(shell.showItemInFolder).toHaveBeenCalledWith(takeFile);
    expect(await invoke('revealDownload', fromOurWindow(), 'dl-nope')).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(shell.showItemInFolder).toHaveBeenCalledTimes(1);
  });
});

describe('events', () => {
  it('forwards controller events to the window on api:event', () => {
    const unsubscribe = forwardEvents(api, () => wc);
    const e: ControllerEvent = { seq: 9, type: 'activeTakeChanged', takeId: 't1' };
    api.emit(e);
    expect(wc.send).toHaveBeenCalledWith(API_EVENT_CHANNEL, e);
    wc.destroyed = true;
    api.emit(e);
    expect(wc.send).toHaveBeenCalledTimes(1);
    unsubscribe();
    expect(api.listeners.size).toBe(0);
  });
});

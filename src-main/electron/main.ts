/**
 * Electron main process: wiring only. Every decision lives in the pure modules next to this file
 * (security, app-protocol, ipc-handlers, window-state, menu, lifecycle), which are unit-tested
 * without Electron. Bundled to dist-electron/main.cjs by scripts/build-electron.mjs.
 */
import { errorLine } from '../../src-shared/error-line';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, protocol, screen, session, shell } from 'electron';
import { join } from 'node:path';
import type { ControllerApi } from '../../src-shared/api';
import { createController } from '../core/controller';
import { startSceneCameras } from '../../sim/demo';
import { createUploadsPort } from '../core/uploads';
import { createAppProtocolHandler } from './app-protocol';
import { forwardEvents, registerIpcHandlers, type DownloadFileResolver } from './ipc-handlers';
import { demoCountFrom, installGracefulQuit } from './lifecycle';
import { buildMenuTemplate } from './menu';
import { APP_ENTRY_URL, APP_SCHEME, DEV_RENDERER_CSP, denyAllPermissions, hardenWebContents, installCsp, RENDERER_CSP, secureWebPreferences } from './security';
import { loadWindowState, MIN_SIZE, trackWindowState } from './window-state';

type ShellController = ControllerApi & DownloadFileResolver & { shutdown(): Promise<void> };

const APP_NAME = 'MultiCam Controller';
const SHUTDOWN_TIMEOUT_MS = 5000;
/** Dev only: set by `npm run dev`-style scripts; ignored in a packaged app. */
const devServerUrl = !app.isPackaged && process.env.VITE_DEV_SERVER_URL ? process.env.VITE_DEV_SERVER_URL : null;

app.setName(APP_NAME);
// Tests and demos run against a throw-away profile; a packaged app always uses the real one.
if (!app.isPackaged && process.env.MULTICAM_USER_DATA) app.setPath('userData', process.env.MULTICAM_USER_DATA);
app.enableSandbox();
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true, codeCache: true } },
]);

let win: BrowserWindow | null = null;

function focusWindow(): void {
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

function createWindow(root: string): BrowserWindow {
  const stateFile = join(app.getPath('userData'), 'window-state.json');
  const state = loadWindowState(
    stateFile,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  const w = new BrowserWindow({
    ...state.bounds,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: APP_NAME,
    show: false,
    backgroundColor: '#111418',
    icon: join(root, 'resources', 'icon-512.png'),
    webPreferences: { ...secureWebPreferences(join(root, 'dist-electron', 'preload.cjs')), devTools: devServerUrl !== null },
  });
  if (state.maximized) w.maximize();
  trackWindowState(w, stateFile);
  w.once('ready-to-show', () => w.show());
  w.on('closed', () => {
    if (win === w) win = null;
  });
  void w.loadURL(devServerUrl ?? APP_ENTRY_URL);
  return w;
}

async function start(): Promise<void> {
  await app.whenReady();
  const root = app.getAppPath();
  const ses = session.defaultSession;
  denyAllPermissions(ses);
  installCsp(ses, devServerUrl ? DEV_RENDERER_CSP : RENDERER_CSP);
  protocol.handle(APP_SCHEME, createAppProtocolHandler(join(root, 'dist', 'renderer')));
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents, shell));

  const controller = (await createController({
    userDataDir: app.getPath('userData'),
    capabilities: { dragOut: true, reveal: true },
    virtualDevices: startSceneCameras,
    uploads: createUploadsPort({ log: (line) => console.error(line) }),
    log: (line) => console.error(line),
  })) as ShellController;
  registerIpcHandlers({
    ipcMain,
    api: controller,
    getWebContents: () => (win && !win.isDestroyed() ? win.webContents : null),
    devServerUrl,
    files: controller,
    shell,
    dragIcon: nativeImage.createFromPath(join(root, 'resources', 'drag-icon.png')),
  });
  forwardEvents(controller, () => (win && !win.isDestroyed() ? win.webContents : null));
  installGracefulQuit(
    app,
    () => controller.shutdown(),
    SHUTDOWN_TIMEOUT_MS,
    (m) => console.error(m),
  );

  const menu = buildMenuTemplate({
    isDev: devServerUrl !== null,
    platform: process.platform,
    appName: APP_NAME,
    actions: {
      openRecordingsFolder: () => {
        void controller.getSnapshot().then((r) => {
          if (r.ok) void shell.openPath(r.value.settings.recordingsDir);
        });
      },
      showAbout: () => {
        void dialog.showMessageBox({
          type: 'info',
          title: `About ${APP_NAME}`,
          message: `${APP_NAME} ${app.getVersion()}`,
          detail: `Electron ${process.versions.electron} · Chromium ${process.versions.chrome} · Node ${process.versions.node}`,
        });
      },
    },
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(menu as Electron.MenuItemConstructorOptions[]));

  const demo = demoCountFrom(process.argv, process.env);
  if (demo > 0) await controller.addVirtualDevices(demo);

  win = createWindow(root);
  app.on('activate', () => {
    if (!win) win = createWindow(root);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', focusWindow);
  start().catch((e: unknown) => {
    dialog.showErrorBox(APP_NAME, `Could not start: ${errorLine(e)}`);
    app.exit(1);
  });
}

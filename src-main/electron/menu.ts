/**
 * The application menu as plain data (Electron's MenuItemConstructorOptions shape); main.ts
 * passes it to `Menu.buildFromTemplate`. No electron import, so it is unit-testable.
 */
export interface MenuActions {
  openRecordingsFolder(): void;
  showAbout(): void;
}

export interface MenuItem {
  label?: string;
  role?: string;
  type?: 'separator' | 'submenu' | 'normal';
  accelerator?: string;
  click?: () => void;
  submenu?: MenuItem[];
}

export function buildMenuTemplate(opts: { isDev: boolean; platform: NodeJS.Platform; appName: string; actions: MenuActions }): MenuItem[] {
  const { isDev, platform, appName, actions } = opts;
  const mac = platform === 'darwin';
  const template: MenuItem[] = [];
  if (mac) {
    template.push({
      label: appName,
      submenu: [
        { label: `About ${appName}`, click: actions.showAbout },
        { type: 'separator' },
        { role: 'hide' },
        { role: 'hideOthers' },
        { role: 'unhide' },
        { type: 'separator' },
        { role: 'quit' },
      ],
    });
  }
  template.push({
    label: 'File',
    submenu: [
      { label: 'Open Recordings Folder', accelerator: 'CmdOrCtrl+Shift+O', click: actions.openRecordingsFolder },
      { type: 'separator' },
      mac ? { role: 'close' } : { role: 'quit', label: 'Quit' },
    ],
  });
  template.push({
    label: 'Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, { type: 'separator' }, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  });
  const view: MenuItem[] = [];
  if (isDev) view.push({ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, { type: 'separator' });
  view.push({ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' });
  template.push({ label: 'View', submenu: view });
  template.push({ label: 'Help', submenu: [{ label: `About ${appName}`, click: actions.showAbout }] });
  return template;
}

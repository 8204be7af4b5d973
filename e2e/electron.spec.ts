/**
 * Electron happy path: the packaged-style app (dist-electron/main.cjs + dist/renderer) opens,
 * the Record button is visible, and demo devices appear through the real preload/IPC path.
 *
 * Runs only where an Electron binary exists. Detection mirrors node_modules/electron/index.js
 * (path.txt → dist/<binary>, or ELECTRON_OVERRIDE_DIST_PATH) WITHOUT requiring the package,
 * because `require('electron')` tries to download the binary when it is missing.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';

const root = resolve(import.meta.dirname, '..');

function findElectronBinary(): string | null {
  const pkgDir = join(root, 'node_modules', 'electron');
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? join(override, relative || 'electron') : relative ? join(pkgDir, 'dist', relative) : null;
  return candidate && existsSync(candidate) ? candidate : null;
}

const electronPath = findElectronBinary();
const DEMO_DEVICES = 3;

test.describe('Electron app', () => {
  test.skip(electronPath === null, 'skipped: no Electron binary');

  let app: ElectronApplication | null = null;
  let userData = '';

  test.beforeAll(async () => {
    expect(existsSync(join(root, 'dist/renderer/index.html')), 'build the renderer first: npx vite build').toBe(true);
    const { buildElectron } = (await import(join(root, 'scripts/build-electron.mjs'))) as { buildElectron(o?: object): Promise<unknown> };
    await buildElectron();
    userData = mkdtempSync(join(tmpdir(), 'multicam-electron-e2e-'));
  });

  test.afterAll(async () => {
    await app?.close();
    if (userData) rmSync(userData, { recursive: true, force: true });
  });

  test('opens, shows Record, and demo devices appear', async () => {
    app = await electron.launch({
      executablePath: electronPath!,
      args: [root, `--demo=${DEMO_DEVICES}`],
      cwd: dirname(join(root, 'package.json')),
      env: { ...process.env, MULTICAM_USER_DATA: userData, ELECTRON_ENABLE_LOGGING: '1' },
    });
    const win = await app.firstWindow();
    expect(win.url()).toMatch(/^app:\/\/renderer\//);
    await expect(win.getByRole('button', { name: 'Record' })).toBeVisible();
    await expect(win.getByRole('region', { name: 'Devices' }).getByRole('article')).toHaveCount(DEMO_DEVICES);
    // The preload exposes the contract only, and drag-out is available in this transport.
    const surface = await win.evaluate(async () => {
      const m = (
        window as unknown as {
          multicam: Record<string, unknown> & { getSnapshot(): Promise<{ ok: boolean; value?: { devices: unknown[]; capabilities: { dragOut: boolean } } }> };
        }
      ).multicam;
      const snap = await m.getSnapshot();
      return { hasIpc: 'ipcRenderer' in window || 'invoke' in m, devices: snap.value?.devices.length, dragOut: snap.value?.capabilities.dragOut };
    });
    expect(surface).toEqual({ hasIpc: false, devices: DEMO_DEVICES, dragOut: true });
  });
});

/**
 * Where settings live: the same folder Electron's app.getPath('userData') gives the desktop app
 * (named "MultiCam Controller"), so the desktop app and browser mode share devices and settings.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_DATA_NAME = 'MultiCam Controller';

export function defaultUserDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  if (env.MULTICAM_USER_DATA) return env.MULTICAM_USER_DATA;
  const appData =
    platform === 'darwin'
      ? join(home, 'Library', 'Application Support')
      : platform === 'win32'
        ? env.APPDATA || join(home, 'AppData', 'Roaming')
        : env.XDG_CONFIG_HOME || join(home, '.config');
  return join(appData, APP_DATA_NAME);
}

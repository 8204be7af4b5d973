/**
 * "Reveal in folder" on this machine, for browser mode: the OS file manager shows a file (or
 * opens a folder). No shell; the path comes from the controller (a take folder or a download
 * proven inside one), never from the page. Tests inject their own opener instead.
 */
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';

export function revealCommand(path: string, kind: 'file' | 'folder', platform: NodeJS.Platform = process.platform): [string, string[]] {
  if (platform === 'darwin') return kind === 'file' ? ['open', ['-R', path]] : ['open', [path]];
  if (platform === 'win32') return kind === 'file' ? ['explorer', [`/select,${path}`]] : ['explorer', [path]];
  // freedesktop: no portable "select this file", so open its folder.
  return ['xdg-open', [kind === 'file' ? dirname(path) : path]];
}

export function systemReveal(path: string, kind: 'file' | 'folder'): Promise<void> {
  const [cmd, args] = revealCommand(path, kind);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
    child.once('error', () => reject(new Error(`could not open the file manager (${cmd} is not available)`)));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

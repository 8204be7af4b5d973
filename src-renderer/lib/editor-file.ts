import type { DownloadView } from '../../src-shared/api';
import type { TakeSync } from '../../src-shared/sync';

/**
 * The file an editor should get for a download, relative to the take folder: for an OAK device's
 * zip, the video the take's sync took out of it (recorded in take.json), else the file itself.
 * The controller serves and drags only what is really on disk; this names it for the page.
 */
export function editorFileOf(d: Pick<DownloadView, 'path' | 'deviceKey'>, sync: TakeSync | null | undefined): string {
  if (!/\.zip$/i.test(d.path)) return d.path;
  const extracted = sync?.devices.find((s) => s.deviceKey === d.deviceKey && s.file !== d.path && !/\.zip$/i.test(s.file));
  return extracted?.file ?? d.path;
}

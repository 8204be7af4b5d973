/** Write an export file atomically (a temp name in the same folder, then rename). */
import { randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export async function writeExportFile(path: string, text: string): Promise<void> {
  const tmp = join(dirname(path), `.${randomBytes(4).toString('hex')}.export.tmp`);
  const fh = await open(tmp, 'wx');
  try {
    await fh.writeFile(text, 'utf8');
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

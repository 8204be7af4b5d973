/**
 * Local names for downloaded files: `<device name>_<original basename>` (the prefix is not
 * repeated when the device already starts its names with it), sanitised, never taken
 * from the device as a path (notes rule 6), and never reusing a name that exists in the take
 * folder in any form (final, `.part` in flight, `.partial` kept bytes).
 */
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { sanitizeComponent } from '../takes/folder';

/** Last path component of a device-supplied name, whatever separator it used. */
export function remoteBasename(fileName: string): string {
  const parts = fileName.split(/[\\/]+/).filter((p) => p.length > 0 && p !== '.' && p !== '..');
  return parts[parts.length - 1] ?? '';
}

export function localFileName(deviceName: string, fileName: string): string {
  const dev = sanitizeComponent(deviceName, 'device', 60);
  const file = sanitizeComponent(remoteBasename(fileName), 'video', 120);
  // The phone apps already start their names with the device id: don't say it twice — also when
  // the device is known by its mDNS instance name, which ends with that id (`multiCam-Forest-…`).
  if (file.toLowerCase().startsWith(`${dev.toLowerCase()}_`)) return file;
  const lead = file.slice(0, file.indexOf('_')).toLowerCase();
  if (lead.length >= 4 && file.includes('_') && dev.toLowerCase().endsWith(`-${lead}`)) return file;
  return `${dev}_${file}`;
}

/** `name.ext` → `name_2.ext` (suffix before the extension so players still recognise the file). */
export function withSuffix(name: string, n: number): string {
  if (n <= 1) return name;
  const dot = name.lastIndexOf('.');
  return dot > 0 ? `${name.slice(0, dot)}_${n}${name.slice(dot)}` : `${name}_${n}`;
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

/** The first suffix of `preferred` free on disk (every form) and not in `reserved`. */
export async function pickFreeName(folder: string, preferred: string, reserved: ReadonlySet<string>): Promise<string> {
  for (let n = 1; n < 10_000; n++) {
    const name = withSuffix(preferred, n);
    if (reserved.has(name)) continue;
    const taken = await Promise.all([name, `${name}.part`, `${name}.partial`].map((f) => exists(join(folder, f))));
    if (!taken.some(Boolean)) return name;
  }
  throw new Error(`no free file name for ${preferred}`);
}

/**
 * Editor projects from a take and its sync result: FCPXML (Final Cut Pro), FCP 7 XML (Premiere,
 * Resolve), OpenTimelineIO. Written into the take folder unless told otherwise.
 */
import { join } from 'node:path';
import { readManifest, realInside } from '../takes';
import { readTakeSync } from '../sync/take';
import { sanitizeComponent } from '../takes/folder';
import { toFcpxml } from './fcpxml';
import { buildModel, ExportError, type ExportModel } from './model';
import { toOtio } from './otio';
import { toXmeml } from './xmeml';
import { writeExportFile } from './write';
import type { TakeSync } from '../../../src-shared/sync';

export { buildModel, ExportError, type ExportModel } from './model';
export { toFcpxml } from './fcpxml';
export { toXmeml } from './xmeml';
export { toOtio } from './otio';

export type ExportFormat = 'fcpxml' | 'xmeml' | 'otio';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['fcpxml', 'xmeml', 'otio'];
export const EXTENSIONS: Record<ExportFormat, string> = { fcpxml: '.fcpxml', xmeml: '.xml', otio: '.otio' };

export function render(format: ExportFormat, m: ExportModel): string {
  return format === 'fcpxml' ? toFcpxml(m) : format === 'xmeml' ? toXmeml(m) : toOtio(m);
}

export interface ExportResult {
  path: string;
  format: ExportFormat;
  angles: number;
  skipped: { name: string; reason: string }[];
}

/** Build the model of a take folder from its manifest and `sync` (files re-checked to be inside the folder). */
export async function takeModel(folder: string, sync?: TakeSync): Promise<ExportModel> {
  const manifest = await readManifest(folder);
  const s = sync ?? readTakeSync(manifest);
  if (!s) throw new ExportError('this take has not been analysed yet: run the sync first (multicam sync TAKE_DIR)');
  const paths = new Map<string, string>();
  for (const d of s.devices) {
    const p = await realInside(folder, d.file);
    if (p) paths.set(d.file, p);
  }
  const safe: TakeSync = {
    ...s,
    devices: s.devices.map((d) => (paths.has(d.file) ? d : { ...d, ok: false, reason: d.reason ?? 'the file is missing from the take folder' })),
  };
  return buildModel({ name: manifest.name || manifest.folderName, folder, sync: safe, resolvePath: (f) => paths.get(f)! });
}

/** Write the export of a take; default file: `<take folder>/<take name>-multicam.<ext>`. */
export async function exportTake(folder: string, format: ExportFormat, outPath?: string): Promise<ExportResult> {
  const model = await takeModel(folder);
  const path = outPath ?? join(folder, `${sanitizeComponent(model.name, 'multicam')}-multicam${EXTENSIONS[format]}`);
  await writeExportFile(path, render(format, model));
  return { path, format, angles: model.angles.length, skipped: model.skipped };
}

/**
 * Test helper: a take folder with a valid take.json (as the recorder writes it) for devices that
 * stopped with a file — so upload tests need not run a whole take first.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_VERSION, createTakeFile, emptyDownload, type ManifestDevice, type TakeManifest } from '../takes/manifest';

export interface FixtureDevice {
  deviceKey: string;
  name: string;
  /** `host:port` */
  address: string;
  /** null: the device stopped without a file. */
  fileName: string | null;
  fileSize: number | null;
}

export function makeFixtureManifest(opts: { takeId?: string; name?: string; folderName?: string; createdAt?: string; devices: FixtureDevice[] }): TakeManifest {
  const createdAt = opts.createdAt ?? '2026-11-21T10:15:03.000Z';
  const device = (d: FixtureDevice): ManifestDevice => ({
    deviceKey: d.deviceKey,
    name: d.name,
    address: d.address,
    deviceType: null,
    scheduleOnRawClock: false,
    preflight: { reachable: true, status: 'ready', battery: null, error: null },
    start: { status: 'accepted', sentAt: null, replyAt: null, targetSent: null, targetReason: null, reply: null, error: null, transportError: false },
    clock: { offsetMs: null, uncertaintyMs: null, source: null },
    confirmedRecording: true,
    confirmStatus: null,
    mayStillBeRecording: false,
    stop: d.fileName
      ? { status: 'stopped', sentAt: null, replyAt: null, fileName: d.fileName, fileSize: d.fileSize, error: null }
      : { status: 'failed', sentAt: null, replyAt: null, fileName: null, fileSize: null, error: 'no reply' },
    download: emptyDownload(),
    warnings: [],
  });
  return {
    manifestVersion: MANIFEST_VERSION,
    takeId: opts.takeId ?? 'take-1',
    name: opts.name ?? 'Scene 1',
    folderName: opts.folderName ?? '2026-11-21_10-15-03_Scene-1',
    createdAt,
    targetStart: Date.parse(createdAt) / 1000 + 3,
    delaySeconds: 3,
    controllerClock: { source: 'local', offsetMs: null, uncertaintyMs: null },
    phase: 'done',
    stoppedAt: Date.parse(createdAt) / 1000 + 10,
    devices: opts.devices.map(device),
  };
}

/** Create `<parent>/<folderName>/take.json`; returns the folder. */
export async function writeFixtureTake(parent: string, opts: Parameters<typeof makeFixtureManifest>[0]): Promise<string> {
  const m = makeFixtureManifest(opts);
  const folder = join(parent, m.folderName);
  await mkdir(folder, { recursive: true });
  await createTakeFile(folder, m);
  return folder;
}

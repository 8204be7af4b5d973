/** Take folders, manifest writes/reads and recovery decisions (plain files, no devices). */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTakeFolder, isInside, resolveInside, sanitizeComponent, takeFolderName } from './folder';
import { TakeFiles, createTakeFile, emptyDownload, readManifest, updateTake, type ManifestDevice, type TakeManifest } from './manifest';
import { listTakes, owedWork, reviveManifest } from './recover';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'mc-take-'));
  dirs.push(d);
  return d;
}

function device(over: Partial<ManifestDevice> = {}): ManifestDevice {
  return {
    deviceKey: '127.0.0.1:1',
    name: 'cam',
    address: '127.0.0.1:1',
    deviceType: null,
    scheduleOnRawClock: false,
    preflight: { reachable: true, status: 'ready', battery: 80, error: null },
    start: {
      status: 'accepted',
      sentAt: 1,
      replyAt: 1,
      targetSent: 4,
      targetReason: 'x',
      reply: { status: 'scheduled_recording_accepted' },
      error: null,
      transportError: false,
    },
    clock: { offsetMs: 0, uncertaintyMs: 1, source: 'preflight' },
    confirmedRecording: true,
    confirmStatus: 'recording',
    mayStillBeRecording: false,
    stop: { status: 'pending', sentAt: null, replyAt: null, fileName: null, fileSize: null, error: null },
    download: emptyDownload(),
    warnings: [],
    ...over,
  };
}
function manifest(devices: ManifestDevice[]): TakeManifest {
  return {
    manifestVersion: 1,
    takeId: 'id-1',
    name: 'Scene 1',
    folderName: 'f',
    createdAt: new Date(0).toISOString(),
    targetStart: 4,
    delaySeconds: 3,
    controllerClock: { source: 'unverified', offsetMs: null, uncertaintyMs: null },
    phase: 'recording',
    stoppedAt: null,
    devices,
  };
}

describe('take folders', () => {
  it('names by local date-time and sanitised take name, collision-free', async () => {
    const d = new Date(2026, 10, 21, 10, 15, 3);
    expect(takeFolderName(d, 'Scene 1')).toBe('2026-11-21_10-15-03_Scene-1');
    expect(takeFolderName(d, '../../etc')).toBe('2026-11-21_10-15-03_etc');
    expect(sanitizeComponent('  ', 'Take')).toBe('Take');
    expect(sanitizeComponent('a/b\\c:d', 'x')).toBe('a-b-c-d');
    const root = await tmp();
    const a = await createTakeFolder(join(root, 'rec'), 'Scene 1', d);
    const b = await createTakeFolder(join(root, 'rec'), 'Scene 1', d);
    expect(a.folderName).toBe('2026-11-21_10-15-03_Scene-1');
    expect(b.folderName).toBe('2026-11-21_10-15-03_Scene-1_2');
  });

  it('paths from a manifest are re-checked inside the folder', () => {
    expect(resolveInside('/r/take', 'a.mp4')).toBe('/r/take/a.mp4');
    expect(resolveInside('/r/take', '../x')).toBeNull();
    expect(resolveInside('/r/take', '/etc/passwd')).toBeNull();
    expect(resolveInside('/r/take', '')).toBeNull();
    expect(isInside('/r/take', '/r/take2/a')).toBe(false);
  });
});

describe('manifest', () => {
  it('one writer: changes apply at once, writes coalesce, the latest state is on disk, read back through the schema', async () => {
    const f = await tmp();
    const files = new TakeFiles();
    const m = manifest([device()]);
    const take = files.create(f, m);
    expect(take.manifest).toBe(m); // the caller's object is the live one
    for (let i = 0; i < 20; i++) take.update((x) => void (x.delaySeconds = i));
    expect(m.delaySeconds).toBe(19);
    await take.flush();
    take.close();
    expect((await readManifest(f)).delaySeconds).toBe(19);
    expect((await readdir(f)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const text = await readFile(join(f, 'take.json'), 'utf8');
    expect(text).toContain('\n  "takeId": "id-1"'); // readable by a person
  });

  it('a change by folder lands in the live take of its holder; fields other modules add survive', async () => {
    const f = await tmp();
    const m = manifest([device({ deviceKey: 'a' }), device({ deviceKey: 'b' })]);
    await createTakeFile(f, m);
    const files = new TakeFiles();
    const take = await files.open(f);
    await files.update(f, (x) => {
      x.devices[1]!.upload = { key: 'k/b.mp4', bucket: 'bkt', ok: true, etag: 'e' };
      (x as Record<string, unknown>).note = 'kept';
    });
    expect(take.manifest.devices[1]!.upload).toMatchObject({ key: 'k/b.mp4' });
    take.update((x) => void (x.phase = 'done'));
    await take.flush();
    take.close();
    const back = await readManifest(f);
    expect(back.phase).toBe('done');
    expect(back.devices[1]!.upload).toEqual({ key: 'k/b.mp4', bucket: 'bkt', ok: true, etag: 'e' });
    expect(back.devices[0]!.upload).toBeUndefined();
    expect((back as Record<string, unknown>).note).toBe('kept');
  });

  it('a field another process wrote into the file is carried over, never dropped', async () => {
    const f = await tmp();
    const files = new TakeFiles();
    const take = files.create(f, manifest([device({ deviceKey: 'a' })]));
    await take.flush();
    const raw = JSON.parse(await readFile(join(f, 'take.json'), 'utf8'));
    raw.devices[0].upload = { key: 'k', bucket: 'b', ok: true };
    raw.fromElsewhere = 1;
    await writeFile(join(f, 'take.json'), JSON.stringify(raw));
    take.update((x) => void (x.phase = 'done'));
    await take.flush();
    take.close();
    const back = JSON.parse(await readFile(join(f, 'take.json'), 'utf8'));
    expect(back).toMatchObject({ phase: 'done', fromElsewhere: 1, devices: [{ upload: { key: 'k' } }] });
  });

  it('a closed handle writes nothing; a failed write is reported and the change kept for the next one', async () => {
    const f = await tmp();
    const files = new TakeFiles();
    const errors: string[] = [];
    const first = files.create(f, manifest([device()]), { onError: (e) => errors.push(e.message) });
    await first.flush();
    first.close();
    first.update((x) => void (x.name = 'stale'));
    await first.flush();
    expect((await readManifest(f)).name).toBe('Scene 1');

    const take = await files.open(f, { onError: (e) => errors.push(e.message) });
    await rm(f, { recursive: true });
    take.update((x) => void (x.name = 'kept in memory'));
    await expect(take.flush()).rejects.toThrow(/ENOENT/);
    expect(errors).toHaveLength(1);
    await mkdir(f);
    take.update();
    await take.flush();
    take.close();
    expect((await readManifest(f)).name).toBe('kept in memory');
  });

  it('updateTake on a folder without a take says so', async () => {
    const f = await tmp();
    await expect(updateTake(f, () => undefined)).rejects.toThrow(/cannot read take.json/);
  });

  it('refuses a manifest that is not valid, with a one-line reason', async () => {
    const f = await tmp();
    await writeFile(join(f, 'take.json'), '{"manifestVersion":1,"takeId":5}');
    await expect(readManifest(f)).rejects.toThrow(/not a valid manifest: takeId/);
    await writeFile(join(f, 'take.json'), '{nope');
    await expect(readManifest(f)).rejects.toThrow(/not valid JSON/);
  });
});

describe('recovery', () => {
  it('knows which devices may be recording and which files are owed', () => {
    const m = manifest([
      device({ deviceKey: 'a' }),
      device({ deviceKey: 'b', stop: { status: 'stopped', sentAt: 5, replyAt: 6, fileName: 'b.mp4', fileSize: 4, error: null } }),
      device({ deviceKey: 'c', start: { ...device().start, status: 'failed', transportError: false }, stop: { ...device().stop, status: 'not_sent' } }),
      device({ deviceKey: 'd', start: { ...device().start, status: 'pending' } }), // START written, reply never recorded
    ]);
    expect(owedWork(m)).toEqual({ mayStillBeRecording: ['a', 'd'], owedFiles: [{ deviceKey: 'b', fileName: 'b.mp4' }] });
  });

  it('revive: interrupted transfers fail, paths outside the folder are dropped', () => {
    const m = manifest([
      device({
        deviceKey: 'a',
        download: { ...emptyDownload(), id: 'dl-1', state: 'active', path: '../../etc/passwd', keptPartials: ['ok.partial', '../bad.partial'] },
      }),
    ]);
    const r = reviveManifest(m, '/r/take');
    const d = r.devices[0]!;
    expect(d.download).toMatchObject({ state: 'failed', ok: false, error: 'interrupted by a controller restart', path: null, keptPartials: ['ok.partial'] });
    expect(d.mayStillBeRecording).toBe(true);
    expect(d.warnings.join()).toMatch(/outside the take folder/);
    expect(r.phase).toBe('recording');
  });

  it('lists valid takes and reports invalid ones', async () => {
    const root = await tmp();
    const good = join(root, 'good');
    const bad = join(root, 'bad');
    await mkdir(good);
    await mkdir(bad);
    await mkdir(join(root, 'not-a-take'));
    await createTakeFile(good, manifest([device()]));
    await writeFile(join(bad, 'take.json'), '[]');
    const r = await listTakes(root);
    expect(r.takes.map((t) => t.folder)).toEqual([good]);
    expect(r.invalid.map((t) => t.folder)).toEqual([bad]);
    expect(await listTakes(join(root, 'missing'))).toEqual({ takes: [], invalid: [] });
  });
});

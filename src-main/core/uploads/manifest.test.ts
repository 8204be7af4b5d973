import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../takes/manifest';
import { ManifestUpdateError, readManifestUploads, recordUploadInManifest, type ManifestUpload } from './manifest';
import { writeFixtureTake } from './take-fixture.testing';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multicam-upload-manifest-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const up = (o: Partial<ManifestUpload> = {}): ManifestUpload => ({
  key: 'k',
  bucket: 'b',
  bytes: 10,
  etag: '"abc"',
  ok: true,
  error: null,
  confirmedAt: '2026-11-21T10:00:00.000Z',
  ...o,
});

describe('recordUploadInManifest', () => {
  it('sets devices[i].upload for many devices at once without losing any, atomically', async () => {
    const devices = Array.from({ length: 12 }, (_, i) => ({
      deviceKey: `d${i}`,
      name: `D${i}`,
      address: `127.0.0.1:${9000 + i}`,
      fileName: `f${i}.mp4`,
      fileSize: i,
    }));
    const folder = await writeFixtureTake(dir, { folderName: 'many', devices });
    await Promise.all(devices.map((d, i) => recordUploadInManifest(folder, d.deviceKey, up({ key: `key/${i}`, bytes: i }))));
    const got = await readManifestUploads(folder);
    expect([...got.keys()].sort()).toEqual(devices.map((d) => d.deviceKey).sort());
    expect(got.get('d7')).toEqual(up({ key: 'key/7', bytes: 7 }));
    // Still a valid manifest for the takes module, and no temp files left behind.
    expect((await readManifest(folder)).devices).toHaveLength(12);
    expect((await readdir(folder)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('keeps fields it does not know and overwrites an earlier upload entry', async () => {
    const folder = await writeFixtureTake(dir, { folderName: 'keep', devices: [{ deviceKey: 'a', name: 'A', address: 'h:1', fileName: 'x', fileSize: 1 }] });
    const raw = JSON.parse(await readFile(join(folder, 'take.json'), 'utf8'));
    raw.futureField = { x: 1 };
    raw.devices[0].futureDeviceField = 'y';
    await writeFile(join(folder, 'take.json'), JSON.stringify(raw));
    await recordUploadInManifest(folder, 'a', up({ ok: false, bytes: 0, error: 'first', confirmedAt: null }));
    await recordUploadInManifest(folder, 'a', up());
    const after = JSON.parse(await readFile(join(folder, 'take.json'), 'utf8'));
    expect(after.futureField).toEqual({ x: 1 });
    expect(after.devices[0].futureDeviceField).toBe('y');
    expect(after.devices[0].upload).toEqual(up());
  });

  it('scrubs secrets from the error it records', async () => {
    const folder = await writeFixtureTake(dir, { folderName: 'scrub', devices: [{ deviceKey: 'a', name: 'A', address: 'h:1', fileName: 'x', fileSize: 1 }] });
    await recordUploadInManifest(folder, 'a', up({ ok: false, error: 'PUT http://h/b/k?X-Amz-Signature=feedface failed' }));
    const text = await readFile(join(folder, 'take.json'), 'utf8');
    expect(text).not.toContain('feedface');
    expect(text).not.toContain('X-Amz-Signature');
  });

  it('fails clearly for an unknown device or a missing manifest', async () => {
    const folder = await writeFixtureTake(dir, { folderName: 'unknown', devices: [] });
    await expect(recordUploadInManifest(folder, 'zz', up())).rejects.toThrow(ManifestUpdateError);
    await expect(recordUploadInManifest(join(dir, 'nope'), 'a', up())).rejects.toThrow(/cannot read/);
  });
});

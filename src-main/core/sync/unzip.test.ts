/**
 * Taking the video out of an OAK zip: a stored zip as the sim (and the OAK server) writes it, a
 * deflated zip with several members and hostile names, a zip bomb, an encrypted member, and a
 * file that is no zip at all. Nothing may land outside the take folder or be left half-written.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wrapInZip } from '../../../sim/scene/recording';
import { extractedName, extractedVideosOf, extractVideos } from './unzip';

let root = '';
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'multicam-unzip-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

interface Member {
  name: string;
  data: Buffer;
  deflate?: boolean;
  encrypted?: boolean;
}

/** A minimal zip writer (local headers, central directory, end record) for hostile test input. */
function zipOf(members: Member[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const packed = m.deflate ? deflateRawSync(m.data) : m.data;
    const body = m.encrypted ? Buffer.concat([Buffer.alloc(12, 0x5a), packed]) : packed; // + the encryption header
    const flags = (m.encrypted ? 1 : 0) | 0x800;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(m.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(m.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(m.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(m.deflate ? 8 : 0, 10);
    central.writeUInt32LE(crc32(m.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(m.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

async function takeDir(name: string): Promise<string> {
  const dir = join(root, name, 'take');
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('extracting the video from an OAK zip', () => {
  it('a stored zip as the OAK server writes it: the member comes out whole as <zip name>.mp4, and is reused next time', async () => {
    const dir = await takeDir('stored');
    const video = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7) & 0xff));
    const zip = join(dir, 'Cam-oak_video_1795255200.zip');
    await writeFile(zip, video);
    await wrapInZip(zip, 'video.mp4');
    const [got, ...more] = await extractVideos(zip, dir);
    expect(more).toHaveLength(0);
    expect(got).toMatchObject({ member: 'video.mp4', file: 'Cam-oak_video_1795255200.mp4', bytes: video.length });
    expect((await readFile(got!.path)).equals(video)).toBe(true);
    const before = (await stat(got!.path)).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await extractVideos(zip, dir);
    expect((await stat(got!.path)).mtimeMs).toBe(before);
    expect((await readdir(dir)).sort()).toEqual(['Cam-oak_video_1795255200.mp4', 'Cam-oak_video_1795255200.zip']);
  });

  it('extractedVideosOf: nothing before extraction, nothing for a half-written or wrong-sized file, the video once whole; never writes', async () => {
    const dir = await takeDir('found');
    const video = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 13) & 0xff));
    const zip = join(dir, 'Cam-oak_video_1.zip');
    await writeFile(zip, video);
    await wrapInZip(zip, 'video.mp4');
    expect(await extractedVideosOf(zip, dir)).toEqual([]);
    await writeFile(join(dir, 'Cam-oak_video_1.mp4'), video.subarray(0, 1000)); // a cut-short copy
    expect(await extractedVideosOf(zip, dir)).toEqual([]);
    await rm(join(dir, 'Cam-oak_video_1.mp4'));
    const [extracted] = await extractVideos(zip, dir);
    expect(await extractedVideosOf(zip, dir)).toEqual([extracted]);
    expect(await extractedVideosOf(join(dir, 'missing.zip'), dir)).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['Cam-oak_video_1.mp4', 'Cam-oak_video_1.zip']);
  });

  it('deflated members with hostile names land inside the folder under sanitised names; other files are left alone', async () => {
    const dir = await takeDir('hostile');
    const a = Buffer.alloc(40_000, 1);
    const b = Buffer.from('second angle'.repeat(1000));
    const zip = join(dir, 'oak.zip');
    await writeFile(
      zip,
      zipOf([
        { name: 'notes.txt', data: Buffer.from('not a video') },
        { name: '../../escape/left cam.mp4', data: a, deflate: true },
        { name: '/abs/right\u202ecam.MOV', data: b, deflate: true },
        { name: 'dir/', data: Buffer.alloc(0) },
      ]),
    );
    const got = await extractVideos(zip, dir);
    expect(got.map((g) => g.file)).toEqual(['oak_left-cam.mp4', 'oak_right-cam.mov']);
    expect((await readFile(join(dir, 'oak_left-cam.mp4'))).equals(a)).toBe(true);
    expect((await readFile(join(dir, 'oak_right-cam.mov'))).equals(b)).toBe(true);
    expect((await readdir(join(root, 'hostile'))).sort()).toEqual(['take']);
    expect((await readdir(dir)).sort()).toEqual(['oak.zip', 'oak_left-cam.mp4', 'oak_right-cam.mov']);
  });

  it('a zip bomb is refused before anything is written', async () => {
    const dir = await takeDir('bomb');
    const zip = join(dir, 'bomb.zip');
    await writeFile(zip, zipOf([{ name: 'video.mp4', data: Buffer.alloc(64 * 1024 * 1024), deflate: true }]));
    expect((await stat(zip)).size).toBeLessThan(1024 * 1024);
    await expect(extractVideos(zip, dir)).rejects.toThrow(/far more than the zip holds/);
    expect(await readdir(dir)).toEqual(['bomb.zip']);
  });

  it('an encrypted member, a zip without video and a file that is no zip each say why in one line', async () => {
    const dir = await takeDir('refused');
    const enc = join(dir, 'enc.zip');
    await writeFile(enc, zipOf([{ name: 'video.mp4', data: Buffer.alloc(100, 3), encrypted: true }]));
    await expect(extractVideos(enc, dir)).rejects.toThrow(/encrypted/);
    const none = join(dir, 'none.zip');
    await writeFile(none, zipOf([{ name: 'readme.txt', data: Buffer.from('hello') }]));
    await expect(extractVideos(none, dir)).rejects.toThrow(/no video/);
    const junk = join(dir, 'junk.zip');
    await writeFile(junk, 'this is not a zip archive\n'.repeat(10));
    const err = await extractVideos(junk, dir).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/cannot be read/);
    expect((err as Error).message).not.toContain('\n');
    expect((await readdir(dir)).sort()).toEqual(['enc.zip', 'junk.zip', 'none.zip']);
  });

  it('names: one video takes the zip name, several add their own', () => {
    expect(extractedName('/t/Cam_video_1.zip', 'video.mp4', true)).toBe('Cam_video_1.mp4');
    expect(extractedName('/t/Cam_video_1.zip', 'rgb/left.MOV', false)).toBe('Cam_video_1_left.mov');
  });
});

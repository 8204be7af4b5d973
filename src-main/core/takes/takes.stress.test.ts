/**
 * take.json has one writer: hundreds of rounds of concurrent recorder, download and upload
 * updates to the same take, and nothing is lost.
 *
 * Each round: the recorder's live take (as Recorder holds it) changes phases and STOP results,
 * the download results arrive through `downloadChanged` (as Recorder.onDownload applies them),
 * and upload results through `recordUploadInManifest` (the upload service's path) — all at once,
 * in a random order with random pauses between them. Afterwards the file must hold every one.
 *
 * On the code before the take store (the recorder's ManifestWriter and the uploads' own
 * per-folder lock, each writing whole manifests) the same race lost the upload record in
 * 124 of 200 rounds.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DownloadView } from '../../../src-shared/api';
import { recordUploadInManifest } from '../uploads/manifest';
import { downloadChanged, downloadQueued } from './changes';
import { readManifest, takeFiles } from './manifest';
import { TakeStore } from './store';
import { emptyDownload, type ManifestDevice } from './schema';
import { mulberry32 as prng } from '../../../src-shared/prng';

const ROUNDS = 300;
const DEVICES = 4;

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'mc-take-stress-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function device(i: number): ManifestDevice {
  return {
    deviceKey: `dev-${i}`,
    name: `Cam ${i}`,
    address: `127.0.0.1:${40000 + i}`,
    deviceType: null,
    scheduleOnRawClock: false,
    preflight: { reachable: true, status: 'ready', battery: 80, error: null },
    start: { status: 'accepted', sentAt: 1, replyAt: 1, targetSent: 4, targetReason: 'synchronized', reply: null, error: null, transportError: false },
    clock: { offsetMs: 0, uncertaintyMs: 1, source: 'preflight' },
    confirmedRecording: true,
    confirmStatus: 'recording',
    mayStillBeRecording: false,
    stop: { status: 'pending', sentAt: null, replyAt: null, fileName: null, fileSize: null, error: null },
    download: emptyDownload(),
    warnings: [],
  };
}

function doneView(takeId: string, e: ManifestDevice, round: number): DownloadView {
  return {
    id: e.download.id!,
    takeId,
    deviceKey: e.deviceKey,
    deviceName: e.name,
    fileName: e.stop.fileName!,
    path: `${e.name}_${round}.mp4`,
    state: 'done',
    bytes: 1000 + round,
    total: 1000 + round,
    rateBps: 0,
    etaSeconds: null,
    sha256: 'a'.repeat(64),
    error: null,
    partial: false,
  };
}

describe('take store under concurrent writers', () => {
  it(`loses nothing in ${ROUNDS} rounds of recorder + download + upload updates`, async () => {
    const rand = prng(20261202);
    const pause = () => new Promise<void>((r) => (rand() < 0.5 ? setImmediate(r) : setTimeout(r, Math.floor(rand() * 3))));
    const store = new TakeStore({ recordingsDir: root });
    const lost: string[] = [];

    await Promise.all(
      Array.from({ length: ROUNDS }, async (_, round) => {
        const take = await store.create(`round ${round}`, new Date(2026, 11, 2, 6, 0, round % 60), ({ folderName }) => ({
          manifestVersion: 1,
          takeId: `take-${round}`,
          name: `round ${round}`,
          folderName,
          createdAt: new Date(0).toISOString(),
          targetStart: 4,
          delaySeconds: 3,
          controllerClock: { source: 'unverified', offsetMs: null, uncertaintyMs: null },
          phase: 'recording',
          stoppedAt: null,
          devices: Array.from({ length: DEVICES }, (_, i) => device(i)),
        }));
        const m = take.manifest;
        // The recorder: STOP results one device at a time, each queued for download.
        const recorder = (async () => {
          take.update((x) => void (x.phase = 'stopping'));
          for (const e of m.devices) {
            await pause();
            take.update(() => {
              Object.assign(e.stop, { status: 'stopped', fileName: `${e.deviceKey}.mp4`, fileSize: 1000 + round });
              downloadQueued(e, { id: `dl-${round}-${e.deviceKey}`, state: 'queued', path: '', total: null });
            });
          }
        })();
        // The download queue: each file finishes once its device has stopped.
        const downloads = (async () => {
          for (const e of m.devices) {
            while (e.download.id === null) await pause();
            await pause();
            take.update((x) => downloadChanged(x, doneView(x.takeId, e, round), { seconds: 1, keptPartials: [], note: null }));
          }
          take.update((x) => void (x.phase = 'done'));
        })();
        // The uploads: each device's result recorded by folder, as the upload service does.
        const uploads = Promise.all(
          m.devices.map(async (e) => {
            await pause();
            await recordUploadInManifest(take.folder, e.deviceKey, {
              key: `k/${round}/${e.deviceKey}`,
              bucket: 'b',
              bytes: 1000 + round,
              etag: null,
              ok: true,
              error: null,
              confirmedAt: null,
            });
          }),
        );
        await Promise.all([recorder, downloads, uploads]);
        await take.flush();
        take.close();

        const disk = JSON.parse(await readFile(join(take.folder, 'take.json'), 'utf8'));
        if (disk.phase !== 'done') lost.push(`round ${round}: phase ${disk.phase}`);
        for (const d of disk.devices) {
          if (d.stop.status !== 'stopped') lost.push(`round ${round} ${d.deviceKey}: stop ${d.stop.status}`);
          if (d.download.state !== 'done' || d.download.bytes !== 1000 + round) lost.push(`round ${round} ${d.deviceKey}: download ${d.download.state}`);
          if (d.upload?.key !== `k/${round}/${d.deviceKey}`) lost.push(`round ${round} ${d.deviceKey}: upload ${JSON.stringify(d.upload)}`);
        }
        if ((await readdir(take.folder)).some((n) => n.endsWith('.tmp'))) lost.push(`round ${round}: temp file left`);
      }),
    );
    expect(lost).toEqual([]);
    // Every take let go once written: the registry keeps nothing it does not need.
    expect(takeFiles.peek(join(root, (await readdir(root))[0]!))).toBeNull();
    expect((await readManifest(join(root, (await readdir(root))[0]!))).devices).toHaveLength(DEVICES);
  });
});

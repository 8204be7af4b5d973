/**
 * The recorder's test rig: REAL sim devices over loopback TCP, the real device client, download
 * queue and take store, with production timeouts, all on virtual time (../timers.testing.ts), so
 * countdowns, Android trims and confirmation polls cost no real time. Everything it starts is
 * torn down by `stop()`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimDevice, type SimDevice, type SimDeviceOptions } from '../../../sim/index';
import { download, send } from '../device-client/index';
import { DownloadQueue } from '../downloads/queue';
import { startVirtualTime, type VirtualTime } from '../timers.testing';
import { Recorder, type RecorderOptions } from './recorder';
import type { RecorderDevice } from './types';

export interface RecorderSetup {
  /** A fresh temp folder; the recordings folder lives one level down, so "nothing outside it" can be checked here. */
  root: string;
  recordingsDir: string;
  downloads: DownloadQueue;
  rec: Recorder;
}

export interface RecorderRig {
  readonly time: VirtualTime;
  /** A sim device, killed by stop(). */
  sim(o: SimDeviceOptions): Promise<SimDevice>;
  /** A recorder with a download queue over the real device client (`recordingsDir` to share one with an earlier recorder). */
  recorder(extra?: Partial<RecorderOptions>): Promise<RecorderSetup>;
  /** A recorder built by hand, disposed by stop(). */
  track(rec: Recorder): Recorder;
  stop(): Promise<void>;
}

/** How the recorder sees a sim device. */
export const makeDeviceEntry = (d: SimDevice, name?: string): RecorderDevice => ({
  deviceKey: `${d.host}:${d.port}`,
  name: name ?? d.personality,
  host: d.host,
  port: d.port,
});

export function startRecorderRig(): RecorderRig {
  const time = startVirtualTime();
  const sims: SimDevice[] = [];
  const dirs: string[] = [];
  const recorders: Recorder[] = [];
  const track = (rec: Recorder) => {
    recorders.push(rec);
    return rec;
  };
  return {
    time,
    track,
    async sim(o) {
      const d = await startSimDevice(o);
      sims.push(d);
      return d;
    },
    async recorder(extra = {}) {
      const root = await mkdtemp(join(tmpdir(), 'mc-recorder-'));
      dirs.push(root);
      const recordingsDir = join(root, 'recordings');
      const downloads = new DownloadQueue({ download, maxConcurrent: 3 });
      const rec = track(new Recorder({ recordingsDir, send, downloads, ...extra }));
      return { root, recordingsDir, downloads, rec };
    },
    async stop() {
      try {
        for (const r of recorders.splice(0)) r.dispose();
        await Promise.all(sims.splice(0).map((d) => d.kill().catch(() => undefined)));
        // A take's last writes may still be landing as the recorders let go: retry a folder that fills meanwhile.
        await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true, maxRetries: 5 })));
      } finally {
        await time.stop();
      }
    },
  };
}

/**
 * The device client against every virtual-device personality (sim/), over real loopback TCP:
 * each command's reply is understood (or its silence ends in a timeout), GET_VIDEO works
 * (and the OAK copy is gone afterwards), and the sim's faults end in the right codes.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ProtocolError,
  deviceStatus,
  getVideo,
  heartbeat,
  isStartAccepted,
  listFiles,
  startRecording,
  stopRecording,
  uploadToCloud,
} from '../../../src-shared/protocol';
import { startSimDevice, type Fault, type Personality, type SimDevice, type SimDeviceOptions } from '../../../sim';
import { waitUntil } from '../../../sim/client.testing';
import { type DownloadError, download, send, type DownloadOptions, type SendOptions } from './index';

const FILE_SIZE = 300_000;
const started: SimDevice[] = [];
let root: string;
let dest: string;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'device-client-sim-'));
  dest = path.join(root, 'take');
  await fs.mkdir(dest);
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((d) => d.kill()));
  await fs.rm(root, { recursive: true, force: true });
});

async function device(personality: Personality, extra: Partial<SimDeviceOptions> = {}): Promise<SimDevice> {
  const d = await startSimDevice({
    personality,
    fileSize: FILE_SIZE,
    stopDelayMs: 100,
    finalizeMs: 20,
    packagingMs: 50,
    pastTargetDelayMs: 20,
    ...extra,
  });
  started.push(d);
  return d;
}
const addr = (d: SimDevice) => ({ host: d.host, port: d.port });
const FAST: SendOptions = { replyTimeoutMs: 5_000, backoffMs: [10, 10] };
const DL: DownloadOptions = { tries: 1, headerTimeoutMs: 10_000, stallTimeoutMs: 5_000 };

async function rejection<T extends ProtocolError>(p: Promise<unknown>): Promise<T> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ProtocolError);
  return e as T;
}
async function listing(): Promise<string[]> {
  expect(await fs.readdir(root)).toEqual(['take']);
  return (await fs.readdir(dest)).sort();
}

/** START now, wait until recording, STOP; returns the STOP reply. */
async function recordOnce(d: SimDevice) {
  const start = await send(addr(d), startRecording(Date.now() / 1000 - 0.5), FAST);
  expect(isStartAccepted(start.reply.status)).toBe(true);
  await waitUntil(() => d.state === 'recording', 'recording');
  return send(addr(d), stopRecording(), FAST);
}

const EXPECT: Record<Personality, { deviceType: string; heartbeat: string; missing: string; stopIdle: 'silence' | 'error'; notSynced: string | null }> = {
  ios: { deviceType: 'iOS:iPhone', heartbeat: 'ready', missing: 'error', stopIdle: 'silence', notSynced: 'error' },
  android: { deviceType: 'Android:Quest', heartbeat: 'command_received', missing: 'file_not_found', stopIdle: 'error', notSynced: 'time_not_synchronized' },
  oak: { deviceType: 'Oak', heartbeat: 'command_received', missing: 'error', stopIdle: 'error', notSynced: null },
  spec: { deviceType: 'Spec', heartbeat: 'ready', missing: 'file_not_found', stopIdle: 'error', notSynced: 'time_not_synchronized' },
};

for (const personality of ['ios', 'android', 'oak', 'spec'] as const) {
  describe(`${personality} personality`, () => {
    const want = EXPECT[personality];

    it('DEVICE_STATUS, HEARTBEAT and LIST_FILES replies are understood, with clock instants', async () => {
      const d = await device(personality);
      const s = await send(addr(d), deviceStatus(), FAST);
      expect(s.reply.status).toBe('ready');
      expect(s.reply.deviceId).toBe(d.deviceId);
      expect(s.reply.deviceType).toBe(want.deviceType);
      expect(s.reply.timestamp).toEqual(expect.any(Number));
      expect(s.receivedAt).toBeGreaterThanOrEqual(s.sentAt);
      if (personality === 'oak') expect(s.reply.batteryLevel).toBeNull();
      const h = await send(addr(d), heartbeat(), FAST);
      expect(h.reply.status).toBe(want.heartbeat);
      await d.addFile('listed.mp4', 1000);
      const l = await send(addr(d), listFiles(), FAST);
      expect(l.reply.files?.map((f) => f.fileName)).toContain('listed.mp4');
    });

    it('a take: START accepted, STOP names the file, GET_VIDEO brings it home verified', async () => {
      const d = await device(personality);
      const stop = await recordOnce(d);
      expect(stop.reply.status).toBe('recording_stopped');
      const rec = d.recordings[0]!;
      expect(stop.reply.fileName).toBe(rec.fileName);
      if (personality === 'oak')
        expect(stop.reply.fileSize).toBe(0); // packages lazily
      else expect(stop.reply.fileSize).toBe(FILE_SIZE);

      const r = await download(addr(d), stop.reply.fileName!, dest, DL);
      expect(r.bytes).toBe(FILE_SIZE);
      expect(r.sha256).toBe(rec.sha256);
      expect(await listing()).toEqual([path.basename(r.path)]);
      if (personality === 'oak') {
        // The OAK server deletes its copy once sent: what we saved is all there is.
        await waitUntil(() => d.files().length === 0, 'OAK to delete the file');
        const again = await rejection<DownloadError>(download(addr(d), rec.fileName, dest, { ...DL, localName: 'again.zip' }));
        expect(again.code).toBe('device_error');
      } else {
        expect(d.files().map((f) => f.fileName)).toContain(rec.fileName);
      }
    });

    it(`GET_VIDEO of a missing file → device_error (${want.missing}), no file`, async () => {
      const d = await device(personality);
      const e = await rejection<DownloadError>(download(addr(d), 'nope.mp4', dest, DL));
      expect(e.code).toBe('device_error');
      expect((e.reply as { status: string }).status).toBe(want.missing);
      expect(await listing()).toEqual([]);
    });

    it(`STOP when idle → ${want.stopIdle === 'silence' ? 'silence, ended by the reply timeout (not retried)' : 'an error reply'}`, async () => {
      const d = await device(personality);
      if (want.stopIdle === 'silence') {
        const e = await rejection(send(addr(d), stopRecording(), { ...FAST, replyTimeoutMs: 300 }));
        expect(e.code).toBe('reply_timeout');
        expect(d.received.filter((c) => c.command === 'STOP_RECORDING')).toHaveLength(1);
      } else {
        const r = await send(addr(d), stopRecording(), FAST);
        expect(r.reply.status).toBe('error');
        expect(r.reply.fileName).toBeNull();
      }
    });

    it('START when the clock is not synchronised', async () => {
      const d = await device(personality, { synced: false });
      const r = await send(addr(d), startRecording(Date.now() / 1000 + 5), FAST);
      if (want.notSynced === null) expect(isStartAccepted(r.reply.status)).toBe(true);
      else expect(r.reply.status).toBe(want.notSynced);
    });

    it('UPLOAD_TO_CLOUD of a missing file is answered, not thrown', async () => {
      const d = await device(personality);
      const r = await send(addr(d), uploadToCloud('nope.mp4', 'http://127.0.0.1:9/bucket/nope.mp4'), FAST);
      expect(r.reply.status).toBe(want.missing);
    });

    describe('faults', () => {
      async function withFile(faults: Fault[]): Promise<SimDevice> {
        const d = await device(personality, { faults });
        await d.addFile('clip.mp4', FILE_SIZE);
        return d;
      }

      it('truncate mid-body → closed_early, the received bytes kept at .partial', async () => {
        const d = await withFile([{ name: 'truncate', afterBytes: 100_000 }]);
        const e = await rejection<DownloadError>(download(addr(d), 'clip.mp4', dest, DL));
        expect(e.code).toBe('closed_early');
        expect(e.bytesReceived).toBe(100_000);
        expect(e.expectedBytes).toBe(FILE_SIZE);
        expect((await fs.stat(e.partialPath!)).size).toBe(100_000);
        expect(await listing()).toEqual(['clip.mp4.partial']);
      });

      it('reset mid-body → connection_reset (or closed_early), nothing under the final name', async () => {
        const d = await withFile([{ name: 'reset', afterBytes: 100_000 }]);
        const e = await rejection<DownloadError>(download(addr(d), 'clip.mp4', dest, DL));
        // Linux reports an RST that lands while received bytes are still unread as a plain EOF
        // once they are read, so the reader may see either; both say the device cut it short.
        expect(['connection_reset', 'closed_early']).toContain(e.code);
        expect(e.bytesReceived).toBeLessThanOrEqual(100_000);
        if (e.bytesReceived) expect((await fs.stat(e.partialPath!)).size).toBe(e.bytesReceived);
        expect(await listing()).toEqual(e.bytesReceived ? ['clip.mp4.partial'] : []);
      });

      it('stall mid-body → stalled', async () => {
        const d = await withFile([{ name: 'stall', afterBytes: 50_000, seconds: 30 }]);
        const e = await rejection<DownloadError>(download(addr(d), 'clip.mp4', dest, { ...DL, stallTimeoutMs: 300 }));
        expect(e.code).toBe('stalled');
        expect(e.bytesReceived).toBe(50_000);
        expect(await listing()).toEqual(['clip.mp4.partial']);
      });

      it('oversized header length → header_too_large', async () => {
        const d = await withFile([{ name: 'oversized-header' }]);
        const e = await rejection<DownloadError>(download(addr(d), 'clip.mp4', dest, DL));
        expect(e.code).toBe('header_too_large');
        expect(await listing()).toEqual([]);
      });

      it.each(['../../x', '/etc/passwd', 'C:\\x'])('path-like header fileName %j is never used as a path', async (claimed) => {
        const d = await withFile([{ name: 'path-filename', fileName: claimed }]);
        const r = await download(addr(d), 'clip.mp4', dest, DL);
        expect(r.header.fileName).toBe(claimed);
        expect(r.path).toBe(path.join(dest, 'clip.mp4'));
        expect(await listing()).toEqual(['clip.mp4']);
      });

      it('wrong fileSize: larger than sent → stalled; negative or fractional → invalid_file_size', async () => {
        const d = await withFile([{ name: 'wrong-filesize' }]);
        const big = await rejection<DownloadError>(download(addr(d), 'clip.mp4', dest, { ...DL, stallTimeoutMs: 300 }));
        expect(big.code).toBe('stalled'); // every personality keeps the connection open after the body
        expect(big.bytesReceived).toBe(FILE_SIZE);
        expect(big.expectedBytes).toBe(FILE_SIZE + 1000);
        await fs.rm(big.partialPath!);
        if (personality === 'oak') await d.addFile('clip.mp4', FILE_SIZE); // it deleted the file once sent
        for (const fileSize of [-1, 12.5]) {
          d.setFaults([{ name: 'wrong-filesize', fileSize }]);
          const e = await rejection<DownloadError>(download(addr(d), 'clip.mp4', dest, DL));
          expect(e.code).toBe('invalid_file_size');
        }
        expect(await listing()).toEqual([]);
      });

      it('malformed JSON → malformed_json (reply) and invalid_header (GET_VIDEO)', async () => {
        const d = await withFile([{ name: 'malformed-json' }]);
        expect((await rejection(send(addr(d), deviceStatus(), FAST))).code).toBe('malformed_json');
        expect((await rejection(download(addr(d), 'clip.mp4', dest, DL))).code).toBe('invalid_header');
      });

      it('a reset before any reply byte is retried; a refused connection is retried 3 times', async () => {
        const d = await device(personality, { faults: [{ name: 'reset', afterBytes: 0, commands: ['DEVICE_STATUS'] }] });
        const e = await rejection(send(addr(d), deviceStatus(), FAST));
        expect(e.code).toBe('connection_reset');
        expect(d.received.filter((c) => c.command === 'DEVICE_STATUS')).toHaveLength(3);
        d.setFaults([{ name: 'refuse' }]);
        await new Promise((r) => setTimeout(r, 50)); // the sim stops listening asynchronously
        const refused = await rejection(send(addr(d), heartbeat(), FAST));
        expect(refused.code).toBe('connection_refused');
        expect(refused.message).toContain('(attempt 3 of 3): connection refused');
        expect(d.received.filter((c) => c.command === 'HEARTBEAT')).toHaveLength(0);
      });

      it('a slow START is not sent twice (reply timeout not retried)', async () => {
        const d = await device(personality, { faults: [{ name: 'slow', seconds: 2, commands: ['START_RECORDING'] }] });
        const e = await rejection(send(addr(d), startRecording(Date.now() / 1000 + 5), { ...FAST, replyTimeoutMs: 200 }));
        expect(e.code).toBe('reply_timeout');
        expect(d.received.filter((c) => c.command === 'START_RECORDING')).toHaveLength(1);
      });
    });
  });
}

describe('GET_VIDEO command shape', () => {
  it('the sim serves a file asked for by the fileName/fileId pair the client sends', async () => {
    const d = await device('spec');
    await d.addFile('v.mp4', 1234);
    const r = await send(addr(d), getVideo('missing.mp4'), FAST);
    expect(r.reply.status).toBe('file_not_found');
    const ok = await download(addr(d), 'v.mp4', dest, DL);
    expect(ok.bytes).toBe(1234);
  });
});

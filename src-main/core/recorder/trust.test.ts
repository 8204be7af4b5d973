/**
 * What a take says about itself must follow from what happened (real sims over loopback TCP, on
 * virtual time): the outcome in take.json, Stop during the countdown as an abort, and a take picked up again
 * after a controller crash (its wording, its `.part` files, its re-download names).
 */
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimDeviceOptions } from '../../../sim/index';
import { takeDeviceState, takeProblems, takeStateWord } from '../../../src-shared/states';
import { readManifest, updateTake } from '../takes/manifest';
import type { RecorderOptions } from './recorder';
import { makeDeviceEntry, startRecorderRig, type RecorderRig } from './recorder.testing';

let rig: RecorderRig;
beforeEach(() => {
  rig = startRecorderRig();
});
afterEach(() => rig.stop());

const sim = (o: SimDeviceOptions) => rig.sim(o);
const setup = (extra: Partial<RecorderOptions> = {}) => rig.recorder(extra);
const entry = makeDeviceEntry;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('take outcome', () => {
  it('a take with a truncated download is not "done": take.json says partial, 1 of 2 files', async () => {
    const good = await sim({ personality: 'spec' });
    const cut = await sim({ personality: 'spec', faults: [{ name: 'truncate', afterBytes: 2000 }] });
    const { rec } = await setup();
    await rec.startTake({ devices: [entry(good, 'good'), entry(cut, 'cut')], delaySeconds: 0.3 });
    await rec.confirmed();
    await rec.stopTake();
    const done = await rec.settled();
    await rec.flush();
    const m = await readManifest(done.folder);
    expect(m.phase).toBe('done');
    expect(m.outcome).toBe('partial');
    expect(m.files).toEqual({ expected: 2, downloaded: 1 });
    expect(done.outcome).toBe('partial');
    expect(takeStateWord(done)).toMatchObject({ word: 'Done — 1 of 2 files', tone: 'warn' });
  });

  it('every file downloaded and verified: complete', async () => {
    const a = await sim({ personality: 'spec' });
    const { rec } = await setup();
    await rec.startTake({ devices: [entry(a, 'a')], delaySeconds: 0.3 });
    await rec.confirmed();
    await rec.stopTake();
    const done = await rec.settled();
    await rec.flush();
    expect((await readManifest(done.folder)).outcome).toBe('complete');
  });
});

describe('stop during the countdown', () => {
  it('is an abort: the device that began capturing is stopped and keeps its clip, the scheduled one is cancelled, nobody needs attention', async () => {
    const ios = await sim({ personality: 'ios' }); // captures on START's arrival
    const spec = await sim({ personality: 'spec' }); // waits for the start instant
    const { rec } = await setup();
    const t = await rec.startTake({ devices: [entry(ios, 'ios'), entry(spec, 'spec')], delaySeconds: 5 });
    expect(t.phase).toBe('scheduled');
    const stopped = await rec.stopTake();
    expect(stopped.aborted).toBe(true);
    const done = await rec.settled();
    await rec.flush();
    const m = await readManifest(done.folder);
    expect(m.aborted).toBe(true);
    expect(m.outcome).toBe('aborted');
    const [i, s] = m.devices;
    expect(i!.stop.status).toBe('stopped');
    expect(i!.download.ok).toBe(true); // the clip is kept
    expect(s!.stop.status).toBe('cancelled');
    expect(s!.mayStillBeRecording).toBe(false);
    expect(spec.state).toBe('ready'); // its scheduled start was called off
    expect(takeProblems(done)).toEqual([]);
    expect(takeStateWord(done).word).toBe('Aborted — 1 clip kept');
    expect(takeDeviceState(done, done.devices[1]!).word).toBe('Not started');
  });

  it('Stop during pre-flight: nothing started, labelled aborted and "not started", not failed', async () => {
    const a = await sim({ personality: 'spec', latencyMs: 400 });
    const { rec } = await setup();
    const starting = rec.startTake({ devices: [entry(a, 'a')], delaySeconds: 3 });
    await sleep(50);
    const stopping = rec.stopTake();
    const t = await starting;
    await stopping;
    expect(t.aborted).toBe(true);
    expect(t.phase).toBe('done');
    expect(t.outcome).toBe('aborted');
    expect(t.devices[0]!.skipReason).toBe('not_started');
    expect(takeProblems(t)).toEqual([]);
    expect(a.received.map((c) => c.command)).not.toContain('START_RECORDING');
    await rec.flush();
  });
});

describe('a take picked up after a controller crash', () => {
  it('says the controller restarted (not that a stop failed), clears a stale .part and re-downloads under the intended name', async () => {
    const a = await sim({ personality: 'spec' });
    const first = await setup({ autoDownload: false });
    const t = await first.rec.startTake({ devices: [entry(a, 'cam')], delaySeconds: 0.3 });
    await first.rec.confirmed();
    await first.rec.flush();
    first.rec.dispose(); // crash while recording

    const second = await setup({ recordingsDir: first.recordingsDir });
    const [r] = await second.rec.recoverTakes();
    expect(r!.take.recovered).toBe(true);
    const [p] = takeProblems(r!.take);
    expect(p!.text).toMatch(/controller restarted during this take/);
    expect(p!.text).not.toMatch(/stop did not get through/);
    await second.rec.stopTake(t.takeId);
    const done = await second.rec.settled(t.takeId);
    await second.rec.flush();
    const m = await readManifest(done.folder);
    expect(m.devices[0]!.download.ok).toBe(true);
    const intended = m.devices[0]!.download.path!;

    // Now a crash in the middle of a transfer: the manifest says `active` and a `.part` is left.
    await updateTake(done.folder, (x) => {
      x.devices[0]!.download = { ...x.devices[0]!.download, state: 'active', ok: null, sha256: null, path: `${intended}.again` };
      x.phase = 'downloading';
    });
    await writeFile(join(done.folder, `${intended}.again.part`), Buffer.alloc(1234));
    second.rec.dispose();
    const third = await setup({ recordingsDir: first.recordingsDir });
    const [r3] = await third.rec.recoverTakes();
    expect(r3!.owed.owedFiles).toHaveLength(1);
    const files = await readdir(done.folder);
    expect(files.filter((f) => f.endsWith('.part'))).toEqual([]);
    expect(r3!.take.devices[0]!.warnings.join(' ')).toMatch(/interrupted by a controller restart was discarded \(1234 bytes\)/);
  });
});

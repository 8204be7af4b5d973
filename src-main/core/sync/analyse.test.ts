/**
 * The sync analysis on real files: shared-scene recordings made with ffmpeg (sim/scene) with known
 * start instants, clock drifts, A/V skews, frame rates and containers; the measured offsets must
 * match the ground truth within 1 ms (the benchmark reports the tighter figure). Negative sets:
 * a silent camera, a looped 1 s sound, cameras that hear nothing in common — never `ok`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ffmpegAvailable, writeSceneRecording, type SceneRecordingSpec } from '../../../sim/scene/recording';
import { analyseFiles, type SyncInput } from './analyse';

const hasFfmpeg = await ffmpegAvailable();
const T0 = Date.UTC(2026, 10, 21, 10, 15, 3, 250);
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'multicam-sync-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function make(name: string, spec: SceneRecordingSpec): Promise<SyncInput> {
  const ext = spec.container === 'zip' ? 'zip' : spec.container === 'mov' ? 'mov' : 'mp4';
  const file = `${name}.${ext}`;
  await writeSceneRecording(join(dir, file), spec);
  return { name, file, path: join(dir, file) };
}

describe.skipIf(!hasFfmpeg)('sync analysis on shared-scene recordings', { timeout: 120_000 }, () => {
  it('recovers every offset within 1 ms and every drift within a few ppm; a silent camera is not ok and says why', async () => {
    const cams: (SceneRecordingSpec & { name: string })[] = [
      { name: 'iphone', trueStartMs: T0, durationMs: 12_000, driftPpm: 0, fps: { num: 30000, den: 1001 }, container: 'mov', noiseSeed: 1 },
      { name: 'android', trueStartMs: T0 + 1234.5, durationMs: 10_500, driftPpm: 40, avSkewMs: 15, fps: { num: 30, den: 1 }, noiseSeed: 2 },
      { name: 'oak', trueStartMs: T0 + 2871.25, durationMs: 9_000, driftPpm: -60, fps: { num: 25, den: 1 }, container: 'zip', noiseSeed: 3 },
      { name: 'spec', trueStartMs: T0 + 517.125, durationMs: 11_000, driftPpm: 25, avSkewMs: 40, fps: { num: 24000, den: 1001 }, noiseSeed: 4, snrDb: 10 },
      { name: 'muted', trueStartMs: T0 + 800, durationMs: 10_000, sound: 'silence', noiseSeed: 5 },
    ];
    const inputs = await Promise.all(cams.map(({ name, ...spec }) => make(name, spec)));
    const r = await analyseFiles(inputs);
    expect(r.state).toBe('done');
    const byName = new Map(r.devices.map((d) => [d.name, d]));
    // Truth: where each file's sound begins, on the earliest file's own media clock.
    const audioStart = (c: SceneRecordingSpec) => c.trueStartMs - (c.avSkewMs ?? 0) / (1 + (c.driftPpm ?? 0) * 1e-6);
    const heard = cams.filter((c) => c.sound !== 'silence');
    const ref = heard.reduce((a, b) => (audioStart(b) < audioStart(a) ? b : a));
    const kRef = (ref.driftPpm ?? 0) * 1e-6;
    for (const c of heard) {
      const d = byName.get(c.name)!;
      expect(d.ok, `${c.name}: ${d.reason}`).toBe(true);
      const truth = (audioStart(c) - audioStart(ref)) * (1 + kRef);
      expect(Math.abs(d.offsetMs! - truth), `${c.name} offset ${d.offsetMs} vs ${truth}`).toBeLessThan(1);
      const drift = ((1 + (c.driftPpm ?? 0) * 1e-6) / (1 + kRef) - 1) * 1e6;
      expect(Math.abs(d.driftPpm! - drift), `${c.name} drift ${d.driftPpm} vs ${drift}`).toBeLessThan(5);
      expect(d.score).toBeGreaterThanOrEqual(r.threshold);
    }
    expect(r.reference).toBe('iphone');
    expect(byName.get('iphone')!.offsetMs).toBe(0);
    expect(byName.get('android')!.media).toMatchObject({
      fps: { num: 30, den: 1 },
      width: 160,
      height: 90,
      videoCodec: 'h264',
      audioCodec: 'aac',
      hasAudio: true,
      audioSampleRate: 48000,
    });
    expect(byName.get('oak')!.media?.fps).toEqual({ num: 25, den: 1 });
    const muted = byName.get('muted')!;
    expect(muted.ok).toBe(false);
    expect(muted.offsetMs).toBeNull();
    expect(muted.reason).toMatch(/silent/);
  });

  it('a looped 1 s sound is ambiguous: not ok, and the reason says the sound repeats', async () => {
    const a = await make('loop-a', { trueStartMs: T0, durationMs: 8_000, sound: 'loop', noiseSeed: 11 });
    const b = await make('loop-b', { trueStartMs: T0 + 1700, durationMs: 8_000, sound: 'loop', noiseSeed: 12 });
    const r = await analyseFiles([a, b]);
    for (const d of r.devices) {
      expect(d.ok).toBe(false);
      expect(d.offsetMs).toBeNull();
      expect(d.reason).toMatch(/repeats/);
    }
  });

  it('cameras that hear nothing in common are not ok, with the reason', async () => {
    const a = await make('room-a', { trueStartMs: T0, durationMs: 8_000, sound: 'private', noiseSeed: 21 });
    const b = await make('room-b', { trueStartMs: T0 + 300, durationMs: 8_000, sound: 'private', noiseSeed: 22 });
    const r = await analyseFiles([a, b]);
    for (const d of r.devices) {
      expect(d.ok).toBe(false);
      expect(d.reason).toMatch(/no sound in common/);
    }
  });

  it('a file ffmpeg cannot read is not ok with a one-line reason; the others still align', async () => {
    const a = await make('a', { trueStartMs: T0, durationMs: 6_000, noiseSeed: 31 });
    const b = await make('b', { trueStartMs: T0 + 400, durationMs: 6_000, noiseSeed: 32 });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'junk.mp4'), 'not a video');
    const r = await analyseFiles([a, b, { name: 'junk', file: 'junk.mp4', path: join(dir, 'junk.mp4') }]);
    const junk = r.devices.find((d) => d.name === 'junk')!;
    expect(junk.ok).toBe(false);
    expect(junk.reason).toMatch(/cannot read/);
    expect(junk.reason).not.toContain('\n');
    expect(r.devices.filter((d) => d.ok).map((d) => d.name)).toEqual(['a', 'b']);
    expect(Math.abs(r.devices[1]!.offsetMs! - 400)).toBeLessThan(1);
  });
});

/**
 * The whole loop as an operator runs it: virtual cameras of every personality film the shared
 * scene (real MP4/MOV/zip files from ffmpeg, with known start errors, drifts and A/V skews),
 * `multicam record` brings the files home, `multicam sync` measures where each sits, and
 * `multicam export` writes editor projects. Offsets must match the sims' ground truth within
 * 1 ms, exports place every angle within one frame (the OAK's zip by the video taken out of it),
 * and a silent camera is reported, left out, and does not stop the others from exporting.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimDevice, type SimDevice, type SimDeviceOptions } from '../../sim/index';
import { ffmpegAvailable } from '../../sim/scene/recording';
import type { TakeSync } from '../../src-shared/sync';

const hasFfmpeg = await ffmpegAvailable();
const bin = resolve(import.meta.dirname, '../../bin/multicam.js');
let work = '';
const sims: SimDevice[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'multicam-sync-cli-'));
});
afterAll(async () => {
  await Promise.all(sims.map((d) => d.stop().catch(() => undefined)));
  if (work) await rm(work, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => res({ code, stdout, stderr }));
  });
}

const seconds = (t: string) => {
  const m = /^(\d+)(?:\/(\d+))?s$/.exec(t)!;
  return Number(m[1]) / Number(m[2] ?? 1);
};

describe.skipIf(!hasFfmpeg)('multicam sync + export on a recorded take', { timeout: 180_000 }, () => {
  it('recovers each camera within 1 ms of the truth, exports every angle within one frame, reports the silent camera', async () => {
    const cams: (SimDeviceOptions & { label: string })[] = [
      { label: 'ios', personality: 'ios', driftPpm: 30, scene: { startErrorMs: 0, avSkewMs: 12 } },
      { label: 'android', personality: 'android', driftPpm: -45, scene: { startErrorMs: 37.5 } },
      { label: 'oak', personality: 'oak', scene: { startErrorMs: -21.25, avSkewMs: 5 } },
      { label: 'spec', personality: 'spec', driftPpm: 80, scene: { startErrorMs: 8, snrDb: 15 } },
      { label: 'muted', personality: 'spec', scene: { sound: 'silence' } },
    ];
    for (const { label, ...opts } of cams) sims.push(await startSimDevice({ ...opts, deviceId: `Cam-${label}`, stopDelayMs: 200 }));
    const out = join(work, 'takes');
    const rec = await run([
      'record',
      ...sims.flatMap((d) => ['--device', `${d.host}:${d.port}`]),
      '--delay',
      '1',
      '--duration',
      '5',
      '--out',
      out,
      '--name',
      'Scene',
      '--json',
    ]);
    expect(rec.code, rec.stderr).toBe(0);
    const take = join(out, (await readdir(out))[0]!);

    const sync = await run(['sync', take, '--json']);
    expect(sync.code, sync.stderr).toBe(2); // the silent camera
    const result = JSON.parse(sync.stdout) as TakeSync;
    const manifest = JSON.parse(await readFile(join(take, 'take.json'), 'utf8'));
    expect(manifest.sync).toEqual(result);

    const truthOf = (i: number) => sims[i]!.recordings[0]!.scene!;
    const heard = [0, 1, 2, 3];
    const ref = heard.reduce((a, b) => (truthOf(b).trueAudioStartMs < truthOf(a).trueAudioStartMs ? b : a));
    const kRef = truthOf(ref).driftPpm * 1e-6;
    const truthMs = new Map<string, number>();
    for (const i of heard) {
      const d = result.devices.find((x) => x.deviceKey === manifest.devices[i].deviceKey)!;
      expect(d.ok, `${cams[i]!.label}: ${d.reason}`).toBe(true);
      // The OAK's zip stands for the video inside it, taken out beside it: editors open that.
      const downloaded = manifest.devices[i].download.path as string;
      expect(d.file).toBe(cams[i]!.personality === 'oak' ? downloaded.replace(/\.zip$/, '.mp4') : downloaded);
      expect((await stat(join(take, d.file))).isFile()).toBe(true);
      const truth = (truthOf(i).trueAudioStartMs - truthOf(ref).trueAudioStartMs) * (1 + kRef);
      truthMs.set(d.name, truth);
      expect(Math.abs(d.offsetMs! - truth), `${cams[i]!.label}: measured ${d.offsetMs} ms, truth ${truth} ms`).toBeLessThan(1);
      expect(d.residualMs).not.toBeNull();
    }
    const muted = result.devices.find((x) => x.deviceKey === manifest.devices[4].deviceKey)!;
    expect(muted.ok).toBe(false);
    expect(muted.reason).toMatch(/silent/);

    const fcp = await run(['export', take, '--format', 'fcpxml', '--json']);
    expect(fcp.code).toBe(2); // written, without the silent camera
    expect(fcp.stderr).toMatch(/left out .*silent/);
    const written = JSON.parse(fcp.stdout) as { path: string; angles: number };
    expect(written.angles).toBe(4);
    const text = await readFile(written.path, 'utf8');
    expect(XMLValidator.validate(text)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(text);
    const frame = seconds(doc.fcpxml.resources.format.frameDuration);
    const angles = doc.fcpxml.resources.media.multicam['mc-angle'] as { name: string; 'asset-clip': { offset: string } }[];
    expect(angles).toHaveLength(4);
    for (const a of angles) expect(Math.abs(seconds(a['asset-clip'].offset) - truthMs.get(a.name)! / 1000)).toBeLessThanOrEqual(frame);
    // Every asset is a file an editor opens (no zip), and it exists.
    const assets = [doc.fcpxml.resources.asset].flat() as { 'media-rep': { src: string } }[];
    expect(assets).toHaveLength(4);
    for (const a of assets) {
      expect(a['media-rep'].src).not.toMatch(/\.zip$/i);
      expect((await stat(fileURLToPath(a['media-rep'].src))).isFile()).toBe(true);
    }

    for (const format of ['xmeml', 'otio'] as const) {
      const file = join(work, `out.${format}`);
      const r = await run(['export', take, '--format', format, '--out', file]);
      expect(r.code).toBe(2);
      expect(r.stdout.trim()).toBe(file);
      const body = await readFile(file, 'utf8');
      if (format === 'xmeml') expect(XMLValidator.validate(body)).toBe(true);
      else expect(JSON.parse(body).tracks.children.filter((t: { kind: string }) => t.kind === 'Video')).toHaveLength(4);
    }
  });

  it('says what is wrong with the arguments (exit 1)', async () => {
    const r = await run(['export', work, '--format', 'edl']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--format must be one of fcpxml, xmeml, otio/);
  });
});

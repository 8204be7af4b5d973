/**
 * Exports: golden files for each format, XML well-formedness and structure (fast-xml-parser),
 * rational times at 23.976/25/29.97/30/59.94 (offset + duration = end exactly, whole frames),
 * and every angle placed within one frame of its measured offset. Set FCPXML_DTD to Apple's
 * FCPXML 1.10 DTD to also validate with `xmllint --dtdvalid` (it is not shipped here).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { Rational, TakeSync } from '../../../src-shared/sync';
import { buildModel, render, toFcpxml, toOtio, toXmeml, type ExportModel } from './index';
import { rationalTime, STANDARD_RATES } from './model';

const GOLDEN = join(import.meta.dirname, 'golden');
const media = (fps: Rational, durationMs: number) => ({
  durationMs,
  fps,
  width: 1920,
  height: 1080,
  videoCodec: 'h264',
  hasAudio: true,
  audioCodec: 'aac',
  audioSampleRate: 48000,
});

/** A take of four cameras at 29.97: three aligned, one silent. */
function sampleSync(fps: Rational = { num: 30000, den: 1001 }): TakeSync {
  const dev = (name: string, file: string, offsetMs: number | null, ok: boolean, reason: string | null = null) => ({
    deviceKey: `key-${name}`,
    name,
    file,
    ok,
    reason,
    offsetMs,
    offsetFrames: offsetMs === null ? null : (offsetMs * fps.num) / fps.den / 1000,
    driftPpm: ok ? 1.5 : null,
    score: ok ? 1 : 0,
    residualMs: ok ? 0.2 : null,
    expectedOffsetMs: ok ? offsetMs : null,
    fitErrorMs: ok ? 0.01 : null,
    media: media(fps, 62_000),
  });
  return {
    version: 1,
    state: 'done',
    analysedAt: '2026-11-21T10:16:00.000Z',
    seconds: 3.2,
    error: null,
    reference: 'iPhone A',
    threshold: 0.5,
    devices: [
      dev('iPhone A', 'iPhone-A_1763720103000.mov', 0, true),
      dev('Quest & <B>', 'Quest-B_1763720104100.mp4', 1234.567, true),
      dev('Spec "C"', 'video_1763720106.mp4', 2871.25, true),
      dev('Muted', 'video_1763720107.mp4', null, false, 'the sound track is silent (microphone off or muted?), so there is nothing to align'),
    ],
  };
}

const model = (fps?: Rational): ExportModel => buildModel({ name: 'Scene 4 / Take 2', folder: '/takes/2026-11-21_10-15-03_Scene-4', sync: sampleSync(fps) });

function golden(name: string, text: string): void {
  const path = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) writeFileSync(path, text);
  expect(text).toBe(readFileSync(path, 'utf8'));
}

const seconds = (t: string): number => {
  const m = /^(-?\d+)(?:\/(\d+))?s$/.exec(t);
  if (!m) throw new Error(`not a rational time: ${t}`);
  return Number(m[1]) / Number(m[2] ?? 1);
};
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

describe('export formats', () => {
  it('match the golden files (FCPXML, FCP 7 XML, OTIO)', () => {
    const m = model();
    golden('take.fcpxml', toFcpxml(m));
    golden('take.xml', toXmeml(m));
    golden('take.otio', toOtio(m));
  });

  it('leave out cameras the sync could not align, saying why', () => {
    const m = model();
    expect(m.angles.map((a) => a.name)).toEqual(['iPhone A', 'Quest & <B>', 'Spec "C"']);
    expect(m.skipped).toEqual([{ name: 'Muted', reason: expect.stringMatching(/silent/) }]);
  });

  it('write rational times that add up exactly at every standard rate', () => {
    for (const fps of STANDARD_RATES) {
      const frame = fps.den / fps.num;
      for (const [a, b] of [
        [0, 1],
        [37, 1799],
        [1001, 3003],
        [123_457, 54_321],
      ] as const) {
        expect(seconds(rationalTime(a, fps)) + seconds(rationalTime(b, fps))).toBeCloseTo(seconds(rationalTime(a + b, fps)), 12);
        expect(seconds(rationalTime(a, fps)) / frame).toBeCloseTo(a, 9);
      }
    }
    expect(rationalTime(1, { num: 30000, den: 1001 })).toBe('1001/30000s');
    expect(rationalTime(3, { num: 24000, den: 1001 })).toBe('1001/8000s');
    expect(rationalTime(50, { num: 25, den: 1 })).toBe('2s');
    expect(rationalTime(2, { num: 60000, den: 1001 })).toBe('1001/30000s');
  });

  for (const fps of [
    { num: 24000, den: 1001 },
    { num: 25, den: 1 },
    { num: 30000, den: 1001 },
    { num: 30, den: 1 },
    { num: 60000, den: 1001 },
  ]) {
    const label = (fps.num / fps.den).toFixed(3);
    it(`FCPXML at ${label} fps is well-formed, has one mc-angle per aligned camera, each within one frame`, () => {
      const m = model(fps);
      const text = toFcpxml(m);
      expect(XMLValidator.validate(text)).toBe(true);
      const doc = parser.parse(text);
      expect(doc.fcpxml.version).toBe('1.10');
      const frame = fps.den / fps.num;
      expect(seconds(doc.fcpxml.resources.format.frameDuration)).toBeCloseTo(frame, 12);
      const angles = asArray(doc.fcpxml.resources.media.multicam['mc-angle']);
      expect(angles).toHaveLength(3);
      const assets = asArray(doc.fcpxml.resources.asset);
      for (const [i, angle] of angles.entries()) {
        const clip = angle['asset-clip'];
        const truth = m.angles[i]!.offsetMs / 1000;
        const offset = seconds(clip.offset);
        expect(Math.abs(offset - truth)).toBeLessThanOrEqual(frame / 2 + 1e-9);
        // Whole frames: offset and duration are integer multiples of the frame duration.
        for (const t of [clip.offset, clip.duration]) expect(Math.abs(seconds(t) / frame - Math.round(seconds(t) / frame))).toBeLessThan(1e-9);
        const gap = angle.gap;
        if (gap) expect(seconds(gap.duration)).toBe(offset);
        const asset = assets.find((a: { id: string }) => a.id === clip.ref);
        expect(asset['media-rep'].src).toMatch(/^file:\/\/\/takes\//);
      }
      const mc = doc.fcpxml.library.event['mc-clip'];
      expect(seconds(mc.duration)).toBeCloseTo(Math.max(...m.angles.map((a) => (a.offsetFrames + a.durationFrames) * frame)), 9);
    });

    it(`FCP 7 XML at ${label} fps is well-formed: a video and an audio track per camera, clips within one frame`, () => {
      const m = model(fps);
      const text = toXmeml(m);
      expect(XMLValidator.validate(text)).toBe(true);
      const doc = parser.parse(text);
      const seq = doc.xmeml.sequence;
      expect(seq.rate.ntsc).toBe(fps.den === 1001 ? 'TRUE' : 'FALSE');
      const tracks = asArray(seq.media.video.track);
      expect(tracks).toHaveLength(3);
      expect(asArray(seq.media.audio.track)).toHaveLength(3);
      const frame = fps.den / fps.num;
      tracks.forEach((t: { clipitem: { start: number; end: number; file: { pathurl: string } } }, i: number) => {
        expect(Math.abs(t.clipitem.start * frame - m.angles[i]!.offsetMs / 1000)).toBeLessThanOrEqual(frame / 2 + 1e-9);
        expect(t.clipitem.end - t.clipitem.start).toBe(m.angles[i]!.durationFrames);
        expect(t.clipitem.file.pathurl).toMatch(/^file:\/\/\//);
      });
    });

    it(`OTIO at ${label} fps: a track per camera, offsets as gaps within one frame`, () => {
      const m = model(fps);
      const doc = JSON.parse(toOtio(m));
      expect(doc.OTIO_SCHEMA).toBe('Timeline.1');
      const video = doc.tracks.children.filter((t: { kind: string }) => t.kind === 'Video');
      expect(video).toHaveLength(3);
      const frame = fps.den / fps.num;
      video.forEach((t: { children: { OTIO_SCHEMA: string; source_range: { duration: { value: number; rate: number } } }[] }, i: number) => {
        const gap = t.children.find((c) => c.OTIO_SCHEMA === 'Gap.1');
        const at = gap ? gap.source_range.duration.value / gap.source_range.duration.rate : 0;
        expect(Math.abs(at - m.angles[i]!.offsetMs / 1000)).toBeLessThanOrEqual(frame / 2 + 1e-9);
        expect(t.children.at(-1)!.OTIO_SCHEMA).toBe('Clip.1');
      });
    });
  }

  it('escapes names and paths in XML', () => {
    const text = render('fcpxml', model());
    expect(text).toContain('Quest &amp; &lt;B&gt;');
    expect(text).toContain('Spec &quot;C&quot;');
    expect(XMLValidator.validate(render('xmeml', model()))).toBe(true);
  });

  it.skipIf(!process.env.FCPXML_DTD)("FCPXML validates against Apple's DTD (FCPXML_DTD)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'fcpxml-'));
    try {
      for (const fps of STANDARD_RATES) {
        const file = join(dir, 'take.fcpxml');
        writeFileSync(file, toFcpxml(model(fps)));
        const r = spawnSync('xmllint', ['--noout', '--dtdvalid', process.env.FCPXML_DTD!, file], { encoding: 'utf8' });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * OpenTimelineIO JSON: a Timeline whose Stack holds one video track and one audio track per
 * camera; a camera's measured offset is a Gap before its clip. RationalTime values are frames
 * at the project rate (rate written as a float, e.g. 29.97002997002997, as OTIO does).
 */
import type { Rational } from '../../../src-shared/sync';
import type { ExportAngle, ExportModel } from './model';

const time = (value: number, rate: number) => ({ OTIO_SCHEMA: 'RationalTime.1', rate, value });
const range = (start: number, duration: number, rate: number) => ({
  OTIO_SCHEMA: 'TimeRange.1',
  duration: time(duration, rate),
  start_time: time(start, rate),
});

function items(a: ExportAngle, rate: number) {
  const out: unknown[] = [];
  if (a.offsetFrames > 0) {
    out.push({ OTIO_SCHEMA: 'Gap.1', metadata: {}, name: '', source_range: range(0, a.offsetFrames, rate), effects: [], markers: [], enabled: true });
  }
  out.push({
    OTIO_SCHEMA: 'Clip.1',
    metadata: { multicam: { offsetMs: a.offsetMs } },
    name: a.name,
    source_range: range(0, a.durationFrames, rate),
    effects: [],
    markers: [],
    enabled: true,
    media_reference: {
      OTIO_SCHEMA: 'ExternalReference.1',
      metadata: {},
      name: a.name,
      available_range: range(0, a.durationFrames, rate),
      available_image_bounds: null,
      target_url: a.url,
    },
  });
  return out;
}

export function otioRate(fps: Rational): number {
  return fps.num / fps.den;
}

export function toOtio(m: ExportModel): string {
  const rate = otioRate(m.fps);
  const track = (a: ExportAngle, kind: 'Video' | 'Audio') => ({
    OTIO_SCHEMA: 'Track.1',
    metadata: {},
    name: kind === 'Video' ? a.name : `${a.name} audio`,
    source_range: null,
    effects: [],
    markers: [],
    enabled: true,
    children: items(a, rate),
    kind,
  });
  const timeline = {
    OTIO_SCHEMA: 'Timeline.1',
    metadata: { multicam: { fps: m.fps, skipped: m.skipped } },
    name: m.name,
    global_start_time: time(0, rate),
    tracks: {
      OTIO_SCHEMA: 'Stack.1',
      metadata: {},
      name: 'tracks',
      source_range: null,
      effects: [],
      markers: [],
      enabled: true,
      children: [...m.angles.map((a) => track(a, 'Video')), ...m.angles.filter((a) => a.hasAudio).map((a) => track(a, 'Audio'))],
    },
  };
  return `${JSON.stringify(timeline, null, 4)}\n`;
}

/**
 * FCPXML 1.10 for Final Cut Pro: the files as assets, one multicam clip with an `mc-angle` per
 * camera (a gap, then the camera's clip at its measured offset), the multicam clip in an event
 * and in a project ready to cut. All times are whole frames at the project rate written as
 * rationals (1001/30000s…), offset and duration each from integer frames.
 */
import { rationalTime, xmlEscape as x, type ExportModel } from './model';

export const FCPXML_VERSION = '1.10';

export function toFcpxml(m: ExportModel): string {
  const t = (frames: number) => rationalTime(frames, m.fps);
  const fd = rationalTime(1, m.fps);
  const lines: string[] = [];
  const out = (depth: number, s: string) => lines.push(`${'  '.repeat(depth)}${s}`);
  out(0, '<?xml version="1.0" encoding="UTF-8"?>');
  out(0, '<!DOCTYPE fcpxml>');
  out(0, `<fcpxml version="${FCPXML_VERSION}">`);
  out(1, '<resources>');
  out(2, `<format id="r1" frameDuration="${fd}" width="${m.width}" height="${m.height}"/>`);
  m.angles.forEach((a, i) => {
    const audio = a.hasAudio ? ` hasAudio="1" audioSources="1" audioChannels="1" audioRate="${a.audioRate}"` : '';
    out(2, `<asset id="r${i + 2}" name="${x(a.name)}" start="0s" duration="${t(a.durationFrames)}" hasVideo="1" format="r1" videoSources="1"${audio}>`);
    out(3, `<media-rep kind="original-media" src="${x(a.url)}"/>`);
    out(2, '</asset>');
  });
  const mediaId = `r${m.angles.length + 2}`;
  out(2, `<media id="${mediaId}" name="${x(m.name)}">`);
  out(3, `<multicam format="r1" tcStart="0s" tcFormat="NDF">`);
  m.angles.forEach((a, i) => {
    out(4, `<mc-angle name="${x(a.name)}" angleID="angle-${i + 1}">`);
    if (a.offsetFrames > 0) out(5, `<gap name="Gap" offset="0s" start="0s" duration="${t(a.offsetFrames)}"/>`);
    out(5, `<asset-clip ref="r${i + 2}" name="${x(a.name)}" offset="${t(a.offsetFrames)}" start="0s" duration="${t(a.durationFrames)}"/>`);
    out(4, '</mc-angle>');
  });
  out(3, '</multicam>');
  out(2, '</media>');
  out(1, '</resources>');
  const mcClip = (depth: number, offset: string) => {
    out(depth, `<mc-clip ref="${mediaId}" name="${x(m.name)}" offset="${offset}" start="0s" duration="${t(m.durationFrames)}">`);
    out(depth + 1, `<mc-source angleID="angle-1" srcEnable="all"/>`);
    out(depth, '</mc-clip>');
  };
  out(1, '<library>');
  out(2, `<event name="${x(m.name)}">`);
  mcClip(3, '0s');
  out(3, `<project name="${x(m.name)}">`);
  out(4, `<sequence format="r1" duration="${t(m.durationFrames)}" tcStart="0s" tcFormat="NDF" audioLayout="stereo" audioRate="48k">`);
  out(5, '<spine>');
  mcClip(6, '0s');
  out(5, '</spine>');
  out(4, '</sequence>');
  out(3, '</project>');
  out(2, '</event>');
  out(1, '</library>');
  out(0, '</fcpxml>');
  return `${lines.join('\n')}\n`;
}

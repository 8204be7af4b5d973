/**
 * Final Cut Pro 7 XML (xmeml version 4), which Premiere Pro and DaVinci Resolve import: one
 * sequence with a video track per camera and an audio track per camera, each clip placed at its
 * measured offset. xmeml counts frames at an integer timebase with an NTSC flag (29.97 = 30 +
 * NTSC), so every time here is a whole frame.
 */
import type { Rational } from '../../../src-shared/sync';
import { xmlEscape as x, type ExportModel } from './model';

function rate(fps: Rational): { timebase: number; ntsc: boolean } {
  return fps.den === 1001 ? { timebase: Math.round(fps.num / 1000), ntsc: true } : { timebase: Math.round(fps.num / fps.den), ntsc: false };
}

export function toXmeml(m: ExportModel): string {
  const r = rate(m.fps);
  const lines: string[] = [];
  const out = (depth: number, s: string) => lines.push(`${'  '.repeat(depth)}${s}`);
  const rateEl = (d: number) => {
    out(d, '<rate>');
    out(d + 1, `<timebase>${r.timebase}</timebase>`);
    out(d + 1, `<ntsc>${r.ntsc ? 'TRUE' : 'FALSE'}</ntsc>`);
    out(d, '</rate>');
  };
  const video = (d: number, w: number, h: number) => {
    out(d, '<samplecharacteristics>');
    rateEl(d + 1);
    out(d + 1, `<width>${w}</width>`);
    out(d + 1, `<height>${h}</height>`);
    out(d + 1, '<anamorphic>FALSE</anamorphic>');
    out(d + 1, '<pixelaspectratio>square</pixelaspectratio>');
    out(d + 1, '<fielddominance>none</fielddominance>');
    out(d, '</samplecharacteristics>');
  };
  const clip = (d: number, id: string, a: ExportModel['angles'][number], i: number, kind: 'video' | 'audio') => {
    out(d, `<clipitem id="${id}">`);
    out(d + 1, `<name>${x(a.name)}</name>`);
    out(d + 1, '<enabled>TRUE</enabled>');
    out(d + 1, `<duration>${a.durationFrames}</duration>`);
    rateEl(d + 1);
    out(d + 1, `<start>${a.offsetFrames}</start>`);
    out(d + 1, `<end>${a.offsetFrames + a.durationFrames}</end>`);
    out(d + 1, '<in>0</in>');
    out(d + 1, `<out>${a.durationFrames}</out>`);
    if (kind === 'video') {
      out(d + 1, `<file id="file-${i + 1}">`);
      out(d + 2, `<name>${x(a.path.split(/[\\/]/).pop() ?? a.name)}</name>`);
      out(d + 2, `<pathurl>${x(a.url)}</pathurl>`);
      rateEl(d + 2);
      out(d + 2, `<duration>${a.durationFrames}</duration>`);
      out(d + 2, '<media>');
      out(d + 3, '<video>');
      video(d + 4, a.width, a.height);
      out(d + 3, '</video>');
      if (a.hasAudio) {
        out(d + 3, '<audio>');
        out(d + 4, '<samplecharacteristics>');
        out(d + 5, '<depth>16</depth>');
        out(d + 5, `<samplerate>${a.audioRate}</samplerate>`);
        out(d + 4, '</samplecharacteristics>');
        out(d + 4, '<channelcount>1</channelcount>');
        out(d + 3, '</audio>');
      }
      out(d + 2, '</media>');
      out(d + 1, '</file>');
    } else {
      out(d + 1, `<file id="file-${i + 1}"/>`);
      out(d + 1, '<sourcetrack>');
      out(d + 2, '<mediatype>audio</mediatype>');
      out(d + 2, '<trackindex>1</trackindex>');
      out(d + 1, '</sourcetrack>');
    }
    out(d, '</clipitem>');
  };
  out(0, '<?xml version="1.0" encoding="UTF-8"?>');
  out(0, '<!DOCTYPE xmeml>');
  out(0, '<xmeml version="4">');
  out(1, '<sequence id="sequence-1">');
  out(2, `<name>${x(m.name)}</name>`);
  out(2, `<duration>${m.durationFrames}</duration>`);
  rateEl(2);
  out(2, '<timecode>');
  rateEl(3);
  out(3, '<string>00:00:00:00</string>');
  out(3, '<frame>0</frame>');
  out(3, '<displayformat>NDF</displayformat>');
  out(2, '</timecode>');
  out(2, '<media>');
  out(3, '<video>');
  out(4, '<format>');
  video(5, m.width, m.height);
  out(4, '</format>');
  m.angles.forEach((a, i) => {
    out(4, '<track>');
    clip(5, `clipitem-v${i + 1}`, a, i, 'video');
    out(4, '</track>');
  });
  out(3, '</video>');
  out(3, '<audio>');
  m.angles.forEach((a, i) => {
    if (!a.hasAudio) return;
    out(4, '<track>');
    clip(5, `clipitem-a${i + 1}`, a, i, 'audio');
    out(4, '</track>');
  });
  out(3, '</audio>');
  out(2, '</media>');
  out(1, '</sequence>');
  out(0, '</xmeml>');
  return `${lines.join('\n')}\n`;
}

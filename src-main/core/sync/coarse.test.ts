/**
 * The coarse pass and the rough common timeline, on synthetic loudness envelopes (no ffmpeg):
 * an hour-long pair with drift is found through the bounded (decimated) whole-clip search and the
 * segments along it; a wrong coarse edge is dropped from its group's timeline.
 */
import { describe, expect, it } from 'vitest';
import { coarsePair, ENV_RATE, type CoarseLine } from './coarse';
import { highPass } from './dsp';
import { placeFiles, planPair } from './fine';

/** A phrase-like loudness contour (a new level every 80 ms, linear in between), heard with noise. */
function contour(seconds: number, seed: number): (t: number) => number {
  const levels = new Float32Array(Math.ceil(seconds / 0.08) + 2);
  let s = seed;
  for (let i = 0; i < levels.length; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    levels[i] = (s / 2 ** 32) * 6;
  }
  return (t) => {
    const x = Math.max(0, t / 0.08);
    const i = Math.floor(x);
    return levels[i]! + (levels[i + 1]! - levels[i]!) * (x - i);
  };
}

/** Envelope of a camera whose media time τ hears true time start + τ/(1+k). */
function envelope(scene: (t: number) => number, start: number, seconds: number, ppm: number, noiseSeed: number): Float32Array {
  const out = new Float32Array(Math.floor(seconds * ENV_RATE));
  let s = noiseSeed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 22695477 + 1) >>> 0;
    out[i] = scene(start + i / ENV_RATE / (1 + ppm * 1e-6)) + (s / 2 ** 32 - 0.5) * 1.5;
  }
  return highPass(out, ENV_RATE); // as the analysis does with a decoded envelope
}

describe('coarse pass', () => {
  it('finds the offset and drift of an hour-long pair (bounded whole-clip search, then segments)', () => {
    const hour = 3600;
    const scene = contour(hour + 10, 42);
    // j starts 2.345 s after i and runs 30 ppm fast: τj − τi = a + b·τi with a = −2.345·(1 + b), b = 30e-6.
    // (Drift smears the whole-clip peak: 30 ppm over the hour moves the lag by 0.1 s, about one
    // change of the contour; much more drift over an hour flattens it.)
    const ea = envelope(scene, 0, hour, 0, 1);
    const eb = envelope(scene, 2.345, hour - 5, 30, 2);
    const line = coarsePair(ea, eb)!;
    expect(line).not.toBeNull();
    expect(Math.abs(line.a - -2.345 * (1 + 30e-6))).toBeLessThan(0.01);
    expect(Math.abs(line.b - 30e-6)).toBeLessThan(5e-6);
    expect(line.strength).toBeGreaterThan(0.5);
    expect(line.secondRatio).toBeLessThan(0.8);
  });

  it('a wrong coarse edge is dropped from the group timeline; the others place every file', () => {
    // Four files, truth: file f starts at offset[f] s on one clock (no drift).
    const offset = [0, 1.5, 0.25, 2.75];
    const line = (i: number, j: number, error = 0): CoarseLine => ({
      a: offset[i]! - offset[j]! + error,
      b: 0,
      rho: 0.9,
      strength: 0.9,
      secondRatio: 0.2,
      period: 1,
    });
    const plans = [
      planPair(0, 1, line(0, 1)),
      planPair(0, 2, line(0, 2)),
      planPair(0, 3, line(0, 3)),
      planPair(1, 2, line(1, 2, 0.7)), // a chance match 0.7 s off
      planPair(1, 3, line(1, 3)),
      planPair(2, 3, line(2, 3)),
    ];
    const place = placeFiles(4, plans, 0.5);
    expect(new Set(place.group).size).toBe(1);
    for (let f = 0; f < 4; f++) expect(Math.abs(place.o[f]! - place.o[0]! - offset[f]!)).toBeLessThan(1e-6);
  });

  it('files whose pairs cannot reach the threshold get no timeline (and so no fine windows)', () => {
    const weak: CoarseLine = { a: 0.3, b: 0, rho: 0.05, strength: 0.05, secondRatio: 0.9, period: 0.5 };
    const place = placeFiles(2, [planPair(0, 1, weak)], 0.5);
    expect(place.group).toEqual([-1, -1]);
  });
});

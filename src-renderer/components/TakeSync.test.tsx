import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { TakeView } from '../../src-shared/api';
import type { TakeSync } from '../../src-shared/sync';
import { createFakeApi, makeTakeDevice } from '../api/fake';
import { callsOf, renderWithFake } from '../render.testing';
import { TakesPanel } from './TakesPanel';

afterEach(cleanup);

const fps = { num: 30000, den: 1001 };
const media = { durationMs: 10_000, fps, width: 1920, height: 1080, videoCodec: 'h264', hasAudio: true, audioCodec: 'aac', audioSampleRate: 48000 };
const dev = (name: string, offsetMs: number | null, residualMs: number | null, reason: string | null = null) => ({
  deviceKey: name,
  name,
  file: `${name}.mp4`,
  ok: offsetMs !== null,
  reason,
  offsetMs,
  offsetFrames: offsetMs === null ? null : (offsetMs * 30000) / 1001 / 1000,
  driftPpm: offsetMs === null ? null : 0,
  score: offsetMs === null ? 0.1 : 0.98,
  residualMs,
  expectedOffsetMs: null,
  fitErrorMs: null,
  media,
});

function takeWith(sync: TakeSync | null): TakeView {
  return {
    takeId: 't1',
    name: 'Scene 9',
    folder: '/takes/Scene-9',
    createdAt: '2026-11-21T10:15:03.000Z',
    targetStart: 1_763_720_103,
    delaySeconds: 3,
    phase: 'done',
    outcome: 'complete',
    aborted: false,
    recovered: false,
    devices: ['Cam A', 'Cam B', 'Cam C'].map((n) => makeTakeDevice({ deviceKey: n, name: n, stop: 'stopped', fileName: `${n}.mp4`, downloadState: 'done' })),
    sync,
  } as TakeView;
}

const done: TakeSync = {
  version: 1,
  state: 'done',
  analysedAt: '2026-11-21T10:16:00.000Z',
  seconds: 2.5,
  error: null,
  reference: 'Cam A',
  threshold: 0.5,
  devices: [
    dev('Cam A', 0, 2),
    dev('Cam B', 1234.5, 20),
    dev('Cam C', null, null, 'the sound track is silent (microphone off or muted?), so there is nothing to align'),
  ],
};

describe('take alignment', () => {
  it('shows a lane per camera with its offset in ms and frames, coloured by distance from plan; a failed camera says why', async () => {
    const fake = createFakeApi();
    fake.putTake(takeWith(done));
    await renderWithFake(<TakesPanel />, fake);
    const region = screen.getByRole('region', { name: 'Alignment of Scene 9' });
    expect(region.textContent).toContain('2 of 3 cameras aligned');
    const lanes = within(region).getAllByRole('listitem');
    expect(lanes).toHaveLength(3);
    expect(lanes[0]!.className).toContain('sync-good'); // 2 ms ≤ ¼ frame (8.3 ms)
    expect(lanes[1]!.className).toContain('sync-fair'); // 20 ms ≤ 1 frame (33.4 ms)
    expect(lanes[1]!.textContent).toContain('+1.234 s · 37.0 fr');
    expect(lanes[2]!.textContent).toContain('Not aligned: the sound track is silent');
  });

  it('exports for the editor and shows where the file went and who was left out', async () => {
    const fake = createFakeApi();
    fake.putTake(takeWith(done));
    await renderWithFake(<TakesPanel />, fake);
    const region = screen.getByRole('region', { name: 'Alignment of Scene 9' });
    fireEvent.click(within(region).getByRole('button', { name: 'Premiere / Resolve' }));
    await waitFor(() => expect(callsOf(fake, 'exportTake')).toEqual([['t1', 'xmeml']]));
    await waitFor(() => expect(within(region).getByRole('status').textContent).toMatch(/Written .*\.xml \(2 angles\) — left out: Cam C/));
  });

  it('a take not aligned yet offers to align it; a running analysis says so', async () => {
    const fake = createFakeApi();
    fake.putTake(takeWith(null));
    await renderWithFake(<TakesPanel />, fake);
    const region = screen.getByRole('region', { name: 'Alignment of Scene 9' });
    fireEvent.click(within(region).getByRole('button', { name: 'Align cameras' }));
    await waitFor(() => expect(callsOf(fake, 'syncTake')).toEqual([['t1']]));
    fake.putTake(takeWith({ ...done, state: 'running', devices: [] }));
    await waitFor(() => expect(screen.getByRole('region', { name: 'Alignment of Scene 9' }).textContent).toContain('Measuring from the sound'));
  });
});

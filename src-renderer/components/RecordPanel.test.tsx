import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { TakeView } from '../../src-shared/api';
import { createFakeApi, makeTakeDevice, type FakeControllerApi } from '../api/fake';
import { callsOf, renderWithFake } from '../render.testing';
import { RecordPanel } from './RecordPanel';

afterEach(cleanup);

function withDevices(): FakeControllerApi {
  const fake = createFakeApi();
  fake.putDevice({ deviceKey: 'a', name: 'Cam A' });
  fake.putDevice({ deviceKey: 'b', name: 'Cam B' });
  return fake;
}

function take(partial: Partial<TakeView>): TakeView {
  return {
    takeId: 't1',
    name: 'Take 1',
    folder: '/v/t1',
    createdAt: new Date().toISOString(),
    targetStart: Date.now() / 1000,
    delaySeconds: 3,
    phase: 'recording',
    outcome: null,
    aborted: false,
    recovered: false,
    devices: [],
    ...partial,
  };
}

describe('record panel', () => {
  it('has one big button named "Record" that starts a take, then becomes "Stop"', async () => {
    const fake = withDevices();
    await renderWithFake(<RecordPanel />, fake);
    const button = screen.getByRole('button', { name: 'Record' });
    expect(button.getAttribute('aria-keyshortcuts')).toBe('R');
    fireEvent.click(button);
    await waitFor(() => expect(callsOf(fake, 'startTake')).toEqual([[{ name: 'Take 1' }]]));
    const stop = await screen.findByRole('button', { name: 'Stop' });
    expect(screen.getByText(/^Starting in \d\.\d s$/)).toBeTruthy();
    // Stop is deliberate: one click only arms it.
    fireEvent.click(stop);
    const confirm = await screen.findByRole('button', { name: 'Confirm stop' });
    expect(callsOf(fake, 'stopTake')).toHaveLength(0);
    fireEvent.click(confirm);
    await waitFor(() => expect(callsOf(fake, 'stopTake')).toHaveLength(1));
  });

  it('passes the take name, and counts it on for the next take', async () => {
    const fake = withDevices();
    await renderWithFake(<RecordPanel />, fake);
    const box = () => screen.getByRole('textbox', { name: 'Next take' }) as HTMLInputElement;
    fireEvent.change(box(), { target: { value: '  Scene 4 — take 3  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Record' }));
    await waitFor(() => expect(callsOf(fake, 'startTake')).toEqual([[{ name: 'Scene 4 — take 3' }]]));
    await screen.findByRole('button', { name: 'Stop' });
    const started = [...fake.world.takes.values()][0]!;
    act(() => {
      fake.putTake({ ...started, phase: 'done' });
      fake.world.activeTakeId = null;
      fake.emit({ type: 'activeTakeChanged', takeId: null });
    });
    await waitFor(() => expect(box().value).toBe('Scene 4 — take 4'));
  });

  it('a plain "Take" is numbered: Take 1, then Take 2', async () => {
    const fake = withDevices();
    await renderWithFake(<RecordPanel />, fake);
    fireEvent.change(screen.getByRole('textbox', { name: 'Next take' }), { target: { value: 'Take' } });
    fireEvent.click(screen.getByRole('button', { name: 'Record' }));
    await waitFor(() => expect(callsOf(fake, 'startTake')).toEqual([[{ name: 'Take 1' }]]));
  });

  it('shows a countdown to the target instant', async () => {
    const fake = withDevices();
    fake.putTake(take({ phase: 'scheduled', targetStart: Date.now() / 1000 + 2.45, devices: [makeTakeDevice({ deviceKey: 'a', name: 'Cam A' })] }));
    fake.world.activeTakeId = 't1';
    await renderWithFake(<RecordPanel />, fake);
    expect(screen.getByText(/^Starting in 2\.[2-5] s$/)).toBeTruthy();
  });

  it('while rolling shows the elapsed time, leaves per-device state to the cards, and announces phases only', async () => {
    const fake = withDevices();
    fake.putTake(
      take({
        devices: [
          makeTakeDevice({ deviceKey: 'a', name: 'Cam A', confirmedRecording: true }),
          makeTakeDevice({ deviceKey: 'b', name: 'Cam B', confirmedRecording: null }),
        ],
      }),
    );
    fake.world.activeTakeId = 't1';
    await renderWithFake(<RecordPanel />, fake);
    expect(screen.getByText(/^Rolling \d\d:\d\d$/)).toBeTruthy();
    expect(screen.queryByRole('list')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    // The ticking countdown is not inside a live region; the status line names the phase.
    expect(screen.getByText(/^Rolling/).closest('[aria-live],[role="status"],[role="alert"]')).toBeNull();
    expect(screen.getByRole('status').textContent).toBe('Take 1: recording.');
  });

  it('shows partial failures loudly by device name, with Retry stop', async () => {
    const fake = withDevices();
    fake.putTake(
      take({
        phase: 'downloading',
        devices: [
          makeTakeDevice({ deviceKey: 'a', name: 'Cam A', confirmedRecording: true, stop: 'stopped' }),
          makeTakeDevice({ deviceKey: 'b', name: 'Cam B', start: 'failed', startError: 'time_not_synchronized', stop: 'not_sent' }),
          makeTakeDevice({ deviceKey: 'c', name: 'Cam C', confirmedRecording: false }),
          makeTakeDevice({ deviceKey: 'd', name: 'Cam D', stop: 'unreachable', stopError: 'connect ETIMEDOUT', mayStillBeRecording: true }),
        ],
      }),
    );
    await renderWithFake(<RecordPanel />, fake);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('3 devices need attention');
    expect(alert.textContent).toContain('Cam B failed to start: time_not_synchronized');
    expect(alert.textContent).toContain('Cam C not confirmed recording');
    expect(alert.textContent).toContain('Cam D may still be recording');
    // Plain words first; the socket text only behind the Details disclosure.
    expect(alert.textContent).toContain('stop did not get through (no answer to the connection)');
    expect(within(alert).getByText('connect ETIMEDOUT').closest('details')).not.toBeNull();
    expect(alert.textContent).not.toContain('Cam A');
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry stop on Cam D' }));
    await waitFor(() => expect(callsOf(fake, 'retryStop')).toEqual([['t1', 'd']]));
    await waitFor(() => expect(screen.getByRole('alert').textContent).not.toContain('Cam D'));
  });

  it('shows the Result error when the take cannot start', async () => {
    const fake = withDevices();
    fake.handle('startTake', async () => ({ ok: false, error: { code: 'preflight', message: 'Cam A has 2% battery.' } }));
    await renderWithFake(<RecordPanel />, fake);
    fireEvent.click(screen.getByRole('button', { name: 'Record' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Cam A has 2% battery.');
  });

  it('R records and S stops from the keyboard, but not while typing', async () => {
    const fake = withDevices();
    await renderWithFake(<RecordPanel />, fake);
    const nameBox = screen.getByRole('textbox', { name: 'Next take' });
    fireEvent.keyDown(nameBox, { key: 'r' });
    expect(callsOf(fake, 'startTake')).toHaveLength(0);
    fireEvent.keyDown(document.body, { key: 'r' });
    await waitFor(() => expect(callsOf(fake, 'startTake')).toHaveLength(1));
    await screen.findByRole('button', { name: 'Stop' });
    // A single stray S only arms Stop; a second S within a few seconds stops.
    fireEvent.keyDown(document.body, { key: 'S' });
    fireEvent.keyUp(document.body, { key: 'S' });
    await screen.findByRole('button', { name: 'Confirm stop' });
    expect(callsOf(fake, 'stopTake')).toHaveLength(0);
    fireEvent.keyDown(document.body, { key: 'S' });
    await waitFor(() => expect(callsOf(fake, 'stopTake')).toHaveLength(1));
  });

  it('is disabled with a reason when no device is included', async () => {
    const fake = createFakeApi();
    fake.putDevice({ deviceKey: 'a', name: 'Cam A', included: false });
    await renderWithFake(<RecordPanel />, fake);
    expect((screen.getByRole('button', { name: 'Record' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText(/Include at least one device/)).toBeTruthy();
  });

  it('says how many included devices are unreachable and will be skipped', async () => {
    const fake = withDevices();
    fake.putDevice({ deviceKey: 'c', name: 'Cam C', state: 'offline' });
    await renderWithFake(<RecordPanel />, fake);
    expect(screen.getByText(/Record · 3 devices \(1 not reachable: it will be skipped\)/)).toBeTruthy();
  });
});

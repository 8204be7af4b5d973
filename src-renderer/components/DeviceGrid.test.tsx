import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeApi, makeTakeDevice } from '../api/fake';
import { callsOf, renderWithFake } from '../render.testing';
import { CardRenderProbe, splitTail } from './DeviceCard';
import { DeviceGrid } from './DeviceGrid';

afterEach(cleanup);

describe('device grid', () => {
  it('keeps the distinguishing last part of a long name outside the ellipsis, and the heading is the whole name', async () => {
    expect(splitTail('multiCam-Glacier-4F2A')).toEqual(['multiCam-Glacier', '-4F2A']);
    expect(splitTail('Cam 1')).toEqual(['Cam', ' 1']);
    expect(splitTail('abcdefghijklmnopqrstuvwxyz')).toEqual(['abcdefghijklmnopqrst', 'uvwxyz']);
    expect(splitTail('short')).toEqual(['short', '']);
    const fake = createFakeApi();
    fake.putDevice({ deviceKey: 'a', name: 'multiCam-Glacier-4F2A' });
    await renderWithFake(<DeviceGrid />, fake);
    expect(screen.getByRole('heading', { name: 'multiCam-Glacier-4F2A' })).toBeTruthy();
  });

  it('re-renders only the card of the device that changed', async () => {
    const fake = createFakeApi();
    for (let i = 0; i < 20; i++) fake.putDevice({ deviceKey: `dev-${i}`, name: `Cam ${i}` });
    const renders = new Map<string, number>();
    const onRender = (id: string) => renders.set(id, (renders.get(id) ?? 0) + 1);
    await renderWithFake(
      <CardRenderProbe.Provider value={onRender}>
        <DeviceGrid />
      </CardRenderProbe.Provider>,
      fake,
    );
    expect(screen.getAllByRole('article')).toHaveLength(20);
    const before = new Map(renders);
    expect(before.get('dev-3')).toBeGreaterThan(0);

    act(() => {
      fake.putDevice({ deviceKey: 'dev-3', battery: 41, name: 'Cam 3 renamed' });
    });
    expect(screen.getByRole('article', { name: 'Cam 3 renamed' })).toBeTruthy();
    expect(renders.get('dev-3')).toBeGreaterThan(before.get('dev-3')!);
    for (let i = 0; i < 20; i++) if (i !== 3) expect(renders.get(`dev-${i}`)).toBe(before.get(`dev-${i}`));

    // Excluding a device changes the grid's header count: still only that card re-renders.
    const beforeToggle = new Map(renders);
    act(() => {
      fake.putDevice({ deviceKey: 'dev-7', included: false });
    });
    expect(screen.getByText(/19 in next take/)).toBeTruthy();
    for (let i = 0; i < 20; i++) expect(renders.get(`dev-${i}`)).toBe(beforeToggle.get(`dev-${i}`)! + (i === 7 ? 1 : 0));

    // Adding a device renders the new card; the existing ones stay put.
    const beforeAdd = new Map(renders);
    act(() => {
      fake.putDevice({ deviceKey: 'dev-new', name: 'Newcomer' });
    });
    expect(renders.get('dev-new')).toBeGreaterThan(0);
    for (let i = 0; i < 20; i++) expect(renders.get(`dev-${i}`)).toBe(beforeAdd.get(`dev-${i}`));
  });

  it('shows state, battery warning, flagged clock offset and the stale reason', async () => {
    const fake = createFakeApi();
    fake.putDevice({ deviceKey: 'a', name: 'Cam A', battery: 9, clock: { offsetMs: 812, uncertaintyMs: 3, rttMs: 6, samples: 5, flagged: true } });
    fake.putDevice({ deviceKey: 'b', name: 'Cam B', state: 'offline', stateReason: 'connection refused', battery: 90 });
    fake.putDevice({ deviceKey: 'c', name: 'Cam C', state: 'recording', recordingSince: Date.now() - 5000 });
    await renderWithFake(<DeviceGrid />, fake);
    const a = screen.getByRole('article', { name: 'Cam A' });
    expect(a.textContent).toContain('Battery low 9%');
    expect(a.textContent).toContain('+812 ms ±3');
    const b = screen.getByRole('article', { name: 'Cam B' });
    expect(b.textContent).toContain('Unreachable');
    expect(b.textContent).toContain('connection refused');
    expect(screen.getByRole('article', { name: 'Cam C' }).textContent).toMatch(/REC\s*00:0[5-6]/);
  });

  it("during a take each card carries its device's take state, in words", async () => {
    const fake = createFakeApi();
    for (const id of ['a', 'b', 'c', 'd']) fake.putDevice({ deviceKey: id, name: `Cam ${id.toUpperCase()}`, state: 'online', included: id !== 'd' });
    fake.putTake({
      takeId: 't1',
      name: 'Take 1',
      folder: '/v/t1',
      createdAt: new Date().toISOString(),
      targetStart: Date.now() / 1000 + 3,
      delaySeconds: 3,
      phase: 'scheduled',
      outcome: null,
      aborted: false,
      recovered: false,
      devices: [
        makeTakeDevice({ deviceKey: 'a', name: 'Cam A', start: 'accepted' }),
        makeTakeDevice({ deviceKey: 'b', name: 'Cam B', start: 'failed', startError: 'busy' }),
        makeTakeDevice({ deviceKey: 'c', name: 'Cam C', start: 'accepted' }),
        makeTakeDevice({ deviceKey: 'd', name: 'Cam D', start: 'skipped', skipReason: 'left_out' }),
      ],
    });
    fake.world.activeTakeId = 't1';
    await renderWithFake(<DeviceGrid />, fake);
    const tally = (n: string) => screen.getByRole('article', { name: n }).querySelector('.tally')!.textContent;
    expect(tally('Cam A')).toBe('Armed');
    expect(tally('Cam B')).toBe('Failed to start');
    expect(tally('Cam D')).toBe('Left out');
    act(() => {
      fake.putTake({ ...fake.world.takes.get('t1')!, phase: 'stopping', targetStart: Date.now() / 1000 - 5 });
    });
    expect(tally('Cam C')).toBe('Stopping…');
  });

  it('says "Seen just now" while a device answers, and its real age once it stops', async () => {
    const fake = createFakeApi();
    fake.putDevice({ deviceKey: 'a', name: 'Cam A', state: 'online', lastSeen: Date.now() - 60_000 });
    fake.putDevice({ deviceKey: 'b', name: 'Cam B', state: 'offline', stateReason: 'no reply for 5 s', lastSeen: Date.now() - 12_000 });
    await renderWithFake(<DeviceGrid />, fake);
    // On demand: in the card's More menu.
    fireEvent.click(screen.getByRole('button', { name: 'More for Cam A' }));
    fireEvent.click(screen.getByRole('button', { name: 'More for Cam B' }));
    const a = screen.getByRole('article', { name: 'Cam A' }).textContent ?? '';
    expect(a).toContain('Seen just now');
    expect(a).not.toMatch(/\d+ (s|min) ago/);
    expect(screen.getByRole('article', { name: 'Cam B' }).textContent).toMatch(/Last seen 1[2-3] s ago/);
  });

  it('a recording card in the take in progress counts from the take start, not from when START arrived', async () => {
    const fake = createFakeApi();
    // The phone reported "recording" on receipt of START, 8 s ago; the take started 2 s ago.
    fake.putDevice({ deviceKey: 'a', name: 'Cam A', state: 'recording', recordingSince: Date.now() - 8_000 });
    fake.putTake({
      takeId: 't1',
      name: 'Take 1',
      folder: '/v/t1',
      createdAt: new Date().toISOString(),
      targetStart: (Date.now() - 2_000) / 1000,
      delaySeconds: 3,
      phase: 'recording',
      outcome: null,
      aborted: false,
      recovered: false,
      devices: [makeTakeDevice({ deviceKey: 'a', name: 'Cam A', start: 'accepted', confirmedRecording: true })],
    });
    fake.world.activeTakeId = 't1';
    await renderWithFake(<DeviceGrid />, fake);
    await waitFor(() => expect(screen.getByRole('article', { name: 'Cam A' }).textContent).toMatch(/REC\s*00:0[23]/));
  });

  it('colour labels have names a screen reader can say, and set that colour', async () => {
    const fake = createFakeApi();
    fake.putDevice({ deviceKey: 'a', name: 'Cam A' });
    await renderWithFake(<DeviceGrid />, fake);
    // Six swatches would be six tab stops on every card: they live in the small More menu.
    expect(screen.queryByRole('button', { name: 'Label Cam A red' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'More for Cam A' }));
    fireEvent.click(screen.getByRole('button', { name: 'Label Cam A red' }));
    await waitFor(() => expect(callsOf(fake, 'setDeviceColor')).toEqual([['a', '#ff6b6b']]));
  });

  it('include toggle calls setDeviceIncluded with the new value', async () => {
    const fake = createFakeApi();
    fake.putDevice({ deviceKey: 'a', name: 'Cam A', included: true });
    await renderWithFake(<DeviceGrid />, fake);
    const toggle = screen.getByRole('switch', { name: 'Include Cam A in next take' }) as HTMLInputElement;
    expect(toggle.checked).toBe(true);
    fireEvent.click(toggle);
    await waitFor(() => expect(callsOf(fake, 'setDeviceIncluded')).toEqual([['a', false]]));
    await waitFor(() => expect((screen.getByRole('switch', { name: 'Include Cam A in next take' }) as HTMLInputElement).checked).toBe(false));
  });

  it('renames inline on Enter', async () => {
    const fake = createFakeApi();
    fake.putDevice({ deviceKey: 'a', name: 'Cam A' });
    await renderWithFake(<DeviceGrid />, fake);
    // The card's heading is the device name itself, not a "Rename …" button.
    expect(screen.getByRole('heading', { level: 3, name: 'Cam A' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'More for Cam A' }));
    fireEvent.click(screen.getByRole('button', { name: 'Rename Cam A' }));
    const input = screen.getByRole('textbox', { name: 'New name for Cam A' });
    fireEvent.change(input, { target: { value: 'Wide shot' } });
    fireEvent.keyDown(input, { key: 'Enter' });
    await waitFor(() => expect(callsOf(fake, 'renameDevice')).toEqual([['a', 'Wide shot']]));
    expect(await screen.findByRole('article', { name: 'Wide shot' })).toBeTruthy();
  });

  it('tells a newcomer what to do when there are no devices, and adds virtual cameras', async () => {
    const { fake } = await renderWithFake(<DeviceGrid />);
    expect(screen.getByRole('heading', { name: 'No devices yet' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Add 4 virtual cameras' }));
    await waitFor(() => expect(callsOf(fake, 'addVirtualDevices')).toEqual([[4]]));
    expect(await screen.findAllByRole('article')).toHaveLength(4);
  });

  it('names a truncated device in full on hover, and offers no Remove for a device in the take in progress', async () => {
    const fake = createFakeApi();
    const long = 'multiCam-oak-ea5026ca-5ad0-42c3-ba5a-7dd3053edcdd';
    fake.putDevice({ deviceKey: 'a', name: long, source: 'virtual' });
    fake.putDevice({ deviceKey: 'b', name: 'Cam B', source: 'virtual' });
    fake.putDevice({ deviceKey: 'c', name: 'Cam C', source: 'virtual', state: 'offline' });
    fake.putTake({
      takeId: 't1',
      name: 'Take',
      folder: '/v/t1',
      createdAt: new Date().toISOString(),
      targetStart: Date.now() / 1000,
      delaySeconds: 3,
      phase: 'scheduled',
      outcome: null,
      aborted: false,
      recovered: false,
      devices: [makeTakeDevice({ deviceKey: 'a', name: long })],
    });
    fake.world.activeTakeId = 't1';
    await renderWithFake(<DeviceGrid />, fake);
    expect(screen.getByRole('heading', { level: 3, name: long }).getAttribute('title')).toBe(long);
    for (const n of [long, 'Cam B']) fireEvent.click(screen.getByRole('button', { name: `More for ${n}` }));
    expect(screen.queryByRole('button', { name: `Remove ${long}` })).toBeNull();
    expect(screen.getByRole('button', { name: 'Remove Cam B' })).toBeTruthy();
    expect(screen.getByRole('region', { name: 'Devices' }).textContent).toContain('1 offline or stale');
  });
});

import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeApi } from '../api/fake';
import { callsOf, renderWithFake } from '../render.testing';
import { TakesPanel } from './TakesPanel';

afterEach(cleanup);

describe('takes panel', () => {
  it('lists takes newest first with download progress: bytes, rate, ETA, bar', async () => {
    await renderWithFake(<TakesPanel />, { scenario: 'studio' });
    const takes = screen.getAllByRole('article');
    expect(takes.map((t) => t.getAttribute('aria-label'))).toEqual(['Scene 4 — take 2', 'Scene 4 — take 1']);
    const row = screen.getByRole('group', { name: 'Cam B — close: B2_take1.mp4' });
    const bar = within(row).getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('62');
    expect(row.textContent).toContain('230 MiB / 370 MiB');
    expect(row.textContent).toContain('10.9 MiB/s');
    expect(row.textContent).toContain('13 s left');
    expect(within(row).getByRole('button', { name: 'Cancel download of B2_take1.mp4' })).toBeTruthy();
  });

  it('flags partial files, offers Retry, and shows the short sha256 of verified files', async () => {
    const { fake } = await renderWithFake(<TakesPanel />, { scenario: 'studio' });
    const oak = screen.getByRole('group', { name: 'OAK depth: oak_take1.mp4' });
    expect(oak.textContent).toContain('PARTIAL FILE');
    expect(oak.textContent).toContain('the device deleted its copy');
    fireEvent.click(within(oak).getByRole('button', { name: 'Retry download of oak_take1.mp4' }));
    await waitFor(() => expect(callsOf(fake, 'retryDownload')).toEqual([['dl-oak']]));
    const done = screen.getByRole('group', { name: 'Cam A — wide: A1_take1.mp4' });
    expect(done.textContent).toContain('sha256 9f2c41d0');
  });

  it('drag-out of a finished file calls startDrag with the download id', async () => {
    const { fake } = await renderWithFake(<TakesPanel />, { scenario: 'studio' });
    const done = screen.getByRole('group', { name: 'Cam A — wide: A1_take1.mp4' });
    // The picture is the drag handle, so the file name beside it stays selectable text.
    const handle = done.querySelector('[draggable="true"]')!;
    expect(handle).toBeTruthy();
    const notDone = screen.getByRole('group', { name: 'Cam B — close: B2_take1.mp4' });
    expect(notDone.querySelector('[draggable="true"]')).toBeNull();
    fireEvent.dragStart(handle);
    await waitFor(() => expect(callsOf(fake, 'startDrag')).toEqual([['dl-a1']]));
    fireEvent.click(within(done).getByRole('button', { name: 'Reveal A1_take1.mp4 in folder' }));
    await waitFor(() => expect(callsOf(fake, 'revealDownload')).toEqual([['dl-a1']]));
  });

  it('in browser mode offers no drag-out or reveal, and says why', async () => {
    const { fake } = await renderWithFake(<TakesPanel />, { scenario: 'studio', capabilities: { dragOut: false, reveal: false } });
    const done = screen.getByRole('group', { name: 'Cam A — wide: A1_take1.mp4' });
    expect(done.querySelector('[draggable="true"]')).toBeNull();
    fireEvent.dragStart(done);
    expect(callsOf(fake, 'startDrag')).toEqual([]);
    expect(within(done).queryByRole('button', { name: /Reveal/ })).toBeNull();
    expect(screen.getByText(/needs the desktop app/)).toBeTruthy();
  });

  it('loads a thumbnail for finished files and falls back to a placeholder when unsupported', async () => {
    const fake = createFakeApi({ scenario: 'studio' });
    fake.handle('thumbnail', async (id) =>
      id === 'dl-a1' ? { ok: true, value: 'data:image/png;base64,AAAA' } : { ok: false, error: { code: 'unsupported', message: 'no ffmpeg' } },
    );
    await renderWithFake(<TakesPanel />, fake);
    const img = await screen.findByRole('img', { name: "First frame of Cam A — wide's video" });
    expect(img.getAttribute('src')).toBe('data:image/png;base64,AAAA');
    await waitFor(() =>
      expect(
        callsOf(fake, 'thumbnail')
          .map((a) => a[0])
          .sort(),
      ).toEqual(['dl-a1', 'dl-g7']),
    );
    expect(screen.queryByRole('img', { name: /Cam G/ })).toBeNull();
  });

  it('shows upload progress and uploads a take when storage is configured', async () => {
    const { fake } = await renderWithFake(<TakesPanel />, { scenario: 'studio' });
    const bar = screen.getByRole('progressbar', { name: 'Upload of take-001_G7.mp4 from Cam G — stage left' });
    expect(bar.getAttribute('aria-valuenow')).toBe('61');
    const older = screen.getByRole('article', { name: 'Scene 4 — take 1' });
    fireEvent.click(within(older).getByRole('button', { name: 'Upload take' }));
    await waitFor(() => expect(callsOf(fake, 'uploadTake')).toEqual([['take-001']]));
  });

  it('hides Upload take when no bucket is set', async () => {
    const fake = createFakeApi({ scenario: 'studio' });
    fake.world.settings = { ...fake.world.settings, storage: { ...fake.world.settings.storage, bucket: '' } };
    await renderWithFake(<TakesPanel />, fake);
    expect(screen.queryByRole('button', { name: 'Upload take' })).toBeNull();
  });
});

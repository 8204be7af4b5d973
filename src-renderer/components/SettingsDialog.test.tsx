import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { callsOf, renderWithFake } from '../render.testing';
import { SettingsDialog } from './SettingsDialog';

afterEach(cleanup);

const box = (name: string) => screen.getByRole('textbox', { name }) as HTMLInputElement;

describe('settings dialog', () => {
  it('saves every field through updateSettings', async () => {
    const onClose = vi.fn();
    const { fake } = await renderWithFake(<SettingsDialog onClose={onClose} />);
    expect(screen.getByRole('dialog', { name: 'Settings' })).toBeTruthy();
    expect(box('Recordings folder').value).toBe('/Users/studio/Movies/MultiCam');
    fireEvent.change(box('Start delay (s)'), { target: { value: '5' } });
    fireEvent.change(box('Discovery interfaces'), { target: { value: '192.168.1.10, 10.0.0.5' } });
    fireEvent.change(box('Battery warning (%)'), { target: { value: '25' } });
    fireEvent.change(box('Bucket'), { target: { value: 'my-bucket' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Path-style URLs' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(callsOf(fake, 'updateSettings')).toHaveLength(1));
    const [patch] = callsOf(fake, 'updateSettings')[0]!;
    expect(patch).toMatchObject({
      delaySeconds: 5,
      interfaces: ['192.168.1.10', '10.0.0.5'],
      batteryWarnPercent: 25,
      storage: { bucket: 'my-bucket', forcePathStyle: true },
    });
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(fake.world.settings.delaySeconds).toBe(5);
  });

  it('refuses invalid values before sending, with a readable message', async () => {
    const { fake } = await renderWithFake(<SettingsDialog onClose={() => {}} />);
    fireEvent.change(box('Start delay (s)'), { target: { value: '0.1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(screen.getByRole('alert').textContent).toBe('Start delay must be at least 0.5 s.');
    fireEvent.change(box('Start delay (s)'), { target: { value: '3' } });
    fireEvent.change(box('Discovery interfaces'), { target: { value: 'eth0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect(screen.getByRole('alert').textContent).toContain('"eth0" is not an IPv4 address');
    expect(callsOf(fake, 'updateSettings')).toEqual([]);
  });

  it('shows validation errors from the Result and stays open', async () => {
    const onClose = vi.fn();
    const { fake } = await renderWithFake(<SettingsDialog onClose={onClose} />);
    fake.handle('updateSettings', async () => ({ ok: false, error: { code: 'invalid_argument', message: 'recordingsDir: folder is not writable' } }));
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    expect((await screen.findByRole('alert')).textContent).toBe('recordingsDir: folder is not writable');
    expect(onClose).not.toHaveBeenCalled();
  });

  it('Test connection saves the storage fields, then calls testStorage and shows the answer', async () => {
    const { fake } = await renderWithFake(<SettingsDialog onClose={() => {}} />);
    fireEvent.change(box('Bucket'), { target: { value: 'takes-bucket' } });
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    expect((await screen.findByRole('status')).textContent).toContain('takes-bucket');
    expect(callsOf(fake, 'updateSettings')[0]?.[0]).toMatchObject({ storage: { bucket: 'takes-bucket' } });
    expect(callsOf(fake, 'testStorage')).toHaveLength(1);
  });

  it('closes on Escape', async () => {
    const onClose = vi.fn();
    await renderWithFake(<SettingsDialog onClose={onClose} />);
    fireEvent.keyDown(window, { key: 'Escape' });
    expect(onClose).toHaveBeenCalled();
  });

  it('keeps Tab and Shift+Tab inside the dialog', async () => {
    await renderWithFake(
      <>
        <button type="button">Behind the dialog</button>
        <SettingsDialog onClose={() => {}} />
      </>,
    );
    const dialog = screen.getByRole('dialog', { name: 'Settings' });
    const save = screen.getByRole('button', { name: 'Save settings' });
    save.focus();
    fireEvent.keyDown(window, { key: 'Tab' });
    expect(dialog.contains(document.activeElement)).toBe(true);
    expect(document.activeElement).toBe(box('Recordings folder'));
    fireEvent.keyDown(window, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(save);
    screen.getByRole('button', { name: 'Behind the dialog' }).focus();
    fireEvent.keyDown(window, { key: 'Tab' });
    expect(dialog.contains(document.activeElement)).toBe(true);
  });
});

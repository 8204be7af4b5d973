import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAddress } from '../../src-shared/address';
import { callsOf, renderWithFake } from '../render.testing';
import { createFakeApi, makeDevice } from '../api/fake';
import { AddDevice } from './AddDevice';

afterEach(cleanup);

describe('address check', () => {
  it.each(['192.168.1.20', '192.168.1.20:8080', 'studio-cam.local', 'cam1.local:9000', '[fe80::1]:8080', '[::1]', 'fe80::1'])('accepts %s', (a) => {
    expect(parseAddress(a).ok).toBe(true);
  });
  it.each(['', '  ', 'http://1.2.3.4', '192.168.1.300', '1.2.3.4:0', '1.2.3.4:70000', 'a b', 'host:port', '-bad.local', '1:2:3'])('rejects %j', (a) => {
    expect(parseAddress(a).ok).toBe(false);
  });
});

describe('add device form', () => {
  it('does not send an invalid address and explains why', async () => {
    const { fake } = await renderWithFake(<AddDevice />);
    fireEvent.change(screen.getByRole('textbox', { name: 'Device address' }), { target: { value: '192.168.1.999:8080' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add device' }));
    expect(screen.getByRole('alert').textContent).toContain('not an IP address or host name');
    expect(screen.getByRole('textbox', { name: 'Device address' }).getAttribute('aria-invalid')).toBe('true');
    expect(callsOf(fake, 'addDevice')).toEqual([]);
  });

  it('sends a valid address and shows the controller error from the Result', async () => {
    const { fake } = await renderWithFake(<AddDevice />);
    fake.handle('addDevice', async () => ({ ok: false, error: { code: 'exists', message: '10.0.0.7:8080 is already in the list.' } }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Device address' }), { target: { value: ' 10.0.0.7:8080 ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add device' }));
    expect((await screen.findByRole('alert')).textContent).toBe('10.0.0.7:8080 is already in the list.');
    expect(callsOf(fake, 'addDevice')).toEqual([['10.0.0.7:8080']]);
  });

  it('clears the field after a successful add', async () => {
    const { fake } = await renderWithFake(<AddDevice />);
    const box = screen.getByRole('textbox', { name: 'Device address' }) as HTMLInputElement;
    fireEvent.change(box, { target: { value: 'cam7.local' } });
    fireEvent.submit(box.form!);
    await waitFor(() => expect(box.value).toBe(''));
    expect(fake.world.devices.has('cam7.local:8080')).toBe(true);
    expect(screen.getByRole('status').textContent).toContain('Added');
  });

  it('says whether the device answered: a refusal is in the answer to Add itself', async () => {
    const fake = createFakeApi();
    fake.handle('addDevice', async () => ({
      ok: true,
      value: makeDevice({
        deviceKey: '10.0.0.5:8080',
        name: '10.0.0.5:8080',
        lastSeen: null,
        state: 'discovered',
        stateReason: 'not answering yet: connection refused',
      }),
    }));
    await renderWithFake(<AddDevice />, fake);
    const box = screen.getByRole('textbox', { name: 'Device address' }) as HTMLInputElement;
    fireEvent.change(box, { target: { value: '10.0.0.5:8080' } });
    fireEvent.submit(box.form!);
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Added 10.0.0.5:8080 — not answering: connection refused'));
    expect(screen.getByRole('status').className).toBe('field-warn');
  });
});

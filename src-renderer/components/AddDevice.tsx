import { useId, useState, type FormEvent } from 'react';
import type { DeviceView } from '../../src-shared/api';
import { parseAddress } from '../../src-shared/address';
import { useAction } from '../lib/useAction';
import { useApi, useLive } from '../store/context';

/**
 * What Add found, from the controller's answer (it asks the device once before answering): the
 * device answered, or why not ("connection refused" is known at once).
 */
export function addedText(address: string, d: DeviceView): { text: string; answered: boolean } {
  if (d.lastSeen !== null) return { text: `Added ${address} — answering as ${d.name}.`, answered: true };
  const why = (d.stateReason ?? 'no reply yet').replace(/^not answering yet: /, '');
  return { text: `Added ${address} — not answering: ${why}`, answered: false };
}

/** "Add device by address": checked here first, then by the controller; errors shown inline. */
export function AddDevice() {
  const api = useApi();
  const [value, setValue] = useState('');
  const [added, setAdded] = useState<{ text: string; answered: boolean } | null>(null);
  const add = useAction((address: string) => api.addDevice(address));
  const live = useLive();
  const inputId = useId();
  const errorId = useId();

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setAdded(null);
    // Checked here first (the one parser the controller uses too), so the UI never sends garbage.
    const check = parseAddress(value);
    if (!check.ok) {
      add.setError(check.message);
      return;
    }
    const address = value.trim();
    const r = await add.run(address);
    if (r?.ok) {
      setValue('');
      setAdded(addedText(address, r.value));
    }
  }

  return (
    <form className="add-device" onSubmit={onSubmit} noValidate>
      <label htmlFor={inputId} className="sr-only">
        Device address
      </label>
      <input
        id={inputId}
        type="text"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        placeholder="192.168.1.20:8080"
        value={value}
        maxLength={300}
        aria-invalid={add.error ? true : undefined}
        aria-describedby={add.error ? errorId : undefined}
        onChange={(e) => {
          setValue(e.target.value);
          if (add.error) add.setError(null);
        }}
      />
      <button type="submit" disabled={add.pending || !live}>
        {add.pending ? 'Adding…' : 'Add device'}
      </button>
      {add.error && (
        <p id={errorId} className="field-error" role="alert">
          {add.error}
        </p>
      )}
      {added && !add.error && (
        <p className={added.answered ? 'field-ok' : 'field-warn'} role="status">
          {added.text}
        </p>
      )}
    </form>
  );
}

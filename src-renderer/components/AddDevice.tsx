import { useId, useState, type FormEvent } from 'react';
import { checkAddress } from '../lib/address';
import { useAction } from '../lib/useAction';
import { useApi, useLive } from '../store/context';

/** "Add device by address": checked here first, then by the controller; errors shown inline. */
export function AddDevice() {
  const api = useApi();
  const [value, setValue] = useState('');
  const [added, setAdded] = useState<string | null>(null);
  const add = useAction((address: string) => api.addDevice(address));
  const live = useLive();
  const inputId = useId();
  const errorId = useId();

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setAdded(null);
    const check = checkAddress(value);
    if (!check.ok) {
      add.setError(check.message);
      return;
    }
    const r = await add.run(check.address);
    if (r?.ok) {
      setValue('');
      setAdded(`Added ${r.value.name}.`);
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
        <p className="field-ok" role="status">
          {added}
        </p>
      )}
    </form>
  );
}

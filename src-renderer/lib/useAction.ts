/** Run a controller call from a component: pending flag and the Result's error message. */
import { errorLine } from '../../src-shared/error-line';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Result } from '../../src-shared/api';

export interface Action<A extends unknown[], T> {
  run: (...args: A) => Promise<Result<T> | null>;
  pending: boolean;
  error: string | null;
  setError: (message: string | null) => void;
}

export function useAction<A extends unknown[], T>(fn: (...args: A) => Promise<Result<T>>): Action<A, T> {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const mounted = useRef(true);
  const inFlight = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(async (...args: A) => {
    if (inFlight.current) return null; // no double-submits
    inFlight.current = true;
    setPending(true);
    setError(null);
    let r: Result<T>;
    try {
      r = await fnRef.current(...args);
    } catch (e) {
      r = { ok: false, error: { code: 'client_error', message: errorLine(e) } };
    }
    inFlight.current = false;
    if (mounted.current) {
      setPending(false);
      if (!r.ok) setError(r.error.message);
    }
    return r;
  }, []);
  return { run, pending, error, setError };
}

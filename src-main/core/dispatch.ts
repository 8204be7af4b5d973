/**
 * The one dispatcher of the contract, used by both transports (Electron IPC handlers and the
 * WebSocket bridge). The caller has already checked who is calling and validated the arguments
 * (`validateArgs`); here a method name becomes a call that always settles to a `Result`: a
 * missing method is `unsupported`, a non-Result answer or a thrown error is `internal`, as one
 * line without a stack.
 */
import { errorLine } from '../../src-shared/error-line';
import { API_METHODS, err, type ApiMethod, type ControllerApi, type Result } from '../../src-shared/api';

const METHODS = new Set<string>(API_METHODS);

/** A transport's own implementation of a method (e.g. Electron's drag-out), used instead of the api's. */
export type LocalHandler = (args: unknown[]) => Promise<Result<unknown>> | Result<unknown>;

export function isResult(v: unknown): v is Result<unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as { ok?: unknown; error?: unknown };
  if (r.ok === true) return true;
  if (r.ok !== false || typeof r.error !== 'object' || r.error === null) return false;
  const e = r.error as { code?: unknown; message?: unknown };
  return typeof e.code === 'string' && typeof e.message === 'string';
}

/** A thrown error as a Result: its first line, bounded, never the stack. */
export function internalError(e: unknown): Result<never> {
  return err('internal', errorLine(e));
}

/** Call `method` with already-validated `args`; never throws. */
export async function dispatchApi(
  api: ControllerApi,
  method: string,
  args: unknown[],
  local?: Partial<Record<ApiMethod, LocalHandler>>,
): Promise<Result<unknown>> {
  if (!METHODS.has(method)) return err('unknown_method', `no such method: ${method.slice(0, 64)}`);
  const m = method as ApiMethod;
  const own = local?.[m];
  const fn = api[m] as ((...a: unknown[]) => unknown) | undefined;
  if (!own && typeof fn !== 'function') return err('unsupported', `${method} is not available`);
  try {
    const value = own ? await own(args) : await fn!.apply(api, args);
    return isResult(value) ? value : err('internal', `${method} returned no result`);
  } catch (e) {
    return internalError(e);
  }
}

/**
 * An error as one line, the one way to say "what went wrong" in a log line, a reply or a
 * message: the message of an Error (or of anything with a string `message`, else the thrown
 * value as text), its first non-empty line, trimmed, bounded — never a stack, never a
 * multi-line dump, never empty. `withCode` puts a Node/SDK error code in front
 * (`ECONNREFUSED: connect …`) unless the message already starts with it.
 */
export interface ErrorLineOptions {
  /** Longest result, in characters (default 500). */
  max?: number;
  /** Prefix a string `code` the error carries. */
  withCode?: boolean;
}

export function errorLine(e: unknown, options: ErrorLineOptions = {}): string {
  const max = options.max ?? 500;
  let text: string;
  let code: string | null = null;
  try {
    const m = (e as { message?: unknown } | null)?.message;
    text = typeof m === 'string' ? m : String(e);
    const c = (e as { code?: unknown } | null)?.code;
    if (options.withCode && typeof c === 'string' && c) code = c;
  } catch {
    // String() of a hostile value can throw (a throwing toString, a null-prototype object).
    text = '';
  }
  let line = (text.trimStart().split('\n', 1)[0] ?? '').trim();
  if (code && !line.startsWith(code)) line = line ? `${code}: ${line}` : code;
  if (!line) return 'unexpected error';
  return line.length > max ? `${line.slice(0, Math.max(0, max - 1))}…` : line;
}

/**
 * An error as one line, the one way to say "what went wrong" in a log line, a reply or a
 * message: the message of an Error (else the thrown value as text), first non-empty line only, trimmed,
 * bounded — never a stack, never a multi-line dump, never empty.
 */
export function errorLine(e: unknown, max = 500): string {
  let text: string;
  try {
    text = e instanceof Error ? e.message : typeof (e as { message?: unknown })?.message === 'string' ? (e as { message: string }).message : String(e);
  } catch {
    // String() of a hostile value can throw (a throwing toString, a null-prototype object).
    text = '';
  }
  const line = (text.trimStart().split('\n', 1)[0] ?? '').trim();
  return line.length > max ? `${line.slice(0, Math.max(0, max - 1))}…` : line || 'unexpected error';
}

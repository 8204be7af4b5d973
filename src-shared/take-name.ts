/**
 * Take names that count themselves: "Scene 4 — take 3" is followed by "Scene 4 — take 4", and a
 * name without a number gets one ("Take" → "Take 1", then "Take 2"). Pure; used by the record
 * panel to fill in the next name and by anyone naming a take.
 */

/** The trailing number of a name and what comes before it, or null when it ends in no number. */
function splitTrailingNumber(name: string): { stem: string; n: number; width: number } | null {
  const m = /^(.*?)(\d{1,9})(\s*)$/su.exec(name);
  if (!m) return null;
  return { stem: m[1]!, n: Number(m[2]), width: m[2]!.length };
}

/** The name a take gets when the operator records with `typed` in the name field. */
export function takeNameToRecord(typed: string, existing: readonly string[]): string {
  const name = typed.trim().replace(/\s+/g, ' ');
  if (name === '') return nextFreeNumbered('Take', existing);
  if (splitTrailingNumber(name)) return name;
  return nextFreeNumbered(name, existing);
}

/** "Take" → "Take 1", or one more than the highest "Take N" already used. */
function nextFreeNumbered(stem: string, existing: readonly string[]): string {
  let max = 0;
  const prefix = `${stem} `;
  for (const e of existing) {
    if (!e.startsWith(prefix)) continue;
    const rest = e.slice(prefix.length);
    if (/^\d{1,9}$/.test(rest)) max = Math.max(max, Number(rest));
  }
  return `${stem} ${max + 1}`;
}

/** The name to suggest after a take named `last`: its trailing number plus one (zero padding kept). */
export function nextTakeName(last: string): string {
  const name = last.trim();
  const parts = splitTrailingNumber(name);
  if (!parts) return name === '' ? '' : `${name} 2`;
  const next = String(parts.n + 1).padStart(parts.width, '0');
  return `${parts.stem}${next}`;
}

/** Operator-facing byte sizes, the same in the app, the CLI and the tests: binary units, named so. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '?';
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/**
 * Text from a device or an operator label made safe to show: control characters (C0/C1: ESC,
 * CR, BEL …) become `?`, and the Unicode bidi controls (LRE/RLE/PDF/LRO/RLO, LRI/RLI/FSI/PDI,
 * LRM/RLM/ALM) are removed, so a name cannot reorder the text around it or hide what it says.
 */
export function displayText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g, '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

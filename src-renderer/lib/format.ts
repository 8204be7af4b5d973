/** Pure formatting helpers: operator-facing text for bytes, rates, times, clock offsets. */

import { formatBytes } from '../../src-shared/format';
export { formatBytes };

export function formatRate(bps: number | null | undefined): string {
  if (!bps || !Number.isFinite(bps) || bps <= 0) return '';
  return `${formatBytes(bps)}/s`;
}

export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s left`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s left`;
  return `${Math.floor(m / 60)} h ${m % 60} min left`;
}

/** "00:12", "12:03", "1:02:03". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (x: number) => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

/** "just now", "4 s ago", "3 min ago", "2 h ago", "never". */
export function formatAgo(then: number | null | undefined, now: number): string {
  if (then === null || then === undefined) return 'never';
  const s = Math.max(0, Math.floor((now - then) / 1000));
  if (s < 2) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

/** "+812 ms ±3", "−4 ms ±1", "+1.25 s ±3". */
export function formatOffset(offsetMs: number, uncertaintyMs: number | null | undefined): string {
  const abs = Math.abs(offsetMs);
  const main = abs >= 10_000 ? `${(abs / 1000).toFixed(1)} s` : abs >= 1000 ? `${(abs / 1000).toFixed(2)} s` : `${Math.round(abs)} ms`;
  // −0.3 ms shows as "+0 ms", not "−0 ms": the sign follows what is displayed.
  const sign = offsetMs < 0 && main !== '0 ms' ? '−' : '+';
  const unc = uncertaintyMs === null || uncertaintyMs === undefined ? '' : ` ±${Math.round(uncertaintyMs)}`;
  return `${sign}${main}${unc}`;
}

/** "Starting in 2.4 s". */
export function formatCountdown(msLeft: number): string {
  return `Starting in ${(Math.max(0, msLeft) / 1000).toFixed(1)} s`;
}

export function shortSha(sha: string | null | undefined): string {
  return sha ? sha.slice(0, 8) : '';
}

/** First letter or digit of a name, upper-cased; used for the card's letter label. */
const GENERIC = new Set(['cam', 'camera', 'virtual', 'phone', 'device', 'multicam']);
export function letterFor(name: string): string {
  const words = name
    .replace(/^multicam-/i, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  // "Cam A — wide" → A, "Virtual 3" → 3: skip a generic first word when something follows it.
  const word = words.length > 1 && GENERIC.has(words[0]!.toLowerCase()) ? words[1]! : words[0];
  return word ? word.charAt(0).toUpperCase() : '?';
}

const PALETTE = ['#ff6b6b', '#ffd43b', '#69db7c', '#4dabf7', '#da77f2', '#ffa94d', '#38d9a9', '#f783ac', '#a9e34b', '#74c0fc'];
/** Stable colour for a device without an operator-chosen one. */
export function colorFor(id: string, chosen: string | null): string {
  if (chosen) return chosen;
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) | 0;
  return PALETTE[Math.abs(h) % PALETTE.length]!;
}

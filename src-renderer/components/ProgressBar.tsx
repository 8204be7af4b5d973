/**
 * The one progress bar (downloads, cloud uploads, a device's own upload queue). The percentage
 * may come from a device: it is clamped to 0–100 here, and null means "not known" (an empty bar
 * with no aria-valuenow, never a made-up figure).
 */
export function ProgressBar({
  label,
  pct,
  valueText,
  thin = false,
  tone,
}: {
  label: string;
  pct: number | null;
  valueText?: string;
  thin?: boolean;
  tone?: 'upload' | 'bad';
}) {
  const known = pct !== null && Number.isFinite(pct) ? Math.max(0, Math.min(100, pct)) : null;
  return (
    <div
      className={`progress${thin ? ' progress-thin' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={known === null ? undefined : Math.round(known)}
      aria-valuetext={valueText}
    >
      <div className={`progress-fill${tone ? ` progress-${tone}` : ''}`} style={{ width: `${known ?? 0}%` }} />
    </div>
  );
}

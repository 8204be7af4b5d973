/**
 * A take's alignment: one lane per camera on a common time axis (where each clip starts and
 * ends, its offset in ms and frames, its confidence), coloured by how far it sits from the
 * controller's plan (green ≤ ¼ frame, amber ≤ 1 frame, red beyond); cameras that could not be
 * aligned say why in plain words. Then "Export for editor" and a contact sheet: every aligned
 * camera's frames at the same instants.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ContactSheet, ExportFormat, TakeView } from '../../src-shared/api';
import { residualGrade, type SyncDevice, type TakeSync } from '../../src-shared/sync';
import { useAction } from '../lib/useAction';
import { useApi, useLive } from '../store/context';

const GRADE_WORD = {
  good: 'within ¼ frame of plan',
  fair: 'within 1 frame of plan',
  poor: 'more than 1 frame from plan',
  unknown: 'no plan to compare',
} as const;

function fmtMs(ms: number): string {
  return Math.abs(ms) >= 1000 ? `${(ms / 1000).toFixed(3)} s` : `${ms.toFixed(1)} ms`;
}

function axisTicks(totalMs: number): number[] {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000];
  const step = steps.find((s) => totalMs / s <= 8) ?? 600_000;
  const out: number[] = [];
  for (let t = 0; t <= totalMs; t += step) out.push(t);
  return out;
}

function Lane({ d, totalMs }: { d: SyncDevice; totalMs: number }) {
  if (!d.ok || d.offsetMs === null) {
    return (
      <li className="sync-lane sync-lane-bad">
        <span className="sync-name" title={d.name}>
          {d.name}
        </span>
        <span className="sync-track">
          <span className="sync-why">Not aligned: {d.reason ?? 'no reason given'}</span>
        </span>
      </li>
    );
  }
  const dur = d.media?.durationMs ?? 0;
  const left = totalMs > 0 ? (d.offsetMs / totalMs) * 100 : 0;
  const width = totalMs > 0 ? Math.max(0.5, (dur / totalMs) * 100) : 100;
  const grade = residualGrade(d.residualMs, d.media?.fps ?? null);
  const detail = [
    `starts at +${fmtMs(d.offsetMs)}`,
    d.offsetFrames !== null ? `${d.offsetFrames.toFixed(2)} frames` : null,
    d.driftPpm !== null && d.driftPpm !== 0 ? `drift ${d.driftPpm.toFixed(1)} ppm` : null,
    `score ${d.score.toFixed(2)}`,
    d.residualMs !== null ? `${d.residualMs >= 0 ? '+' : '−'}${Math.abs(d.residualMs).toFixed(1)} ms vs plan (${GRADE_WORD[grade]})` : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return (
    <li className={`sync-lane sync-${grade}`}>
      <span className="sync-name" title={d.name}>
        <span className="sync-name-text">{d.name}</span>
        <span className="sync-offset mono">
          +{fmtMs(d.offsetMs)}
          {d.offsetFrames !== null ? ` · ${d.offsetFrames.toFixed(1)} fr` : ''}
        </span>
      </span>
      <span className="sync-track" title={detail}>
        <span className="sync-clip" style={{ left: `${left}%`, width: `${width}%` }} />
      </span>
      <span className="sync-score small" title={detail}>
        {d.score.toFixed(2)}
        {/* The detail behind the bare score, for screen readers (the track's tooltip is mouse-only). */}
        <span className="sr-only"> ({detail})</span>
      </span>
    </li>
  );
}

function AlignmentPicture({ sync }: { sync: TakeSync }) {
  const ok = sync.devices.filter((d) => d.ok && d.offsetMs !== null);
  const totalMs = Math.max(1, ...ok.map((d) => d.offsetMs! + (d.media?.durationMs ?? 0)));
  return (
    <div className="sync-picture">
      <ol className="sync-lanes" aria-label="Where each camera's clip sits on the take's timeline">
        {sync.devices.map((d) => (
          <Lane key={`${d.deviceKey ?? ''}/${d.file}`} d={d} totalMs={totalMs} />
        ))}
      </ol>
      {ok.length > 0 && (
        <div className="sync-lane" aria-hidden="true">
          <span />
          <span className="sync-axis small">
            {axisTicks(totalMs).map((t) => (
              <span key={t} style={{ left: `${(t / totalMs) * 100}%` }}>
                {t >= 60_000 ? `${Math.floor(t / 60_000)}:${String(Math.round((t % 60_000) / 1000)).padStart(2, '0')}` : `${t / 1000}s`}
              </span>
            ))}
          </span>
          <span />
        </div>
      )}
      <p className="sync-legend small">
        <span className="sync-key sync-good" /> ≤ ¼ frame from plan <span className="sync-key sync-fair" /> ≤ 1 frame <span className="sync-key sync-poor" />{' '}
        more · score ≥ {sync.threshold} is trusted
      </p>
    </div>
  );
}

function ContactSheetView({ sheet, title, onClose }: { sheet: ContactSheet; title: string; onClose: () => void }) {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    close.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="contact-sheet" role="dialog" aria-modal="true" aria-label={`Contact sheet of ${title}`}>
      <div className="contact-head">
        <h4>Contact sheet — {title}</h4>
        <span className="small">every aligned camera at {sheet.instantsMs.map((t) => `${(t / 1000).toFixed(2)} s`).join(', ')} on the take's timeline</span>
        <span className="spacer" />
        <button ref={close} type="button" onClick={onClose}>
          Close
        </button>
      </div>
      {sheet.strips.map((s) => (
        <figure key={`${s.deviceKey ?? ''}/${s.name}`} className="contact-strip">
          <figcaption title={s.name}>{s.name}</figcaption>
          {s.url ? (
            <img src={s.url} alt={`${s.name}: frames at the same instants as the other cameras`} />
          ) : (
            <span className="field-error">{s.error ?? 'no frames'}</span>
          )}
        </figure>
      ))}
    </div>
  );
}

const FORMATS: { format: ExportFormat; label: string; title: string }[] = [
  { format: 'fcpxml', label: 'Final Cut Pro', title: 'FCPXML 1.10: one multicam clip, an angle per camera' },
  { format: 'xmeml', label: 'Premiere / Resolve', title: 'Final Cut Pro 7 XML: a video and an audio track per camera' },
  { format: 'otio', label: 'OpenTimelineIO', title: 'OTIO JSON: a track per camera, offsets as gaps' },
];

export function TakeSyncPanel({ take }: { take: TakeView }) {
  const api = useApi();
  const live = useLive();
  const [sheet, setSheet] = useState<ContactSheet | null>(null);
  const [exported, setExported] = useState<string | null>(null);
  const analyse = useAction(() => api.syncTake(take.takeId));
  const exportAs = useAction(async (format: ExportFormat) => {
    const r = await api.exportTake(take.takeId, format);
    if (r.ok)
      setExported(
        `Written ${r.value.path} (${r.value.angles} angle${r.value.angles === 1 ? '' : 's'})${r.value.skipped.length ? ` — left out: ${r.value.skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}` : ''}`,
      );
    return r;
  });
  const loadSheet = useAction(async () => {
    const r = await api.contactSheet(take.takeId);
    if (r.ok) setSheet(r.value);
    return r;
  });
  const closeSheet = useCallback(() => setSheet(null), []);
  const sync = take.sync ?? null;
  const hasFiles = take.devices.some((d) => d.downloadState === 'done');
  if (!sync && (take.phase !== 'done' || !hasFiles)) return null;

  if (!sync || sync.state === 'failed') {
    return (
      <section className="sync" aria-label={`Alignment of ${take.name}`}>
        <div className="sync-head">
          <h4>Alignment</h4>
          <span className="small">{sync ? `Could not align this take: ${sync.error ?? 'unknown error'}` : 'Not aligned yet.'}</span>
          <span className="spacer" />
          <button type="button" className="btn-secondary" onClick={() => void analyse.run()} disabled={analyse.pending || !live}>
            {sync ? 'Try again' : 'Align cameras'}
          </button>
        </div>
        {analyse.error && <p className="field-error">{analyse.error}</p>}
      </section>
    );
  }
  if (sync.state === 'running') {
    return (
      <section className="sync" aria-label={`Alignment of ${take.name}`} aria-busy="true">
        <div className="sync-head">
          <h4>Alignment</h4>
          <span className="small" role="status">
            Measuring from the sound where each camera's clip starts…
          </span>
        </div>
      </section>
    );
  }
  const okCount = sync.devices.filter((d) => d.ok).length;
  return (
    <section className="sync" aria-label={`Alignment of ${take.name}`}>
      <div className="sync-head">
        <h4>Alignment</h4>
        <span className={`chip ${okCount === sync.devices.length ? 'chip-ok' : 'chip-warn'}`}>
          {okCount} of {sync.devices.length} cameras aligned
        </span>
        <span className="small">{sync.seconds !== null ? `measured in ${sync.seconds.toFixed(1)} s` : ''}</span>
        <span className="spacer" />
        <button type="button" className="btn-secondary" onClick={() => void analyse.run()} disabled={analyse.pending || !live} title="Measure again">
          Re-align
        </button>
      </div>
      <AlignmentPicture sync={sync} />
      {okCount > 0 && (
        <div className="sync-actions">
          <span className="small">Export for editor:</span>
          {FORMATS.map((f) => (
            <button
              key={f.format}
              type="button"
              className="btn-secondary"
              title={f.title}
              onClick={() => void exportAs.run(f.format)}
              disabled={exportAs.pending || !live}
            >
              {f.label}
            </button>
          ))}
          <span className="spacer" />
          <button type="button" className="btn-secondary" onClick={() => void loadSheet.run()} disabled={loadSheet.pending || !live}>
            {loadSheet.pending ? 'Loading frames…' : 'Contact sheet'}
          </button>
        </div>
      )}
      {exported && (
        <p className="small mono sync-exported" role="status">
          {exported}
        </p>
      )}
      {(exportAs.error || loadSheet.error || analyse.error) && <p className="field-error">{exportAs.error ?? loadSheet.error ?? analyse.error}</p>}
      {sheet && <ContactSheetView sheet={sheet} title={take.name} onClose={closeSheet} />}
    </section>
  );
}

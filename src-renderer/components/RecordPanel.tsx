import { useEffect, useId, useRef, useState } from 'react';
import type { TakeDeviceView, TakeView } from '../../src-shared/api';
import { formatCountdown, formatDuration } from '../lib/format';
import { useTicking } from '../lib/ticker';
import { useAction } from '../lib/useAction';
import { takeDeviceState, takeProblems, takeStateWord, type StateWord } from '../../src-shared/states';
import { isIncluded, isIncludedButUnreachable, useApi, useController, useDeviceCount, useLive, useTake } from '../store/context';

const LIVE_PHASES = new Set(['starting', 'scheduled', 'recording']);

/** Controller-time "now" correction: targetStart is in the controller's (SNTP-corrected) time. */
function useClockCorrection(): number {
  return useController((s) => (s.controllerClock?.state === 'sntp' ? (s.controllerClock.offsetMs ?? 0) : 0));
}

/** "Starting in 2.4 s" until the target instant, then the elapsed time. */
export function Countdown({ take }: { take: TakeView }) {
  const correction = useClockCorrection();
  const text = useTicking((now) => {
    const left = take.targetStart * 1000 - (now + correction);
    if (take.phase === 'starting' || take.phase === 'scheduled') return left > 0 ? formatCountdown(left) : 'Starting now…';
    if (take.phase === 'recording') return `Rolling ${formatDuration(-left)}`;
    if (take.phase === 'stopping') return 'Stopping…';
    return '';
  }, 100);
  if (!text) return null;
  return <div className={`countdown countdown-${take.phase}`}>{text}</div>;
}

/** The record panel's and takes panel's per-device state: the one shared derivation. */
export function rollState(take: TakeView, d: TakeDeviceView): StateWord {
  return takeDeviceState(take, d);
}

/** The take's one state word: its phase while running, its outcome ("Done — 7 of 9 files") once finished. */
export function TakeStateChip({ take }: { take: TakeView }) {
  const live = useLive();
  const w = takeStateWord(take);
  if (!live && ACTIVE.has(take.phase)) return <span className="phase phase-unknown" title="Not connected to the controller">Unknown</span>;
  return (
    <span className={`phase phase-${take.phase} phase-${w.state} tone-${w.tone}`} title={w.detail ?? undefined}>
      {w.word}
    </span>
  );
}
const ACTIVE = new Set(['starting', 'scheduled', 'recording', 'stopping', 'downloading']);

function RetryStopButton({ take, device }: { take: TakeView; device: TakeDeviceView }) {
  const api = useApi();
  const retry = useAction(() => api.retryStop(take.takeId, device.deviceKey));
  const live = useLive();
  return (
    <>
      <button type="button" className="btn-danger" onClick={() => void retry.run()} disabled={retry.pending || !live}>
        {retry.pending ? 'Stopping…' : `Retry stop on ${device.name}`}
      </button>
      {retry.error && <span className="field-error">{retry.error}</span>}
    </>
  );
}

/** Loud list of device failures for a take, with Retry stop where it helps. */
export function TakeProblems({ take }: { take: TakeView }) {
  const problems = takeProblems(take);
  if (problems.length === 0) return null;
  return (
    <div className="problems" role="alert">
      <h3>
        ⚠ {problems.length} device{problems.length === 1 ? '' : 's'} need{problems.length === 1 ? 's' : ''} attention
      </h3>
      <ul>
        {problems.map((p) => (
          <li key={p.device.deviceKey}>
            <strong>{p.device.name}</strong> {p.text}
            {p.retryStop && <RetryStopButton take={take} device={p.device} />}
          </li>
        ))}
      </ul>
    </div>
  );
}

function RollList({ take }: { take: TakeView }) {
  return (
    <ul className="roll-list" aria-label={`Devices in ${take.name}`}>
      {take.devices.map((d) => {
        const s = rollState(take, d);
        return (
          <li key={d.deviceKey} className={`roll roll-${s.tone} roll-state-${s.state}`} aria-label={`${d.name}: ${s.word}`} title={s.detail ?? undefined}>
            <span className="roll-name">{d.name}</span>
            <span className="roll-state">{s.word}</span>
          </li>
        );
      })}
    </ul>
  );
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

export function RecordPanel({ shortcutsEnabled = true }: { shortcutsEnabled?: boolean }) {
  const api = useApi();
  const activeTakeId = useController((s) => s.activeTakeId);
  const newestTakeId = useController((s) => s.takeIds[0] ?? null);
  // Nothing is actionable on a stale picture: only with the connection open and a fresh snapshot.
  const ready = useLive();
  const includedCount = useDeviceCount(isIncluded);
  // Included devices the controller cannot reach right now: pre-flight will skip them.
  const unreachable = useDeviceCount(isIncludedButUnreachable);
  const activeTake = useTake(activeTakeId);
  const focusTake = useTake(activeTakeId ?? newestTakeId);
  const [takeName, setTakeName] = useState('');
  const start = useAction((name: string) => api.startTake(name.trim() ? { name: name.trim().slice(0, 120) } : {}));
  const stop = useAction(() => api.stopTake());
  const nameId = useId();

  const live = !!activeTake && LIVE_PHASES.has(activeTake.phase);
  const stopping = activeTake?.phase === 'stopping';
  const canRecord = ready && !live && !stopping && includedCount > 0 && !start.pending;
  const canStop = ready && live && !stop.pending;

  const actions = useRef({ record: () => {}, stop: () => {} });
  actions.current.record = () => {
    if (canRecord) void start.run(takeName).then((r) => r?.ok && setTakeName(''));
  };
  actions.current.stop = () => {
    if (canStop) void stop.run();
  };

  useEffect(() => {
    if (!shortcutsEnabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.repeat || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (document.querySelector('[aria-modal="true"]')) return;
      const k = e.key.toLowerCase();
      if (k === 'r') {
        e.preventDefault();
        actions.current.record();
      } else if (k === 's') {
        e.preventDefault();
        actions.current.stop();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [shortcutsEnabled]);

  const error = start.error ?? stop.error;
  let hint: string;
  if (live) hint = 'Press S to stop';
  else if (stopping) hint = 'Stopping every device…';
  else if (!ready) hint = 'Waiting for the controller…';
  else if (includedCount === 0) hint = 'Include at least one device to record';
  else
    hint = `Press R to record · ${includedCount} device${includedCount === 1 ? '' : 's'}${unreachable ? ` (${unreachable} not reachable: ${unreachable === 1 ? 'it' : 'they'} will be skipped)` : ''}`;

  return (
    <section className={`record-panel${live ? ' record-panel-live' : ''}`} aria-label="Recording">
      <div className="record-main">
        {live || stopping ? (
          <button type="button" className="record-btn record-btn-stop" onClick={() => actions.current.stop()} disabled={!canStop} aria-keyshortcuts="S">
            <span className="stop-square" aria-hidden="true" />
            {stopping ? 'Stopping…' : 'Stop'}
          </button>
        ) : (
          <button type="button" className="record-btn" onClick={() => actions.current.record()} disabled={!canRecord} aria-keyshortcuts="R">
            <span className="rec-circle" aria-hidden="true" />
            Record
          </button>
        )}
        <div className="record-side">
          <p className="hint">
            <kbd>{live ? 'S' : 'R'}</kbd> {hint}
          </p>
          {!live && !stopping && (
            <div className="take-name">
              <label htmlFor={nameId}>Take name (optional)</label>
              <input id={nameId} value={takeName} maxLength={120} onChange={(e) => setTakeName(e.target.value)} placeholder="Scene 4 — take 3" />
            </div>
          )}
          {focusTake && (
            <div className="focus-take" aria-live="polite">
              <span className="focus-name">{focusTake.name}</span>
              <TakeStateChip take={focusTake} />
              <Countdown take={focusTake} />
            </div>
          )}
        </div>
      </div>
      {error && (
        <p className="record-error" role="alert">
          {error}
        </p>
      )}
      {focusTake && <TakeProblems take={focusTake} />}
      {focusTake && (live || stopping || focusTake.phase !== 'done') && <RollList take={focusTake} />}
    </section>
  );
}

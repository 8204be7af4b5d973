import { useEffect, useId, useRef, useState } from 'react';
import type { TakeDeviceView, TakeView } from '../../src-shared/api';
import { formatCountdown, formatDuration } from '../lib/format';
import { useTicking } from '../lib/ticker';
import { useAction } from '../lib/useAction';
import { isIncluded, isIncludedButUnreachable, useApi, useController, useDeviceCount, useTake } from '../store/context';

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

type Problem = { device: TakeDeviceView; text: string; retryStop: boolean };

/** Everything that went wrong for the devices of a take, in the operator's words. */
export function takeProblems(take: TakeView): Problem[] {
  const out: Problem[] = [];
  for (const d of take.devices) {
    if (d.mayStillBeRecording) out.push({ device: d, text: `may still be recording — stop did not get through${d.stopError ? ` (${d.stopError})` : ''}`, retryStop: true });
    else if (d.start === 'failed') out.push({ device: d, text: `failed to start${d.startError ? `: ${d.startError}` : ''}`, retryStop: false });
    else if (d.stop === 'failed' || d.stop === 'unreachable') out.push({ device: d, text: `stop failed${d.stopError ? `: ${d.stopError}` : ''}`, retryStop: true });
    else if (d.start === 'accepted' && d.confirmedRecording === false) out.push({ device: d, text: `not confirmed recording${d.warnings[0] ? ` (${d.warnings[0]})` : ''}`, retryStop: false });
  }
  return out;
}

export function rollState(take: TakeView, d: TakeDeviceView): { label: string; tone: 'ok' | 'bad' | 'wait' | 'dim' } {
  if (d.mayStillBeRecording) return { label: 'May still be recording', tone: 'bad' };
  if (d.start === 'skipped') return { label: 'Skipped', tone: 'dim' };
  if (d.start === 'failed') return { label: 'Failed to start', tone: 'bad' };
  if (d.start === 'pending') return { label: 'Starting…', tone: 'wait' };
  if (d.stop === 'stopped') return { label: 'Stopped', tone: 'ok' };
  if (d.stop === 'failed' || d.stop === 'unreachable') return { label: 'Stop failed', tone: 'bad' };
  if (take.phase === 'starting' || take.phase === 'scheduled') return { label: 'Armed', tone: 'wait' };
  if (d.confirmedRecording === true) return { label: 'Rolling', tone: 'ok' };
  if (d.confirmedRecording === false) return { label: 'Not confirmed', tone: 'bad' };
  return { label: 'Checking…', tone: 'wait' };
}

function RetryStopButton({ take, device }: { take: TakeView; device: TakeDeviceView }) {
  const api = useApi();
  const retry = useAction(() => api.retryStop(take.takeId, device.deviceKey));
  return (
    <>
      <button type="button" className="btn-danger" onClick={() => void retry.run()} disabled={retry.pending}>
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
          <li key={d.deviceKey} className={`roll roll-${s.tone}`} aria-label={`${d.name}: ${s.label}`}>
            <span className="roll-name">{d.name}</span>
            <span className="roll-state">{s.label}</span>
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
  const ready = useController((s) => s.status === 'ready' && s.connection.phase === 'open');
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
              <span className={`phase phase-${focusTake.phase}`}>{focusTake.phase}</span>
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

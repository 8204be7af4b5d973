import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { TakeDeviceView, TakeView } from '../../src-shared/api';
import { formatCountdown, formatDuration } from '../lib/format';
import { useTicking } from '../lib/ticker';
import { useAction } from '../lib/useAction';
import { nextTakeName, takeNameToRecord } from '../../src-shared/take-name';
import { takeDeviceState, takeProblems, takeStateWord, type StateWord } from '../../src-shared/states';
import { isIncluded, isIncludedButUnreachable, useApi, useController, useDeviceCount, useLive, useStoreApi, useTake } from '../store/context';

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
  if (!live && ACTIVE.has(take.phase))
    return (
      <span className="phase phase-unknown" title="Not connected to the controller">
        Unknown
      </span>
    );
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
            {p.detail && (
              <details className="detail">
                <summary>Details</summary>
                <span className="mono small">{p.detail}</span>
              </details>
            )}
            {p.retryStop && <RetryStopButton take={take} device={p.device} />}
          </li>
        ))}
      </ul>
    </div>
  );
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  const tag = target.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || target.isContentEditable;
}

/** How long S or the Stop button must be held, and how long one press waits for its confirmation. */
export const STOP_HOLD_MS = 600;
export const STOP_CONFIRM_MS = 3000;

/** What a screen reader hears: one sentence per phase, never the ticking countdown. */
function announcement(take: TakeView | undefined): string {
  if (!take) return '';
  switch (take.phase) {
    case 'starting':
    case 'scheduled':
      return `${take.name}: armed, recording starts in ${Math.round(take.delaySeconds)} seconds.`;
    case 'recording':
      return `${take.name}: recording.`;
    case 'stopping':
      return `${take.name}: stopping.`;
    case 'downloading':
      return `${take.name}: stopped, downloading the files.`;
    case 'done':
    case 'failed':
      return `${take.name}: ${takeStateWord(take).word}.`;
    default:
      return '';
  }
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
  const newestTake = useTake(newestTakeId);
  const store = useStoreApi();
  // The field holds the next take's name: the newest take's name counted on, until the operator types.
  const [typed, setTyped] = useState<string | null>(null);
  const suggested = newestTake ? nextTakeName(newestTake.name) : '';
  const takeName = typed ?? suggested;
  const start = useAction((name: string) => api.startTake({ name: name.slice(0, 120) }));
  const stop = useAction(() => api.stopTake());
  const nameId = useId();
  const [armedUntil, setArmedUntil] = useState<number | null>(null);

  const live = !!activeTake && LIVE_PHASES.has(activeTake.phase);
  const stopping = activeTake?.phase === 'stopping';
  const canRecord = ready && !live && !stopping && includedCount > 0 && !start.pending;
  const canStop = ready && live && !stop.pending;
  const armed = armedUntil !== null && canStop;

  useEffect(() => {
    if (armedUntil === null) return;
    const t = setTimeout(() => setArmedUntil(null), Math.max(0, armedUntil - Date.now()));
    return () => clearTimeout(t);
  }, [armedUntil]);
  useEffect(() => {
    if (!live) setArmedUntil(null);
  }, [live]);

  const actions = useRef({ record: () => {}, stopNow: () => {}, stopPress: () => {} });
  actions.current.record = () => {
    if (!canRecord) return;
    const existing = Object.values(store.getState().takes).map((t) => t.name);
    void start.run(takeNameToRecord(takeName, existing)).then((r) => r?.ok && setTyped(null));
  };
  // One STOP per gesture: a second press and a hold timer of the same press must not both send it.
  const lastStopAt = useRef(0);
  actions.current.stopNow = () => {
    setArmedUntil(null);
    if (!canStop || Date.now() - lastStopAt.current < 2000) return;
    lastStopAt.current = Date.now();
    void stop.run();
  };
  // A single press only arms Stop; a second press within a few seconds (or a hold) stops.
  actions.current.stopPress = () => {
    if (!canStop) return;
    if (armedUntil !== null && Date.now() <= armedUntil) actions.current.stopNow();
    else setArmedUntil(Date.now() + STOP_CONFIRM_MS);
  };

  useEffect(() => {
    if (!shortcutsEnabled) return;
    // Held S: a timer from the first keydown (key auto-repeat differs between systems), cancelled on keyup.
    let holdTimer: ReturnType<typeof setTimeout> | null = null;
    const cancelHold = () => {
      if (holdTimer) clearTimeout(holdTimer);
      holdTimer = null;
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return;
      if (document.querySelector('[aria-modal="true"]')) return;
      const k = e.key.toLowerCase();
      if (k === 's') {
        e.preventDefault();
        if (e.repeat) return;
        cancelHold();
        holdTimer = setTimeout(() => {
          holdTimer = null;
          actions.current.stopNow();
        }, STOP_HOLD_MS);
        actions.current.stopPress();
        return;
      }
      if (e.repeat) return;
      if (k === 'r') {
        e.preventDefault();
        actions.current.record();
      }
    };
    const onUp = (e: KeyboardEvent) => {
      if (e.key.toLowerCase() === 's') cancelHold();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('keyup', onUp);
    window.addEventListener('blur', cancelHold);
    return () => {
      cancelHold();
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('keyup', onUp);
      window.removeEventListener('blur', cancelHold);
    };
  }, [shortcutsEnabled]);

  // Holding the Stop button stops without the second click.
  const holdTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const heldStop = useRef(false);
  const cancelHold = () => {
    if (holdTimer.current) clearTimeout(holdTimer.current);
    holdTimer.current = null;
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: on unmount only; cancelHold reads a ref, so any render's copy does.
  useEffect(() => cancelHold, []);

  const error = start.error ?? stop.error;
  let hint: ReactNode;
  if (live)
    hint = armed ? (
      <>
        <kbd>S</kbd> again to stop the take
      </>
    ) : (
      <>
        Stop: <kbd>S</kbd> twice, or hold it
      </>
    );
  else if (stopping) hint = 'Stopping every device…';
  else if (!ready) hint = 'Waiting for the controller…';
  else if (includedCount === 0) hint = 'Include at least one device to record';
  else
    hint = (
      <>
        <kbd>R</kbd> Record · {includedCount} device{includedCount === 1 ? '' : 's'}
        {unreachable ? ` (${unreachable} not reachable: ${unreachable === 1 ? 'it' : 'they'} will be skipped)` : ''}
      </>
    );

  return (
    <section className={`record-panel${live ? ' record-panel-live' : ''}`} aria-label="Recording">
      <div className="record-main">
        {live || stopping ? (
          <button
            type="button"
            className={`record-btn record-btn-stop${armed ? ' record-btn-armed' : ''}`}
            onClick={() => {
              if (heldStop.current) {
                heldStop.current = false;
                return;
              }
              actions.current.stopPress();
            }}
            onPointerDown={() => {
              cancelHold();
              holdTimer.current = setTimeout(() => {
                heldStop.current = true;
                actions.current.stopNow();
              }, STOP_HOLD_MS);
            }}
            onPointerUp={cancelHold}
            onPointerLeave={cancelHold}
            disabled={!canStop}
            aria-keyshortcuts="S"
            aria-label={stopping ? 'Stopping' : armed ? 'Confirm stop' : 'Stop'}
          >
            <span className="stop-square" aria-hidden="true" />
            {stopping ? 'Stopping…' : armed ? 'Click again to stop' : 'Stop'}
          </button>
        ) : (
          <button type="button" className="record-btn" onClick={() => actions.current.record()} disabled={!canRecord} aria-keyshortcuts="R">
            <span className="rec-circle" aria-hidden="true" />
            Record
          </button>
        )}
        {!live && !stopping ? (
          <div className="take-name">
            <label htmlFor={nameId}>Next take</label>
            <input id={nameId} value={takeName} maxLength={120} onChange={(e) => setTyped(e.target.value)} placeholder="Take 1" spellCheck={false} />
          </div>
        ) : (
          <div className="take-name">
            <span className="take-name-label">Recording</span>
            <span className="focus-name">{activeTake?.name}</span>
          </div>
        )}
        <div className="record-status">
          {focusTake && (live || stopping) && <Countdown take={focusTake} />}
          {focusTake && !live && !stopping && (
            <span className="last-take">
              Last: <span className="focus-name">{focusTake.name}</span> <TakeStateChip take={focusTake} />
            </span>
          )}
          <p className="hint">{hint}</p>
        </div>
        <p className="sr-only" role="status">
          {announcement(focusTake)}
        </p>
      </div>
      {error && (
        <p className="record-error" role="alert">
          {error}
        </p>
      )}
      {focusTake && <TakeProblems take={focusTake} />}
    </section>
  );
}

/**
 * The one derivation of what state a take and each device is in, in the operator's words — used
 * by the app (cards, record panel, takes panel) and the CLI alike, so a device is never "REC" in
 * one place and "Armed" in another. Pure functions over the contract's plain data (api.ts).
 *
 * Every result is `{ state, word, tone, detail }`: `state` a stable id (tests, CSS), `word` the
 * short label, `tone` how loud it is, `detail` one plain sentence or null.
 */
import type { DeviceView, TakeDeviceView, TakeOutcome, TakePhase, TakeView } from './api';
import { plainError } from './plain';

export type Tone = 'ok' | 'live' | 'wait' | 'warn' | 'bad' | 'dim' | 'unknown';

export interface StateWord<S extends string = string> {
  state: S;
  word: string;
  tone: Tone;
  detail: string | null;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export const ACTIVE_TAKE_PHASES: ReadonlySet<TakePhase> = new Set(['starting', 'scheduled', 'recording', 'stopping']);
/** Before the start instant: devices are armed, none is recording for this take yet. */
export const COUNTDOWN_PHASES: ReadonlySet<TakePhase> = new Set(['starting', 'scheduled']);

// ---------------------------------------------------------------- take outcome

/** The facts of one take device that decide the outcome. */
export type OutcomeFacts = Pick<TakeDeviceView, 'start' | 'skipReason' | 'stop' | 'fileName' | 'downloadState'>;

export interface OutcomeCount {
  outcome: TakeOutcome | null;
  /** Devices the operator meant to record (everyone not left out). */
  expected: number;
  /** Files downloaded and verified. */
  downloaded: number;
  /** Devices that stopped with a file name (whether or not it was downloaded). */
  recorded: number;
}

/**
 * How a take turned out. Null while the take is in progress (phases before `done`/`failed`, or
 * a transfer still queued or running). "Done" (`complete`) only when every device not left out
 * recorded and its file is downloaded and verified.
 */
export function takeOutcome(take: { phase: TakePhase; aborted: boolean; devices: readonly OutcomeFacts[] }): OutcomeCount {
  const expectedDevices = take.devices.filter((d) => d.skipReason !== 'left_out');
  const expected = expectedDevices.length;
  const downloaded = expectedDevices.filter((d) => d.downloadState === 'done').length;
  const recorded = expectedDevices.filter((d) => d.stop === 'stopped' && !!d.fileName).length;
  const busy = take.devices.some((d) => d.downloadState === 'queued' || d.downloadState === 'active');
  const finished = (take.phase === 'done' || take.phase === 'failed') && !busy;
  let outcome: TakeOutcome | null = null;
  if (finished) {
    const anyTransfer = expectedDevices.some((d) => d.downloadState !== 'none');
    if (take.aborted) outcome = 'aborted';
    else if (expected > 0 && downloaded === expected) outcome = 'complete';
    else if (expected > 0 && recorded === expected && !anyTransfer) outcome = 'recorded';
    else if (downloaded > 0 || recorded > 0) outcome = 'partial';
    else outcome = 'failed';
  }
  return { outcome, expected, downloaded, recorded };
}

/** The take as one word with a tone: its phase while running, its outcome once finished. */
export function takeStateWord(take: Pick<TakeView, 'phase' | 'aborted' | 'devices'> & { outcome?: TakeOutcome | null }): StateWord<TakePhase | TakeOutcome> {
  const c = takeOutcome(take);
  const outcome = take.outcome !== undefined && take.outcome !== null && c.outcome !== null ? take.outcome : c.outcome;
  const files = (n: number) => plural(n, 'file');
  switch (outcome) {
    case 'complete':
      return {
        state: 'complete',
        word: `Done — ${files(c.downloaded)}`,
        tone: 'ok',
        detail: `Every device recorded; ${c.downloaded === 1 ? 'its file was' : `all ${c.downloaded} files were`} downloaded and verified.`,
      };
    case 'partial':
      return {
        state: 'partial',
        word: `Done — ${c.downloaded} of ${files(c.expected)}`,
        tone: 'warn',
        detail: `${plural(c.expected - c.downloaded, 'file')} ${c.expected - c.downloaded === 1 ? 'is' : 'are'} missing or incomplete: see the devices below.`,
      };
    case 'recorded':
      return {
        state: 'recorded',
        word: `Recorded — ${files(c.recorded)} on the devices`,
        tone: 'ok',
        detail: 'Downloads are off: the files are still on the devices.',
      };
    case 'aborted': {
      const kept = take.devices.filter((d) => d.stop === 'stopped' && d.fileName).length;
      return {
        state: 'aborted',
        word: kept > 0 ? `Aborted — ${plural(kept, 'clip')} kept` : 'Aborted',
        tone: 'dim',
        detail:
          kept > 0
            ? 'Stopped before the start instant; devices that had begun capturing were stopped and their clips kept.'
            : 'Stopped before the start instant; nothing was recorded.',
      };
    }
    case 'failed':
      return { state: 'failed', word: 'Failed — no files', tone: 'bad', detail: 'No device recorded a file: see the devices below.' };
    default:
      break;
  }
  switch (take.phase) {
    case 'starting':
      return { state: 'starting', word: 'Starting…', tone: 'wait', detail: 'Checking the devices before the start instant.' };
    case 'scheduled':
      return { state: 'scheduled', word: 'Armed', tone: 'wait', detail: 'Every device has its start instant.' };
    case 'recording':
      return { state: 'recording', word: 'Recording', tone: 'live', detail: null };
    case 'stopping':
      return { state: 'stopping', word: 'Stopping…', tone: 'wait', detail: null };
    default:
      return { state: 'downloading', word: `Downloading — ${c.downloaded} of ${files(c.expected)}`, tone: 'wait', detail: null };
  }
}

// ---------------------------------------------------------------- a device within a take

export type TakeDeviceState =
  | 'left-out'
  | 'unreachable'
  | 'already-recording'
  | 'not-started'
  | 'skipped'
  | 'starting'
  | 'failed-to-start'
  | 'armed'
  | 'recording'
  | 'not-confirmed'
  | 'checking'
  | 'stopping'
  | 'may-still-be-recording'
  | 'unknown-after-restart'
  | 'stop-failed'
  | 'stopped'
  | 'no-file'
  | 'downloading'
  | 'downloaded'
  | 'download-failed';

/** One device's state in one take (roll list, takes panel rows, CLI lines). */
export function takeDeviceState(take: Pick<TakeView, 'phase' | 'aborted' | 'recovered'>, d: TakeDeviceView): StateWord<TakeDeviceState> {
  // Plain words only: the recorded technical line stays behind a disclosure (plainError's `detail`).
  const detailOf = (s: string | null) => plainError(s)?.text ?? null;
  if (d.start === 'skipped') {
    switch (d.skipReason) {
      case 'left_out':
        return { state: 'left-out', word: 'Left out', tone: 'dim', detail: 'Left out of this take by the operator.' };
      case 'unreachable':
        return { state: 'unreachable', word: 'Unreachable', tone: 'bad', detail: detailOf(d.startError) };
      case 'already_recording':
        return {
          state: 'already-recording',
          word: 'Already recording',
          tone: 'bad',
          detail: 'It was recording before this take: stop it on the device first.',
        };
      case 'not_started':
        return { state: 'not-started', word: 'Not started', tone: 'dim', detail: 'The take was stopped before this device was started.' };
      default:
        return { state: 'skipped', word: 'Skipped', tone: 'dim', detail: detailOf(d.startError) };
    }
  }
  if (d.mayStillBeRecording) {
    if (take.recovered && d.stop === 'pending')
      return {
        state: 'unknown-after-restart',
        word: 'May still be recording',
        tone: 'bad',
        detail: 'The controller restarted during this take: this device may still be recording.',
      };
    const why = plainError(d.stopError)?.text;
    return {
      state: 'may-still-be-recording',
      word: 'May still be recording',
      tone: 'bad',
      detail: `Stop did not get through${why ? ` (${why})` : ''}.`,
    };
  }
  if (d.start === 'failed') return { state: 'failed-to-start', word: 'Failed to start', tone: 'bad', detail: detailOf(d.startError) };
  if (d.start === 'pending') {
    if (!ACTIVE_TAKE_PHASES.has(take.phase))
      return { state: 'not-started', word: 'Not started', tone: 'dim', detail: 'The take ended before this device was started.' };
    return { state: 'starting', word: 'Starting…', tone: 'wait', detail: null };
  }
  if (d.stop === 'cancelled')
    return { state: 'not-started', word: 'Not started', tone: 'dim', detail: 'Stopped before the start instant: its scheduled start was called off.' };
  if (d.stop === 'stopped') {
    if (!d.fileName) return { state: 'no-file', word: 'Stopped — no file', tone: 'bad', detail: d.warnings[0] ?? 'The device named no file.' };
    switch (d.downloadState) {
      case 'queued':
      case 'active':
        return { state: 'downloading', word: 'Downloading', tone: 'wait', detail: null };
      case 'done':
        return { state: 'downloaded', word: 'Downloaded', tone: 'ok', detail: null };
      case 'failed':
      case 'cancelled':
        return { state: 'download-failed', word: d.downloadState === 'cancelled' ? 'Download cancelled' : 'Download failed', tone: 'bad', detail: null };
      default:
        return { state: 'stopped', word: take.aborted ? 'Stopped — clip kept' : 'Stopped', tone: 'ok', detail: null };
    }
  }
  if (d.stop === 'failed' || d.stop === 'unreachable') return { state: 'stop-failed', word: 'Stop failed', tone: 'bad', detail: detailOf(d.stopError) };
  if (take.phase === 'stopping' && d.stop === 'pending') return { state: 'stopping', word: 'Stopping…', tone: 'wait', detail: null };
  if (COUNTDOWN_PHASES.has(take.phase)) return { state: 'armed', word: 'Armed', tone: 'wait', detail: null };
  if (d.stop === 'not_sent' && !ACTIVE_TAKE_PHASES.has(take.phase)) {
    if (take.aborted) return { state: 'not-started', word: 'Not started', tone: 'dim', detail: 'The take was stopped before this device began capturing.' };
    return { state: 'stopped', word: 'Not recording at stop', tone: 'bad', detail: detailOf(d.stopError) };
  }
  if (d.confirmedRecording === true) return { state: 'recording', word: 'Rolling', tone: 'live', detail: null };
  if (d.confirmedRecording === false) return { state: 'not-confirmed', word: 'Not confirmed', tone: 'bad', detail: d.warnings[0] ?? null };
  return { state: 'checking', word: 'Checking…', tone: 'wait', detail: null };
}

/** A device of a take that needs the operator (the record panel's and the takes panel's alert list). */
export interface TakeProblem {
  device: TakeDeviceView;
  /** Plain words (plain.ts): never a socket or errno line. */
  text: string;
  /** The recorded technical line behind it, for a disclosure; null when there is none. */
  detail: string | null;
  /** A STOP could still help. */
  retryStop: boolean;
}

/**
 * What went wrong for a take's devices. Devices that were never started (left out, take aborted
 * before START) are not problems; neither is a device that refused a STOP because it had not
 * begun capturing in an aborted take.
 */
export function takeProblems(take: Pick<TakeView, 'phase' | 'aborted' | 'recovered' | 'devices'>): TakeProblem[] {
  const out: TakeProblem[] = [];
  for (const d of take.devices) {
    const s = takeDeviceState(take, d);
    switch (s.state) {
      case 'unknown-after-restart':
      case 'may-still-be-recording':
        out.push({
          device: d,
          text: `may still be recording — ${s.detail!.charAt(0).toLowerCase()}${s.detail!.slice(1)}`,
          detail: s.state === 'may-still-be-recording' ? (plainError(d.stopError)?.detail ?? null) : null,
          retryStop: true,
        });
        break;
      case 'failed-to-start': {
        const why = plainError(d.startError);
        out.push({ device: d, text: `failed to start${why ? `: ${why.text}` : ''}`, detail: why?.detail ?? null, retryStop: false });
        break;
      }
      case 'stop-failed': {
        const why = plainError(d.stopError);
        out.push({ device: d, text: `stop failed${why ? `: ${why.text}` : ''}`, detail: why?.detail ?? null, retryStop: true });
        break;
      }
      case 'not-confirmed': {
        const why = plainError(d.warnings[0]);
        out.push({ device: d, text: `not confirmed recording${why ? ` (${why.text})` : ''}`, detail: why?.detail ?? null, retryStop: false });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

// ---------------------------------------------------------------- a device card

export type DeviceCardState = 'unknown' | 'armed' | 'recording' | 'stopping' | 'uploading' | 'online' | 'connecting' | 'not-answering' | 'unreachable';

/**
 * A device card's one state. `live` is false while the controller connection is down or the
 * snapshot is not fresh yet: then nothing is known. Within the active take, the take's state
 * wins (a phone reports "recording" from the moment START arrives, during the countdown: that is
 * Armed, not REC; a device being stopped is Stopping, not Online).
 */
export function deviceCardState(
  device: DeviceView,
  ctx: { live: boolean; take?: Pick<TakeView, 'phase'> | null; takeDevice?: TakeDeviceView | null },
): StateWord<DeviceCardState> {
  if (!ctx.live)
    return { state: 'unknown', word: 'Unknown', tone: 'unknown', detail: 'Not connected to the controller: this state is unknown until it reconnects.' };
  const take = ctx.take ?? null;
  const td = ctx.takeDevice ?? null;
  if (take && td && ACTIVE_TAKE_PHASES.has(take.phase)) {
    const inTake = td.start === 'accepted' || td.start === 'pending' || (td.start === 'failed' && td.mayStillBeRecording);
    if (inTake && COUNTDOWN_PHASES.has(take.phase)) return { state: 'armed', word: 'Armed', tone: 'wait', detail: 'Waiting for the start instant.' };
    if (take.phase === 'stopping' && td.stop === 'pending' && td.start !== 'skipped')
      return { state: 'stopping', word: 'Stopping…', tone: 'wait', detail: null };
  }
  switch (device.state) {
    case 'recording':
      return { state: 'recording', word: 'REC', tone: 'live', detail: null };
    case 'uploading':
      return { state: 'uploading', word: 'Uploading', tone: 'live', detail: device.stateReason };
    case 'online':
      return { state: 'online', word: 'Online', tone: 'ok', detail: null };
    case 'discovered':
      return { state: 'connecting', word: 'Connecting…', tone: 'wait', detail: device.stateReason };
    case 'stale':
      return { state: 'not-answering', word: 'Not answering', tone: 'warn', detail: device.stateReason };
    default:
      return { state: 'unreachable', word: 'Unreachable', tone: 'bad', detail: device.stateReason };
  }
}

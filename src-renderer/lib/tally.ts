/**
 * How a card shows its device: one tally tone (the colour, readable across the room) and one
 * word (never colour alone). What state the device is in comes from the one shared derivation
 * (src-shared/states.ts); this file only picks the card's colour for it. During a take the card
 * carries the device's take state, so the record panel does not repeat it per device.
 */
import type { DeviceView, TakeView } from '../../src-shared/api';
import { ACTIVE_TAKE_PHASES, deviceCardState, takeDeviceState, type TakeDeviceState } from '../../src-shared/states';

/** One set of state colours (styles.css `--tally-*`), each always shown with its word. */
export type TallyTone = 'rec' | 'armed' | 'ready' | 'busy' | 'warn' | 'bad' | 'off' | 'out' | 'unknown';

export interface Tally {
  /** The derivation's state id (tests, CSS). */
  state: string;
  tone: TallyTone;
  /** Short word on the tally band: "REC", "Armed", "Online"… */
  word: string;
  /** One plain sentence behind the word (tooltip), or null. */
  detail: string | null;
  /** Counting from this instant (ms epoch), for "REC 00:12". */
  since: number | null;
}

/** Take-device states that outrank the device's own state on its card while the take runs. */
const TAKE_WINS: ReadonlySet<TakeDeviceState> = new Set([
  'left-out',
  'unreachable',
  'already-recording',
  'failed-to-start',
  'may-still-be-recording',
  'unknown-after-restart',
  'stop-failed',
  'not-confirmed',
]);

const CARD_TONE: Record<string, TallyTone> = {
  unknown: 'unknown',
  armed: 'armed',
  recording: 'rec',
  stopping: 'armed',
  uploading: 'busy',
  online: 'ready',
  connecting: 'off',
  'not-answering': 'warn',
  unreachable: 'off',
};

/** The device's tally given the controller link (`live`) and the take in progress, if any. */
export function tallyFor(device: DeviceView, take: TakeView | undefined, live: boolean): Tally {
  const active = take && ACTIVE_TAKE_PHASES.has(take.phase) ? take : undefined;
  const td = active?.devices.find((d) => d.deviceKey === device.deviceKey) ?? null;
  if (live && active && td) {
    const t = takeDeviceState(active, td);
    if (TAKE_WINS.has(t.state))
      return { state: t.state, tone: t.state === 'left-out' ? 'out' : t.state === 'unreachable' ? 'off' : 'bad', word: t.word, detail: t.detail, since: null };
  }
  if (live && active && !td && !device.included)
    return { state: 'left-out', tone: 'out', word: 'Left out', detail: 'Left out of this take by the operator.', since: null };
  const c = deviceCardState(device, { live, take: active ?? null, takeDevice: td });
  // Within the take in progress, count from the take's start instant, like the record panel: the
  // phone apps report "recording" from the moment START arrives (they keep pre-roll).
  const since = c.state === 'recording' ? (active && td?.start === 'accepted' ? active.targetStart * 1000 : device.recordingSince) : null;
  return { state: c.state, tone: CARD_TONE[c.state] ?? 'off', word: c.word, detail: c.detail, since };
}

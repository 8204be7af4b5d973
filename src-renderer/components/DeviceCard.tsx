import { createContext, Fragment, memo, useContext, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { DeviceView } from '../../src-shared/api';
import { colorFor, formatAgo, formatBytes, formatOffset, formatRate } from '../lib/format';
import { tallyFor, type Tally } from '../lib/tally';
import { useTicking } from '../lib/ticker';
import { useAction } from '../lib/useAction';
import { isLive, useApi, useController, useDevice, useLive } from '../store/context';
import { Elapsed } from './Banners';
import { ProgressBar } from './ProgressBar';

function LastSeen({ at }: { at: number | null }) {
  const text = useTicking((now) => formatAgo(at, now), 1000);
  return <>{text}</>;
}

/** Reachable states: the fleet heard from the device within its stale deadline (a few seconds). */
const REACHABLE = new Set<DeviceView['state']>(['online', 'recording', 'uploading']);

function SeenFact({ device }: { device: DeviceView }) {
  const live = useLive();
  // The fleet does not send an event per poll, so lastSeen is exact only when the state changes:
  // say "just now" while the device answers, and the real age once it stops answering. Without
  // the controller nobody is asking: the last thing we heard is all we know.
  if (!live)
    return (
      <>
        Last heard <LastSeen at={device.lastSeen} />
      </>
    );
  if (REACHABLE.has(device.state)) return <>Seen just now</>;
  return (
    <>
      Last seen <LastSeen at={device.lastSeen} />
    </>
  );
}

/**
 * Device names share long prefixes ("multiCam-Glacier-4F2A", "multiCam-Glacier-9B01"): when a name
 * must be shortened, the ellipsis goes before its last part so two cards never read the same.
 */
export function splitTail(name: string): [head: string, tail: string] {
  const cut = Math.max(name.lastIndexOf('-'), name.lastIndexOf('_'), name.lastIndexOf(' '), name.lastIndexOf(':'));
  const tail = cut > 0 && name.length - cut <= 9 ? name.slice(cut) : name.length > 12 ? name.slice(-6) : '';
  return [name.slice(0, name.length - tail.length), tail];
}

function NameWithTail({ name }: { name: string }) {
  const [head, tail] = splitTail(name);
  if (!tail) return <>{name}</>;
  return (
    <>
      <span className="name-head">{head}</span>
      <span className="name-tail">{tail}</span>
    </>
  );
}

/** A long name may break only after a separator ("multiCam-Forest-…"), never inside a word. */
export function breakable(name: string): ReactNode {
  const parts = name.split(/(?<=[-_.:@ ])/);
  return parts.map((p, i) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: the pieces of one string, in order; parts may repeat and never reorder.
    <Fragment key={i}>
      {p}
      {i < parts.length - 1 && <wbr />}
    </Fragment>
  ));
}

function NameEditor({ device, onDone }: { device: DeviceView; onDone: () => void }) {
  const api = useApi();
  const [draft, setDraft] = useState(device.name);
  const rename = useAction((name: string) => api.renameDevice(device.deviceKey, name));
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => inputRef.current?.select(), []);

  async function commit() {
    const name = draft.trim();
    if (name === device.name || name === '') return onDone();
    const r = await rename.run(name.slice(0, 64));
    if (r?.ok) onDone();
  }
  function onKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Enter') {
      e.preventDefault();
      void commit();
    } else if (e.key === 'Escape') {
      e.stopPropagation();
      rename.setError(null);
      onDone();
    }
  }
  return (
    <div className="name-edit">
      <input
        ref={inputRef}
        aria-label={`New name for ${device.name}`}
        value={draft}
        maxLength={64}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKey}
        onBlur={() => void commit()}
        disabled={rename.pending}
      />
      {rename.error && (
        <span className="field-error" role="alert">
          {rename.error}
        </span>
      )}
    </div>
  );
}

/** Colour labels, by name (a screen reader says "red", not a hex code). */
export const LABEL_COLOURS: Array<[string, string]> = [
  ['#ff6b6b', 'red'],
  ['#ffd43b', 'yellow'],
  ['#69db7c', 'green'],
  ['#4dabf7', 'blue'],
  ['#da77f2', 'purple'],
  ['#ffa94d', 'orange'],
];

/**
 * Everything but the essentials, on demand: details, rename, colour label, remove. A disclosure
 * (one tab stop on the card); Escape or a click outside closes it and focus returns to its button.
 */
function MoreMenu({ device, canRemove }: { device: DeviceView; canRemove: boolean }) {
  const api = useApi();
  const live = useLive();
  const [open, setOpen] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const setColor = useAction((c: string | null) => api.setDeviceColor(device.deviceKey, c));
  const remove = useAction(() => api.removeDevice(device.deviceKey));
  const panelId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (wrapRef.current && !wrapRef.current.contains(e.target as Node)) {
        setOpen(false);
        setRenaming(false);
      }
    };
    document.addEventListener('pointerdown', onDown);
    return () => document.removeEventListener('pointerdown', onDown);
  }, [open]);

  const close = () => {
    setOpen(false);
    setRenaming(false);
    buttonRef.current?.focus();
  };
  const address = device.host ? (device.port ? `${device.host}:${device.port}` : device.host) : 'address unknown';
  const error = setColor.error ?? remove.error;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Escape bubbling up from the panel's own buttons closes it; the wrapper itself is not a control.
    <div className="more" ref={wrapRef} onKeyDown={(e) => e.key === 'Escape' && open && (e.stopPropagation(), close())}>
      <button
        type="button"
        ref={buttonRef}
        className="btn-icon"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={`More for ${device.name}`}
        title="Details, rename, colour label, remove"
        onClick={() => (open ? close() : setOpen(true))}
      >
        <span aria-hidden="true">⋯</span>
      </button>
      {open && (
        // biome-ignore lint/a11y/useSemanticElements: a labelled group of facts and buttons, not form fields: a fieldset would say otherwise.
        <div className="more-panel" id={panelId} role="group" aria-label={`${device.name}: details and actions`}>
          <p className="more-name">{breakable(device.name)}</p>
          <dl className="more-facts">
            <dt>Type</dt>
            <dd>{device.deviceType ?? (device.source === 'manual' ? 'Manual entry' : device.source)}</dd>
            <dt>Address</dt>
            <dd className="mono">{device.addresses.length > 1 ? device.addresses.join(', ') : address}</dd>
            <dt>Seen</dt>
            <dd>
              <SeenFact device={device} />
            </dd>
            {device.clock && (
              <>
                <dt>Round trip</dt>
                <dd>
                  {Math.round(device.clock.rttMs)} ms, {device.clock.samples} samples
                </dd>
              </>
            )}
          </dl>
          {renaming ? (
            <NameEditor device={device} onDone={() => setRenaming(false)} />
          ) : (
            <button type="button" className="btn-small" aria-label={`Rename ${device.name}`} disabled={!live} onClick={() => setRenaming(true)}>
              Rename
            </button>
          )}
          {/* biome-ignore lint/a11y/useSemanticElements: buttons that act at once (aria-pressed), not form fields to submit. */}
          <div className="swatches" role="group" aria-label="Colour label">
            {LABEL_COLOURS.map(([c, colourName]) => (
              <button
                key={c}
                type="button"
                className="swatch"
                style={{ background: c }}
                aria-label={`Label ${device.name} ${colourName}`}
                title={colourName}
                aria-pressed={device.color === c}
                disabled={!live}
                onClick={() => void setColor.run(device.color === c ? null : c)}
              />
            ))}
            {device.color && (
              <button type="button" className="btn-small" disabled={!live} onClick={() => void setColor.run(null)}>
                No label
              </button>
            )}
          </div>
          {canRemove && (
            <button
              type="button"
              className="btn-small btn-quiet"
              onClick={() => void remove.run()}
              disabled={!live || remove.pending}
              aria-label={`Remove ${device.name}`}
            >
              Remove
            </button>
          )}
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
        </div>
      )}
    </div>
  );
}

function UploadQueue({ device }: { device: DeviceView }) {
  const item = device.uploadQueue[0];
  if (!item) return null;
  const pct = item.uploadProgress ?? (item.fileSize && item.bytesUploaded !== null ? (item.bytesUploaded / item.fileSize) * 100 : null);
  return (
    <div className="card-upload">
      <ProgressBar label={`Upload of ${item.fileName} from ${device.name}`} pct={pct} tone="upload" />
      <span className="small">
        Upload {pct === null ? '' : `${Math.round(pct)}%`} {formatRate(item.uploadSpeed)}
        {device.uploadQueue.length > 1 ? ` · ${device.uploadQueue.length - 1} more queued` : ''}
        {item.fileSize ? ` · ${formatBytes(item.fileSize)}` : ''}
      </span>
    </div>
  );
}

/** Tests and profiling: called each time a card's body renders. */
export const CardRenderProbe = createContext<((id: string) => void) | null>(null);

function DeviceCardImpl({ id }: { id: string }) {
  useContext(CardRenderProbe)?.(id);
  const device = useDevice(id);
  const batteryWarn = useController((s) => s.settings?.batteryWarnPercent ?? 20);
  // Primitive selectors: a take's progress re-renders a card only when its own tally or role changes.
  const tallyKey = useController((s) => {
    const d = s.devices[id];
    return d ? JSON.stringify(tallyFor(d, s.activeTakeId ? s.takes[s.activeTakeId] : undefined, isLive(s))) : '';
  });
  const live = useLive();
  const inActiveTake = useController((s) => {
    const take = s.activeTakeId ? s.takes[s.activeTakeId] : undefined;
    return !!take?.devices.some((d) => d.deviceKey === id && d.start !== 'skipped' && d.start !== 'failed' && d.stop !== 'stopped');
  });
  const api = useApi();
  const include = useAction((v: boolean) => api.setDeviceIncluded(id, v));
  const headingId = useId();
  if (!device) return null;

  const tally = JSON.parse(tallyKey) as Tally;
  const color = colorFor(device.deviceKey, device.color);
  const lowBattery = device.battery !== null && device.battery <= batteryWarn;
  const problem = device.state === 'offline' || device.state === 'stale';
  const canRemove = (device.source !== 'mdns' || device.state === 'offline') && device.state !== 'recording' && !inActiveTake;

  return (
    <article
      className={`card tone-${tally.tone}${device.included ? '' : ' card-excluded'}${live ? '' : ' card-unknown'}`}
      aria-labelledby={headingId}
      style={{ borderLeftColor: color }}
    >
      <div
        className={`tally tally-${tally.tone}${tally.word.length > 12 ? ' tally-longer' : tally.word.length > 9 ? ' tally-long' : ''}`}
        data-state={tally.state}
        title={tally.detail ?? undefined}
      >
        {tally.tone === 'rec' && <span className="rec-dot" aria-hidden="true" />}
        <span className="tally-word">{tally.word}</span>
        {tally.since !== null && <Elapsed since={tally.since} />}
      </div>
      <div className="card-head">
        <h3 className="card-name" id={headingId} title={device.name} aria-label={device.name}>
          <NameWithTail name={device.name} />
        </h3>
        <span className="name-tip" aria-hidden="true">
          {breakable(device.name)}
        </span>
      </div>
      <div className="facts">
        <span className={lowBattery ? 'fact fact-bad' : 'fact'}>
          {device.battery === null ? 'Battery —' : lowBattery ? `⚠ Battery low ${Math.round(device.battery)}%` : `Battery ${Math.round(device.battery)}%`}
        </span>
        {device.clock ? (
          <span
            className={device.clock.flagged ? 'fact fact-bad' : 'fact'}
            title={`round trip ${Math.round(device.clock.rttMs)} ms, ${device.clock.samples} samples`}
          >
            {device.clock.flagged ? '⚠ Clock ' : 'Clock '}
            {formatOffset(device.clock.offsetMs, device.clock.uncertaintyMs)}
          </span>
        ) : (
          <span className="fact fact-dim">Clock —</span>
        )}
      </div>
      {problem && device.stateReason && (
        <p className="card-reason" title={device.stateDetail ?? device.stateReason}>
          {device.stateReason}
        </p>
      )}
      <UploadQueue device={device} />
      <div className="card-foot">
        <label className="switch">
          <input
            type="checkbox"
            role="switch"
            aria-checked={device.included}
            checked={device.included}
            disabled={include.pending || !live}
            onChange={(e) => void include.run(e.target.checked)}
            aria-label={`Include ${device.name} in next take`}
          />
          <span className="switch-track" aria-hidden="true" />
          <span>{device.included ? 'In next take' : 'Left out'}</span>
        </label>
        <MoreMenu device={device} canRemove={canRemove} />
      </div>
      {include.error && (
        <p className="field-error" role="alert">
          {include.error}
        </p>
      )}
    </article>
  );
}

/** One device; re-renders only when its own DeviceView, the take in progress or the battery threshold changes. */
export const DeviceCard = memo(DeviceCardImpl);

import { createContext, memo, useContext, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { DeviceView } from '../../src-shared/api';
import { colorFor, formatAgo, formatBytes, formatOffset, formatRate, letterFor } from '../lib/format';
import { useTicking } from '../lib/ticker';
import { useAction } from '../lib/useAction';
import { deviceCardState } from '../../src-shared/states';
import { useApi, useController, useDevice, useLive } from '../store/context';
import { Elapsed } from './Banners';

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
      <span className="fact fact-dim">
        Last heard <LastSeen at={device.lastSeen} />
      </span>
    );
  if (REACHABLE.has(device.state)) return <span className="fact fact-dim">Seen just now</span>;
  return (
    <span className="fact fact-dim">
      Last seen <LastSeen at={device.lastSeen} />
    </span>
  );
}

function StateBadge({ device }: { device: DeviceView }) {
  const live = useLive();
  // The active take's view of this device (a stable object: re-renders only when it changes).
  const take = useController((s) => (s.activeTakeId ? s.takes[s.activeTakeId] : undefined));
  const takeDevice = take?.devices.find((d) => d.deviceKey === device.id) ?? null;
  const st = deviceCardState(device, { live, take: take ?? null, takeDevice });
  if (st.state === 'recording') {
    // Within the take in progress, count from the take's start instant, like the record panel: the
    // phone apps report "recording" from the moment START arrives (they keep pre-roll).
    const since = take && takeDevice?.start === 'accepted' ? take.targetStart * 1000 : device.recordingSince;
    return (
      <span className="state state-recording" data-state={st.state}>
        <span className="rec-dot" aria-hidden="true" />
        REC {since ? <Elapsed since={since} /> : null}
      </span>
    );
  }
  return (
    <span className={`state state-${st.state} tone-${st.tone}`} data-state={st.state} title={st.detail ?? undefined}>
      {st.word}
    </span>
  );
}

function NameEditor({ device }: { device: DeviceView }) {
  const api = useApi();
  const live = useLive();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(device.name);
  const rename = useAction((name: string) => api.renameDevice(device.id, name));
  const inputRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (editing) inputRef.current?.select();
  }, [editing]);

  async function commit() {
    const name = draft.trim();
    if (name === device.name || name === '') {
      setEditing(false);
      return;
    }
    const r = await rename.run(name.slice(0, 64));
    if (r?.ok) setEditing(false);
  }
  function onKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'Enter') {
      e.preventDefault();
      void commit();
    } else if (e.key === 'Escape') {
      setEditing(false);
      rename.setError(null);
    }
  }

  if (!editing)
    return (
      <h3 className="device-name">
        <button
          type="button"
          className="name-button"
          title={`${device.name} (click to rename)`}
          aria-label={`Rename ${device.name}`}
          disabled={!live}
          onClick={() => {
            setDraft(device.name);
            setEditing(true);
          }}
        >
          {device.name}
        </button>
      </h3>
    );
  return (
    <div className="device-name-edit">
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

function UploadQueue({ device }: { device: DeviceView }) {
  const item = device.uploadQueue[0];
  if (!item) return null;
  const pct = item.uploadProgress ?? (item.fileSize && item.bytesUploaded !== null ? (item.bytesUploaded / item.fileSize) * 100 : null);
  return (
    <div className="card-upload">
      <div className="progress" role="progressbar" aria-label={`Upload of ${item.fileName} from ${device.name}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct === null ? undefined : Math.round(pct)}>
        <div className="progress-fill progress-upload" style={{ width: `${Math.max(0, Math.min(100, pct ?? 0))}%` }} />
      </div>
      <span className="small">
        Upload {pct === null ? '' : `${Math.round(pct)}%`} {formatRate(item.uploadSpeed)}
        {device.uploadQueue.length > 1 ? ` · ${device.uploadQueue.length - 1} more queued` : ''}
        {item.fileSize ? ` · ${formatBytes(item.fileSize)}` : ''}
      </span>
    </div>
  );
}

const SWATCHES: Array<[string, string]> = [['#ff6b6b', 'red'], ['#ffd43b', 'yellow'], ['#69db7c', 'green'], ['#4dabf7', 'blue'], ['#da77f2', 'purple'], ['#ffa94d', 'orange']];

/** Tests and profiling: called each time a card's body renders. */
export const CardRenderProbe = createContext<((id: string) => void) | null>(null);

function DeviceCardImpl({ id }: { id: string }) {
  useContext(CardRenderProbe)?.(id);
  const device = useDevice(id);
  const batteryWarn = useController((s) => s.settings?.batteryWarnPercent ?? 20);
  // A boolean selector: a take's progress re-renders a card only when this flips.
  const inActiveTake = useController((s) => {
    const take = s.activeTakeId ? s.takes[s.activeTakeId] : undefined;
    return !!take?.devices.some((d) => d.deviceKey === id && d.start !== 'skipped' && d.start !== 'failed' && d.stop !== 'stopped');
  });
  const api = useApi();
  const include = useAction((v: boolean) => api.setDeviceIncluded(id, v));
  const setColor = useAction((c: string | null) => api.setDeviceColor(id, c));
  const remove = useAction(() => api.removeDevice(id));
  const live = useLive();
  if (!device) return null;

  const color = colorFor(device.id, device.color);
  const lowBattery = device.battery !== null && device.battery <= batteryWarn;
  const address = device.host ? (device.port ? `${device.host}:${device.port}` : device.host) : 'address unknown';
  const problem = device.state === 'offline' || device.state === 'stale';
  const error = include.error ?? setColor.error ?? remove.error;

  return (
    <article className={`card card-${live ? device.state : 'unknown'}${device.included ? '' : ' card-excluded'}`} aria-label={device.name} style={{ borderTopColor: color }}>
      <div className="card-top">
        <span className="letter" style={{ background: color }} aria-hidden="true">
          {letterFor(device.name)}
        </span>
        <NameEditor device={device} />
        <StateBadge device={device} />
      </div>
      <div className="card-meta">
        <span>{device.deviceType ?? (device.source === 'manual' ? 'Manual entry' : device.source)}</span>
        <span className="mono" title={device.addresses.length > 1 ? device.addresses.join(', ') : undefined}>
          {address}
        </span>
      </div>
      {problem && device.stateReason && <div className="card-reason">{device.stateReason}</div>}
      <div className="facts">
        <span className={lowBattery ? 'fact fact-bad' : 'fact'}>
          {device.battery === null ? 'Battery —' : lowBattery ? `⚠ Battery low ${Math.round(device.battery)}%` : `Battery ${Math.round(device.battery)}%`}
        </span>
        {device.clock ? (
          <span className={device.clock.flagged ? 'fact fact-bad' : 'fact'} title={`round trip ${Math.round(device.clock.rttMs)} ms, ${device.clock.samples} samples`}>
            {device.clock.flagged ? '⚠ Clock ' : 'Clock '}
            {formatOffset(device.clock.offsetMs, device.clock.uncertaintyMs)}
          </span>
        ) : (
          <span className="fact fact-dim">Clock —</span>
        )}
        <SeenFact device={device} />
      </div>
      <UploadQueue device={device} />
      <div className="card-bottom">
        <label className="switch">
          <input type="checkbox" role="switch" checked={device.included} disabled={include.pending || !live} onChange={(e) => void include.run(e.target.checked)} aria-label={`Include ${device.name} in next take`} />
          <span className="switch-track" aria-hidden="true" />
          <span>{device.included ? 'In next take' : 'Left out'}</span>
        </label>
        <span className="swatches">
          {SWATCHES.map(([c, colourName]) => (
            <button key={c} type="button" className={`swatch${device.color === c ? ' swatch-on' : ''}`} style={{ background: c }} aria-label={`Label ${device.name} ${colourName}`} title={colourName} aria-pressed={device.color === c} disabled={!live} onClick={() => void setColor.run(device.color === c ? null : c)} />
          ))}
        </span>
        {(device.source !== 'mdns' || device.state === 'offline') && device.state !== 'recording' && !inActiveTake && (
          <button type="button" className="btn-link" onClick={() => void remove.run()} disabled={!live || remove.pending} aria-label={`Remove ${device.name}`}>
            Remove
          </button>
        )}
      </div>
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </article>
  );
}

/** One device; re-renders only when its own DeviceView (or the battery threshold) changes. */
export const DeviceCard = memo(DeviceCardImpl);

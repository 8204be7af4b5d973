import { formatOffset } from '../lib/format';
import { useAction } from '../lib/useAction';
import { useApi, useController, useLive } from '../store/context';
import { AddDevice } from './AddDevice';

function ClockStatus() {
  const clock = useController((s) => s.controllerClock);
  const live = useLive();
  if (!clock) return null;
  if (!live)
    return (
      <span className="chip chip-unknown" title="Not connected to the controller">
        Controller clock unknown
      </span>
    );
  if (clock.state === 'sntp' && clock.offsetMs !== null)
    return (
      <span className="chip chip-ok" title={`Controller clock checked against the SNTP server ${clock.server}`}>
        Clock verified {formatOffset(clock.offsetMs, clock.uncertaintyMs)}
      </span>
    );
  return (
    <span className="chip chip-warn" role="status" title={clock.error ? `${clock.server}: ${clock.error}` : undefined}>
      {/* One plain sentence; the resolver or socket text is in the tooltip. */}⚠ Controller clock unverified
      {clock.error ? ` — time server ${clock.server} could not be used` : ''}
    </span>
  );
}

function DiscoveryStatus() {
  const discovery = useController((s) => s.discovery);
  const api = useApi();
  const refresh = useAction(() => api.refreshDiscovery());
  const live = useLive();
  if (!discovery) return null;
  const text = !live
    ? 'Discovery unknown'
    : discovery.state === 'running'
      ? 'Discovery on'
      : discovery.state === 'stopped'
        ? 'Discovery stopped'
        : 'Discovery unavailable';
  return (
    <span className="discovery">
      {/* The interfaces go in the tooltip: listed in the chip they pushed Settings onto a second header line at 1280 px. */}
      <span
        className={`chip ${!live ? 'chip-unknown' : discovery.state === 'running' ? 'chip-ok' : 'chip-warn'}`}
        title={live && discovery.state === 'running' && discovery.interfaces.length ? `mDNS on ${discovery.interfaces.join(', ')}` : undefined}
      >
        {text}
      </span>
      <button type="button" className="btn-secondary" onClick={() => void refresh.run()} disabled={refresh.pending || !live} aria-label="Refresh discovery">
        {refresh.pending ? 'Refreshing…' : 'Refresh'}
      </button>
      {refresh.error && (
        <span className="field-error" role="alert">
          {refresh.error}
        </span>
      )}
    </span>
  );
}

export function AddVirtualButton({ big = false, label = 'Virtual cameras' }: { big?: boolean; label?: string }) {
  const api = useApi();
  const can = useController((s) => s.capabilities.virtualDevices);
  const add = useAction(() => api.addVirtualDevices(4));
  const live = useLive();
  if (!can) return null;
  return (
    <span className="virtual">
      <button type="button" className={big ? 'btn-primary btn-big' : 'btn-secondary'} onClick={() => void add.run()} disabled={add.pending || !live}>
        {add.pending ? 'Adding…' : label}
      </button>
      {add.error && (
        <span className="field-error" role="alert">
          {add.error}
        </span>
      )}
    </span>
  );
}

export function Header({ onOpenSettings, onOpenHelp }: { onOpenSettings: () => void; onOpenHelp: () => void }) {
  const hasDevices = useController((s) => s.deviceIds.length > 0);
  return (
    <header className="app-header">
      <h1>MultiCam Controller</h1>
      <ClockStatus />
      <DiscoveryStatus />
      <AddDevice />
      <span className="spacer" />
      {hasDevices && <AddVirtualButton />}
      <button
        type="button"
        className="btn-secondary btn-icon"
        onClick={onOpenHelp}
        aria-keyshortcuts="?"
        aria-label="Keyboard shortcuts"
        title="Keyboard shortcuts (?)"
      >
        ?
      </button>
      <button type="button" className="btn-secondary" onClick={onOpenSettings}>
        Settings
      </button>
    </header>
  );
}

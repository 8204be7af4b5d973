import { formatDuration } from '../lib/format';
import { useTicking } from '../lib/ticker';
import { useController } from '../store/context';

/** "Disconnected from controller — reconnecting…" whenever the link is not open. */
function RetryIn({ at, attempt }: { at: number; attempt: number }) {
  const seconds = useTicking((now) => Math.max(0, Math.ceil((at - now) / 1000)).toString(), 500);
  return <>{` Next try in ${seconds} s (attempt ${attempt}).`}</>;
}

export function ConnectionBanner() {
  const connection = useController((s) => s.connection);
  if (connection.phase === 'open') return null;
  if (connection.phase === 'connecting')
    return (
      <div className="banner banner-info" role="status">
        Connecting to the controller…
      </div>
    );
  if (connection.phase === 'closed')
    return (
      <div className="banner banner-error" role="alert">
        Disconnected from controller. Reload the page to connect again.
      </div>
    );
  return (
    <div className="banner banner-error" role="alert">
      <strong>Disconnected from controller — reconnecting…</strong>
      <span className="banner-detail">
        {connection.error ? ` (${connection.error})` : ''}
        {connection.nextRetryAt ? <RetryIn at={connection.nextRetryAt} attempt={connection.attempt} /> : null}
      </span>
    </div>
  );
}

export function DiscoveryBanner() {
  const discovery = useController((s) => s.discovery);
  if (discovery?.state !== 'unavailable') return null;
  return (
    <div className="banner banner-warn" role="alert">
      <strong>Discovery unavailable: {discovery.reason ?? 'unknown reason'}.</strong> Devices will not appear on their own; add them by address.
    </div>
  );
}

export function LoadErrorBanner() {
  const loadError = useController((s) => s.loadError);
  const status = useController((s) => s.status);
  if (!loadError) return null;
  return (
    <div className="banner banner-error" role="alert">
      {status === 'ready' ? 'Could not refresh from the controller: ' : 'Could not load the controller state: '}
      {loadError}
    </div>
  );
}

/** Elapsed time since `since` (ms epoch), ticking locally. */
export function Elapsed({ since }: { since: number }) {
  const text = useTicking((now) => formatDuration(now - since), 500);
  return <span className="elapsed">{text}</span>;
}

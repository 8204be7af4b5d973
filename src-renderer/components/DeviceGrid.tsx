import { isIncluded, isUnreachable, useController, useDeviceCount, useDeviceIds } from '../store/context';
import { DeviceCard } from './DeviceCard';
import { AddVirtualButton } from './Header';

function EmptyState() {
  const canVirtual = useController((s) => s.capabilities.virtualDevices);
  const discovering = useController((s) => s.discovery?.state === 'running');
  return (
    <div className="empty">
      <h2>No devices yet</h2>
      <p>
        {discovering ? 'Phones running the MultiCam app on this network appear here by themselves within a few seconds. ' : ''}
        If one does not show up, type its address (shown in the app, for example <span className="mono">192.168.1.20:8080</span>) in the box above and press Add
        device.
      </p>
      {canVirtual && (
        <>
          <p>No phones at hand? Try the whole workflow with four virtual cameras on this computer:</p>
          <AddVirtualButton big label="Add 4 virtual cameras" />
        </>
      )}
    </div>
  );
}

/**
 * The grid of device cards. Subscribes only to the id list, so a device update re-renders its
 * own card alone (CardRenderProbe lets tests count card renders).
 */
export function DeviceGrid() {
  const ids = useDeviceIds();
  const status = useController((s) => s.status);
  const included = useDeviceCount(isIncluded);
  const unreachable = useDeviceCount(isUnreachable);
  if (status !== 'ready') return null;
  if (ids.length === 0) return <EmptyState />;
  return (
    <section className="devices" aria-label="Devices">
      <h2 className="section-title">
        Devices{' '}
        <span className="count">
          {ids.length} · {included} in next take
          {unreachable > 0 && <span className="count-bad"> · {unreachable} offline or stale</span>}
        </span>
      </h2>
      <div className={`grid${ids.length > 16 ? ' grid-many' : ''}`}>
        {ids.map((id) => (
          <DeviceCard key={id} id={id} />
        ))}
      </div>
    </section>
  );
}

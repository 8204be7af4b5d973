import { useCallback, useRef, useState } from 'react';
import { ConnectionBanner, DiscoveryBanner, LoadErrorBanner } from './components/Banners';
import { DeviceGrid } from './components/DeviceGrid';
import { Header } from './components/Header';
import { RecordPanel } from './components/RecordPanel';
import { SettingsDialog } from './components/SettingsDialog';
import { TakesPanel } from './components/TakesPanel';
import { useController } from './store/context';

export function App() {
  const [settingsOpen, setSettingsOpen] = useState(false);
  const status = useController((s) => s.status);
  const lastFocus = useRef<HTMLElement | null>(null);
  const open = useCallback(() => {
    lastFocus.current = document.activeElement as HTMLElement | null;
    setSettingsOpen(true);
  }, []);
  const close = useCallback(() => {
    setSettingsOpen(false);
    lastFocus.current?.focus();
  }, []);
  return (
    <div className="app">
      {/* With many devices the takes are hundreds of Tab stops away: one jump for keyboard users. */}
      <button type="button" className="skip-link" onClick={() => document.getElementById('takes-panel')?.focus()}>
        Skip to takes
      </button>
      <Header onOpenSettings={open} />
      <ConnectionBanner />
      <DiscoveryBanner />
      <LoadErrorBanner />
      {status === 'loading' ? (
        <main className="loading" aria-busy="true">
          Loading devices and takes…
        </main>
      ) : (
        <main className="layout">
          <div className="layout-main">
            <RecordPanel shortcutsEnabled={!settingsOpen} />
            <DeviceGrid />
          </div>
          <aside className="layout-side">
            <TakesPanel />
          </aside>
        </main>
      )}
      {settingsOpen && <SettingsDialog onClose={close} />}
    </div>
  );
}

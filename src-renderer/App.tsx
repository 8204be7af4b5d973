import { useCallback, useEffect, useRef, useState } from 'react';
import { ConnectionBanner, DiscoveryBanner, LoadErrorBanner } from './components/Banners';
import { DeviceGrid } from './components/DeviceGrid';
import { Header } from './components/Header';
import { HelpOverlay } from './components/HelpOverlay';
import { RecordPanel } from './components/RecordPanel';
import { SettingsDialog } from './components/SettingsDialog';
import { TakesPanel } from './components/TakesPanel';
import { useController } from './store/context';

/** Open/close a modal, giving focus back to where it was. */
function useModal(): [boolean, () => void, () => void] {
  const [open, setOpen] = useState(false);
  const lastFocus = useRef<HTMLElement | null>(null);
  const show = useCallback(() => {
    lastFocus.current = document.activeElement as HTMLElement | null;
    setOpen(true);
  }, []);
  const hide = useCallback(() => {
    setOpen(false);
    lastFocus.current?.focus();
  }, []);
  return [open, show, hide];
}

export function App() {
  const [settingsOpen, openSettings, closeSettings] = useModal();
  const [helpOpen, openHelp, closeHelp] = useModal();
  const status = useController((s) => s.status);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== '?' || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
      if (document.querySelector('[aria-modal="true"]')) return;
      e.preventDefault();
      openHelp();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [openHelp]);

  return (
    <div className="app">
      {/* With many devices the takes are many Tab stops away: one jump for keyboard users. */}
      <button type="button" className="skip-link" onClick={() => document.getElementById('takes-panel')?.focus()}>
        Skip to takes
      </button>
      <Header onOpenSettings={openSettings} onOpenHelp={openHelp} />
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
            <RecordPanel shortcutsEnabled={!settingsOpen && !helpOpen} />
            <DeviceGrid />
          </div>
          <aside className="layout-side">
            <TakesPanel />
          </aside>
        </main>
      )}
      {settingsOpen && <SettingsDialog onClose={closeSettings} />}
      {helpOpen && <HelpOverlay onClose={closeHelp} />}
    </div>
  );
}

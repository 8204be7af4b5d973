/** Mounts the app on a transport: one store, synced from the controller. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { Transport } from './api/transport';
import { App } from './App';
import { ControllerProvider } from './store/context';
import { createControllerStore, startSync } from './store/store';
import './styles.css';

export function boot(transport: Transport, el: HTMLElement) {
  const store = createControllerStore();
  startSync(store, transport);
  createRoot(el).render(
    <StrictMode>
      <ControllerProvider store={store} api={transport.api} fileUrl={transport.fileUrl}>
        <App />
      </ControllerProvider>
    </StrictMode>,
  );
  return store;
}

export function bootError(message: string, el: HTMLElement) {
  createRoot(el).render(
    <div className="app">
      <div className="banner banner-error" role="alert">
        {message}
      </div>
    </div>,
  );
}

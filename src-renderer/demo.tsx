/**
 * DEMO / SCREENSHOT ENTRY (demo.html) — runs the UI on the in-memory fake controller.
 * Not part of the production build (vite builds it only with `--mode demo`).
 * Query: `?scenario=studio` (12 devices, a take rolling) or `?scenario=empty`; `&browser=1`
 * pretends to be browser mode (no drag-out / reveal); `&frozen=1` stops the simulation clock.
 */
import { createFakeApi, createFakeTransport } from './api/fake';
import { boot } from './boot';

const q = new URLSearchParams(location.search);
const scenario = q.get('scenario') === 'empty' ? 'empty' : 'studio';
const browser = q.get('browser') === '1';
const fake = createFakeApi({ scenario, capabilities: browser ? { dragOut: false, reveal: false } : {} });
if (q.get('discovery') === 'off') fake.world.discovery = { state: 'unavailable', reason: 'no IPv4 interface is up', interfaces: [] };
if (q.get('clock') === 'off')
  fake.world.controllerClock = {
    state: 'unverified',
    server: 'pool.ntp.org',
    offsetMs: null,
    uncertaintyMs: null,
    lastSync: null,
    error: 'no answer from pool.ntp.org',
  };
boot(createFakeTransport(fake), document.getElementById('root')!);
if (q.get('frozen') !== '1') setInterval(() => fake.step(250), 250);
(window as unknown as { fakeApi: unknown }).fakeApi = fake;

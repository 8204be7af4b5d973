/**
 * UI cost of a big fleet in browser mode: the real renderer (dist/renderer) in Debian's Chromium,
 * the real controller + bridge, 100 in-process sim devices on loopback polled at 1 Hz.
 *
 * Phases of a steady window each (60 s; --quick: 15 s): K = 0, 10 and 50 devices change their
 * battery every second (`setBattery`, so the controller sees a real change on its next poll).
 * In the page: a PerformanceObserver('longtask') and a MutationObserver on the device grid.
 * Per phase it reports the longest task, long tasks > 50 ms, deviceChanged events/s (WebSocket
 * frames), DOM mutation records/s split into data (everything except the per-card "Seen … ago"
 * ticker) and ticker, and distinct cards with a data mutation per second vs K. The point: card
 * updates scale with the devices that changed, not with the grid size — the 50/10 ratio of
 * card updates/s should be ≈ 5 (and ≈ the events ratio).
 *
 * The renderer exposes no production commit counter, so DOM mutations of device cards stand in
 * for React commits (a memoised card that does not re-render does not touch the DOM).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { BenchContext } from './run';
import { createController } from '../src-main/core/controller';
import { startBridge } from '../src-main/bridge/server';
import { startSimDevice, type SimDevice } from '../sim/index';
import { startSntpServer } from '../sim/sntp-server';

const N = 100;
const ROOT = resolve(import.meta.dirname, '..');
const RENDERER = join(ROOT, 'dist/renderer');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface PagePhase {
  seconds: number;
  longest: number;
  longOver50: number;
  longTotalMs: number;
  dataMutations: number;
  tickerMutations: number;
  /** Sum over seconds of distinct cards with a data mutation in that second. */
  cardSeconds: number;
}

/** Installed in the page before measuring. */
function installProbes(): void {
  type Probe = { t0: number; long: number[]; data: number; ticker: number; buckets: Map<number, Set<string>> };
  const w = window as unknown as { __probe: Probe };
  const probe: Probe = { t0: performance.now(), long: [], data: 0, ticker: 0, buckets: new Map() };
  w.__probe = probe;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__probe.long.push(e.duration);
  }).observe({ type: 'longtask', buffered: false });
  const grid = document.querySelector('.grid');
  if (!grid) throw new Error('no device grid');
  new MutationObserver((records) => {
    const p = w.__probe;
    const sec = Math.floor((performance.now() - p.t0) / 1000);
    for (const r of records) {
      const el = r.target instanceof Element ? r.target : r.target.parentElement;
      const fact = el?.closest('.fact');
      if (fact && /^Seen /.test(fact.textContent ?? '')) {
        p.ticker++;
        continue;
      }
      p.data++;
      const card = el?.closest('article')?.getAttribute('aria-label') ?? '?';
      let s = p.buckets.get(sec);
      if (!s) p.buckets.set(sec, (s = new Set()));
      s.add(card);
    }
  }).observe(grid, { subtree: true, childList: true, characterData: true, attributes: true });
}

function resetProbes(): void {
  const p = (window as unknown as { __probe: { t0: number; long: number[]; data: number; ticker: number; buckets: Map<number, Set<string>> } }).__probe;
  p.t0 = performance.now();
  p.long = [];
  p.data = 0;
  p.ticker = 0;
  p.buckets = new Map();
}

function readProbes(): Omit<PagePhase, 'seconds'> {
  const p = (window as unknown as { __probe: { t0: number; long: number[]; data: number; ticker: number; buckets: Map<number, Set<string>> } }).__probe;
  let cardSeconds = 0;
  for (const s of p.buckets.values()) cardSeconds += s.size;
  return {
    longest: p.long.length ? Math.max(...p.long) : 0,
    longOver50: p.long.filter((d) => d > 50).length,
    longTotalMs: p.long.reduce((a, b) => a + b, 0),
    dataMutations: p.data,
    tickerMutations: p.ticker,
    cardSeconds,
  };
}

export default async function uiBench(ctx: BenchContext): Promise<void> {
  const seconds = ctx.quick ? 15 : 60;
  const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(chromiumPath)) {
    ctx.report(`skipped: no Chromium at ${chromiumPath}`);
    return;
  }
  if (!existsSync(join(RENDERER, 'index.html'))) {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/vite'), ['build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('vite build failed');
  }

  const root = mkdtempSync(join(tmpdir(), 'multicam-ui-bench-'));
  const cleanups: Array<() => Promise<unknown> | unknown> = [() => rmSync(root, { recursive: true, force: true })];
  try {
    const sntp = await startSntpServer();
    cleanups.push(() => sntp.stop());
    const sims: SimDevice[] = [];
    cleanups.push(() => Promise.all(sims.map((s) => s.stop())));
    const personalities = ['ios', 'android', 'spec'] as const; // battery-reporting personalities
    for (let i = 0; i < N; i += 20) {
      sims.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(20, N - i) }, (_, j) => startSimDevice({ personality: personalities[(i + j) % 3]!, battery: 50 })),
        )),
      );
    }
    const controller = await createController({
      userDataDir: join(root, 'user'),
      settingsOverride: { recordingsDir: join(root, 'takes'), ntpServer: `127.0.0.1:${sntp.port}`, pollIntervalMs: 1000 },
      discovery: false,
    });
    cleanups.push(() => controller.shutdown());
    for (const s of sims) {
      const r = await controller.addDevice(`${s.host}:${s.port}`);
      if (!r.ok) throw new Error(r.error.message);
    }
    const bridge = await startBridge({ api: controller, staticDir: RENDERER, port: 0 });
    cleanups.push(() => bridge.close());

    const browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    cleanups.push(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    let events = 0;
    let frames = 0;
    // What each deviceChanged changed compared with that device's previous view (field names).
    const lastView = new Map<string, Record<string, unknown>>();
    let changedFields = new Map<string, number>();
    page.on('websocket', (ws) =>
      ws.on('framereceived', (f) => {
        frames++;
        if (typeof f.payload !== 'string' || !f.payload.includes('"type":"deviceChanged"')) return;
        events++;
        const d = (JSON.parse(f.payload) as { event: { device: Record<string, unknown> & { deviceKey: string } } }).event.device;
        const prev = lastView.get(d.deviceKey);
        lastView.set(d.deviceKey, d);
        if (!prev) return;
        for (const key of Object.keys(d)) {
          const a = prev[key];
          const b = d[key];
          if (key === 'clock' && a && b && typeof a === 'object' && typeof b === 'object') {
            for (const ck of Object.keys(b)) {
              if ((a as Record<string, unknown>)[ck] !== (b as Record<string, unknown>)[ck])
                changedFields.set(`clock.${ck}`, (changedFields.get(`clock.${ck}`) ?? 0) + 1);
            }
          } else if (JSON.stringify(a) !== JSON.stringify(b)) changedFields.set(key, (changedFields.get(key) ?? 0) + 1);
        }
      }),
    );
    await page.goto(bridge.url);
    await page
      .locator('article.card')
      .nth(N - 1)
      .waitFor({ timeout: 120_000 });
    await page.waitForFunction((n) => document.querySelectorAll('article.card.card-online').length === n, N, { timeout: 120_000, polling: 500 });
    // Let clock estimates settle (they change the card while samples accumulate).
    await sleep(5000);
    await page.evaluate(installProbes);
    // Self-check: an 80 ms busy loop must show up as a long task, or the figures below mean nothing.
    await page.evaluate(() => {
      setTimeout(() => {
        const t = performance.now();
        while (performance.now() - t < 80);
      }, 0);
    });
    await page.waitForFunction(() => (window as unknown as { __probe: { long: number[] } }).__probe.long.some((d) => d >= 80), null, { timeout: 10_000 });
    ctx.report(`${N} devices online in the grid; poll 1 Hz; ${seconds} s per phase`);

    const results: Array<{ k: number; r: PagePhase; events: number; frames: number }> = [];
    let tick = 0;
    for (const k of [0, 10, 50]) {
      // Warm-up second with the new pattern, then measure.
      const changer = setInterval(() => {
        tick++;
        for (let i = 0; i < k; i++) sims[i]!.setBattery(tick % 2 ? 51 : 52);
      }, 1000);
      await sleep(2000);
      await page.evaluate(resetProbes);
      changedFields = new Map();
      const e0 = events;
      const f0 = frames;
      const t0 = performance.now();
      await sleep(seconds * 1000);
      const r = { ...(await page.evaluate(readProbes)), seconds: (performance.now() - t0) / 1000 };
      clearInterval(changer);
      results.push({ k, r, events: events - e0, frames: frames - f0 });
      const fields = [...changedFields].sort((x, y) => y[1] - x[1]).map(([f, n]) => `${f} ${(n / ((performance.now() - t0) / 1000)).toFixed(1)}/s`);
      const s = r.seconds;
      ctx.report(
        `K=${String(k).padStart(2)} changing/s: events ${(results.at(-1)!.events / s).toFixed(1)}/s (frames ${(results.at(-1)!.frames / s).toFixed(1)}/s); ` +
          `cards updated ${(r.cardSeconds / s).toFixed(1)}/s; data mutations ${(r.dataMutations / s).toFixed(0)}/s, ticker mutations ${(r.tickerMutations / s).toFixed(0)}/s; ` +
          `long tasks >50 ms: ${r.longOver50} (longest ${r.longest.toFixed(0)} ms, ${(r.longTotalMs / s).toFixed(1)} ms/s in long tasks)`,
      );
      ctx.report(
        `      fields changed by those events: ${fields.join(', ') || 'none'}; cards updated per event ${(r.cardSeconds / Math.max(1, results.at(-1)!.events)).toFixed(2)}`,
      );
    }
    const a = results.find((x) => x.k === 10)!;
    const b = results.find((x) => x.k === 50)!;
    const rate = (x: typeof a, v: number) => v / x.r.seconds;
    const ratioCards = rate(b, b.r.cardSeconds) / Math.max(1e-9, rate(a, a.r.cardSeconds));
    const ratioEvents = rate(b, b.events) / Math.max(1e-9, rate(a, a.events));
    const ratioData = rate(b, b.r.dataMutations) / Math.max(1e-9, rate(a, a.r.dataMutations));
    ctx.report(
      `50 vs 10 changing: cards updated ×${ratioCards.toFixed(2)}, events ×${ratioEvents.toFixed(2)}, data mutations ×${ratioData.toFixed(2)} (ideal ×5.00: scales with devices changed, not grid size ${N})`,
    );
    ctx.report(
      `events above the K=0 baseline per changed device: K=10 ${((rate(a, a.events) - rate(results[0]!, results[0]!.events)) / 10).toFixed(2)}, K=50 ${((rate(b, b.events) - rate(results[0]!, results[0]!.events)) / 50).toFixed(2)}`,
    );
    ctx.report(
      `cards updated per changed device: K=10 ${(rate(a, a.r.cardSeconds) / 10).toFixed(2)}, K=50 ${(rate(b, b.r.cardSeconds) / 50).toFixed(2)} (1.00 = exactly the changed cards)`,
    );
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        /* keep cleaning */
      }
    }
  }
}

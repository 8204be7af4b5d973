/**
 * Discovery time in the lab (real multicast over a bridge), against the 1.5 s target:
 *  A. controller start: N devices already running → a fresh discovery sees all N (p50/p95 over rounds);
 *  B. devices (re)started while discovery runs: from `host.start()` resolving (the device printed
 *     that it listens) to its sighting, per device, and from spawning all N to all sighted.
 * N = 16 (8 with --quick). Skips with a message when the lab is unavailable (needs root + netns).
 * A also runs the real fleet on the same discovery and reports when all N are `online` (first
 * DEVICE_STATUS answered), which is what the operator sees.
 */
import type { BenchContext } from './run';
import { createLab, labAvailable, LAB_PERSONALITIES, type Lab } from '../sim/lab/lab';
import { createDiscovery } from '../src-main/core/discovery/discovery';
import type { Discovery } from '../src-main/core/discovery/types';
import { send } from '../src-main/core/device-client';
import { Fleet } from '../src-main/core/fleet';

const TARGET_MS = 1500;

function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}
const fmt = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms)} ms` : 'n/a');

/** Resolves with the time each wanted instance was first sighted (performance.now()), or what was seen by the deadline. */
function sightingTimes(d: Discovery, wanted: () => Set<string>, timeoutMs: number): Promise<Map<string, number>> {
  return new Promise((resolve) => {
    const seen = new Map<string, number>();
    const finish = () => {
      off.dispose();
      clearTimeout(timer);
      resolve(seen);
    };
    const off = d.onDidSeeDevice((s) => {
      if (!seen.has(s.instance)) seen.set(s.instance, performance.now());
      const w = wanted();
      if ([...w].every((i) => seen.has(i))) finish();
    });
    const timer = setTimeout(finish, timeoutMs);
  });
}

export default async function discoveryBench(ctx: BenchContext): Promise<void> {
  const avail = labAvailable();
  if (!avail.ok) {
    ctx.report(`skipped: lab unavailable (${avail.reason})`);
    return;
  }
  const n = ctx.quick ? 8 : 16;
  const roundsA = ctx.quick ? 5 : 10;
  const roundsB = ctx.quick ? 3 : 5;
  let lab: Lab | null = null;
  try {
    const t0 = performance.now();
    lab = await createLab({ prefix: 'mcb', hosts: Array.from({ length: n }, (_, i) => ({ personality: LAB_PERSONALITIES[i % 4]! })) });
    ctx.report(
      `lab: ${n} hosts up in ${fmt(performance.now() - t0)} (netns+veth+bridge+device start); tc netem ${lab.netemAvailable ? 'available' : 'unavailable'}`,
    );
    const L = lab;

    // A. controller start with devices already running.
    const allA: number[] = [];
    const onlineA: number[] = [];
    let missA = 0;
    for (let r = 0; r < roundsA; r++) {
      const d = createDiscovery({ interfaces: [L.bridgeAddress], requeryIntervalMs: 1_000 });
      const fleet = new Fleet({ send, discovery: d, clock: { now: () => performance.timeOrigin + performance.now() } });
      const onlineAt = new Map<string, number>();
      fleet.onDidChangeDevice((dv) => {
        if (dv.state === 'online' && !onlineAt.has(dv.deviceKey)) onlineAt.set(dv.deviceKey, performance.now());
      });
      const want = new Set(L.hosts.map((h) => h.instance));
      const start = performance.now();
      const done = sightingTimes(d, () => want, 20_000);
      fleet.start();
      d.start();
      const seen = await done;
      const deadline = performance.now() + 20_000;
      while (onlineAt.size < want.size && performance.now() < deadline) await new Promise((res) => setTimeout(res, 10));
      await fleet.stop();
      await d.stop();
      if (seen.size < want.size || onlineAt.size < want.size) missA++;
      else {
        allA.push(Math.max(...seen.values()) - start);
        onlineA.push(Math.max(...onlineAt.values()) - start);
      }
    }
    ctx.report(
      `A. discovery start → all ${n} sighted: p50 ${fmt(pct(allA, 50))}, p95 ${fmt(pct(allA, 95))} over ${allA.length} rounds` +
        `${missA ? ` (${missA} rounds incomplete after 20 s)` : ''}; p95/target ${(pct(allA, 95) / TARGET_MS).toFixed(2)}`,
    );
    ctx.report(
      `A. discovery start → all ${n} online in the fleet: p50 ${fmt(pct(onlineA, 50))}, p95 ${fmt(pct(onlineA, 95))}; p95/target ${(pct(onlineA, 95) / TARGET_MS).toFixed(2)}`,
    );

    // B. devices started while discovery runs.
    const perDevice: number[] = [];
    const allB: number[] = [];
    let missB = 0;
    for (let r = 0; r < roundsB; r++) {
      await Promise.all(L.hosts.map((h) => h.kill()));
      const d = createDiscovery({ interfaces: [L.bridgeAddress], requeryIntervalMs: 1_000 });
      const seen = new Map<string, number>();
      d.onDidSeeDevice((x) => {
        if (!seen.has(x.instance)) seen.set(x.instance, performance.now());
      });
      d.start();
      const ready = new Map<string, number>();
      const start = performance.now();
      await Promise.all(
        L.hosts.map(async (h) => {
          await h.start();
          ready.set(h.instance, performance.now());
        }),
      );
      const deadline = performance.now() + 30_000;
      while (![...ready.keys()].every((i) => seen.has(i)) && performance.now() < deadline) await new Promise((res) => setTimeout(res, 20));
      await d.stop();
      let complete = true;
      for (const [inst, tReady] of ready) {
        const tSeen = seen.get(inst);
        if (tSeen === undefined) complete = false;
        else perDevice.push(Math.max(0, tSeen - tReady));
      }
      if (complete) allB.push(Math.max(...[...ready.keys()].map((i) => seen.get(i)!)) - start);
      else missB++;
    }
    ctx.report(
      `B. device listening → its sighting: p50 ${fmt(pct(perDevice, 50))}, p95 ${fmt(pct(perDevice, 95))} over ${perDevice.length} starts; p95/target ${(pct(perDevice, 95) / TARGET_MS).toFixed(2)}`,
    );
    ctx.report(
      `B. spawn ${n} devices → all sighted (includes node+tsx start-up of every device on this machine): p50 ${fmt(pct(allB, 50))}, p95 ${fmt(pct(allB, 95))} over ${allB.length} rounds${missB ? ` (${missB} incomplete)` : ''}`,
    );
    ctx.report(`target ${TARGET_MS} ms for sightings; the sim announces only after bonjour-service's 3×250 ms probe, part of B's per-device time`);
  } finally {
    await lab?.stop();
  }
}

/**
 * Device clock offset accuracy: 16 sim devices with offsets spread over ±2 s and 0–20 ms random
 * reply jitter (each half of the delay drawn separately, so round trips are asymmetric). After
 * 10 polls each, |estimated − true offset| p50/p95 next to the median RTT/2 bound the estimator
 * reports (target p95 ≤ 2 ms). True offset = the sim's configured offset (no drift).
 * The sims run in this process: their CPU competes with the controller, which only adds noise.
 */
import type { BenchContext } from './run';
import { startSimDevice, PERSONALITIES, type SimDevice } from '../sim';
import { send } from '../src-main/core/device-client';
import { Fleet } from '../src-main/core/fleet';

const N = 16;
const POLLS = 10;
const TARGET_P95_MS = 2;

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export default async function clockBench(ctx: BenchContext): Promise<void> {
  const now = () => performance.timeOrigin + performance.now();
  const sims: SimDevice[] = [];
  const offsets = Array.from({ length: N }, (_, i) => -2000 + (4000 * i) / (N - 1) + (i % 3) * 0.37);
  try {
    for (let i = 0; i < N; i++) {
      sims.push(await startSimDevice({ personality: PERSONALITIES[i % 4]!, clockOffsetMs: offsets[i]!, jitterMs: 20 }));
    }
    const fleet = new Fleet({ send, clock: { now } });
    const ids = sims.map((s) => fleet.addManual(`${s.host}:${s.port}`).deviceKey);
    const t0 = performance.now();
    for (let r = 0; r < POLLS; r++) await fleet.pollNow();
    const took = performance.now() - t0;
    const errors: number[] = [];
    const bounds: number[] = [];
    const rtts: number[] = [];
    let within = 0;
    ids.forEach((id, i) => {
      const c = fleet.clockOf(id);
      if (!c) return;
      const err = Math.abs(c.offsetMs - offsets[i]!);
      errors.push(err);
      bounds.push(c.uncertaintyMs);
      rtts.push(c.rttMs);
      if (err <= c.uncertaintyMs) within++;
    });
    await fleet.stop();
    const p95 = pct(errors, 95);
    ctx.report(`${N} devices, offsets −2000…+2000 ms, jitter 0–20 ms, ${POLLS} polls each (${(took / 1000).toFixed(1)} s)`);
    ctx.report(
      `|estimated − true| p50 ${pct(errors, 50).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${Math.max(...errors).toFixed(2)} ms (target p95 ≤ ${TARGET_P95_MS} ms) ${p95 <= TARGET_P95_MS ? 'OK' : 'OVER TARGET'}`,
    );
    ctx.report(
      `reported bound (RTT/2 of the chosen sample): median ${pct(bounds, 50).toFixed(2)} ms; best RTT median ${pct(rtts, 50).toFixed(2)} ms; error within bound for ${within}/${errors.length}`,
    );
  } finally {
    await Promise.all(sims.map((s) => s.kill()));
  }
}

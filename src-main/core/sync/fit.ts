/**
 * The fits of the sync analysis: a weighted least-squares line per pair (offset + drift), and the
 * global least squares that puts every file on one timeline. Pure functions on small arrays.
 */

/** Least-squares line y = a + b·x, with weights; b = 0 when x does not spread. */
export function fitLine(pts: { x: number; y: number; w?: number }[]): { a: number; b: number } {
  let sw = 0;
  let sx = 0;
  let sy = 0;
  for (const p of pts) {
    const w = p.w ?? 1;
    sw += w;
    sx += w * p.x;
    sy += w * p.y;
  }
  const mx = sx / sw;
  const my = sy / sw;
  let sxx = 0;
  let sxy = 0;
  for (const p of pts) {
    const w = p.w ?? 1;
    sxx += w * (p.x - mx) ** 2;
    sxy += w * (p.x - mx) * (p.y - my);
  }
  const b = sxx > 1e-9 ? sxy / sxx : 0;
  return { a: my - b * mx, b };
}

/** Solve A x = y in the least-squares sense for small dense systems (normal equations). */
export function solveLeastSquares(rows: { idx: [number, number]; y: number; w: number }[], n: number, gauge: number): number[] {
  // Unknowns: x[0..n-1] with x[gauge] = 0. Each row: x[j] − x[i] = y.
  const m = Array.from({ length: n }, () => new Float64Array(n + 1));
  for (const { idx, y, w } of rows) {
    const [i, j] = idx;
    // (x_j − x_i − y)² · w
    m[j]![j]! += w;
    m[i]![i]! += w;
    m[i]![j]! -= w;
    m[j]![i]! -= w;
    m[j]![n]! += w * y;
    m[i]![n]! -= w * y;
  }
  // Gauge: replace row `gauge` by x[gauge] = 0.
  m[gauge]!.fill(0);
  m[gauge]![gauge] = 1;
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const piv = m[c]![c]!;
    if (Math.abs(piv) < 1e-12) continue;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / piv;
      if (f === 0) continue;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return Array.from({ length: n }, (_, i) => (Math.abs(m[i]![i]!) < 1e-12 ? 0 : m[i]![n]! / m[i]![i]!));
}

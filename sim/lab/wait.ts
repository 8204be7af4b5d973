/** Poll `probe` until it returns something truthy (lab tests: devices appearing over real multicast). */
export async function waitUntil<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 30_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

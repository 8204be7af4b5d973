/** Quit handling for the Electron shell, as pure functions (no electron import). */

/** Resolve when `p` settles or after `ms`, whichever is first; reports which. */
export async function settleWithin(p: Promise<unknown>, ms: number): Promise<'done' | 'failed' | 'timeout'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([
      p.then(
        () => 'done' as const,
        () => 'failed' as const,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface QuittableApp {
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  quit(): void;
}

/**
 * On the first `before-quit`: hold the quit, run `shutdown()` (stop discovery, park downloads)
 * for at most `timeoutMs`, then quit for real. Later `before-quit`s pass straight through.
 */
export function installGracefulQuit(app: QuittableApp, shutdown: () => Promise<void>, timeoutMs = 5000, log: (msg: string) => void = () => undefined): void {
  let state: 'running' | 'stopping' | 'stopped' = 'running';
  app.on('before-quit', (event) => {
    if (state === 'stopped') return;
    event.preventDefault();
    if (state === 'stopping') return;
    state = 'stopping';
    void settleWithin(Promise.resolve().then(shutdown), timeoutMs).then((how) => {
      if (how !== 'done') log(`controller shutdown ${how === 'timeout' ? `timed out after ${timeoutMs} ms` : 'failed'}; quitting anyway`);
      state = 'stopped';
      app.quit();
    });
  });
}

/** `--demo N`, `--demo=N` or MULTICAM_DEMO=N → how many virtual devices to add at start (0–100). */
export function demoCountFrom(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): number {
  let raw: string | undefined = env.MULTICAM_DEMO;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--demo') raw = argv[i + 1];
    else if (a.startsWith('--demo=')) raw = a.slice('--demo='.length);
  }
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) && n >= 1 && n <= 100 ? n : 0;
}

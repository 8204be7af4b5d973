/**
 * Remember the window's bounds and maximized flag in userData/window-state.json.
 * Pure Node (no electron import): main.ts passes the display work areas and the window.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 800 };
export const MIN_SIZE = { width: 800, height: 560 };

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Visible enough on some display (at least 100×50 px of the window overlap a work area)? */
function visibleOn(b: Rect, areas: Rect[]): boolean {
  return areas.some((a) => {
    const w = Math.min(b.x + b.width, a.x + a.width) - Math.max(b.x, a.x);
    const h = Math.min(b.y + b.height, a.y + a.height) - Math.max(b.y, a.y);
    return w >= 100 && h >= 50;
  });
}

/**
 * Saved state → state to open with. Bad files, odd numbers or a window left on a display that is
 * gone fall back to a default size (centred by Electron when x/y are absent).
 */
export function loadWindowState(file: string, workAreas: Rect[]): { bounds: Partial<Rect> & { width: number; height: number }; maximized: boolean } {
  const fallback = { bounds: { ...DEFAULT_SIZE }, maximized: false };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return fallback;
  }
  if (typeof raw !== 'object' || raw === null) return fallback;
  const s = raw as { bounds?: Partial<Record<keyof Rect, unknown>>; maximized?: unknown };
  const b = s.bounds ?? {};
  const maximized = s.maximized === true;
  if (!finite(b.width) || !finite(b.height)) return { ...fallback, maximized };
  const width = Math.round(Math.min(Math.max(b.width, MIN_SIZE.width), 10_000));
  const height = Math.round(Math.min(Math.max(b.height, MIN_SIZE.height), 10_000));
  if (finite(b.x) && finite(b.y)) {
    const bounds = { x: Math.round(b.x), y: Math.round(b.y), width, height };
    if (visibleOn(bounds, workAreas)) return { bounds, maximized };
  }
  return { bounds: { width, height }, maximized };
}

/** Atomic write (tmp + rename); never throws (losing window state is not worth a crash). */
export function saveWindowState(file: string, state: WindowState): boolean {
  try {
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(state, null, 2));
    renameSync(tmp, file);
    return true;
  } catch {
    return false;
  }
}

export interface TrackableWindow {
  on(event: 'resize' | 'move' | 'maximize' | 'unmaximize' | 'close', listener: () => void): unknown;
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  isDestroyed(): boolean;
}

/** Save on close, and (debounced) after moves/resizes. Returns a flush function. */
export function trackWindowState(win: TrackableWindow, file: string, debounceMs = 500): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (win.isDestroyed()) return;
    saveWindowState(file, { bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  };
  const later = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
    timer.unref?.();
  };
  for (const e of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(e, later);
  win.on('close', flush);
  return flush;
}

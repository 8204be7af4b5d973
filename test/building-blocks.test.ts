/**
 * Shared building blocks, one name each (architecture.md): every service announces changes
 * through the one `Emitter` (src-shared/event.ts), with its one policy for a listener that
 * throws. This scan fails when a hand-written listener collection or a Node EventEmitter comes
 * back in production code.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

const rel = (f: string) => relative(root, f).split(sep).join('/');
const isTestFile = (r: string) => /\.test\.tsx?$|\.testing\.tsx?$/.test(r);
const production = ['src-main', 'src-shared']
  .flatMap((d) => walk(join(root, d)))
  .map((f) => ({ file: rel(f), source: readFileSync(f, 'utf8') }))
  .filter((f) => !isTestFile(f.file));

/** The home of the one Emitter: the only place a listener collection may be written by hand. */
const EMITTER_HOME = 'src-shared/event.ts';

/** `listeners = new Set…`, `private readonly handlers: {…} = {`, `subscribers = []`… */
const LISTENER_COLLECTION = /\b\w*(?:listeners|handlers|subscribers)\w*\s*(?::(?:[^=;]|=>)+)?=\s*(?:new\s+(?:Set|Map)\b|\[\s*\]|\{)/i;
const NODE_EMITTER = /\bnew\s+EventEmitter\b|\bextends\s+EventEmitter\b/;

function handWrittenEmitters(files: Array<{ file: string; source: string }>): string[] {
  const out: string[] = [];
  for (const { file, source } of files) {
    if (file === EMITTER_HOME) continue;
    source.split('\n').forEach((line, i) => {
      if (LISTENER_COLLECTION.test(line)) out.push(`${file}:${i + 1}: a hand-written listener collection (use Emitter from src-shared/event.ts)`);
      if (NODE_EMITTER.test(line)) out.push(`${file}:${i + 1}: a Node EventEmitter for a service's events (use Emitter from src-shared/event.ts)`);
    });
  }
  return out;
}

describe('one Emitter', () => {
  it('scans the production sources', () => {
    expect(production.length).toBeGreaterThan(50);
    expect(production.some((f) => f.file === EMITTER_HOME)).toBe(true);
  });

  it('no service keeps its own listener collection or a Node EventEmitter', () => {
    expect(handWrittenEmitters(production)).toEqual([]);
  });

  it('the scan can fail: each way of hand-writing listeners is caught', () => {
    const one = (source: string) => handWrittenEmitters([{ file: 'src-main/core/x.ts', source }]);
    expect(one('  private readonly listeners = new Set<Listener>();')).toHaveLength(1);
    expect(one('  private readonly listeners: { [E in keyof FleetEvents]: Set<FleetEvents[E]> } = {\n    deviceChanged: new Set(),')).toHaveLength(1);
    expect(one('    const handlers: Array<(e: number) => void> = [];')).toHaveLength(1);
    expect(one('  private readonly errorListeners = new Set<(e: Error) => void>();')).toHaveLength(1);
    expect(one('  private readonly events = new EventEmitter();')).toHaveLength(1);
    expect(one('  private readonly _onDidChange = new Emitter<View>("x");\n  readonly onDidChange = this._onDidChange.event;')).toEqual([]);
    expect(handWrittenEmitters([{ file: EMITTER_HOME, source: 'private readonly listeners = new Set<Entry<T>>();' }])).toEqual([]);
  });
});

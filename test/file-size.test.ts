/**
 * File sizes in the core: a file past a few hundred lines has stopped saying one thing. Every
 * non-test .ts file under src-main/core stays within 500 lines, and the controller — which only
 * maps the contract onto the services — within 300. Split along a real seam rather than raise
 * the limits.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const CORE = join(root, 'src-main', 'core');
const LIMIT = 500;
const CONTROLLER = 'src-main/core/controller.ts';
const CONTROLLER_LIMIT = 300;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Lines as `wc -l` counts them for a file that ends with a newline (a last line without one counts too). */
function lineCount(text: string): number {
  if (text.length === 0) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** Each file over its limit, as `path: N lines (limit L)`; `path` is repo-relative with `/`. */
function oversized(files: { path: string; lines: number }[]): string[] {
  return files
    .filter((f) => f.lines > (f.path === CONTROLLER ? CONTROLLER_LIMIT : LIMIT))
    .map((f) => `${f.path}: ${f.lines} lines (limit ${f.path === CONTROLLER ? CONTROLLER_LIMIT : LIMIT})`);
}

describe('file sizes in src-main/core', () => {
  const files = walk(CORE).map((p) => ({ path: relative(root, p).split(sep).join('/'), lines: lineCount(readFileSync(p, 'utf8')) }));

  it('finds the core sources (the controller among them)', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files.some((f) => f.path === CONTROLLER)).toBe(true);
    expect(files.some((f) => f.path.endsWith('.test.ts'))).toBe(false);
  });

  it(`keeps every non-test .ts file within ${LIMIT} lines and the controller within ${CONTROLLER_LIMIT}`, () => {
    expect(oversized(files)).toEqual([]);
  });

  it('the check itself fails on files over the limits (synthetic input)', () => {
    expect(lineCount('a\nb\n')).toBe(2);
    expect(lineCount('a\nb')).toBe(2);
    expect(lineCount('')).toBe(0);
    expect(
      oversized([
        { path: 'src-main/core/fleet/fleet.ts', lines: 500 },
        { path: 'src-main/core/fleet/big.ts', lines: 501 },
        { path: CONTROLLER, lines: 300 },
      ]),
    ).toEqual(['src-main/core/fleet/big.ts: 501 lines (limit 500)']);
    expect(oversized([{ path: CONTROLLER, lines: 301 }])).toEqual([`${CONTROLLER}: 301 lines (limit 300)`]);
  });
});

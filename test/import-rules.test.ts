/**
 * The house plan's one rule, enforced: a folder says where its code may run
 * (../shared/design/architecture.md). Scans every import/require/dynamic import. Also: which
 * sim/ files production code may use, and no import cycle anywhere in the sources.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const SOURCE = /\.(ts|tsx|js|cjs|mjs)$/;

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (SOURCE.test(name)) out.push(p);
  }
  return out;
}

/** Every module specifier in a file: static/dynamic import, export-from, require. */
function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[\w*{}\s,]+\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?[\w*{}\s,]+\s+from\s+['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of source.matchAll(re)) found.push(m[1]!);
  return found;
}

const NODE_BUILTINS = new Set([
  'fs',
  'path',
  'net',
  'os',
  'http',
  'https',
  'crypto',
  'stream',
  'events',
  'child_process',
  'dgram',
  'url',
  'util',
  'zlib',
  'timers',
  'worker_threads',
  'buffer',
  'dns',
  'readline',
  'perf_hooks',
  'process',
  'tls',
  'assert',
  'module',
  'v8',
  'vm',
]);
const isNode = (s: string) => s.startsWith('node:') || NODE_BUILTINS.has(s.split('/')[0]!);
const isElectron = (s: string) => s === 'electron' || s.startsWith('electron/');

/** Which top-level area a file or resolved relative import belongs to. */
function area(file: string): string {
  const rel = relative(root, file).split(sep);
  if (rel[0] === 'src-main') return `src-main/${rel[1]}`;
  return rel[0]!;
}

interface Rule {
  forbid: Array<{ test: (spec: string, target: string | null) => boolean; why: string }>;
}
const relativeInto = (areas: string[]) => (_s: string, target: string | null) => target !== null && areas.includes(target);

const RULES: Record<string, Rule> = {
  'src-shared': {
    forbid: [
      { test: (s) => isNode(s), why: 'src-shared runs everywhere: no node:* modules' },
      { test: (s) => isElectron(s), why: 'electron only under src-main/electron' },
      { test: (s) => ['react', 'react-dom', 'zustand', 'ws', 'bonjour-service'].includes(s), why: 'src-shared is platform-free' },
      {
        test: relativeInto(['src-main/core', 'src-main/electron', 'src-main/bridge', 'src-main/cli', 'src-renderer', 'sim']),
        why: 'src-shared imports nothing outside itself',
      },
    ],
  },
  'src-renderer': {
    forbid: [
      { test: (s) => isNode(s), why: 'the renderer runs in Chromium: no node:* modules' },
      { test: (s) => isElectron(s), why: 'electron only under src-main/electron' },
      {
        test: relativeInto(['src-main/core', 'src-main/electron', 'src-main/bridge', 'src-main/cli', 'sim']),
        why: 'the renderer talks to the controller only through the contract',
      },
    ],
  },
  'src-main/core': {
    forbid: [
      { test: (s) => isElectron(s), why: 'core runs in plain Node (CLI, bridge, tests): never electron' },
      { test: relativeInto(['src-main/electron', 'src-main/bridge', 'src-main/cli', 'src-renderer']), why: 'core does not depend on its transports' },
    ],
  },
  'src-main/bridge': {
    forbid: [
      { test: (s) => isElectron(s), why: 'electron only under src-main/electron' },
      { test: relativeInto(['src-main/electron', 'src-main/cli']), why: 'bridge uses core only' },
    ],
  },
  'src-main/cli': {
    forbid: [
      { test: (s) => isElectron(s), why: 'electron only under src-main/electron' },
      { test: relativeInto(['src-main/electron', 'src-main/bridge', 'src-renderer']), why: 'the CLI uses core only' },
    ],
  },
  sim: {
    forbid: [
      { test: (s) => isElectron(s), why: 'electron only under src-main/electron' },
      {
        test: relativeInto(['src-main/core', 'src-main/electron', 'src-main/bridge', 'src-main/cli', 'src-renderer']),
        why: 'sim is the device side: node:* and src-shared only',
      },
      {
        test: (s) => /src-shared\/protocol\/(framer|video-frame)/.test(s) || /protocol\/(framer|video-frame)$/.test(s),
        why: "sim reads the way each device does: it may not reuse the controller's framing code",
      },
    ],
  },
};

function violations(files: string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const a = area(file);
    const rule = RULES[a];
    if (!rule) continue;
    const src = readFileSync(file, 'utf8');
    for (const spec of specifiers(src)) {
      const target = spec.startsWith('.') ? area(resolve(dirname(file), spec)) : null;
      for (const f of rule.forbid) {
        if (f.test(spec, target)) out.push(`${relative(root, file)} imports '${spec}': ${f.why}`);
      }
    }
  }
  return out;
}

describe('folder import rules', () => {
  const files = ['src-shared', 'src-main', 'src-renderer', 'sim'].flatMap((d) => {
    try {
      return walk(join(root, d));
    } catch {
      return [];
    }
  });

  it('scans a real tree', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('every file respects its folder', () => {
    expect(violations(files)).toEqual([]);
  });

  it('the scanner catches each kind of violation (so the rule can fail)', () => {
    const fake = (rel: string) => join(root, rel);
    const check = (rel: string, src: string) => {
      const rule = RULES[area(fake(rel))]!;
      return specifiers(src).flatMap((spec) => {
        const target = spec.startsWith('.') ? area(resolve(dirname(fake(rel)), spec)) : null;
        return rule.forbid.filter((f) => f.test(spec, target)).map((f) => f.why);
      });
    };
    expect(check('src-shared/x.ts', "import { readFile } from 'node:fs';")).toHaveLength(1);
    expect(check('src-shared/x.ts', "const fs = require('fs');")).toHaveLength(1);
    expect(check('src-renderer/x.tsx', "import('node:path')")).toHaveLength(1);
    expect(check('src-main/core/x.ts', "import { app } from 'electron';")).toHaveLength(1);
    expect(check('src-main/core/x.ts', "export { a } from '../electron/main';")).toHaveLength(1);
    expect(check('sim/x.ts', "import { JsonObjectFramer } from '../src-shared/protocol/framer';")).toHaveLength(1);
    expect(check('sim/x.ts', "import { a } from '../src-main/core/device-client';")).toHaveLength(1);
    expect(check('src-renderer/x.tsx', "import type { X } from '../src-main/core/fleet';")).toHaveLength(1);
    expect(check('src-main/core/x.ts', "import { z } from 'zod'; import net from 'node:net';")).toHaveLength(0);
  });
});

/**
 * Test code: tests (`*.test.ts`), their helpers (`*.testing.ts`, next to the module they help
 * test) and the e2e/bench/test runners. It may use any sim/ file; production code may not.
 */
const isTestFile = (rel: string) => /\.test\.tsx?$|\.testing\.tsx?$/.test(rel) || /^(e2e|bench|test)\//.test(rel);

/**
 * The sim/ files production code may import, and who may: demo mode (virtual cameras in the
 * desktop app and browser mode) and the `multicam sim` command. Core never imports sim/ (the
 * composition roots hand it a factory).
 */
const SIM_ENTRY_POINTS: Record<string, string[]> = {
  'sim/demo.ts': ['src-main/electron', 'src-main/bridge'],
  'sim/cli.ts': ['src-main/cli'],
};

function resolveImport(from: string, spec: string): string | null {
  const base = resolve(dirname(from), spec.replace(/\.js$/, ''));
  for (const c of [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')]) if (existsSync(c) && statSync(c).isFile()) return c;
  return null;
}

const rel = (f: string) => relative(root, f).split(sep).join('/');

function simImportViolations(files: string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const r = rel(file);
    if (r.startsWith('sim/') || isTestFile(r)) continue;
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolveImport(file, spec);
      if (!target || !rel(target).startsWith('sim/')) continue;
      const allowed = SIM_ENTRY_POINTS[rel(target)];
      if (!allowed?.includes(area(file)))
        out.push(
          `${r} imports '${spec}': production code may use only ${Object.entries(SIM_ENTRY_POINTS)
            .map(([f, who]) => `${f} (from ${who.join(', ')})`)
            .join(' and ')}`,
        );
    }
  }
  return out;
}

/** Every import cycle (strongly connected component of more than one file, or a file importing itself). */
function importCycles(files: string[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const deps = new Set<string>();
    for (const spec of specifiers(readFileSync(f, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const t = resolveImport(f, spec);
      if (t) deps.add(t);
    }
    graph.set(f, [...deps]);
  }
  // Tarjan's algorithm, iterative (deep import chains must not overflow the stack).
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: Array<{ v: string; i: number }> = [{ v: start, i: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const deps = graph.get(top.v) ?? [];
      if (top.i < deps.length) {
        const w = deps[top.i++]!;
        if (!graph.has(w)) continue;
        if (!index.has(w)) {
          index.set(w, next);
          low.set(w, next++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.v;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
      }
      if (low.get(top.v) === index.get(top.v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== top.v);
        if (scc.length > 1 || (graph.get(top.v) ?? []).includes(top.v)) cycles.push(scc.map(rel).sort());
      }
    }
  }
  return cycles;
}

describe('sim/ in production code', () => {
  const files = ['src-shared', 'src-main', 'src-renderer'].flatMap((d) => walk(join(root, d)));

  it('only demo mode and the sim command use sim/, through their entry points', () => {
    expect(simImportViolations(files)).toEqual([]);
  });

  it('the check can fail: core importing a sim personality is caught', () => {
    const fake = join(root, 'src-main/core/fake-demo.ts');
    const check = (spec: string, from = fake) => {
      const target = resolveImport(from, spec);
      const allowed = target ? SIM_ENTRY_POINTS[rel(target)] : undefined;
      return target !== null && rel(target).startsWith('sim/') && !(allowed ?? []).includes(area(from));
    };
    expect(check('../../sim/personalities')).toBe(true);
    expect(check('../../sim/demo')).toBe(true); // core may not, even through the entry point
    expect(check('../../sim/demo', join(root, 'src-main/bridge/x.ts'))).toBe(false);
    expect(isTestFile('src-main/core/fleet/fleet.test.ts') && isTestFile('e2e/fixtures/controller.ts') && !isTestFile('src-main/core/controller.ts')).toBe(
      true,
    );
  });
});

describe('import cycles', () => {
  it('no import cycle anywhere in the sources (type-only imports included)', () => {
    const files = ['src-shared', 'src-main', 'src-renderer', 'sim', 'bench', 'e2e', 'test', 'scripts'].flatMap((d) => {
      try {
        return walk(join(root, d));
      } catch {
        return [];
      }
    });
    expect(files.length).toBeGreaterThan(100);
    expect(importCycles(files)).toEqual([]);
  });

  it('the cycle finder finds a cycle (so the rule can fail)', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'cycles-'));
    try {
      await writeFile(join(dir, 'a.ts'), "import { b } from './b';\nexport const a = 1;\n");
      await writeFile(join(dir, 'b.ts'), "import type { C } from './c';\nexport const b = 1;\n");
      await writeFile(join(dir, 'c.ts'), "export type C = 1;\nexport { a } from './a';\n");
      await writeFile(join(dir, 'd.ts'), "import { a } from './a';\n");
      const found = importCycles(['a.ts', 'b.ts', 'c.ts', 'd.ts'].map((f) => join(dir, f)));
      expect(found).toHaveLength(1);
      expect(found[0]!.map((f) => f.split('/').pop())).toEqual(['a.ts', 'b.ts', 'c.ts']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Production code (everything that ships or runs the product: app, CLI, bridge, sim, scripts) never imports test code. */
function testImportViolations(files: string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const r = rel(file);
    if (isTestFile(r)) continue;
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolveImport(file, spec);
      if (target && isTestFile(rel(target))) out.push(`${r} imports '${spec}': production code never imports test code`);
    }
  }
  return out;
}

/** Names the convention replaced: a test helper is `<what>.testing.ts`, never one of these. */
const OLD_HELPER_NAME = /(^|\/)(testing|test-helpers?|helpers|test-[\w-]+)\.tsx?$|\.test-helper\.tsx?$|(^|\/)testing\//;

describe('test helpers', () => {
  const production = ['src-shared', 'src-main', 'src-renderer', 'sim', 'scripts'].flatMap((d) => walk(join(root, d)));

  it('production code never imports a test or a test helper', () => {
    expect(production.length).toBeGreaterThan(100);
    expect(testImportViolations(production)).toEqual([]);
  });

  it('every test helper is named <what>.testing.ts', () => {
    const all = ['src-shared', 'src-main', 'src-renderer', 'sim'].flatMap((d) => walk(join(root, d))).map(rel);
    expect(all.filter((f) => OLD_HELPER_NAME.test(f))).toEqual([]);
    expect(all.filter((f) => f.endsWith('.testing.ts')).length).toBeGreaterThan(3);
  });

  it('the checks can fail', async () => {
    const { mkdtemp, mkdir, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'test-imports-'));
    try {
      await mkdir(join(dir, 'x'));
      await writeFile(join(dir, 'x', 'clock.testing.ts'), 'export const makeClock = () => 0;\n');
      await writeFile(join(dir, 'x', 'clock.ts'), "import { makeClock } from './clock.testing';\nexport const c = makeClock();\n");
      await writeFile(join(dir, 'x', 'clock.test.ts'), "import { makeClock } from './clock.testing';\nmakeClock();\n");
      const found = testImportViolations(['clock.ts', 'clock.test.ts', 'clock.testing.ts'].map((f) => join(dir, 'x', f)));
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/x\/clock\.ts imports '\.\/clock\.testing'/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    for (const old of [
      'src-main/core/fleet/testing.ts',
      'src-shared/protocol/test-helpers.ts',
      'sim/test-client.ts',
      'src-main/bridge/fake-api.test-helper.ts',
      'src-main/core/uploads/testing/ports.ts',
    ])
      expect(OLD_HELPER_NAME.test(old), old).toBe(true);
    expect(OLD_HELPER_NAME.test('src-main/core/fleet/fleet.testing.ts')).toBe(false);
  });
});

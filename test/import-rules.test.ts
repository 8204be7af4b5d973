/**
 * The house plan's one rule, enforced: a folder says where its code may run
 * (../shared/design/architecture.md). Scans every import/require/dynamic import.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
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
export function specifiers(source: string): string[] {
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

const NODE_BUILTINS = new Set(
  ['fs', 'path', 'net', 'os', 'http', 'https', 'crypto', 'stream', 'events', 'child_process', 'dgram', 'url', 'util', 'zlib', 'timers', 'worker_threads', 'buffer', 'dns', 'readline', 'perf_hooks', 'process', 'tls', 'assert', 'module', 'v8', 'vm'],
);
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
      { test: relativeInto(['src-main/core', 'src-main/electron', 'src-main/bridge', 'src-main/cli', 'src-renderer', 'sim']), why: 'src-shared imports nothing outside itself' },
    ],
  },
  'src-renderer': {
    forbid: [
      { test: (s) => isNode(s), why: 'the renderer runs in Chromium: no node:* modules' },
      { test: (s) => isElectron(s), why: 'electron only under src-main/electron' },
      { test: relativeInto(['src-main/core', 'src-main/electron', 'src-main/bridge', 'src-main/cli', 'sim']), why: 'the renderer talks to the controller only through the contract' },
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
      { test: relativeInto(['src-main/core', 'src-main/electron', 'src-main/bridge', 'src-main/cli', 'src-renderer']), why: 'sim is the device side: node:* and src-shared only' },
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

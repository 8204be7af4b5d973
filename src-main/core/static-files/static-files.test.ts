import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RENDERER_CSP as SHARED_CSP } from '../../../src-shared/csp';
import { contentTypeFor, createStaticLocator, safeRelativePath, SECURITY_HEADERS } from '.';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function tree() {
  const base = mkdtempSync(join(tmpdir(), 'mc-static-'));
  roots.push(base);
  const root = join(base, 'renderer');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html>');
  writeFileSync(join(root, 'assets', 'a.js'), 'x');
  writeFileSync(join(base, 'secret.txt'), 'secret');
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside', 'index.html'), 'outside');
  return { base, root };
}

describe('static files (shared by browser mode and app://)', () => {
  it('sends the one renderer CSP (src-shared/csp.ts) with every response', () => {
    expect(SECURITY_HEADERS['Content-Security-Policy']).toBe(SHARED_CSP);
    expect(SHARED_CSP).toContain("script-src 'self';");
  });

  it('refuses traversal, NUL, backslashes and drive letters before touching the disk', () => {
    expect(safeRelativePath('/assets/a.js')).toBe('assets/a.js');
    expect(safeRelativePath('/')).toBe('');
    for (const bad of ['/../x', '/%2e%2e/x', '/a/%2e%2e/%2e%2e/x', '/a%00b', '/a%5cb', '/C:/x', '/%E0%A4%A']) expect(safeRelativePath(bad)).toBeNull();
    expect(contentTypeFor('x.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('x.unknown')).toBe('application/octet-stream');
  });

  it('finds files inside the root only; symlinks out of it (files or directories) are refused', async () => {
    const { base, root } = tree();
    symlinkSync(join(base, 'secret.txt'), join(root, 'leak.txt'));
    symlinkSync(join(base, 'outside'), join(root, 'dir-out'));
    const locate = createStaticLocator(root);
    expect((await locate('assets/a.js'))?.file).toBe(join(root, 'assets', 'a.js'));
    expect((await locate(''))?.file).toBe(join(root, 'index.html'));
    expect(await locate('leak.txt')).toBeNull();
    // dir-out has no extension: refused, then the single-page fallback (our index.html), never outside/index.html
    expect((await locate('dir-out'))?.file).toBe(join(root, 'index.html'));
    expect(await locate('missing.js')).toBeNull();
  });
});

/**
 * take.json has one writer: only the take store's manifest module may write it. Any other
 * production file that names the manifest file and uses a file-writing call fails here — it
 * must send a change through `updateTake` / `TakeHandle.update` (src-main/core/takes) instead.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const THE_WRITER = 'src-main/core/takes/manifest.ts';
const NAMES_MANIFEST = /MANIFEST_FILE|take\.json/;
/** A file-writing function imported from node:fs (or the module itself, used as `fs.x`). */
const FS_IMPORT = /import\s+(?:type\s+)?([^;]*?)\s+from\s+['"](?:node:)?fs(?:\/promises)?['"]/g;
const WRITE_NAMES = /\b(writeFile|writeFileSync|rename|renameSync|appendFile|appendFileSync|createWriteStream|copyFile|copyFileSync|open|openSync|cp|cpSync)\b/;
function writesFiles(text: string): boolean {
  return [...text.matchAll(FS_IMPORT)].some((m) => {
    const clause = m[1]!;
    const named = /\{([^}]*)\}/.exec(clause)?.[1] ?? '';
    const whole = clause
      .replace(/\{[^}]*\}/, '')
      .replace(/,/g, ' ')
      .trim(); // default or `* as fs`: anything goes
    return whole.length > 0 || WRITE_NAMES.test(named);
  });
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|js|mjs|cjs)$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

describe('take.json has one writer', () => {
  it(`only ${THE_WRITER} writes it`, () => {
    const writers = ['src-main', 'src-shared', 'sim', 'bench', 'scripts']
      .flatMap((d) => walk(join(root, d)))
      .filter((f) => {
        const text = readFileSync(f, 'utf8');
        // Comments may mention take.json ("written next to take.json"); code naming it counts.
        const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
        return NAMES_MANIFEST.test(code) && writesFiles(text);
      })
      .map((f) => relative(root, f).split(sep).join('/'));
    expect(writers).toEqual([THE_WRITER]);
  });
});

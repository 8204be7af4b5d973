// Used by bin/multicam.js and scripts/serve.js before they load dist-cli/: a build older than any
// of its sources (someone edited them since `npm install`) is rebuilt first, so what runs is what
// the sources say. The check is a stat per source file, about a millisecond; esbuild is loaded
// only when a build is needed.
import { readFileSync, statSync } from 'node:fs';
import module from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const OUT = join(ROOT, 'dist-cli');

function upToDate(entry) {
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(join(OUT, 'inputs.json'), 'utf8'));
    statSync(join(OUT, entry));
    return inputs.every((f) => statSync(join(ROOT, f)).mtimeMs <= builtAt);
  } catch {
    return false; // no build yet, or a source renamed or removed since
  }
}

/** The URL of `dist-cli/<entry>`, built first if missing or stale; throws a one-line Error saying what to do. */
export async function ensureBuilt(entry) {
  if (!upToDate(entry)) {
    let buildCli;
    try {
      ({ buildCli } = await import(pathToFileURL(join(ROOT, 'scripts', 'build-cli.mjs')).href));
    } catch {
      throw new Error(`${join('dist-cli', entry)} is not built and esbuild is not installed; run \`npm install\` in ${ROOT}`);
    }
    try {
      await buildCli();
    } catch (e) {
      throw new Error(`building ${join('dist-cli', entry)} failed (${e instanceof Error ? e.message.split('\n')[0] : e}); run \`npm install\` in ${ROOT}`);
    }
  }
  // V8's compiled code for the bundle, kept between runs: a command's chunks (zod, the AWS SDK…)
  // are then read, not compiled, at every start. Best effort (a read-only folder just skips it);
  // NODE_COMPILE_CACHE / NODE_DISABLE_COMPILE_CACHE still rule, as everywhere in Node.
  if (!process.env.NODE_COMPILE_CACHE) module.enableCompileCache?.(join(OUT, '.compile-cache'));
  return pathToFileURL(join(OUT, entry)).href;
}

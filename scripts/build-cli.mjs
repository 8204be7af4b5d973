#!/usr/bin/env node
/**
 * Bundle the `multicam` command and browser mode's server to JavaScript with esbuild, so they
 * start at once instead of compiling TypeScript at every start (0.6–3 s):
 *   src-main/cli/main.ts    → dist-cli/multicam.mjs (run by bin/multicam.js)
 *   src-main/bridge/serve.ts → dist-cli/serve.mjs    (npm start / npm run serve in browser mode)
 * ESM with code splitting, so each subcommand still loads only when it runs; npm packages are
 * bundled too (one parse instead of hundreds of small files: `record --help` started ~1.5× faster
 * than with them external). `dist-cli/inputs.json`
 * lists the repository files that went in, so bin/multicam.js can tell a bundle older than its
 * sources and rebuild it. Runs on `npm install` (the `prepare` script).
 *
 * Usage: node scripts/build-cli.mjs [--out DIR]
 */
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_OUT = join(ROOT, 'dist-cli');
/** Optional modules some dependencies load only if present (as in scripts/build-electron.mjs). */
const OPTIONAL_NATIVE = ['bufferutil', 'utf-8-validate', 'aws-crt', '@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a', 'fsevents'];

/**
 * Build into a fresh folder, then move the results in: content-hashed chunks first (never
 * replaced, so a running command that loads a subcommand's chunk later still finds it), then the
 * entry files, each by an atomic rename. Concurrent builds and readers never see half a build.
 */
export async function buildCli({ outDir = CLI_OUT } = {}) {
  const startedAt = Date.now(); // a source saved during the build makes the result stale
  const tmp = `${outDir}.tmp-${process.pid}-${startedAt}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const r = await build({
      absWorkingDir: ROOT,
      entryPoints: { multicam: 'src-main/cli/main.ts', serve: 'src-main/bridge/serve.ts' },
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      chunkNames: 'chunks/[name]-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node24',
      external: OPTIONAL_NATIVE,
      // Bundled CommonJS packages (bonjour-service, the AWS SDK…) call require() for Node's modules.
      banner: { js: "import { createRequire as __multicamCreateRequire } from 'node:module'; const require = __multicamCreateRequire(import.meta.url);" },
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
    });
    // Demo cameras record the sample clip; sim/ looks for it in assets/ next to the file its code
    // landed in: an entry file or a shared chunk.
    for (const dir of [join(tmp, 'assets'), join(tmp, 'chunks', 'assets')]) {
      mkdirSync(dir, { recursive: true });
      copyFileSync(join(ROOT, 'sim/assets/sample.mp4'), join(dir, 'sample.mp4'));
    }
    const inputs = Object.keys(r.metafile.inputs).filter((p) => !p.startsWith('node_modules/'));
    // npm packages are bundled too: a changed node_modules (npm rewrites its .package-lock.json on
    // every install) makes the build stale as well.
    inputs.push('package-lock.json', 'scripts/build-cli.mjs');
    if (existsSync(join(ROOT, 'node_modules/.package-lock.json'))) inputs.push('node_modules/.package-lock.json');
    writeFileSync(join(tmp, 'inputs.json'), `${JSON.stringify({ builtAt: startedAt, inputs }, null, 1)}\n`);

    for (const sub of ['chunks/assets', 'chunks', 'assets']) {
      mkdirSync(join(outDir, sub), { recursive: true });
      for (const f of readdirSync(join(tmp, sub))) {
        if (f !== 'assets' && !existsSync(join(outDir, sub, f))) renameSync(join(tmp, sub, f), join(outDir, sub, f));
      }
    }
    // inputs.json last: until it is in, a reader sees the build as stale and builds again.
    const top = readdirSync(tmp).filter((f) => statSync(join(tmp, f)).isFile() && f !== 'inputs.json');
    for (const f of [...top, 'inputs.json']) renameSync(join(tmp, f), join(outDir, f));
    pruneChunks(join(outDir, 'chunks'), new Set(Object.keys(r.metafile.outputs).map((o) => basename(o))));
    // V8's code cache of the previous build's files (scripts/ensure-built.mjs): of no use now.
    rmSync(join(outDir, '.compile-cache'), { recursive: true, force: true });
    return { outDir, entries: [join(outDir, 'multicam.mjs'), join(outDir, 'serve.mjs')], inputs, metafile: r.metafile };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Chunks of earlier builds: kept a day (a long `multicam record` may still load one), then removed. */
function pruneChunks(dir, keep) {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (f !== 'assets' && !keep.has(f) && statSync(p).mtimeMs < dayAgo) rmSync(p, { force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out');
  buildCli({ outDir: i >= 0 ? resolve(args[i + 1]) : undefined }).then(
    (out) => console.log(`built ${relative(process.cwd(), out.outDir) || '.'} (multicam, serve)`),
    (e) => {
      console.error(`build-cli: ${e instanceof Error ? e.message : e}`);
      process.exit(1);
    },
  );
}

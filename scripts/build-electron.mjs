#!/usr/bin/env node
/**
 * Bundle the Electron main process and preload with esbuild:
 *   src-main/electron/main.ts    → dist-electron/main.cjs    (node, cjs; electron + optional natives external)
 *   src-main/core/sync/worker.ts → dist-electron/sync-worker.cjs (the sync analysis' worker thread)
 *   src-main/electron/preload.ts → dist-electron/preload.cjs (single file, cjs; only `electron` external —
 *                                   a sandboxed preload cannot require anything else)
 * Everything else (core, zod, ws, bonjour-service, AWS SDK…) is bundled, so the packaged app needs
 * no node_modules at run time.
 *
 * Usage: node scripts/build-electron.mjs [--out DIR] [--only main|preload] [--minify]
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Electron 45 runs Node 24 (Electron 40 moved to it) and a Chromium newer than 140 (a lower target is safe). */
export const NODE_TARGET = 'node24';
export const CHROME_TARGET = 'chrome140';

/**
 * Optional modules some dependencies load only if present (ws's native add-ons, the AWS SDK's CRT
 * and SigV4a signers — used only for multi-region access points, which we never call).
 */
export const OPTIONAL_NATIVE = ['bufferutil', 'utf-8-validate', 'aws-crt', '@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a', 'fsevents'];
export const MAIN_EXTERNAL = ['electron', ...OPTIONAL_NATIVE];
export const PRELOAD_EXTERNAL = ['electron'];

/** `import.meta.url` / `import.meta.dirname` in ESM sources still work inside the CJS bundle. */
const importMetaShim = {
  banner: { js: 'const __importMetaUrl = require("url").pathToFileURL(__filename).href;' },
  define: { 'import.meta.url': '__importMetaUrl', 'import.meta.dirname': '__dirname', 'import.meta.filename': '__filename' },
};

export function mainOptions({ outDir, minify = false } = {}) {
  return {
    entryPoints: [join(ROOT, 'src-main/electron/main.ts')],
    outfile: join(outDir, 'main.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: NODE_TARGET,
    external: MAIN_EXTERNAL,
    sourcemap: true,
    minify,
    legalComments: 'linked',
    logLevel: 'warning',
    ...importMetaShim,
  };
}

/**
 * The contract's method names, read from src-shared/api.ts at build time (the one source), so the
 * preload bundle carries a plain list instead of the whole zod schema library.
 */
export async function contractMethods() {
  const r = await build({ entryPoints: [join(ROOT, 'src-shared/api.ts')], bundle: true, write: false, format: 'esm', platform: 'node', logLevel: 'silent' });
  const text = r.outputFiles[0].text;
  const mod = await import(`data:text/javascript;base64,${Buffer.from(text).toString('base64')}`);
  if (!Array.isArray(mod.API_METHODS) || mod.API_METHODS.length === 0) throw new Error('src-shared/api.ts exports no API_METHODS');
  return mod.API_METHODS;
}

/**
 * In the preload bundle only: the contract (`src-shared/api`, imported by the preload and by the
 * shared client proxy `src-shared/api-client.ts`) → a tiny module exporting API_METHODS.
 */
export function contractMethodsPlugin(methods) {
  const fromPreload = (args) => /[\\/]electron[\\/]preload\.ts$/.test(args.importer) && /src-shared\/api$/.test(args.path);
  const fromClient = (args) => /[\\/]src-shared[\\/]api-client\.ts$/.test(args.importer) && args.path === './api';
  return {
    name: 'contract-methods',
    setup(b) {
      b.onResolve({ filter: /(^|\/)api$/ }, (args) => (fromPreload(args) || fromClient(args) ? { path: 'api-methods', namespace: 'contract' } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'contract' }, () => ({
        contents: `export const API_METHODS = Object.freeze(${JSON.stringify(methods)});`,
        loader: 'js',
      }));
    },
  };
}

export function preloadOptions({ outDir, minify = false, methods } = {}) {
  return {
    plugins: methods ? [contractMethodsPlugin(methods)] : [],
    entryPoints: [join(ROOT, 'src-main/electron/preload.ts')],
    outfile: join(outDir, 'preload.cjs'),
    bundle: true,
    platform: 'browser',
    format: 'cjs',
    target: CHROME_TARGET,
    external: PRELOAD_EXTERNAL,
    sourcemap: false,
    minify,
    legalComments: 'none',
    logLevel: 'warning',
  };
}

/** Build one or both bundles; resolves with the output paths. */
export async function buildElectron({ outDir = join(ROOT, 'dist-electron'), only = null, minify = false } = {}) {
  mkdirSync(outDir, { recursive: true });
  const out = {};
  if (only === null || only === 'preload') {
    await build(preloadOptions({ outDir, minify, methods: await contractMethods() }));
    out.preload = join(outDir, 'preload.cjs');
  }
  if (only === null || only === 'main') {
    await build(mainOptions({ outDir, minify }));
    out.main = join(outDir, 'main.cjs');
    // Demo cameras record the sample clip; in the bundle sim/ resolves its assets next to main.cjs.
    mkdirSync(join(outDir, 'assets'), { recursive: true });
    copyFileSync(join(ROOT, 'sim/assets/sample.mp4'), join(outDir, 'assets/sample.mp4'));
    out.sample = join(outDir, 'assets/sample.mp4');
    // The sync analysis runs in a worker thread: its entry is a bundle of its own next to main.cjs.
    await build({ ...mainOptions({ outDir, minify }), entryPoints: [join(ROOT, 'src-main/core/sync/worker.ts')], outfile: join(outDir, 'sync-worker.cjs') });
    out.syncWorker = join(outDir, 'sync-worker.cjs');
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const get = (flag) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const only = get('--only') ?? null;
  if (only !== null && only !== 'main' && only !== 'preload') {
    console.error('--only must be main or preload');
    process.exit(1);
  }
  buildElectron({ outDir: get('--out') ? resolve(get('--out')) : undefined, only, minify: args.includes('--minify') }).then(
    (out) =>
      console.log(
        Object.values(out)
          .map((p) => `built ${p}`)
          .join('\n'),
      ),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}

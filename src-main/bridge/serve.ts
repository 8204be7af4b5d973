/**
 * Browser mode, runnable: `npm run serve -- [--port P] [--host H] [--allow-host NAME]… [--demo N] [--open] [--static DIR]`
 * (scripts/serve.js, the built copy) or `npx tsx src-main/bridge/serve.ts …` from the sources.
 * Creates the real controller, starts the bridge, prints the URL (with its token).
 */
import { parseAddress } from '../../src-shared/address';
import { errorLine } from '../../src-shared/error-line';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { controllerFiles } from './http-files';
import { startBridge } from './server';

export interface ServeArgs {
  port: number;
  host: string;
  demo: number;
  open: boolean;
  staticDir: string;
  /** Settings folder (default: the desktop app's). */
  userData: string | null;
  /** Extra Host names to answer to (`--allow-host`, repeatable): `name` or `name:port`. */
  allowHosts: string[];
}

export const SERVE_USAGE = 'usage: serve.ts [--port P] [--host H] [--allow-host NAME[:PORT]]… [--demo N] [--open] [--static DIR] [--user-data DIR]';

// From the sources (src-main/bridge/) or from the build (dist-cli/, scripts/build-cli.mjs).
export const DEFAULT_STATIC_DIR = resolve(import.meta.dirname, basename(import.meta.dirname) === 'dist-cli' ? '..' : '../..', 'dist/renderer');

export function parseServeArgs(argv: string[]): ServeArgs | { error: string } {
  const out: ServeArgs = { port: 0, host: '127.0.0.1', demo: 0, open: false, staticDir: DEFAULT_STATIC_DIR, userData: null, allowHosts: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (a === '--open') out.open = true;
    else if (a === '--port') {
      const p = Number(value());
      if (!Number.isInteger(p) || p < 0 || p > 65535) return { error: '--port needs 0–65535' };
      out.port = p;
    } else if (a === '--demo') {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1 || n > 100) return { error: '--demo needs 1–100' };
      out.demo = n;
    } else if (a === '--host') {
      const h = value();
      if (!h) return { error: '--host needs an address' };
      out.host = h;
    } else if (a === '--allow-host') {
      // Browser mode answers only to 127.0.0.1/localhost (DNS rebinding); a name the operator
      // really uses (a reverse proxy, /etc/hosts, a .local name) must be named one by one.
      // A host name, IPv4 address or `[v6]` address (as in a Host header: brackets), with an
      // optional port: never a wildcard or a URL.
      const h = value();
      const bareV6 = h !== undefined && !h.trim().startsWith('[') && h.split(':').length > 2;
      if (!h || bareV6 || !parseAddress(h).ok)
        return { error: `--allow-host needs a host name or address, optionally with :port (not '${(h ?? '').slice(0, 100)}')` };
      out.allowHosts.push(h.trim().toLowerCase());
    } else if (a === '--static') {
      const d = value();
      if (!d) return { error: '--static needs a directory' };
      out.staticDir = resolve(d);
    } else if (a === '--user-data') {
      const d = value();
      if (!d) return { error: '--user-data needs a directory' };
      out.userData = resolve(d);
    } else return { error: `unknown option: ${a}` };
  }
  return out;
}

function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`could not open a browser; open ${url} yourself\n`));
  child.unref();
}

/** Run browser mode with `process.argv`; scripts/serve.js calls this on the built copy. */
export async function main(): Promise<number> {
  // The pinned AWS SDK supports Node 20; its notice about future releases is not for operators.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const args = parseServeArgs(process.argv.slice(2));
  if ('error' in args) {
    process.stderr.write(`${args.error}\n${SERVE_USAGE}\n`);
    return 1;
  }
  if (!existsSync(join(args.staticDir, 'index.html'))) {
    process.stderr.write(`warning: no renderer build in ${args.staticDir} (run: npx vite build)\n`);
  }
  const [{ createController }, { startSceneCameras }, { createUploadsPort }, { systemReveal }] = await Promise.all([
    import('../core/controller'),
    import('../../sim/demo'),
    import('../core/uploads'),
    import('../core/reveal'),
  ]);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const api = await createController({
    ...(args.userData ? { userDataDir: args.userData } : {}),
    // Demo cameras film one shared scene, so sync and editor export have real footage to work on.
    virtualDevices: startSceneCameras,
    uploads: createUploadsPort({ log }),
    // Reveal in folder opens the file manager of this machine (the controller's).
    reveal: systemReveal,
    log,
  });
  if (args.demo > 0) {
    const r = await api.addVirtualDevices(args.demo);
    if (!r.ok) process.stderr.write(`demo devices: ${r.error.message}\n`);
  }
  const bridge = await startBridge({
    api,
    host: args.host,
    port: args.port,
    staticDir: args.staticDir,
    allowedHosts: args.allowHosts,
    resolveFile: controllerFiles(api),
  });
  process.stdout.write(`MultiCam Controller (browser mode): ${bridge.url}\n`);
  if (args.open) openInBrowser(bridge.url);

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await bridge.close();
    await api.shutdown?.().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().then(
    (code) => {
      if (code !== 0) process.exit(code);
    },
    (e: unknown) => {
      process.stderr.write(`${errorLine(e)}\n`);
      process.exit(1);
    },
  );
}

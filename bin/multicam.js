#!/usr/bin/env node
// The `multicam` command runs the CLI as JavaScript built by `npm install` (scripts/build-cli.mjs,
// the `prepare` script) — compiling the TypeScript at every start took 0.6–3 s — rebuilt first
// if a source changed since (scripts/ensure-built.mjs).
import '../scripts/require-node.mjs'; // first: one line on a Node too old
import { ensureBuilt } from '../scripts/ensure-built.mjs';

let url;
try {
  url = await ensureBuilt('multicam.mjs');
} catch (e) {
  process.stderr.write(`multicam: ${e.message}\n`);
  process.exit(1);
}
// The pinned AWS SDK supports Node 20; its notice about future releases is not for operators.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { main } = await import(url);
process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// Browser mode (`npm run serve -- …`, and `npm start` where Electron cannot run): the built
// src-main/bridge/serve.ts (dist-cli/serve.mjs), rebuilt first if a source changed since.
import './require-node.mjs'; // first: one line on a Node too old
import { ensureBuilt } from './ensure-built.mjs';

let url;
try {
  url = await ensureBuilt('serve.mjs');
} catch (e) {
  process.stderr.write(`serve: ${e.message}\n`);
  process.exit(1);
}
const { main } = await import(url);
main().then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (e) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);

#!/usr/bin/env node
// The `multicam` command: runs the TypeScript CLI through tsx so a clone works after `npm install`.
import { register } from 'tsx/esm/api';
register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// The `multicam` command: runs the TypeScript CLI through tsx so a clone works after `npm install`.
import { register } from 'tsx/esm/api';
// The pinned AWS SDK supports Node 20; its notice about future releases is not for operators.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

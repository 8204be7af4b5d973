// The `multicam` command as it started before it was built to JavaScript (the "before" of
// bench/cli.bench.ts): TypeScript sources compiled through tsx at every start.
import { register } from 'tsx/esm/api';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));

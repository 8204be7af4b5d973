// Worker entry when running from TypeScript sources (CLI, browser mode, tests): register tsx in
// this thread, then load the TypeScript worker. The Electron build bundles worker.ts instead.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');

/** Subcommands beyond `sim` register here; each module loads only when its command runs. */
import { registerCommand } from './main';

registerCommand('status', async () => (await import('./status')).statusCommand);
registerCommand('record', async () => (await import('./record')).recordCommand);
registerCommand('download', async () => (await import('./download')).downloadCommand);
registerCommand('devices', async () => (await import('./devices')).devicesCommand);
registerCommand('upload', async () => (await import('./upload')).uploadCommand);
registerCommand('sync', async () => (await import('./sync')).syncCommand);
registerCommand('export', async () => (await import('./export')).exportCommand);

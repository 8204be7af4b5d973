/** Production entry (index.html): Electron preload or browser bridge. */
import { pickTransport } from './api';
import { boot, bootError } from './boot';

const el = document.getElementById('root')!;
const picked = pickTransport();
if (picked.ok) boot(picked.transport, el);
else bootError(picked.message, el);

/**
 * Screenshots of the renderer running on the fake controller (src-renderer/demo.html).
 *
 *   npx vite build --mode demo && npx tsx e2e/tools/screenshot-fake.ts [outDir]
 *
 * Serves dist/renderer-demo on 127.0.0.1, opens it in Chromium (CHROMIUM or /usr/bin/chromium)
 * at the sizes the e2e screenshots use (1280×800, a studio laptop, and 1920×1080) and writes one
 * PNG per scenario and size (`<scenario>-<w>x<h>.png`; the mid-take studio also in the dark theme).
 * A quick look at states a real fleet rarely shows all at once; e2e/screen.spec.ts keeps the
 * screenshots of the real controller.
 */
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '../../dist/renderer-demo');
const outDir = resolve(process.argv[2] ?? 'test-results/screens-fake');
if (!existsSync(join(root, 'demo.html'))) throw new Error('build the demo first: npx vite build --mode demo');
mkdirSync(outDir, { recursive: true });

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws://127.0.0.1:*";
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
  const file = join(root, path === '/' ? 'demo.html' : path);
  if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP });
  createReadStream(file).pipe(res);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const port = (server.address() as { port: number }).port;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
});
const SIZES = [
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];
const shots: Array<{ name: string; query: string; act?: (p: import('playwright-core').Page) => Promise<void>; dark?: boolean }> = [
  { name: 'studio', query: 'scenario=studio&frozen=1' },
  { name: 'studio-dark', query: 'scenario=studio&frozen=1', dark: true },
  {
    name: 'studio-takes',
    query: 'scenario=studio&frozen=1',
    // The takes panel scrolled to the earlier take: its files, a failed download, a device to retry.
    act: async (p) => {
      await p.getByText('OAK depth', { exact: true }).last().scrollIntoViewIfNeeded();
    },
  },
  { name: 'empty', query: 'scenario=empty&discovery=off&clock=off' },
  { name: 'browser-mode', query: 'scenario=studio&browser=1&frozen=1' },
  {
    name: 'settings',
    query: 'scenario=studio&frozen=1',
    act: async (p) => {
      await p.getByRole('button', { name: 'Settings' }).click();
      await p.getByRole('dialog').waitFor();
    },
  },
  {
    name: 'countdown',
    query: 'scenario=empty',
    act: async (p) => {
      await p.getByRole('button', { name: 'Add 4 virtual cameras' }).click();
      await p.getByRole('button', { name: 'Record' }).click();
      await p.getByText(/Starting in/).waitFor();
    },
  },
];
const errors: string[] = [];
try {
  for (const size of SIZES) {
    for (const s of shots) {
      const page = await browser.newPage({ viewport: size, colorScheme: s.dark ? 'dark' : 'light' });
      page.on('console', (m) => m.type() === 'error' && errors.push(`${s.name}: ${m.text()}`));
      page.on('pageerror', (e) => errors.push(`${s.name}: ${e.message}`));
      await page.goto(`http://127.0.0.1:${port}/demo.html?${s.query}`);
      await page.getByRole('heading', { name: 'MultiCam Controller' }).waitFor();
      await page.waitForTimeout(400);
      if (s.act) await s.act(page);
      const file = join(outDir, `${s.name}-${size.width}x${size.height}.png`);
      await page.screenshot({ path: file });
      console.log(file);
      await page.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}
if (errors.length) {
  console.error(errors.join('\n'));
  process.exitCode = 1;
}

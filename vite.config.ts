/**
 * Renderer build: root `src-renderer`, output `dist/renderer`, relative asset base so the page
 * loads from file://, a custom protocol, or the bridge's HTTP server alike.
 * `vite build --mode demo` builds the fake-controller demo page (demo.html) into
 * `dist/renderer-demo` instead; it is never part of the production output.
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig(({ mode }) => {
  const demo = mode === 'demo';
  const input: Record<string, string> = demo ? { demo: here('./src-renderer/demo.html') } : { index: here('./src-renderer/index.html') };
  return {
    root: here('./src-renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: here(demo ? './dist/renderer-demo' : './dist/renderer'),
      emptyOutDir: true,
      // Keep every asset a separate file: no data: or inline scripts under a strict CSP.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      rolldownOptions: {
        input,
      },
    },
    server: { host: '127.0.0.1' },
  };
});

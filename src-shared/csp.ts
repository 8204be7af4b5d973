/**
 * The Content-Security-Policy the renderer runs under, in the Electron window (app://renderer)
 * and in browser mode (the bridge's HTTP server) alike. One string, imported by both.
 */
export const RENDERER_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "media-src 'self' blob: data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; " +
  "base-uri 'none'; frame-ancestors 'none'";

import { describe, expect, it } from 'vitest';
import { DEFAULT_STATIC_DIR, parseServeArgs } from './serve';

describe('serve.ts arguments', () => {
  it('defaults: loopback, any port, no demo, dist/renderer', () => {
    expect(parseServeArgs([])).toEqual({ port: 0, host: '127.0.0.1', demo: 0, open: false, staticDir: DEFAULT_STATIC_DIR, userData: null, allowHosts: [] });
    expect(DEFAULT_STATIC_DIR.replaceAll('\\', '/')).toMatch(/\/dist\/renderer$/);
  });
  it('parses --port, --demo, --open', () => {
    expect(parseServeArgs(['--port', '5180', '--demo', '4', '--open'])).toMatchObject({ port: 5180, demo: 4, open: true });
  });
  it('--allow-host is repeatable and takes a name or address with an optional port, never a wildcard or a URL', () => {
    expect(parseServeArgs(['--allow-host', 'Studio.local', '--allow-host', 'cams.example.org:8443', '--allow-host', '[::1]'])).toMatchObject({
      allowHosts: ['studio.local', 'cams.example.org:8443', '[::1]'],
    });
    for (const bad of ['*', '*.example.org', 'http://studio.local', 'studio.local:0', 'studio.local:70000', 'a b', '-x', '']) {
      expect(parseServeArgs(['--allow-host', bad]), bad).toHaveProperty('error');
    }
    expect(parseServeArgs(['--allow-host'])).toHaveProperty('error');
  });
  it('rejects bad values and unknown options', () => {
    expect(parseServeArgs(['--port', 'x'])).toHaveProperty('error');
    expect(parseServeArgs(['--demo', '0'])).toHaveProperty('error');
    expect(parseServeArgs(['--demo', '101'])).toHaveProperty('error');
    expect(parseServeArgs(['--wat'])).toHaveProperty('error');
  });
});

/**
 * Packaging checks that run without downloading anything: electron-builder.yml (against
 * electron-builder's own JSON schema and our requirements), the icons, package.json `main`, and the
 * esbuild bundles of the Electron main process and preload.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import { runInNewContext } from 'node:vm';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_METHODS } from '../src-shared/api';
import { RENDERER_CSP as BRIDGE_CSP } from '../src-main/bridge/http-static';
import { RENDERER_CSP as ELECTRON_CSP } from '../src-main/electron/security';

const root = resolve(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };

interface BuilderConfig {
  appId?: string;
  productName?: string;
  asar?: boolean;
  files?: string[];
  directories?: { buildResources?: string; output?: string };
  electronFuses?: Record<string, boolean>;
  linux?: { target?: Array<string | { target: string }>; category?: string; icon?: string };
  mac?: { target?: Array<string | { target: string }>; icon?: string; extendInfo?: Record<string, unknown> };
  win?: { target?: Array<string | { target: string }>; icon?: string };
}
const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const targets = (t: Array<string | { target: string }> | undefined) => (t ?? []).map((x) => (typeof x === 'string' ? x : x.target));

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's own schema", () => {
    const schema = JSON.parse(readFileSync(join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    const valid = validate(config);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });
  it('identity: appId, productName, asar', () => {
    expect(config.appId).toMatch(/^[a-z0-9]+(\.[a-z0-9-]+)+$/);
    expect(config.productName).toBe('MultiCam Controller');
    expect(config.asar).toBe(true);
  });
  it('packages the renderer, the bundles, package.json and the runtime icons, not sources or maps', () => {
    const files = config.files ?? [];
    for (const f of ['package.json', 'dist/renderer/**/*', 'dist-electron/**/*', 'resources/drag-icon.png', 'resources/icon-512.png'])
      expect(files).toContain(f);
    expect(files).toContain('!dist-electron/**/*.map');
    expect(files.some((f) => /src-|\.ts$/.test(f) && !f.startsWith('!'))).toBe(false);
    // main.cjs bundles its dependencies (checked below), so node_modules stay out.
    expect(files).toContain('!node_modules/**/*');
  });
  it('Linux: deb first, then AppImage; category AudioVideo', () => {
    expect(targets(config.linux?.target)).toEqual(['deb', 'AppImage']);
    expect(config.linux?.category).toBe('AudioVideo');
  });
  it('macOS: dmg, local-network usage text and the Bonjour service', () => {
    expect(targets(config.mac?.target)).toEqual(['dmg']);
    const info = config.mac?.extendInfo ?? {};
    expect(typeof info.NSLocalNetworkUsageDescription).toBe('string');
    expect((info.NSLocalNetworkUsageDescription as string).length).toBeGreaterThan(20);
    expect(info.NSBonjourServices).toEqual(['_multicam._tcp']);
  });
  it('Windows: nsis', () => {
    expect(targets(config.win?.target)).toEqual(['nsis']);
  });
  it('fuses are hardened', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  });
  it('icons point into resources/ and exist', () => {
    expect(config.directories?.buildResources).toBe('resources');
    for (const icon of [config.linux?.icon, config.mac?.icon, config.win?.icon]) {
      expect(icon).toMatch(/^resources\/.+\.png$/);
      expect(existsSync(join(root, icon!))).toBe(true);
    }
  });
});

/** Decode enough of a PNG to prove it is real: signature, chunk CRCs, IHDR, inflatable IDAT. */
function readPng(file: string): { width: number; height: number; colourType: number; opaqueFraction: number } {
  const buf = readFileSync(file);
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = crcTable[(c ^ x) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  let off = 8;
  let width = 0,
    height = 0,
    colourType = -1;
  const idat: Buffer[] = [];
  const types: string[] = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    expect(buf.readUInt32BE(off + 8 + len), `${type} CRC`).toBe(crc(buf.subarray(off + 4, off + 8 + len)));
    types.push(type);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect(data[8]).toBe(8);
      colourType = data[9]!;
    }
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  expect(types[0]).toBe('IHDR');
  expect(types.at(-1)).toBe('IEND');
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe((width * 4 + 1) * height);
  let opaque = 0;
  for (let y = 0; y < height; y++) {
    expect(raw[y * (width * 4 + 1)]).toBe(0); // filter type "none" (what our generator writes)
    for (let x = 0; x < width; x++) if (raw[y * (width * 4 + 1) + 1 + x * 4 + 3] === 255) opaque++;
  }
  return { width, height, colourType, opaqueFraction: opaque / (width * height) };
}

describe('icons', () => {
  for (const [name, size] of [
    ['icon-512.png', 512],
    ['icon-256.png', 256],
    ['drag-icon.png', 64],
  ] as const) {
    it(`${name} is a real ${size}×${size} RGBA PNG with a drawing on it`, () => {
      const png = readPng(join(root, 'resources', name));
      expect([png.width, png.height]).toEqual([size, size]);
      expect(png.colourType).toBe(6);
      expect(png.opaqueFraction).toBeGreaterThan(0.5);
      expect(png.opaqueFraction).toBeLessThan(1); // rounded corners are transparent
    });
  }
});

describe('package.json and the renderer policy', () => {
  it('main points at the bundled main process', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main?: string };
    expect(pkg.main).toBe('dist-electron/main.cjs');
  });
  it('the browser bridge and the Electron window use the same CSP', () => {
    expect(BRIDGE_CSP).toBe(ELECTRON_CSP);
    expect(ELECTRON_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob: data:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    );
  });
});

describe('scripts/build-electron.mjs', () => {
  let out: string;
  let built: { main?: string; preload?: string };
  type BuildModule = {
    buildElectron(o: { outDir: string; only?: 'main' | 'preload' }): Promise<{ main?: string; preload?: string }>;
    OPTIONAL_NATIVE: string[];
  };
  let mod: BuildModule;
  const requires = (file: string) => [...readFileSync(file, 'utf8').matchAll(/\brequire\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]!);
  const dynamicRequires = (file: string) => (readFileSync(file, 'utf8').match(/\brequire\(\s*[^"'`\s)]/g) ?? []).length;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'build-electron-'));
    mod = (await import(join(root, 'scripts/build-electron.mjs'))) as BuildModule;
    built = await mod.buildElectron({ outDir: out, only: 'preload' });
  }, 120_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('builds preload.cjs: one file whose only require is electron, without zod', () => {
    expect(built.preload).toBe(join(out, 'preload.cjs'));
    expect(requires(built.preload!)).toEqual(['electron']);
    expect(dynamicRequires(built.preload!)).toBe(0);
    const text = readFileSync(built.preload!, 'utf8');
    expect(text).not.toMatch(/\bimport\s|import\(/);
    expect(text.length).toBeLessThan(20_000);
  });
  it('the bundled preload exposes exactly the contract methods plus subscribe', () => {
    const exposed = new Map<string, Record<string, unknown>>();
    const electron = {
      contextBridge: { exposeInMainWorld: (k: string, v: Record<string, unknown>) => exposed.set(k, v) },
      ipcRenderer: { invoke: async () => undefined, on: () => undefined, removeListener: () => undefined },
    };
    const module = { exports: {} };
    runInNewContext(readFileSync(built.preload!, 'utf8'), {
      module,
      exports: module.exports,
      require: (id: string) => {
        if (id !== 'electron') throw new Error(`preload required ${id}`);
        return electron;
      },
    });
    expect([...exposed.keys()]).toEqual(['multicam']);
    expect(Object.keys(exposed.get('multicam')!).sort()).toEqual([...API_METHODS, 'subscribe'].sort());
  });
  it('builds main.cjs with every dependency bundled (only electron, node builtins and optional natives stay external)', { timeout: 120_000 }, async () => {
    const { main } = await mod.buildElectron({ outDir: out, only: 'main' });
    expect(main).toBe(join(out, 'main.cjs'));
    built.main = main;
    const { OPTIONAL_NATIVE } = mod;
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const foreign = requires(built.main!).filter((r) => r !== 'electron' && !builtins.has(r) && !OPTIONAL_NATIVE.includes(r));
    expect(foreign).toEqual([]);
    expect(readFileSync(built.main!, 'utf8')).toContain('"use strict"');
    // Demo mode's virtual cameras need their sample clip beside the bundle.
    expect(
      readFileSync(join(out, 'assets', 'sample.mp4'))
        .subarray(4, 8)
        .toString('latin1'),
    ).toBe('ftyp');
  });
});

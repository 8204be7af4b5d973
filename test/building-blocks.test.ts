/**
 * Shared building blocks, one name each (architecture.md): every service announces changes
 * through the one `Emitter` (src-shared/event.ts), with its one policy for a listener that
 * throws. This scan fails when a hand-written listener collection or a Node EventEmitter comes
 * back in production code, and when an error is turned into text by hand instead of through
 * the one `errorLine` (src-shared/error-line.ts).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

const rel = (f: string) => relative(root, f).split(sep).join('/');
const isTestFile = (r: string) => /\.test\.tsx?$|\.testing\.tsx?$/.test(r);
const production = ['src-main', 'src-shared', 'src-renderer', 'sim']
  .flatMap((d) => walk(join(root, d)))
  .map((f) => ({ file: rel(f), source: readFileSync(f, 'utf8') }))
  .filter((f) => !isTestFile(f.file));

/** The home of the one Emitter: the only place a listener collection may be written by hand. */
const EMITTER_HOME = 'src-shared/event.ts';

/** `listeners = new Set…`, `private readonly handlers: {…} = {`, `subscribers = []`… */
const LISTENER_COLLECTION = /\b\w*(?:listeners|handlers|subscribers)\w*\s*(?::(?:[^=;]|=>)+)?=\s*(?:new\s+(?:Set|Map)\b|\[\s*\]|\{)/i;
const NODE_EMITTER = /\bnew\s+EventEmitter\b|\bextends\s+EventEmitter\b/;

function handWrittenEmitters(files: Array<{ file: string; source: string }>): string[] {
  const out: string[] = [];
  for (const { file, source } of files) {
    if (file === EMITTER_HOME) continue;
    source.split('\n').forEach((line, i) => {
      if (LISTENER_COLLECTION.test(line)) out.push(`${file}:${i + 1}: a hand-written listener collection (use Emitter from src-shared/event.ts)`);
      if (NODE_EMITTER.test(line)) out.push(`${file}:${i + 1}: a Node EventEmitter for a service's events (use Emitter from src-shared/event.ts)`);
    });
  }
  return out;
}

/** `e instanceof Error ? e.message : String(e)`, `(e as Error).message`, `err.message.split('\n')[0]`. */
const HAND_MADE_ERROR_LINE = [
  /instanceof Error\s*\?\s*[\w.]+\.message\b/,
  /\(\s*\w+\s+as\s+Error\s*\)\??\.message\b/,
  /\b(?:e|err|error|cause)\??\.message\??\.split\(/,
];
const ERROR_LINE_HOME = 'src-shared/error-line.ts';

function handMadeErrorLines(files: Array<{ file: string; source: string }>): string[] {
  const out: string[] = [];
  for (const { file, source } of files) {
    if (file === ERROR_LINE_HOME) continue;
    source.split('\n').forEach((line, i) => {
      if (HAND_MADE_ERROR_LINE.some((re) => re.test(line)))
        out.push(`${file}:${i + 1}: an error turned into text by hand (use errorLine from src-shared/error-line.ts)`);
    });
  }
  return out;
}

/**
 * Hand-made address parsing or formatting: a bracketed-IPv6 regex (`\[([^\]]…`), node:net's IP
 * checks (not available in the renderer, and a second opinion on what an IP is), or a
 * `host.includes(':') ? `[${host}]:${port}`` formatter.
 */
const HAND_MADE_ADDRESS = [/\\\[\(\[\^\\\]/, /import\s*\{[^}]*\bisIP(?:v4|v6)?\b[^}]*\}\s*from\s*'node:net'/, /\.includes\(':'\)\s*\?\s*`\[\$\{[^}]+\}\]:\$\{/];
const ADDRESS_HOME = 'src-shared/address.ts';

function handMadeAddresses(files: Array<{ file: string; source: string }>): string[] {
  const out: string[] = [];
  for (const { file, source } of files) {
    if (file === ADDRESS_HOME) continue;
    source.split('\n').forEach((line, i) => {
      if (HAND_MADE_ADDRESS.some((re) => re.test(line))) out.push(`${file}:${i + 1}: an address parsed or formatted by hand (use src-shared/address.ts)`);
    });
  }
  return out;
}

describe('one address module', () => {
  it('no production code parses or formats a device address by hand', () => {
    expect(handMadeAddresses(production)).toEqual([]);
  });

  it('the scan can fail: each hand-made parser or formatter is caught', () => {
    const one = (source: string) => handMadeAddresses([{ file: 'src-main/core/x.ts', source }]);
    expect(one('const m = /^\\[([^\\]]+)\\]:(\\d{1,5})$/.exec(s);')).toHaveLength(1);
    expect(one("import { isIPv4, isIPv6 } from 'node:net';")).toHaveLength(1);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text the scan must catch
    expect(one("const key = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;")).toHaveLength(1);
    expect(one("import { formatAddress, parseAddress } from '../../src-shared/address';")).toEqual([]);
  });
});

describe('one errorLine', () => {
  it('no production code turns an error into one line by hand', () => {
    expect(handMadeErrorLines(production)).toEqual([]);
  });

  it('the scan can fail: each hand-made one-liner is caught', () => {
    const one = (source: string) => handMadeErrorLines([{ file: 'src-main/core/x.ts', source }]);
    expect(one('const text = e instanceof Error ? e.message : String(e);')).toHaveLength(1);
    expect(one('reason = (e as Error).message;')).toHaveLength(1);
    expect(one("const msg = err.message.split('\\n')[0]!;")).toHaveLength(1);
    expect(one('const text = errorLine(e);')).toEqual([]);
  });
});

describe('one Emitter', () => {
  it('scans the production sources', () => {
    expect(production.length).toBeGreaterThan(50);
    expect(production.some((f) => f.file === EMITTER_HOME)).toBe(true);
  });

  it('no service keeps its own listener collection or a Node EventEmitter', () => {
    // The services: core and what it shares (the renderer's transports keep their own small sets).
    expect(handWrittenEmitters(production.filter((f) => /^src-(main|shared)\//.test(f.file)))).toEqual([]);
  });

  it('the scan can fail: each way of hand-writing listeners is caught', () => {
    const one = (source: string) => handWrittenEmitters([{ file: 'src-main/core/x.ts', source }]);
    expect(one('  private readonly listeners = new Set<Listener>();')).toHaveLength(1);
    expect(one('  private readonly listeners: { [E in keyof FleetEvents]: Set<FleetEvents[E]> } = {\n    deviceChanged: new Set(),')).toHaveLength(1);
    expect(one('    const handlers: Array<(e: number) => void> = [];')).toHaveLength(1);
    expect(one('  private readonly errorListeners = new Set<(e: Error) => void>();')).toHaveLength(1);
    expect(one('  private readonly events = new EventEmitter();')).toHaveLength(1);
    expect(one('  private readonly _onDidChange = new Emitter<View>("x");\n  readonly onDidChange = this._onDidChange.event;')).toEqual([]);
    expect(handWrittenEmitters([{ file: EMITTER_HOME, source: 'private readonly listeners = new Set<Entry<T>>();' }])).toEqual([]);
  });
});

describe('one name per concept in the contract', () => {
  const api = readFileSync(join(root, 'src-shared/api.ts'), 'utf8');
  const block = (name: string) => {
    const start = api.indexOf(`export interface ${name} {`);
    expect(start, name).toBeGreaterThanOrEqual(0);
    return api.slice(start, api.indexOf('\n}\n', start));
  };

  it("the fleet's key is deviceKey in every view and event", () => {
    for (const view of ['DeviceView', 'DownloadView', 'UploadView', 'TakeDeviceView']) expect(block(view), view).toMatch(/\n {2}deviceKey: string;/);
    expect(block('DeviceView')).not.toMatch(/\n {2}(id|key): string;/);
    expect(api).toMatch(/type: 'deviceRemoved'; deviceKey: string/);
  });

  it('the name a device gave its file is fileName, never remoteName', () => {
    expect(block('DownloadView')).toMatch(/\n {2}fileName: string;/);
    const named = production.filter((f) => /\bremoteName\b/.test(f.source)).map((f) => f.file);
    expect(named).toEqual([]);
  });
});

/** `multicam sim`: argument parsing, in-process runs, and the real command in a child process. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseFault, parseSimArgs, simCommand, simLine } from './cli';
import { READY_LINE } from './lab/lab';
import { ask, command } from './client.testing';

const root = resolve(import.meta.dirname, '..');

function sink() {
  const s = new PassThrough();
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { stream: s, text: () => text };
}

describe('parseSimArgs', () => {
  it('parses every option', () => {
    const o = parseSimArgs([
      '--count',
      '3',
      '--personality',
      'mixed',
      '--host',
      '127.0.0.2',
      '--port=9000',
      '--interface',
      '10.0.0.1',
      '--clock-offset-ms',
      '-250.5',
      '--drift-ppm',
      '20',
      '--latency-ms',
      '4',
      '--jitter-ms',
      '2',
      '--file-size',
      '1048576',
      '--stop-delay-ms',
      '60000',
      '--fault',
      'truncate:100',
      '--fault',
      'refuse',
      '--fault',
      'path-filename:/etc/passwd',
      '--files-dir',
      '/tmp/x',
    ]);
    expect(o).toEqual({
      count: 3,
      personality: 'mixed',
      host: '127.0.0.2',
      port: 9000,
      mdns: { interface: '10.0.0.1' },
      clockOffsetMs: -250.5,
      driftPpm: 20,
      latencyMs: 4,
      jitterMs: 2,
      fileSize: 1048576,
      stopDelayMs: 60000,
      filesDir: '/tmp/x',
      faults: [{ name: 'truncate', afterBytes: 100 }, { name: 'refuse' }, { name: 'path-filename', fileName: '/etc/passwd' }],
    });
    expect(parseSimArgs([])).toEqual({ count: 1, personality: 'spec' });
    expect(parseSimArgs(['--mdns'])).toEqual({ count: 1, personality: 'spec', mdns: {} });
    expect(parseSimArgs(['--help'])).toBeNull();
  });

  it.each([
    [['--count', '0']],
    [['--count', 'x']],
    [['--personality', 'windows']],
    [['--port', '70000']],
    [['--port', '65535', '--count', '2']],
    [['--fault', 'explode']],
    [['--fault', 'refuse:3']],
    [['--fault', 'stall:soon']],
    [['--latency-ms']],
    [['--bogus']],
  ])('rejects %j', (argv) => {
    expect(() => parseSimArgs(argv)).toThrow();
  });

  it('fault parameters mean what each fault needs', () => {
    expect(parseFault('stall:2.5')).toEqual({ name: 'stall', seconds: 2.5 });
    expect(parseFault('slow:30')).toEqual({ name: 'slow', seconds: 30 });
    expect(parseFault('oversized-header:70000')).toEqual({ name: 'oversized-header', headerLength: 70000 });
    expect(parseFault('wrong-filesize:-5')).toEqual({ name: 'wrong-filesize', fileSize: -5 });
    expect(parseFault('path-filename:C:\\x')).toEqual({ name: 'path-filename', fileName: 'C:\\x' });
  });
});

describe('simCommand in process', () => {
  it('usage error → stderr + 1; --help → stdout + 0', async () => {
    const out = sink();
    const err = sink();
    expect(await simCommand(['--count', 'lots'], { stdout: out.stream, stderr: err.stream })).toBe(1);
    expect(err.text()).toMatch(/--count/);
    expect(out.text()).toBe('');
    expect(await simCommand(['--help'], { stdout: out.stream, stderr: err.stream })).toBe(0);
    expect(out.text()).toMatch(/usage: multicam sim/);
  });

  it('prints `deviceId host:port` per device (the name status shows), serves, and stops cleanly when aborted', async () => {
    const out = sink();
    const ac = new AbortController();
    const run = simCommand(['--count', '2', '--personality', 'oak'], { stdout: out.stream, stderr: sink().stream, signal: ac.signal });
    for (let i = 0; i < 500 && out.text().split('\n').length < 3; i++) await new Promise((r) => setTimeout(r, 10));
    const lines = out.text().trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      const m = /^(\S+) 127\.0\.0\.1:(\d+)$/.exec(l);
      expect(m, l).not.toBeNull();
      const reply = await ask(Number(m![2]), command('DEVICE_STATUS'));
      expect(reply.deviceType).toBe('Oak');
      expect(reply.deviceId).toBe(m![1]); // not the mDNS instance `multiCam-oak-<uuid>`
    }
    ac.abort();
    expect(await run).toBe(0);
  });
});

describe('the line multicam sim prints per device', () => {
  it('is `deviceId host:port`, with ` mdns <instance>` when advertised; the lab reads both back', () => {
    const d = { deviceId: 'Forest-1A2B3C4D', name: 'multiCam-Forest-1A2B3C4D', host: '127.0.0.1', port: 40001 };
    expect(simLine(d, false)).toBe('Forest-1A2B3C4D 127.0.0.1:40001');
    expect(simLine({ ...d, host: '::1' }, false)).toBe('Forest-1A2B3C4D [::1]:40001');
    const line = simLine({ ...d, name: 'multiCam-oak-ea5026ca-5ad0-42c3-ba5a-7dd3053edcdd' }, true);
    expect(line).toBe('Forest-1A2B3C4D 127.0.0.1:40001 mdns multiCam-oak-ea5026ca-5ad0-42c3-ba5a-7dd3053edcdd');
    const m = READY_LINE.exec(line)!;
    expect([m[1], m[2], m[3], m[4]]).toEqual(['Forest-1A2B3C4D', '127.0.0.1', '40001', 'multiCam-oak-ea5026ca-5ad0-42c3-ba5a-7dd3053edcdd']);
    expect(READY_LINE.exec(simLine(d, false))![4]).toBeUndefined();
  });
});

describe('multicam sim as a process', () => {
  it('node bin/multicam.js sim --count 2 --personality mixed: two lines, both serve, SIGTERM → exit 0', async () => {
    const child = spawn(process.execPath, ['bin/multicam.js', 'sim', '--count', '2', '--personality', 'mixed'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const lines = await new Promise<string[]>((resolveLines, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          const l = stdout.split('\n').filter(Boolean);
          if (l.length >= 2) resolveLines(l);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code} early: ${stderr}`)));
      });
      expect(lines).toHaveLength(2);
      const types: unknown[] = [];
      for (const line of lines) {
        const m = /^(\S+) 127\.0\.0\.1:(\d+)$/.exec(line);
        expect(m, line).not.toBeNull();
        types.push((await ask(Number(m![2]), command('DEVICE_STATUS'))).deviceType);
      }
      expect(types).toEqual(['iOS:iPhone', 'Android:Quest']); // mixed: ios, android, oak, spec, …
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});

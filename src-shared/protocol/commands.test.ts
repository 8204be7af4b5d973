import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, CONTROLLER_ID, MAX_COMMAND_BYTES } from './constants';
import { catchError } from './bytes.testing';
import { deviceStatus, encodeCommand, getVideo, heartbeat, listFiles, startRecording, stopRecording, uploadToCloud, type Command } from './commands';

const NOW_MS = 1729000000123.5;
const fixed = () => NOW_MS;
const dec = new TextDecoder('utf-8', { fatal: true });
const URL_OK = 'https://bucket.s3.amazonaws.com/recordings/cam1/video.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc%2Fdef';

function decoded(cmd: Command): Record<string, unknown> {
  const b = encodeCommand(cmd);
  return JSON.parse(dec.decode(b)) as Record<string, unknown>;
}

const builders: Array<[string, () => Command]> = [
  ['START_RECORDING', () => startRecording(1729000003.5)],
  ['STOP_RECORDING', () => stopRecording(fixed)],
  ['DEVICE_STATUS', () => deviceStatus(fixed)],
  ['HEARTBEAT', () => heartbeat(fixed)],
  ['LIST_FILES', () => listFiles(fixed)],
  ['GET_VIDEO', () => getVideo('video_1729000000.mp4', fixed)],
  ['UPLOAD_TO_CLOUD', () => uploadToCloud('video_1729000000.mp4', URL_OK, fixed)],
];

describe('command builders', () => {
  it('there is a builder for every command name', () => {
    expect(builders.map(([n]) => n).sort()).toEqual([...COMMAND_NAMES].sort());
  });

  for (const [name, build] of builders) {
    it(`${name}: command, finite numeric timestamp, deviceId controller, nothing null`, () => {
      const cmd = build();
      expect(cmd.command).toBe(name);
      expect(typeof cmd.timestamp).toBe('number');
      expect(Number.isFinite(cmd.timestamp)).toBe(true);
      expect(cmd.deviceId).toBe(CONTROLLER_ID);
      expect(CONTROLLER_ID).toBe('controller');
      const wire = decoded(cmd);
      expect(wire.command).toBe(name);
      expect(wire.timestamp).toBe(cmd.timestamp);
      expect(wire.deviceId).toBe('controller');
      for (const [k, v] of Object.entries(wire)) expect(v, k).not.toBeNull();
      const allowed = ['command', 'timestamp', 'deviceId', 'fileName', 'fileId', 'uploadUrl'];
      for (const k of Object.keys(wire)) expect(allowed).toContain(k);
    });

    it(`${name}: encodes as compact UTF-8 JSON starting with { and under 4096 bytes`, () => {
      const b = encodeCommand(build());
      expect(b).toBeInstanceOf(Uint8Array);
      expect(b[0]).toBe(0x7b);
      expect(b[b.length - 1]).toBe(0x7d);
      expect(b.length).toBeLessThan(MAX_COMMAND_BYTES);
      const text = dec.decode(b);
      expect(text).toBe(JSON.stringify(JSON.parse(text))); // compact: no insignificant whitespace
      expect(text).not.toMatch(/\n/);
    });
  }

  it('timestamps are Unix seconds from the millisecond clock', () => {
    for (const [name, build] of builders) {
      if (name === 'START_RECORDING') continue;
      expect(build().timestamp, name).toBeCloseTo(NOW_MS / 1000, 6);
    }
    expect(startRecording(1729000003.5).timestamp).toBe(1729000003.5);
  });

  it('the default clock is the wall clock', () => {
    const before = Date.now() / 1000;
    const t = heartbeat().timestamp;
    const after = Date.now() / 1000;
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
  });

  it('commands without a file carry no file fields', () => {
    for (const cmd of [startRecording(1), stopRecording(fixed), deviceStatus(fixed), heartbeat(fixed), listFiles(fixed)]) {
      const wire = decoded(cmd);
      expect(Object.keys(wire).sort()).toEqual(['command', 'deviceId', 'timestamp']);
    }
  });

  it('GET_VIDEO carries fileName and fileId with the same value', () => {
    const wire = decoded(getVideo('clip é 漢.mov', fixed));
    expect(wire.fileName).toBe('clip é 漢.mov');
    expect(wire.fileId).toBe('clip é 漢.mov');
    expect(wire.uploadUrl).toBeUndefined();
  });

  it('UPLOAD_TO_CLOUD carries fileName, fileId and uploadUrl verbatim', () => {
    const wire = decoded(uploadToCloud('video_1.mp4', URL_OK, fixed));
    expect(wire.fileName).toBe('video_1.mp4');
    expect(wire.fileId).toBe('video_1.mp4');
    expect(wire.uploadUrl).toBe(URL_OK);
  });

  it('a non-finite timestamp is refused', () => {
    expect(() => startRecording(Number.NaN)).toThrow(TypeError);
    expect(() => startRecording(Number.POSITIVE_INFINITY)).toThrow(/timestamp/);
    expect(() => heartbeat(() => Number.NaN)).toThrow(TypeError);
  });

  it('an empty or missing fileName is refused', () => {
    expect(() => getVideo('', fixed)).toThrow(/fileName/);
    expect(() => uploadToCloud('', URL_OK, fixed)).toThrow(/fileName/);
    expect(() => getVideo(undefined as unknown as string, fixed)).toThrow(TypeError);
    expect(() => getVideo(42 as unknown as string, fixed)).toThrow(TypeError);
  });

  it('an invalid uploadUrl is refused', () => {
    for (const url of [
      '',
      'ftp://x/y',
      'bucket/key',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'https://',
      'http://',
      'https:// spaced.example.com/x',
      'https://host/a\nb',
      undefined,
      7,
    ]) {
      expect(() => uploadToCloud('a.mp4', url as string, fixed), String(url)).toThrow(/uploadUrl/);
    }
    expect(() => uploadToCloud('a.mp4', 'http://127.0.0.1:9000/bucket/key?sig=1', fixed)).not.toThrow();
    expect(() => uploadToCloud('a.mp4', 'HTTPS://EXAMPLE.COM/x', fixed)).not.toThrow();
  });
});

describe('encodeCommand', () => {
  it('omits null and undefined fields', () => {
    const cmd = { command: 'HEARTBEAT', timestamp: 1.5, deviceId: 'controller', fileName: null, fileId: undefined, uploadUrl: null } as unknown as Command;
    expect(dec.decode(encodeCommand(cmd))).toBe('{"command":"HEARTBEAT","timestamp":1.5,"deviceId":"controller"}');
  });

  it('encodes non-ASCII as UTF-8 bytes (not \\u escapes)', () => {
    const b = encodeCommand(getVideo('é.mp4', fixed));
    const text = dec.decode(b);
    expect(text).toContain('"fileName":"é.mp4"');
    expect(b.length).toBe(new TextEncoder().encode(text).length);
  });

  it('an oversized command (huge upload URL) → command_too_large', () => {
    const huge = `https://bucket.s3.amazonaws.com/k?sig=${'a'.repeat(5000)}`;
    const cmd = uploadToCloud('video.mp4', huge, fixed);
    const e = catchError(() => encodeCommand(cmd));
    expect(e.code).toBe('command_too_large');
    expect(e.message).toContain('UPLOAD_TO_CLOUD');
  });

  it('the limit is counted in bytes: exactly 4096 passes, 4097 fails', () => {
    const baseLen = encodeCommand(uploadToCloud('v.mp4', 'https://h/', fixed)).length;
    const fill = (n: number) => uploadToCloud('v.mp4', `https://h/${'x'.repeat(n)}`, fixed);
    expect(encodeCommand(fill(MAX_COMMAND_BYTES - baseLen)).length).toBe(MAX_COMMAND_BYTES);
    expect(catchError(() => encodeCommand(fill(MAX_COMMAND_BYTES - baseLen + 1))).code).toBe('command_too_large');
    // multi-byte characters count as their UTF-8 length (3 bytes each here), not as 1
    const name = '漢'.repeat(1400); // 1400 chars, 4200 bytes in each of fileName and fileId
    expect(catchError(() => encodeCommand(getVideo(name, fixed))).code).toBe('command_too_large');
  });
});

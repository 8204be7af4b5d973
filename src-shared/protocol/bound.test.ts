import { describe, expect, it } from 'vitest';
import { MAX_DEVICE_STRING_CHARS, boundDeviceValue, boundString } from './bound';
import { parseReply, parseVideoHeader } from './replies';

describe('device strings are bounded before processing', () => {
  it('a ~1 MiB START reply keeps its shape with every string cut', () => {
    const huge = '<X-Amz-Signature>'.repeat(60_000);
    const r = parseReply({ status: 'scheduled_recording_accepted', message: huge, fileName: huge, [huge]: huge, extra: { deep: [huge] } });
    expect(r.status).toBe('scheduled_recording_accepted');
    expect(r.message!.length).toBeLessThanOrEqual(MAX_DEVICE_STRING_CHARS + 1);
    expect(r.message!.endsWith('…')).toBe(true);
    expect(r.fileName!.length).toBeLessThanOrEqual(MAX_DEVICE_STRING_CHARS + 1);
    expect(JSON.stringify(r.raw).length).toBeLessThan(4 * MAX_DEVICE_STRING_CHARS + 1000);
  });

  it('bounds the GET_VIDEO header and the device error reply alike', () => {
    const h = parseVideoHeader({ fileName: 'x'.repeat(50_000), fileSize: 3 });
    expect(h.fileName!.length).toBe(MAX_DEVICE_STRING_CHARS + 1);
  });

  it('a device status of 1 MiB is cut before it is folded', () => {
    const r = parseReply({ status: 'Recording'.padEnd(1_000_000, ' X') });
    expect(r.rawStatus.length).toBe(MAX_DEVICE_STRING_CHARS + 1);
  });

  it('never splits a surrogate pair, keeps short strings as they are', () => {
    expect(boundString('ab😀', 3)).toBe('ab…');
    expect(boundString('abc', 3)).toBe('abc');
  });

  it('deep or wide containers are cut, and __proto__ stays plain data', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(JSON.stringify(boundDeviceValue(deep))).not.toContain('leaf');
    expect((boundDeviceValue(new Array(10_000).fill(1)) as unknown[]).length).toBe(4096);
    const o = boundDeviceValue(JSON.parse('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(o)).toBe(Object.prototype);
    expect(Object.keys(o)).toEqual(['__proto__']);
  });
});

describe('boundDeviceValue', () => {
  it('returns a reply already within bounds as it is (no copy)', () => {
    const v = { status: 'ready', uploadQueue: [{ fileName: 'a.mp4' }] };
    expect(boundDeviceValue(v)).toBe(v);
  });
});

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsStore, defaultSettings } from './settings-store';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'mc-settings-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SettingsStore', () => {
  it('starts from defaults and persists updates across instances', () => {
    const dir = fresh();
    const a = new SettingsStore(dir, defaultSettings('/home/op'));
    expect(a.get().recordingsDir).toBe('/home/op/MultiCam Recordings');
    a.update({ delaySeconds: 5, manualDevices: ['10.0.0.5:8080'] });
    const b = new SettingsStore(dir, defaultSettings('/home/op'));
    expect(b.get().delaySeconds).toBe(5);
    expect(b.get().manualDevices).toEqual(['10.0.0.5:8080']);
    expect(JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')).delaySeconds).toBe(5);
  });

  it('rejects an invalid patch and keeps the previous value', () => {
    const s = new SettingsStore(fresh());
    expect(() => s.update({ delaySeconds: -1 })).toThrow();
    expect(s.get().delaySeconds).toBe(3);
  });

  it('merges a partial storage patch', () => {
    const s = new SettingsStore(fresh());
    s.update({ storage: { ...s.get().storage, bucket: 'takes' } });
    expect(s.get().storage.bucket).toBe('takes');
    expect(s.get().storage.prefixTemplate).toContain('{take}');
  });

  it('keeps the good fields of a corrupt settings file and reports the bad ones', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ delaySeconds: 7, pollIntervalMs: 'fast', unknown: 1 }));
    const s = new SettingsStore(dir);
    expect(s.get().delaySeconds).toBe(7);
    expect(s.get().pollIntervalMs).toBe(1000);
    expect(s.loadWarnings.join(' ')).toMatch(/pollIntervalMs/);
  });

  it('survives a settings file that is not JSON', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'settings.json'), '{nope');
    expect(new SettingsStore(dir).get().delaySeconds).toBe(3);
  });

  it('stores device labels, colours and inclusion', () => {
    const dir = fresh();
    new SettingsStore(dir).setDevicePrefs('multiCam-A', { label: 'Wide', included: false });
    const s = new SettingsStore(dir);
    expect(s.devicePrefs('multiCam-A')).toEqual({ label: 'Wide', included: false });
    expect(s.devicePrefs('other')).toEqual({});
  });

  it('re-keys an IPv6 device saved under an uncompressed spelling, and leaves instance names as they are', () => {
    const dir = fresh();
    writeFileSync(
      join(dir, 'devices.json'),
      JSON.stringify({ '[fe80:0:0::1]:8080': { label: 'Old spelling' }, 'multiCam-Forest': { label: 'Wide' }, ['__proto__']: { label: 'x' } }),
    );
    const s = new SettingsStore(dir);
    expect(s.devicePrefs('[fe80::1]:8080')).toEqual({ label: 'Old spelling' });
    expect(s.devicePrefs('multiCam-Forest')).toEqual({ label: 'Wide' });
    expect(s.devicePrefs('multicam-forest')).toEqual({});
    expect(s.devicePrefs('toString')).toEqual({});
  });
});

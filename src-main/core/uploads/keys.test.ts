import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFIX_TEMPLATE, KeyTemplateError, keyDate, renderKey, safeSegment, validateTemplate, type KeyVars } from './keys';

const vars = (o: Partial<KeyVars> = {}): KeyVars => ({
  date: '2026-11-21',
  take: '2026-11-21_10-15-03_Scene-1',
  takeId: 't1',
  device: 'iPhone A',
  deviceKey: 'multiCam-A1',
  file: 'A1_1763720103000.mov',
  ...o,
});

describe('renderKey', () => {
  it('renders the default template', () => {
    expect(renderKey(DEFAULT_PREFIX_TEMPLATE, vars())).toBe('2026-11-21/2026-11-21_10-15-03_Scene-1/iPhone-A/A1_1763720103000.mov');
    expect(renderKey('', vars())).toBe(renderKey(DEFAULT_PREFIX_TEMPLATE, vars()));
  });

  it('keeps a device or file value inside its own segment (no traversal, no absolute keys)', () => {
    const k = renderKey('recordings/{device}/{file}', vars({ device: '../../etc', file: '/etc/passwd' }));
    expect(k).toBe('recordings/etc/passwd');
    expect(renderKey('{device}/{file}', vars({ device: '..', file: '..' }))).toBe('device/file');
    expect(renderKey('{device}/{file}', vars({ device: 'a/b\\c', file: 'C:\\x\\clip.mp4' }))).toBe('a-b-c/clip.mp4');
    for (const k of [renderKey('/{file}', vars()), renderKey('a//{file}', vars())]) {
      expect(k.startsWith('/')).toBe(false);
      expect(k).not.toContain('//');
    }
  });

  it('sanitises names: spaces, control and odd characters, dot-leading', () => {
    expect(safeSegment(' Cam  1 \u0000<script>')).toBe('Cam-1-script');
    expect(safeSegment('.hidden')).toBe('hidden');
    expect(safeSegment('')).toBe('unnamed');
    expect(renderKey('{take}/{file}', vars({ take: '' }))).toBe('take/A1_1763720103000.mov');
  });

  it('shortens a long file name but keeps its extension', () => {
    const k = renderKey('{file}', vars({ file: `${'x'.repeat(300)}.mp4` }));
    expect(k.length).toBeLessThanOrEqual(120);
    expect(k.endsWith('.mp4')).toBe(true);
  });

  it('refuses unsafe or useless templates', () => {
    expect(() => validateTemplate('{date}/{file}')).not.toThrow();
    expect(() => validateTemplate('{date}/{device}')).toThrow(/must contain \{file\}/);
    expect(() => validateTemplate('../{file}')).toThrow(KeyTemplateError);
    expect(() => validateTemplate('a/./{file}')).toThrow(KeyTemplateError);
    expect(() => validateTemplate('{user}/{file}')).toThrow(/unknown prefix template variable \{user\}/);
    expect(() => validateTemplate('a b/{file}')).toThrow(KeyTemplateError);
    expect(() => validateTemplate('{file')).toThrow(KeyTemplateError);
  });

  it('keyDate: UTC day of the take, today when missing', () => {
    expect(keyDate('2026-11-21T23:59:59.000Z')).toBe('2026-11-21');
    expect(keyDate(null, () => Date.UTC(2027, 0, 2, 3))).toBe('2027-01-02');
    expect(keyDate('not a date', () => Date.UTC(2027, 0, 2, 3))).toBe('2027-01-02');
  });
});

/**
 * Object keys from the operator's prefix template, e.g. `{date}/{take}/{device}/{file}`.
 * Values come from devices and operators (untrusted), so each one is squeezed into ONE safe
 * path segment: a device named `../../etc` or a file named `/x` can never climb out of the
 * prefix or collide with another device's folder.
 */

export const DEFAULT_PREFIX_TEMPLATE = '{date}/{take}/{device}/{file}';
export const KEY_VARIABLES = ['date', 'take', 'takeId', 'device', 'deviceKey', 'file'] as const;
export type KeyVariable = (typeof KEY_VARIABLES)[number];
export type KeyVars = Record<KeyVariable, string>;

/** S3 allows 1024 bytes of UTF-8 per key. */
const MAX_KEY_BYTES = 1024;
const MAX_SEGMENT = 120;

export class KeyTemplateError extends Error {
  readonly code = 'invalid_prefix_template';
  constructor(message: string) {
    super(message);
    this.name = 'KeyTemplateError';
  }
}

/**
 * One safe key segment: letters, digits, `.`, `_`, `-` (whitespace and anything else → `-`),
 * no leading/trailing dots or dashes (so never `.`/`..`), at most 120 characters.
 */
export function safeSegment(raw: string, fallback = 'unnamed'): string {
  const s = String(raw ?? '')
    .normalize('NFKC')
    .replace(/[\\/]+/g, '-')
    .replace(/\s+/g, '-')
    .replace(/[^\p{L}\p{N}._-]+/gu, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, MAX_SEGMENT)
    .replace(/[.-]+$/, '');
  return s.length > 0 ? s : fallback;
}

/** A file name keeps its extension when it has to be shortened. */
function safeFileSegment(raw: string): string {
  const base =
    String(raw ?? '')
      .split(/[\\/]/)
      .pop() ?? '';
  const whole = safeSegment(base, 'file');
  if (whole.length < MAX_SEGMENT) return whole;
  const m = /(\.[A-Za-z0-9]{1,8})$/.exec(base);
  return m ? `${safeSegment(base.slice(0, -m[1]!.length), 'file').slice(0, MAX_SEGMENT - m[1]!.length)}${m[1]}` : whole;
}

/** Check a template without rendering it: known variables only, `{file}` required, safe literals. */
export function validateTemplate(template: string): string {
  const t = (template ?? '').trim() || DEFAULT_PREFIX_TEMPLATE;
  if (t.length > 512) throw new KeyTemplateError('the prefix template is longer than 512 characters');
  for (const m of t.matchAll(/\{([^}]*)\}/g)) {
    if (!(KEY_VARIABLES as readonly string[]).includes(m[1]!)) {
      throw new KeyTemplateError(`unknown prefix template variable {${m[1]}}; use ${KEY_VARIABLES.map((v) => `{${v}}`).join(' ')}`);
    }
  }
  const literal = t.replace(/\{[^}]*\}/g, '');
  if (/[{}]/.test(literal)) throw new KeyTemplateError('unbalanced { } in the prefix template');
  if (!/^[A-Za-z0-9._\-/]*$/.test(literal)) throw new KeyTemplateError('the prefix template may contain only letters, digits, . _ - / and {variables}');
  for (const seg of t.split('/')) if (seg === '.' || seg === '..') throw new KeyTemplateError('the prefix template may not contain . or .. segments');
  // Without {file}, every device's file would land on the same key.
  if (!t.includes('{file}')) throw new KeyTemplateError('the prefix template must contain {file}');
  return t;
}

/** Render an object key. Empty segments collapse (no leading `/`, no `//`). */
export function renderKey(template: string, vars: KeyVars): string {
  const t = validateTemplate(template);
  const segments = t
    .split('/')
    .map((seg) => seg.replace(/\{([A-Za-z]+)\}/g, (_m, name: KeyVariable) => (name === 'file' ? safeFileSegment(vars.file) : safeSegment(vars[name], name))))
    .filter((seg) => seg.length > 0);
  for (const seg of segments) if (seg === '.' || seg === '..') throw new KeyTemplateError('the rendered key has a . or .. segment');
  const key = segments.join('/');
  if (key.length === 0) throw new KeyTemplateError('the rendered key is empty');
  if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) throw new KeyTemplateError('the rendered key is longer than 1024 bytes');
  return key;
}

/** `YYYY-MM-DD` in UTC from an ISO instant (a take's `createdAt`); today when missing or invalid. */
export function keyDate(iso: string | null | undefined, now: () => number = Date.now): string {
  const d = iso ? new Date(iso) : new Date(now());
  const ok = Number.isFinite(d.getTime()) ? d : new Date(now());
  return ok.toISOString().slice(0, 10);
}

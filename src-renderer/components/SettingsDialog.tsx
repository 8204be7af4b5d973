import { plainIssue, type IssueLike } from '../../src-shared/plain';
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { SettingsPatchSchema, type Settings, type SettingsPatch } from '../../src-shared/api';
import { useAction } from '../lib/useAction';
import { useApi, useSettings } from '../store/context';

interface Form {
  recordingsDir: string;
  delaySeconds: string;
  pollIntervalMs: string;
  clockThresholdMs: string;
  ntpServer: string;
  interfaces: string;
  batteryWarnPercent: string;
  autoDownload: boolean;
  maxConcurrentDownloads: string;
  bucket: string;
  prefixTemplate: string;
  region: string;
  endpoint: string;
  profile: string;
  forcePathStyle: boolean;
}

function toForm(s: Settings): Form {
  return {
    recordingsDir: s.recordingsDir,
    delaySeconds: String(s.delaySeconds),
    pollIntervalMs: String(s.pollIntervalMs),
    clockThresholdMs: String(s.clockThresholdMs),
    ntpServer: s.ntpServer,
    interfaces: s.interfaces.join(', '),
    batteryWarnPercent: String(s.batteryWarnPercent),
    autoDownload: s.autoDownload,
    maxConcurrentDownloads: String(s.maxConcurrentDownloads),
    bucket: s.storage.bucket,
    prefixTemplate: s.storage.prefixTemplate,
    region: s.storage.region,
    endpoint: s.storage.endpoint,
    profile: s.storage.profile,
    forcePathStyle: s.storage.forcePathStyle,
  };
}

const num = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));

/** Form → validated patch, or the first problem in the operator's words. */
export function formToPatch(f: Form): { ok: true; patch: SettingsPatch } | { ok: false; message: string } {
  const candidate = {
    recordingsDir: f.recordingsDir.trim(),
    delaySeconds: num(f.delaySeconds),
    pollIntervalMs: num(f.pollIntervalMs),
    clockThresholdMs: num(f.clockThresholdMs),
    ntpServer: f.ntpServer.trim(),
    interfaces: f.interfaces
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
    batteryWarnPercent: num(f.batteryWarnPercent),
    autoDownload: f.autoDownload,
    maxConcurrentDownloads: num(f.maxConcurrentDownloads),
    storage: {
      bucket: f.bucket.trim(),
      prefixTemplate: f.prefixTemplate.trim(),
      region: f.region.trim(),
      endpoint: f.endpoint.trim(),
      profile: f.profile.trim(),
      forcePathStyle: f.forcePathStyle,
    },
  };
  const bad = candidate.interfaces.find((x) => !/^\d{1,3}(\.\d{1,3}){3}$/.test(x));
  if (bad) return { ok: false, message: `Discovery interfaces: "${bad}" is not an IPv4 address.` };
  const r = SettingsPatchSchema.safeParse(candidate);
  if (!r.success) {
    const issue = r.error.issues[0];
    // The same plain sentence the controller gives ("Start delay must be at least 0.5 s."), never zod's text.
    return { ok: false, message: issue ? plainIssue(issue as IssueLike) : 'A setting has an invalid value.' };
  }
  return { ok: true, patch: r.data };
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Keep Tab and Shift+Tab inside a modal dialog (the page behind it is inert for the operator). */
export function trapFocus(e: Pick<KeyboardEvent, 'shiftKey' | 'preventDefault'>, container: HTMLElement | null): void {
  if (!container) return;
  const items = [...container.querySelectorAll<HTMLElement>(FOCUSABLE)];
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return;
  const active = document.activeElement;
  if (!container.contains(active)) {
    e.preventDefault();
    (e.shiftKey ? last : first).focus();
  } else if (e.shiftKey && active === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && active === last) {
    e.preventDefault();
    first.focus();
  }
}

function Field({ label, hint, children }: { label: string; hint?: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {hint && <span className="small">{hint}</span>}
    </div>
  );
}

export function SettingsDialog({ onClose }: { onClose: () => void }) {
  const settings = useSettings();
  const api = useApi();
  const [form, setForm] = useState<Form | null>(() => (settings ? toForm(settings) : null));
  const [localError, setLocalError] = useState<string | null>(null);
  const [testMessage, setTestMessage] = useState<string | null>(null);
  const save = useAction((patch: SettingsPatch) => api.updateSettings(patch));
  const test = useAction(async () => {
    if (form) {
      const p = formToPatch(form);
      if (!p.ok) return { ok: false as const, error: { code: 'invalid_argument', message: p.message } };
      const saved = await api.updateSettings({ storage: p.patch.storage! });
      if (!saved.ok) return saved;
    }
    return api.testStorage();
  });
  const titleId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    dialogRef.current?.querySelector<HTMLInputElement>('input')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
      else if (e.key === 'Tab') trapFocus(e, dialogRef.current);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  useEffect(() => {
    if (!form && settings) setForm(toForm(settings));
  }, [form, settings]);

  if (!form) return null;
  const set = <K extends keyof Form>(k: K, v: Form[K]) => {
    setForm({ ...form, [k]: v });
    setLocalError(null);
  };
  const text =
    (k: keyof Form, extra: Record<string, unknown> = {}) =>
    (id: string) => <input id={id} value={form[k] as string} onChange={(e) => set(k, e.target.value as never)} {...extra} />;

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!form) return;
    const p = formToPatch(form);
    if (!p.ok) {
      setLocalError(p.message);
      return;
    }
    const r = await save.run(p.patch);
    if (r?.ok) onClose();
  }

  const error = localError ?? save.error;
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click beside the dialog closes it; the keyboard has Escape and Cancel.
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-labelledby={titleId} ref={dialogRef}>
        <form onSubmit={onSubmit} noValidate>
          <h2 id={titleId}>Settings</h2>
          <fieldset>
            <legend>Recording</legend>
            <Field label="Recordings folder" hint="Each take gets its own folder in here.">
              {text('recordingsDir', { maxLength: 4096 })}
            </Field>
            <div className="field-row">
              <Field label="Start delay (s)" hint="0.5–60">
                {text('delaySeconds', { inputMode: 'decimal' })}
              </Field>
              <Field label="Status poll interval (ms)" hint="250–60000">
                {text('pollIntervalMs', { inputMode: 'numeric' })}
              </Field>
              <Field label="Battery warning (%)">{text('batteryWarnPercent', { inputMode: 'numeric' })}</Field>
            </div>
          </fieldset>
          <fieldset>
            <legend>Clock and network</legend>
            <div className="field-row">
              <Field label="Clock warning threshold (ms)">{text('clockThresholdMs', { inputMode: 'numeric' })}</Field>
              <Field label="NTP server">{text('ntpServer', { maxLength: 255 })}</Field>
            </div>
            <Field label="Discovery interfaces" hint="Comma-separated local IPv4 addresses; empty = all.">
              {text('interfaces', { placeholder: '192.168.1.10, 10.0.0.5' })}
            </Field>
          </fieldset>
          <fieldset>
            <legend>Downloads</legend>
            <div className="field-row">
              <label className="check">
                <input type="checkbox" checked={form.autoDownload} onChange={(e) => set('autoDownload', e.target.checked)} /> Download automatically after each
                take
              </label>
              <Field label="Concurrent downloads" hint="1–16">
                {text('maxConcurrentDownloads', { inputMode: 'numeric' })}
              </Field>
            </div>
          </fieldset>
          <fieldset>
            <legend>Cloud storage (S3)</legend>
            <div className="field-row">
              <Field label="Bucket">{text('bucket', { maxLength: 255 })}</Field>
              <Field label="Region">{text('region', { maxLength: 64 })}</Field>
              <Field label="Profile">{text('profile', { maxLength: 128 })}</Field>
            </div>
            <div className="field-row">
              <Field label="Key prefix template" hint="e.g. {take}/{device}">
                {text('prefixTemplate', { maxLength: 512 })}
              </Field>
              <Field label="Endpoint" hint="Leave empty for AWS">
                {text('endpoint', { maxLength: 2048 })}
              </Field>
            </div>
            <div className="field-row">
              <label className="check">
                <input type="checkbox" checked={form.forcePathStyle} onChange={(e) => set('forcePathStyle', e.target.checked)} /> Path-style URLs
              </label>
              <button
                type="button"
                className="btn-secondary"
                disabled={test.pending}
                onClick={async () => {
                  setTestMessage(null);
                  const r = await test.run();
                  if (r?.ok) setTestMessage(r.value.message);
                }}
              >
                {test.pending ? 'Testing…' : 'Test connection'}
              </button>
            </div>
            {testMessage && (
              <p className="field-ok" role="status">
                {testMessage}
              </p>
            )}
            {test.error && (
              <p className="field-error" role="alert">
                Storage test failed: {test.error}
              </p>
            )}
          </fieldset>
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
          <div className="modal-actions">
            <button type="button" className="btn-secondary" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="btn-primary" disabled={save.pending}>
              {save.pending ? 'Saving…' : 'Save settings'}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}

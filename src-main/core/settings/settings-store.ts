/**
 * Settings and per-device preferences as plain JSON files in the user's data folder.
 * Read back through the same zod schema the UI uses: a hand-edited or corrupt file falls back
 * to defaults field by field (and says so) instead of stopping the app. Writes are atomic.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { parseAddress } from '../../../src-shared/address';
import { SettingsSchema, type Settings, type SettingsPatch } from '../../../src-shared/api';

export function defaultSettings(home: string = homedir()): Settings {
  return {
    recordingsDir: join(home, 'MultiCam Recordings'),
    delaySeconds: 3,
    pollIntervalMs: 1000,
    clockThresholdMs: 33,
    ntpServer: 'pool.ntp.org',
    interfaces: [],
    manualDevices: [],
    autoDownload: true,
    maxConcurrentDownloads: 4,
    batteryWarnPercent: 20,
    storage: { bucket: '', prefixTemplate: '{date}/{take}/{device}/{file}', region: 'us-east-1', endpoint: '', profile: '', forcePathStyle: false },
  };
}

export const DevicePrefsSchema = z.record(
  z.string().max(512),
  z.object({ label: z.string().max(64).nullable().optional(), color: z.string().nullable().optional(), included: z.boolean().optional() }),
);
export type DevicePrefs = z.infer<typeof DevicePrefsSchema>;

/** Write a file so a crash leaves either the old or the new content, never half of one. */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, path);
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

export class SettingsStore {
  private settings: Settings;
  private prefs: DevicePrefs;
  /** Problems found while loading (shown once, logged). */
  readonly loadWarnings: string[] = [];

  constructor(
    private readonly dataDir: string,
    private readonly defaults: Settings = defaultSettings(),
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.settings = this.loadSettings();
    const p = DevicePrefsSchema.safeParse(readJson(this.prefsPath) ?? {});
    this.prefs = p.success ? canonicalPrefKeys(p.data) : {};
    if (!p.success) this.loadWarnings.push('devices.json was unreadable; device labels were reset');
  }

  private get settingsPath(): string {
    return join(this.dataDir, 'settings.json');
  }
  private get prefsPath(): string {
    return join(this.dataDir, 'devices.json');
  }

  private loadSettings(): Settings {
    const raw = readJson(this.settingsPath);
    if (raw === undefined) return structuredClone(this.defaults);
    if (typeof raw !== 'object' || raw === null) {
      this.loadWarnings.push('settings.json is not an object; using defaults');
      return structuredClone(this.defaults);
    }
    // Field by field, so one bad value does not throw away the rest.
    const merged: Record<string, unknown> = structuredClone(this.defaults);
    const shape = SettingsSchema.shape as Record<string, z.ZodType>;
    for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
      const field = shape[key];
      if (!field) continue;
      const r = field.safeParse(value);
      if (r.success) merged[key] = r.data;
      else this.loadWarnings.push(`settings.json: ignored invalid ${key}`);
    }
    return SettingsSchema.parse(merged);
  }

  get(): Settings {
    return structuredClone(this.settings);
  }

  /** Validate and persist a patch; throws a ZodError for invalid values (callers turn it into a Result). */
  update(patch: SettingsPatch): Settings {
    const next = SettingsSchema.parse({ ...this.settings, ...patch, storage: { ...this.settings.storage, ...(patch.storage ?? {}) } });
    writeFileAtomic(this.settingsPath, `${JSON.stringify(next, null, 2)}\n`);
    this.settings = next;
    return this.get();
  }

  devicePrefs(id: string): DevicePrefs[string] {
    return this.prefs[id] ?? {};
  }

  setDevicePrefs(id: string, patch: DevicePrefs[string]): void {
    this.prefs[id] = { ...this.prefs[id], ...patch };
    writeFileAtomic(this.prefsPath, `${JSON.stringify(this.prefs, null, 2)}\n`);
  }
}

/**
 * An IPv6 device saved by an older version may be keyed by an uncompressed spelling
 * (`[fe80:0::1]:8080`); the fleet now keys it canonically (`[fe80::1]:8080`), so re-key it on
 * load or its label and colour would be lost. Only bracketed keys: an mDNS instance name also
 * parses as a host name, and lower-casing it would lose its preferences instead.
 */
function canonicalPrefKeys(prefs: DevicePrefs): DevicePrefs {
  const out: DevicePrefs = Object.create(null); // a `__proto__` key stays a plain key
  for (const [key, value] of Object.entries(prefs)) {
    const parsed = key.startsWith('[') ? parseAddress(key, { requirePort: true }) : null;
    const k = parsed?.ok ? parsed.value.key : key;
    out[k] = k === key ? { ...out[k], ...value } : { ...value, ...out[k] };
  }
  return out;
}

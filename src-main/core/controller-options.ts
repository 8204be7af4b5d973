/** What the composition roots (Electron main, browser mode, tests) hand the controller. */
import type { Settings, SettingsPatch, Snapshot, TakeView, UploadView } from '../../src-shared/api';
import type { Event } from '../../src-shared/event';
import type { ControllerClock } from './clock';
import type { Discovery } from './discovery/types';
import type { DownloadFn } from './downloads';
import type { SendFn } from './fleet';
import type { RecorderTimeouts } from './recorder';
import type { VirtualDeviceFactory } from './virtual-devices';

/** Cloud uploads (src-main/core/uploads), plugged in by the composition root when available. */
export interface UploadsPort {
  list(): UploadView[];
  uploadTake(take: TakeView, settings: Settings): Promise<void>;
  retry(uploadId: string, settings: Settings): Promise<UploadView>;
  testConnection(settings: Settings): Promise<{ bucket: string; message: string }>;
  readonly onDidChangeUpload: Event<UploadView>;
  stop?(): Promise<void>;
}

export interface ControllerOptions {
  /** Where settings.json and devices.json live. Default: defaultUserDataDir(). */
  userDataDir?: string;
  /** Applied over the stored settings at start (not persisted): tests, e2e, CLI flags. */
  settingsOverride?: SettingsPatch;
  /** The transport's abilities (Electron: drag-out and reveal). */
  capabilities?: Partial<Snapshot['capabilities']>;
  /** Shows a file (or opens a folder) in the OS file manager on this machine; enables Reveal in folder. */
  reveal?: (path: string, kind: 'file' | 'folder') => Promise<void> | void;
  /** false = no mDNS at all (tests); a Discovery = use it; default = bonjour on settings.interfaces. */
  discovery?: Discovery | false | ((interfaces: string[]) => Discovery);
  send?: SendFn;
  download?: DownloadFn;
  /** Default: SNTP against settings.ntpServer. */
  clock?: ControllerClock;
  virtualDevices?: VirtualDeviceFactory;
  uploads?: UploadsPort;
  recorderTimeouts?: Partial<RecorderTimeouts>;
  /** Extra fleet tuning (tests shorten offline detection). */
  fleet?: { statusTimeoutMs?: number; offlineAfterMs?: number; staleAfterMs?: number };
  /** Diagnostic log (never given secrets). */
  log?: (line: string) => void;
}

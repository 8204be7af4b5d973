/**
 * The personalities table from device-protocol-notes.md, as data. Behaviour that is more than a
 * value (readers, START/STOP semantics) lives in ./readers.ts and ./device.ts and reads these.
 */
import type { Personality } from './types';

export interface Profile {
  /** Never closes a connection, even after the client half-closes. */
  neverCloses: boolean;
  /** What a command without `timestamp`/`deviceId` gets. */
  missingFields: 'no-reply' | 'defaults' | 'error';
  /** What an unknown command gets. */
  unknownCommand: 'no-reply' | 'error' | 'error-with-message';
  /** What undecodable bytes get. */
  undecodable: 'no-reply' | 'error' | 'close' | 'error-with-message';
  /** START when the clock is not synced. */
  notSynced: { status: 'error' | 'time_not_synchronized'; message: boolean } | null;
  /** STOP when not recording: null = never replies. */
  stopNotRecording: { message: boolean } | null;
  /** GET_VIDEO / UPLOAD_TO_CLOUD of a missing file. */
  missingFile: { status: 'error' | 'file_not_found'; message: (name: string) => string | undefined };
  deletesAfterDownload: boolean;
  deletesAfterUpload: boolean;
  reportsUploadFailures: boolean;
  heartbeat: 'device-status' | 'command_received' | 'ready';
  defaultBattery: number | null;
  /** How a missing battery level is sent: omitted, -1, or null. */
  noBattery: 'omit' | -1 | null;
  deviceType: string;
  extension: string;
}

export const PROFILES: Record<Personality, Profile> = {
  ios: {
    neverCloses: true,
    missingFields: 'no-reply',
    unknownCommand: 'no-reply',
    undecodable: 'no-reply',
    notSynced: { status: 'error', message: true },
    stopNotRecording: null,
    missingFile: { status: 'error', message: (n) => `File ${n} not found` },
    deletesAfterDownload: false,
    deletesAfterUpload: true,
    reportsUploadFailures: false,
    heartbeat: 'device-status',
    defaultBattery: 85,
    noBattery: 'omit',
    deviceType: 'iOS:iPhone',
    extension: '.mov',
  },
  android: {
    neverCloses: false,
    missingFields: 'defaults',
    unknownCommand: 'error',
    undecodable: 'error',
    notSynced: { status: 'time_not_synchronized', message: false },
    stopNotRecording: { message: false },
    missingFile: { status: 'file_not_found', message: () => undefined },
    deletesAfterDownload: false,
    deletesAfterUpload: false,
    reportsUploadFailures: true,
    heartbeat: 'command_received',
    defaultBattery: 72,
    noBattery: -1,
    deviceType: 'Android:Quest',
    extension: '.mp4',
  },
  oak: {
    neverCloses: false,
    missingFields: 'error',
    unknownCommand: 'error-with-message',
    undecodable: 'close',
    notSynced: null,
    stopNotRecording: { message: true },
    missingFile: { status: 'error', message: (n) => `Failed to finalize video ${n}` },
    deletesAfterDownload: true,
    deletesAfterUpload: true,
    reportsUploadFailures: true,
    heartbeat: 'command_received',
    defaultBattery: null,
    noBattery: null,
    deviceType: 'Oak',
    extension: '.zip',
  },
  spec: {
    neverCloses: false,
    missingFields: 'error',
    unknownCommand: 'error-with-message',
    undecodable: 'error-with-message',
    notSynced: { status: 'time_not_synchronized', message: true },
    stopNotRecording: { message: true },
    missingFile: { status: 'file_not_found', message: (n) => `File ${n} not found` },
    deletesAfterDownload: false,
    deletesAfterUpload: true,
    reportsUploadFailures: true,
    heartbeat: 'ready',
    defaultBattery: 90,
    noBattery: null,
    deviceType: 'Spec',
    extension: '.mp4',
  },
};

/** File name of a new recording, per personality (all instants on the device's raw clock, ms). */
export function recordingFileName(p: Personality, deviceId: string, at: { targetDeviceMs: number; receiptDeviceMs: number; startDeviceMs: number }): string {
  switch (p) {
    case 'ios':
      return `${deviceId}_${Math.round(at.targetDeviceMs)}.mov`;
    case 'android':
      return `${deviceId}_${Math.round(at.receiptDeviceMs)}.mp4`;
    case 'oak':
      return `video_${Math.floor(at.startDeviceMs / 1000)}.zip`;
    case 'spec':
      return `video_${Math.floor(at.startDeviceMs / 1000)}.mp4`;
  }
}

const WORDS = ['Mountain', 'River', 'Forest', 'Canyon', 'Meadow', 'Harbor', 'Glacier', 'Desert', 'Valley', 'Island'];
/** A `Mountain-A1B2C3D4`-style id. */
export function randomDeviceId(rand: () => number = Math.random): string {
  const word = WORDS[Math.floor(rand() * WORDS.length)] ?? 'Mountain';
  let hex = '';
  for (let i = 0; i < 8; i++)
    hex += Math.floor(rand() * 16)
      .toString(16)
      .toUpperCase();
  return `${word}-${hex}`;
}

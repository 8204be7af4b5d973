import { describe, expect, it } from 'vitest';
import type { DeviceView, TakeDeviceView, TakeView } from './api';
import { deviceCardState, takeDeviceState, takeOutcome, takeProblems, takeStateWord } from './states';

function td(partial: Partial<TakeDeviceView> & { deviceKey: string }): TakeDeviceView {
  return {
    name: partial.deviceKey,
    deviceType: null,
    start: 'accepted',
    startError: null,
    confirmedRecording: true,
    stop: 'stopped',
    stopError: null,
    mayStillBeRecording: false,
    skipReason: null,
    fileName: `${partial.deviceKey}.mp4`,
    fileSize: 10,
    downloadId: `dl-${partial.deviceKey}`,
    downloadState: 'done',
    uploadId: null,
    warnings: [],
    ...partial,
  };
}

function take(partial: Partial<TakeView>): TakeView {
  return {
    takeId: 't',
    name: 'T',
    folder: '/t',
    createdAt: '',
    targetStart: 0,
    delaySeconds: 3,
    phase: 'done',
    outcome: null,
    aborted: false,
    recovered: false,
    devices: [],
    ...partial,
  };
}

function device(partial: Partial<DeviceView>): DeviceView {
  return {
    deviceKey: 'a',
    name: 'A',
    color: null,
    source: 'manual',
    host: '127.0.0.1',
    port: 1,
    addresses: [],
    deviceId: null,
    deviceType: null,
    state: 'online',
    stateReason: null,
    lastSeen: 1,
    battery: null,
    deviceStatus: null,
    recordingSince: null,
    clock: null,
    uploadQueue: [],
    failedUploadQueue: [],
    included: true,
    ...partial,
  };
}

describe('take outcome', () => {
  it('is "Done" only when every device not left out has its file downloaded and verified', () => {
    const nine = Array.from({ length: 9 }, (_, i) => td({ deviceKey: `d${i}` }));
    expect(takeOutcome(take({ devices: nine }))).toMatchObject({ outcome: 'complete', expected: 9, downloaded: 9 });
    expect(takeStateWord(take({ devices: nine }))).toMatchObject({ word: 'Done — 9 files', tone: 'ok' });

    // A truncated and a reset download: not green, says how many.
    nine[3] = td({ deviceKey: 'd3', downloadState: 'failed' });
    nine[7] = td({ deviceKey: 'd7', downloadState: 'failed' });
    const w = takeStateWord(take({ devices: nine }));
    expect(w).toMatchObject({ state: 'partial', word: 'Done — 7 of 9 files', tone: 'warn' });
  });

  it('does not count a device the operator left out, and counts an unreachable one as missing', () => {
    const devices = [
      td({ deviceKey: 'a' }),
      td({ deviceKey: 'b', start: 'skipped', skipReason: 'left_out', stop: 'not_sent', fileName: null, downloadState: 'none' }),
    ];
    expect(takeOutcome(take({ devices })).outcome).toBe('complete');
    devices[1] = { ...devices[1]!, skipReason: 'unreachable' };
    expect(takeStateWord(take({ devices })).word).toBe('Done — 1 of 2 files');
  });

  it('is null while anything is still running, failed with no file, aborted when called off', () => {
    expect(takeOutcome(take({ phase: 'recording', devices: [td({ deviceKey: 'a' })] })).outcome).toBeNull();
    expect(takeOutcome(take({ phase: 'done', devices: [td({ deviceKey: 'a', downloadState: 'active' })] })).outcome).toBeNull();
    expect(
      takeOutcome(take({ phase: 'failed', devices: [td({ deviceKey: 'a', start: 'failed', stop: 'not_sent', fileName: null, downloadState: 'none' })] }))
        .outcome,
    ).toBe('failed');
    const aborted = take({
      aborted: true,
      devices: [td({ deviceKey: 'a', downloadState: 'none' }), td({ deviceKey: 'b', stop: 'cancelled', fileName: null, downloadState: 'none' })],
    });
    expect(takeStateWord(aborted)).toMatchObject({ state: 'aborted', word: 'Aborted — 1 clip kept' });
  });
});

describe('a device in a take', () => {
  it('tells "Left out" from "Unreachable"', () => {
    const t = take({});
    expect(takeDeviceState(t, td({ deviceKey: 'a', start: 'skipped', skipReason: 'left_out' })).word).toBe('Left out');
    expect(takeDeviceState(t, td({ deviceKey: 'a', start: 'skipped', skipReason: 'unreachable', startError: 'unreachable: refused' })).word).toBe(
      'Unreachable',
    );
  });

  it('is Armed during the countdown and Stopping while stopping', () => {
    expect(takeDeviceState(take({ phase: 'scheduled' }), td({ deviceKey: 'a', stop: 'pending', confirmedRecording: null })).word).toBe('Armed');
    expect(takeDeviceState(take({ phase: 'stopping' }), td({ deviceKey: 'a', stop: 'pending' })).word).toBe('Stopping…');
  });

  it('an aborted take has no problems for devices that never began capturing', () => {
    const t = take({
      aborted: true,
      devices: [
        td({ deviceKey: 'never', start: 'skipped', skipReason: 'not_started', stop: 'not_sent', fileName: null, downloadState: 'none' }),
        td({ deviceKey: 'scheduled', stop: 'cancelled', fileName: null, downloadState: 'none', confirmedRecording: null }),
        td({ deviceKey: 'began', downloadState: 'done' }),
      ],
    });
    expect(takeProblems(t)).toEqual([]);
  });

  it('a recovered take says the controller restarted, not that a stop failed', () => {
    const t = take({
      phase: 'recording',
      recovered: true,
      devices: [td({ deviceKey: 'a', stop: 'pending', mayStillBeRecording: true, fileName: null, downloadState: 'none' })],
    });
    const [p] = takeProblems(t);
    expect(p?.text).toBe('may still be recording — the controller restarted during this take: this device may still be recording.');
    expect(p?.text).not.toMatch(/stop did not get through/);
  });
});

describe('a device card', () => {
  it('is Unknown when the controller connection is not live, whatever the device said last', () => {
    expect(deviceCardState(device({ state: 'online' }), { live: false })).toMatchObject({ state: 'unknown', word: 'Unknown' });
  });
  it('is Armed (not REC) in the countdown, Stopping (not Online) while stopping', () => {
    const d = device({ state: 'recording' });
    const ad = td({ deviceKey: 'a', stop: 'pending' });
    expect(deviceCardState(d, { live: true, take: { phase: 'scheduled' }, takeDevice: ad }).word).toBe('Armed');
    expect(deviceCardState(device({ state: 'online' }), { live: true, take: { phase: 'stopping' }, takeDevice: ad }).word).toBe('Stopping…');
    expect(deviceCardState(d, { live: true, take: { phase: 'recording' }, takeDevice: ad }).word).toBe('REC');
    expect(deviceCardState(device({ state: 'offline' }), { live: true }).word).toBe('Unreachable');
  });
});

describe('plain words', async () => {
  const { plainDownloadFailure, plainIssue } = await import('./plain');
  const { SettingsPatchSchema } = await import('./api');
  it('a failed download is one line', () => {
    expect(plainDownloadFailure({ code: 'connection_reset', bytes: 97 * 1024, total: Math.round(2.9 * 1024 * 1024), partialKept: true })).toBe(
      'connection reset after 97.0 KiB of 2.9 MiB — partial kept',
    );
    expect(plainDownloadFailure({ code: 'write_failed', bytes: 10, total: null, partialKept: false, diskFull: true })).toBe('disk full after 10 B');
  });
  it('a settings value out of range is a sentence, not zod text', () => {
    const r = SettingsPatchSchema.safeParse({ delaySeconds: 0.1 });
    expect(r.success).toBe(false);
    expect(plainIssue(r.error!.issues[0]!)).toBe('Start delay must be at least 0.5 s.');
    const p = SettingsPatchSchema.safeParse({ pollIntervalMs: 300.5 });
    expect(plainIssue(p.error!.issues[0]!)).toBe('Status poll interval must be a whole number.');
  });
});

describe('plain words in the problems of a take', () => {
  it('a START reset or a refused stop reads as plain words; the socket line is only the detail', () => {
    const startRaw = 'connection_reset: START_RECORDING to 127.0.0.1:4000 (attempt 1 of 2): connection reset by the device after 0 reply bytes';
    const stopRaw = 'no reply to DEVICE_STATUS: connection_refused: DEVICE_STATUS to 127.0.0.1:4000: connection refused';
    const t = take({
      devices: [
        td({ deviceKey: 'a', start: 'failed', startError: startRaw, stop: 'not_sent', downloadState: 'none', downloadId: null }),
        td({ deviceKey: 'b', start: 'failed', startError: startRaw, stop: 'unreachable', stopError: stopRaw, mayStillBeRecording: true }),
      ],
    });
    const [a, b] = takeProblems(t);
    expect(a).toMatchObject({ text: 'failed to start: connection reset', detail: startRaw, retryStop: false });
    expect(b).toMatchObject({ text: 'may still be recording — stop did not get through (connection refused).', detail: stopRaw, retryStop: true });
    expect(takeDeviceState(t, t.devices[0]!).detail).toBe('connection reset');
  });
});

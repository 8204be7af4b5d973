import { describe, expect, it } from 'vitest';
import { catchError } from './bytes.testing';
import { parseReply, parseVideoHeader } from './replies';

// Reply shapes, verbatim from PROTOCOL.md.
const START_SCHEDULED = {
  deviceId: 'device-id',
  status: 'scheduled_recording_accepted',
  timestamp: 1729000000.123,
  batteryLevel: 85.5,
  uploadQueue: [],
  failedUploadQueue: [],
};
const START_IMMEDIATE = { ...START_SCHEDULED, status: 'recording' };
const TIME_NOT_SYNCED = {
  deviceId: 'device-id',
  status: 'time_not_synchronized',
  timestamp: 1729000000.123,
  message: 'Cannot start scheduled recording - time not synchronized',
};
const STOP = {
  deviceId: 'device-id',
  status: 'recording_stopped',
  timestamp: 1729000030.456,
  fileName: 'video_1729000000.mp4',
  fileSize: 52428800,
};
const DEVICE_STATUS = {
  deviceId: 'device-id',
  status: 'ready',
  timestamp: 1729000000.456,
  batteryLevel: 85.5,
  uploadQueue: [
    {
      fileName: 'video_1729000000.mp4',
      fileSize: 52428800,
      bytesUploaded: 10485760,
      uploadProgress: 20.0,
      uploadSpeed: 2621440,
      status: 'uploading',
      uploadUrl: 'https://...',
      error: null,
    },
  ],
  failedUploadQueue: [],
};
const FILE_NOT_FOUND = {
  deviceId: 'device-id',
  status: 'file_not_found',
  timestamp: 1729000000.123,
  message: 'File video_1729000000.mp4 not found',
};
const LIST_FILES = {
  deviceId: 'device-id',
  status: 'ready',
  timestamp: 1729000000.456,
  files: [
    { fileName: 'video_1729000000.mp4', fileSize: 52428800, creationDate: 1729000000.123, modificationDate: 1729000030.456 },
    { fileName: 'video_1729000100.mp4', fileSize: 41943040, creationDate: 1729000100.456, modificationDate: 1729000125.789 },
  ],
};
const UPLOAD_QUEUED = {
  deviceId: 'device-id',
  status: 'upload_queued',
  timestamp: 1729000000.456,
  fileName: 'video_1729000000.mp4',
  fileSize: 52428800,
};

describe('parseReply: documented shapes', () => {
  it('START_RECORDING scheduled', () => {
    const r = parseReply(START_SCHEDULED);
    expect(r).toMatchObject({
      deviceId: 'device-id',
      status: 'scheduled_recording_accepted',
      rawStatus: 'scheduled_recording_accepted',
      timestamp: 1729000000.123,
      batteryLevel: 85.5,
      message: null,
      fileName: null,
      fileSize: null,
      deviceType: null,
      uploadQueue: [],
      failedUploadQueue: [],
      files: null,
    });
    expect(r.raw).toBe(START_SCHEDULED);
  });

  it('START_RECORDING immediate', () => {
    expect(parseReply(START_IMMEDIATE).status).toBe('recording');
  });

  it('time_not_synchronized with message, no queues (queues default to empty)', () => {
    const r = parseReply(TIME_NOT_SYNCED);
    expect(r.status).toBe('time_not_synchronized');
    expect(r.message).toBe('Cannot start scheduled recording - time not synchronized');
    expect(r.batteryLevel).toBeNull();
    expect(r.uploadQueue).toEqual([]);
    expect(r.failedUploadQueue).toEqual([]);
  });

  it('STOP_RECORDING carries fileName and fileSize', () => {
    const r = parseReply(STOP);
    expect(r.status).toBe('recording_stopped');
    expect(r.fileName).toBe('video_1729000000.mp4');
    expect(r.fileSize).toBe(52428800);
  });

  it('STOP_RECORDING with fileSize 0 (OAK packages lazily)', () => {
    expect(parseReply({ ...STOP, fileSize: 0 }).fileSize).toBe(0);
  });

  it('DEVICE_STATUS with an upload in progress', () => {
    const r = parseReply(DEVICE_STATUS);
    expect(r.status).toBe('ready');
    expect(r.uploadQueue).toEqual([
      {
        fileName: 'video_1729000000.mp4',
        fileSize: 52428800,
        bytesUploaded: 10485760,
        uploadProgress: 20,
        uploadSpeed: 2621440,
        status: 'uploading',
        error: null,
      },
    ]);
  });

  it('DEVICE_STATUS with a failed upload and a sparse queue item', () => {
    const r = parseReply({
      ...DEVICE_STATUS,
      uploadQueue: [{ fileName: 'a.mp4' }],
      failedUploadQueue: [{ fileName: 'b.mp4', status: 'failed', error: 'HTTP 403', bytesUploaded: 0 }],
    });
    expect(r.uploadQueue).toEqual([
      { fileName: 'a.mp4', fileSize: null, bytesUploaded: null, uploadProgress: null, uploadSpeed: null, status: null, error: null },
    ]);
    expect(r.failedUploadQueue).toEqual([
      { fileName: 'b.mp4', fileSize: null, bytesUploaded: 0, uploadProgress: null, uploadSpeed: null, status: 'failed', error: 'HTTP 403' },
    ]);
  });

  it('GET_VIDEO / UPLOAD_TO_CLOUD file_not_found', () => {
    const r = parseReply(FILE_NOT_FOUND);
    expect(r.status).toBe('file_not_found');
    expect(r.message).toBe('File video_1729000000.mp4 not found');
  });

  it('LIST_FILES', () => {
    const r = parseReply(LIST_FILES);
    expect(r.files).toEqual(LIST_FILES.files);
    expect(parseReply({ ...LIST_FILES, files: [{ fileName: 'x.mov' }] }).files).toEqual([
      { fileName: 'x.mov', fileSize: null, creationDate: null, modificationDate: null },
    ]);
    expect(parseReply({ ...LIST_FILES, files: null }).files).toBeNull();
  });

  it('HEARTBEAT', () => {
    expect(parseReply({ ...START_SCHEDULED, status: 'ready' }).status).toBe('ready');
  });

  it('UPLOAD_TO_CLOUD upload_queued', () => {
    const r = parseReply(UPLOAD_QUEUED);
    expect(r.status).toBe('upload_queued');
    expect(r.fileName).toBe('video_1729000000.mp4');
    expect(r.fileSize).toBe(52428800);
  });

  it('a minimal reply (status only) and optional fields sent as null', () => {
    const r = parseReply({ status: 'ready' });
    expect(r).toMatchObject({ deviceId: null, timestamp: null, batteryLevel: null, fileName: null, uploadQueue: [], files: null });
    const n = parseReply({
      status: 'ready',
      deviceId: null,
      timestamp: null,
      batteryLevel: null,
      message: null,
      fileName: null,
      fileId: null,
      fileSize: null,
      deviceType: null,
      isRecording: null,
      uploadQueue: null,
      failedUploadQueue: null,
      files: null,
    });
    expect(n).toMatchObject({ deviceId: null, timestamp: null, fileName: null, fileSize: null, uploadQueue: [], failedUploadQueue: [], files: null });
  });

  it('deviceType and isRecording are accepted', () => {
    const r = parseReply({ status: 'recording', deviceType: 'iOS:iPhone', isRecording: true });
    expect(r.deviceType).toBe('iOS:iPhone');
    expect(r.raw.isRecording).toBe(true);
  });
});

describe('parseReply: normalisation', () => {
  const cases: Array<[string, string]> = [
    ['Command received', 'command_received'],
    ['Recording', 'recording'],
    ['READY', 'ready'],
    ['scheduledRecordingAccepted', 'scheduled_recording_accepted'],
    ['recordingStopped', 'recording_stopped'],
    ['Time Not Synchronized', 'time_not_synchronized'],
    ['file-not-found', 'file_not_found'],
    ['  upload  queued ', 'upload_queued'],
    ['recording_stopped', 'recording_stopped'],
  ];
  for (const [raw, norm] of cases) {
    it(`"${raw}" → ${norm}`, () => {
      const r = parseReply({ status: raw });
      expect(r.status).toBe(norm);
      expect(r.rawStatus).toBe(raw);
    });
  }

  it('an unknown status passes through (normalised) without error', () => {
    const r = parseReply({ status: 'Warming Up' });
    expect(r.status).toBe('warming_up');
    expect(r.rawStatus).toBe('Warming Up');
    expect(parseReply({ status: 'thermal_throttled' }).status).toBe('thermal_throttled');
  });

  it('battery omitted / null / -1 → null; > 100 capped; in range kept', () => {
    expect(parseReply({ status: 'ready' }).batteryLevel).toBeNull();
    expect(parseReply({ status: 'ready', batteryLevel: null }).batteryLevel).toBeNull();
    expect(parseReply({ status: 'ready', batteryLevel: -1 }).batteryLevel).toBeNull();
    expect(parseReply({ status: 'ready', batteryLevel: 150 }).batteryLevel).toBe(100);
    expect(parseReply({ status: 'ready', batteryLevel: 100 }).batteryLevel).toBe(100);
    expect(parseReply({ status: 'ready', batteryLevel: 0 }).batteryLevel).toBe(0);
    expect(parseReply({ status: 'ready', batteryLevel: 42.5 }).batteryLevel).toBe(42.5);
  });

  it('fileName falls back to fileId; fileName wins when both are present', () => {
    expect(parseReply({ status: 'recording_stopped', fileId: 'old.mp4' }).fileName).toBe('old.mp4');
    expect(parseReply({ status: 'recording_stopped', fileId: 'old.mp4', fileName: null }).fileName).toBe('old.mp4');
    expect(parseReply({ status: 'recording_stopped', fileId: 'old.mp4', fileName: 'new.mp4' }).fileName).toBe('new.mp4');
  });

  it('unknown keys are preserved in raw', () => {
    const value = { ...STOP, firmware: '2.1', extra: { nested: [1, 2] } };
    const r = parseReply(value);
    expect(r.raw).toEqual(value);
    expect(r.raw.firmware).toBe('2.1');
    expect(r.raw.extra).toEqual({ nested: [1, 2] });
  });

  it('a reply parsed from JSON text with exponent timestamps', () => {
    const r = parseReply(JSON.parse('{"status":"ready","timestamp":1.729e9,"batteryLevel":8.55E1}'));
    expect(r.timestamp).toBe(1729000000);
    expect(r.batteryLevel).toBe(85.5);
  });
});

describe('parseReply: wrong-typed fields → invalid_reply naming the field', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['status number', { status: 3 }, /status/],
    ['status missing', { deviceId: 'd' }, /status/],
    ['status null', { status: null }, /status/],
    ['timestamp string', { status: 'ready', timestamp: '1729000000' }, /timestamp/],
    ['deviceId number', { status: 'ready', deviceId: 7 }, /deviceId/],
    ['batteryLevel string', { status: 'ready', batteryLevel: '85' }, /batteryLevel/],
    ['message object', { status: 'error', message: { text: 'x' } }, /message/],
    ['fileSize -1', { status: 'recording_stopped', fileSize: -1 }, /fileSize/],
    ['fileSize 1.5', { status: 'recording_stopped', fileSize: 1.5 }, /fileSize/],
    ['fileSize 2^60', { status: 'recording_stopped', fileSize: 2 ** 60 }, /fileSize/],
    ['fileSize string', { status: 'recording_stopped', fileSize: '100' }, /fileSize/],
    ['fileName number', { status: 'recording_stopped', fileName: 12 }, /fileName/],
    ['isRecording string', { status: 'ready', isRecording: 'yes' }, /isRecording/],
    ['uploadQueue not an array', { status: 'ready', uploadQueue: {} }, /uploadQueue/],
    ['uploadQueue string', { status: 'ready', uploadQueue: 'none' }, /uploadQueue/],
    ['failedUploadQueue not an array', { status: 'ready', failedUploadQueue: 1 }, /failedUploadQueue/],
    ['upload item without fileName', { status: 'ready', uploadQueue: [{ fileSize: 1 }] }, /uploadQueue\.0\.fileName/],
    ['second upload item bad', { status: 'ready', uploadQueue: [{ fileName: 'a' }, { fileName: 'b', bytesUploaded: -5 }] }, /uploadQueue\.1\.bytesUploaded/],
    ['upload item not an object', { status: 'ready', uploadQueue: ['a.mp4'] }, /uploadQueue\.0/],
    ['files entry without fileName', { status: 'ready', files: [{ fileSize: 3 }] }, /files\.0\.fileName/],
  ];
  for (const [name, value, field] of cases) {
    it(name, () => {
      const e = catchError(() => parseReply(value));
      expect(e.code).toBe('invalid_reply');
      expect(e.message).toMatch(field);
      expect(e.reply).toBe(value);
      expect(e.retryable).toBe(false);
    });
  }

  it('non-objects are refused', () => {
    for (const v of [null, undefined, 'ready', 42, [], [{ status: 'ready' }]]) {
      expect(catchError(() => parseReply(v)).code).toBe('invalid_reply');
    }
  });
});

describe('parseVideoHeader', () => {
  it('the documented header', () => {
    expect(parseVideoHeader({ deviceId: 'device-unique-id', fileName: 'video_1729000000.mp4', fileSize: 52428800, status: 'ready' })).toEqual({
      deviceId: 'device-unique-id',
      fileName: 'video_1729000000.mp4',
      fileSize: 52428800,
      status: 'ready',
    });
  });

  it('fileId fallback, status normalised, optional fields absent', () => {
    expect(parseVideoHeader({ fileId: 'x.mov', fileSize: 0, status: 'Ready' })).toEqual({ deviceId: null, fileName: 'x.mov', fileSize: 0, status: 'ready' });
    expect(parseVideoHeader({ fileSize: 5 })).toEqual({ deviceId: null, fileName: null, fileSize: 5, status: null });
  });

  it('fileSize must be a safe non-negative integer → invalid_file_size', () => {
    for (const fileSize of [-1, 1.5, '12', null, undefined, Number.MAX_SAFE_INTEGER + 1, 2 ** 60, true]) {
      const e = catchError(() => parseVideoHeader({ fileName: 'a', fileSize }));
      expect(e.code, String(fileSize)).toBe('invalid_file_size');
      expect(e.message).toContain('fileSize');
    }
    expect(parseVideoHeader({ fileSize: Number.MAX_SAFE_INTEGER }).fileSize).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('non-objects and wrong-typed fields → invalid_header', () => {
    for (const v of [null, 5, 'x', [1]]) expect(catchError(() => parseVideoHeader(v)).code).toBe('invalid_header');
    const e = catchError(() => parseVideoHeader({ fileName: 42, fileSize: 1 }));
    expect(e.code).toBe('invalid_header');
    expect(e.message).toMatch(/fileName/);
  });
});

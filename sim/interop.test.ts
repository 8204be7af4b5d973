/**
 * The controller's reply validation (src-shared parseReply / parseVideoHeader) accepts what every
 * personality sends, and normalises its quirks (android battery -1, ios battery omitted, oak null).
 * Only the validators are used here, never the controller's framing code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseReply, parseVideoHeader } from '../src-shared/protocol/replies';
import { startSimDevice } from './device';
import { ask, command, exchange, frameComplete, splitFrame } from './client.testing';
import { PERSONALITIES, type SimDevice } from './types';

const started: SimDevice[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((d) => d.stop()));
});

describe('replies validate against the shared schema', () => {
  it.each(PERSONALITIES)('%s: DEVICE_STATUS, HEARTBEAT, LIST_FILES, START, STOP, GET_VIDEO header, errors', async (p) => {
    const d = await startSimDevice({
      personality: p,
      battery: p === 'oak' ? undefined : null,
      stopDelayMs: 50,
      finalizeMs: 10,
      pastTargetDelayMs: 10,
      packagingMs: 10,
    });
    started.push(d);
    const status = parseReply(await ask(d.port, command('DEVICE_STATUS')));
    expect(status).toMatchObject({ deviceId: d.deviceId, status: 'ready', batteryLevel: null, uploadQueue: [], failedUploadQueue: [] });
    expect(status.timestamp).toBeGreaterThan(1e9);
    parseReply(await ask(d.port, command('HEARTBEAT')));
    expect(parseReply(await ask(d.port, command('START_RECORDING', { timestamp: Date.now() / 1000 - 1 }))).status).toMatch(
      /^(scheduled_recording_accepted|recording|command_received)$/,
    );
    const stop = parseReply(await ask(d.port, command('STOP_RECORDING')));
    expect(stop.fileName).toBe(d.recordings[0]!.fileName);
    const list = parseReply(await ask(d.port, command('LIST_FILES')));
    expect(list.files?.map((f) => f.fileName)).toEqual([stop.fileName]);
    const v = await exchange(d.port, command('GET_VIDEO', { fileName: stop.fileName }), { until: frameComplete, quietMs: 5000 });
    expect(parseVideoHeader(splitFrame(v.data)!.header)).toMatchObject({ fileName: stop.fileName, fileSize: d.recordings[0]!.size, status: 'ready' });
    const missing = parseReply(await ask(d.port, command('GET_VIDEO', { fileName: 'nope.mp4' })));
    expect(['error', 'file_not_found']).toContain(missing.status);
  });
});

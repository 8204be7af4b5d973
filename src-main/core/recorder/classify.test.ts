/** The recorder's pure decisions: targets, reply classification, salvage. */
import { describe, expect, it } from 'vitest';
import { parseReply } from '../../../src-shared/protocol';
import { classifyStart, salvageStopReply, schedulesOnRawClock, targetFor } from './classify';

const dev = (over = {}) => ({ deviceKey: 'k', name: 'n', host: 'h', port: 1, ...over });

describe('targets', () => {
  it('raw-clock devices (OAK by default, or flagged) get target + offset; others the take target', () => {
    expect(schedulesOnRawClock(dev({ deviceType: 'Oak' }))).toBe(true);
    expect(schedulesOnRawClock(dev({ deviceType: 'Oak', scheduleOnRawClock: false }))).toBe(false);
    expect(schedulesOnRawClock(dev({ deviceType: 'iOS:iPhone' }))).toBe(false);
    expect(targetFor(dev({ deviceType: 'Oak' }), 1000, { offsetMs: 1500, uncertaintyMs: 1 }).targetSent).toBe(1001.5);
    expect(targetFor(dev({ scheduleOnRawClock: true }), 1000, { offsetMs: -250, uncertaintyMs: 1 }).targetSent).toBe(999.75);
    const phone = targetFor(dev(), 1000, { offsetMs: 1500, uncertaintyMs: 1 });
    expect(phone.targetSent).toBe(1000);
    expect(phone.targetReason).toMatch(/synchronized/);
    const unknown = targetFor(dev({ scheduleOnRawClock: true }), 1000, null);
    expect(unknown.targetSent).toBe(1000);
    expect(unknown.warning).toMatch(/no clock estimate/);
  });
});

describe('replies', () => {
  it('START: rule 4 successes, failures with a readable reason', () => {
    for (const s of ['scheduled_recording_accepted', 'Recording', 'Command received']) expect(classifyStart(parseReply({ status: s })).accepted).toBe(true);
    expect(classifyStart(parseReply({ status: 'time_not_synchronized' }))).toEqual({ accepted: false, error: 'time not synchronized' });
    expect(classifyStart(parseReply({ status: 'error', message: 'Time not synced' })).error).toBe('error: Time not synced');
    expect(classifyStart(parseReply({ status: 'camera_disconnected' })).error).toBe('camera disconnected');
    expect(classifyStart(parseReply({ status: 'weird' })).error).toBe("unexpected reply 'weird'");
  });

  it('salvages a file name from a STOP reply that failed validation', () => {
    expect(salvageStopReply({ status: 'recording_stopped', fileName: 'a.mp4', fileSize: 'big' })).toEqual({ fileName: 'a.mp4', fileSize: null });
    expect(salvageStopReply({ status: 5, fileId: 'b.mp4', fileSize: 10 })).toEqual({ fileName: 'b.mp4', fileSize: 10 });
    expect(salvageStopReply({ status: 'x' })).toBeNull();
    expect(salvageStopReply('nope')).toBeNull();
  });
});

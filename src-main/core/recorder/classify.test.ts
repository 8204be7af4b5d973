/** The recorder's pure decisions: targets, clock estimates, reply classification, salvage. */
import { describe, expect, it } from 'vitest';
import { parseReply } from '../../../src-shared/protocol';
import type { TimedReply } from '../device-client/types';
import { classifyStart, estimateClock, salvageStopReply, schedulesOnRawClock, targetFor } from './classify';

const dev = (over = {}) => ({ key: 'k', name: 'n', host: 'h', port: 1, ...over });
const timed = (ts: number | null, sentAt: number, receivedAt: number): TimedReply => ({
  reply: parseReply({ status: 'ready', timestamp: ts }),
  sentAt,
  receivedAt,
  attempts: 1,
});

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

  it('clock estimate keeps the minimum-RTT sample', () => {
    // device clock = controller + 2000 ms; the slow sample is skewed by asymmetric delay.
    const e = estimateClock([timed(12.09, 10_000, 10_100), timed(12.0205, 10_020, 10_021), timed(null, 0, 0)]);
    expect(e!.offsetMs).toBeCloseTo(2000, 3);
    expect(e!.uncertaintyMs).toBe(0.5);
    expect(estimateClock([timed(null, 0, 1)])).toBeNull();
  });

  it('intersects the samples\' bounds: asymmetric delays cancel out across samples', () => {
    // True offset 2000 ms. A: fast request, slow reply. B: slow request, fast reply. Same RTT.
    const a = timed(2.001, 0, 11); // stamped at controller 1 → bounds [1990, 2001]
    const b = timed(2.11, 100, 111); // stamped at controller 110 → bounds [1999, 2010]
    const e = estimateClock([a, b])!;
    expect(e.offsetMs).toBeCloseTo(2000, 6);
    expect(e.uncertaintyMs).toBeCloseTo(1, 6);
    // Min-RTT alone would have said 1995.5 (A's midpoint).
    expect(estimateClock([a])!.offsetMs).toBeCloseTo(1995.5, 6);
    // Bounds that cannot all hold (the device clock stepped): fall back to the fastest sample.
    const stepped = estimateClock([timed(2.001, 0, 11), timed(5.11, 100, 110)])!;
    expect(stepped.offsetMs).toBeCloseTo(5.11 * 1000 - 105, 6);
    expect(stepped.uncertaintyMs).toBe(5);
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

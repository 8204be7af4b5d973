/**
 * What the recorder does with one device: ask its status, pre-flight it, stop it. Each step
 * records its outcome on the device's entry and announces the change; none throws.
 */
import { errorLine } from '../../../src-shared/error-line';
import { plainDeviceProblem } from '../../../src-shared/plain';
import { deviceStatus, isFailureStatus, isProtocolError, stopRecording } from '../../../src-shared/protocol';
import type { TimedReply } from '../device-client/types';
import type { ManifestDevice } from '../takes';
import { estimateClock } from '../clock/samples';
import { clip, describeReplyFailure, salvageStopReply, schedulesOnRawClock } from './classify';
import { MAX_REMOTE_NAME_CHARS, isRecordingReply, addressOf, sec, type Session } from './take-state';
import { recorderSetting, type ControllerClock, type RecorderDevice, type RecorderOptions, type RecorderTimeouts } from './types';

export class DeviceSteps {
  constructor(
    private readonly opts: RecorderOptions,
    private readonly clock: ControllerClock,
    private readonly t: RecorderTimeouts,
    private readonly changed: (s: Session) => void,
  ) {}

  async status(e: ManifestDevice, timeoutMs: number): Promise<TimedReply> {
    const address = addressOf(e.address);
    if (!address) throw new Error(`bad address '${e.address}'`);
    const r = await this.opts.send(
      address,
      deviceStatus(() => this.clock.now()),
      {
        replyTimeoutMs: timeoutMs,
        connectTimeoutMs: timeoutMs,
        tries: 1,
        now: () => this.clock.now(),
      },
    );
    this.opts.noteReply?.(e.deviceKey, r);
    return r;
  }

  async preflight(s: Session, d: RecorderDevice, e: ManifestDevice): Promise<void> {
    if (e.start.status === 'skipped') return;
    let first: TimedReply;
    try {
      first = await this.status(e, this.t.preflightMs);
    } catch (err) {
      e.preflight = { reachable: false, status: null, battery: null, error: errorLine(err, { withCode: true }) };
      e.start.status = 'skipped';
      e.start.skipReason = 'unreachable';
      // Plain words for the operator; the technical line stays in `preflight.error`.
      e.start.error = `not answering: ${plainDeviceProblem(isProtocolError(err) ? err.code : null)}`;
      e.stop.status = 'not_sent';
      this.changed(s);
      return;
    }
    const r = first.reply;
    e.preflight = { reachable: true, status: clip(r.status, 200), battery: r.batteryLevel, error: null };
    // A manual entry without a label is named by the device itself (file names use it).
    if (!d.name.trim() && r.deviceId) e.name = r.deviceId.slice(0, 128);
    if (!e.deviceType && r.deviceType) {
      e.deviceType = clip(r.deviceType, 200);
      if (d.scheduleOnRawClock === undefined) e.scheduleOnRawClock = schedulesOnRawClock({ ...d, deviceType: r.deviceType });
    }
    if (isRecordingReply(r)) {
      e.start.status = 'skipped';
      e.start.skipReason = 'already_recording';
      e.start.error = 'already recording before this take (stop it on the device first)';
      e.stop.status = 'not_sent';
      this.changed(s);
      return;
    }
    if (isFailureStatus(r.status)) e.warnings.push(`pre-flight status: ${describeReplyFailure(r)}`);
    const warnAt = recorderSetting(this.opts, 'batteryWarnPercent') ?? 20;
    if (r.batteryLevel !== null && r.batteryLevel < warnAt) e.warnings.push(`battery low: ${Math.round(r.batteryLevel)}%`);

    // Raw-clock devices need a good offset: a few fresh samples, whose bounds intersect tightly,
    // compared with the fleet's running estimate; the smaller uncertainty wins. Other devices only
    // need it recorded (one sample, or the fleet's).
    const fleetEstimate = this.opts.clockOf?.(e.deviceKey) ?? null;
    const fleet = fleetEstimate && Number.isFinite(fleetEstimate.offsetMs) && Number.isFinite(fleetEstimate.uncertaintyMs) ? fleetEstimate : null;
    const samples = [first];
    const want = e.scheduleOnRawClock ? Math.max(1, this.opts.clockSamples ?? 8) : fleet ? 0 : 1;
    for (let i = 1; i < want; i++) {
      try {
        samples.push(await this.status(e, this.t.preflightMs));
      } catch {
        break;
      }
    }
    const est = estimateClock(samples);
    if (fleet && (!est || fleet.uncertaintyMs <= est.uncertaintyMs)) {
      e.clock = { offsetMs: fleet.offsetMs, uncertaintyMs: fleet.uncertaintyMs, source: 'fleet' };
    } else if (est) {
      e.clock = { offsetMs: est.offsetMs, uncertaintyMs: est.uncertaintyMs, source: 'preflight' };
    } else e.warnings.push('clock health unknown: the device sent no timestamp');
    this.changed(s);
  }

  async stop(s: Session, e: ManifestDevice): Promise<void> {
    const address = addressOf(e.address);
    if (!address) {
      Object.assign(e.stop, { status: 'failed', error: `bad address '${e.address}'` });
      this.changed(s);
      return;
    }
    const known = e.confirmedRecording === true || e.start.status === 'accepted';
    if (!known) {
      try {
        const r = await this.status(e, this.t.statusMs);
        if (!isRecordingReply(r.reply)) {
          Object.assign(e.stop, { status: 'not_sent', error: `not recording at stop time (status ${clip(r.reply.rawStatus, 200)})` });
          e.mayStillBeRecording = false;
          this.changed(s);
          return;
        }
      } catch (err) {
        Object.assign(e.stop, { status: 'unreachable', error: `no reply to DEVICE_STATUS: ${errorLine(err, { withCode: true })}` });
        e.mayStillBeRecording = true;
        this.changed(s);
        return;
      }
    }
    const cmd = stopRecording(() => this.clock.now());
    e.stop.sentAt = sec(this.clock.now());
    this.changed(s);
    try {
      const r = await this.opts.send(address, cmd, {
        replyTimeoutMs: this.t.stopMs,
        connectTimeoutMs: Math.min(this.t.stopMs, 5_000),
        tries: this.t.stopTries,
        backoffMs: this.t.stopBackoffMs,
        now: () => this.clock.now(),
      });
      this.opts.noteReply?.(e.deviceKey, r);
      e.stop.replyAt = sec(r.receivedAt);
      if (isFailureStatus(r.reply.status) && s.m.aborted) {
        // Called off before the start instant: a device that had not begun capturing answers
        // "not recording", and its scheduled start is cancelled by that STOP.
        Object.assign(e.stop, { status: 'cancelled', error: null });
        e.mayStillBeRecording = false;
      } else if (isFailureStatus(r.reply.status)) {
        // The device answered and refused: it is not recording (e.g. "not recording" errors).
        Object.assign(e.stop, { status: 'failed', error: describeReplyFailure(r.reply) });
        e.mayStillBeRecording = false;
      } else {
        const name = r.reply.fileName;
        // No GET_VIDEO could carry a longer name (devices take commands of at most 4 KiB).
        const usable = name !== null && name.length > 0 && name.length <= MAX_REMOTE_NAME_CHARS;
        Object.assign(e.stop, { status: 'stopped', error: null, fileName: usable ? name : null, fileSize: r.reply.fileSize });
        e.mayStillBeRecording = false;
        if (name && !usable) e.warnings.push(`STOP reply named a file name of ${name.length} characters: too long to ask for; nothing to download`);
        else if (!name) e.warnings.push(`STOP reply '${clip(r.reply.rawStatus, 200)}' named no file: nothing to download`);
      }
    } catch (err) {
      const salvaged = isProtocolError(err) && err.code === 'invalid_reply' ? salvageStopReply(err.reply) : null;
      e.stop.replyAt = sec(this.clock.now());
      if (salvaged) {
        Object.assign(e.stop, { status: 'stopped', error: null, fileName: salvaged.fileName, fileSize: salvaged.fileSize });
        e.mayStillBeRecording = false;
        e.warnings.push(`STOP reply failed validation (${errorLine(err, { withCode: true })}); file name salvaged`);
      } else if (isProtocolError(err) && err.code === 'device_error') {
        Object.assign(e.stop, { status: 'failed', error: errorLine(err, { withCode: true }) });
        e.mayStillBeRecording = false;
      } else {
        Object.assign(e.stop, { status: 'unreachable', error: errorLine(err, { withCode: true }) });
        e.mayStillBeRecording = true;
      }
    }
    this.changed(s);
  }

  /**
   * After the target instant: ask every device that accepted START whether it is recording, a
   * few times; the ones that never say so are marked. Ends quietly when stopTake aborts it.
   */
  async confirm(s: Session, sleep: (ms: number, signal?: AbortSignal) => Promise<void>): Promise<void> {
    const signal = s.confirmAbort.signal;
    try {
      await sleep(s.m.targetStart * 1000 - this.clock.now() + this.t.confirmGraceMs, signal);
      let pending = s.m.devices.filter((e) => e.start.status === 'accepted');
      for (let attempt = 0; attempt < this.t.confirmAttempts && pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(this.t.confirmIntervalMs, signal);
        const results = await Promise.all(
          pending.map((e) =>
            this.status(e, this.t.statusMs).then(
              (r) => ({ e, r, err: null as unknown }),
              (err: unknown) => ({ e, r: null, err }),
            ),
          ),
        );
        if (signal.aborted) return;
        for (const { e, r, err } of results) {
          if (r && isRecordingReply(r.reply)) {
            e.confirmedRecording = true;
            e.confirmStatus = clip(r.reply.status, 200);
          } else {
            e.confirmStatus = r ? describeReplyFailure(r.reply) : `no reply: ${errorLine(err, { withCode: true })}`;
          }
        }
        pending = pending.filter((e) => e.confirmedRecording !== true);
        this.changed(s);
      }
      for (const e of pending) {
        e.confirmedRecording = false;
        e.warnings.push(`did not report recording after the target instant (${e.confirmStatus ?? 'unknown'})`);
      }
      if (s.m.phase === 'scheduled') s.m.phase = 'recording';
      this.changed(s);
    } catch {
      // Aborted by stopTake: confirmation simply ends; unconfirmed devices stay null.
    }
  }
}

/**
 * One virtual MultiCam device: a real TCP server that reads, schedules, records, serves files and
 * uploads the way its personality's real device does (device-protocol-notes.md), with switchable
 * faults. Instants handed to tests are TRUE time (from `now`); the wire carries the device's raw
 * clock.
 */
import { errorLine } from '../src-shared/error-line';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { COMMAND_NAMES, SERVICE_TYPE } from '../src-shared/protocol/constants';
import { makeDeviceClock, wallClockMs, type DeviceClock } from './clock';
import { activeFault, breakJson, cutPoint, faultSeconds } from './faults';
import { PROFILES, randomDeviceId, recordingFileName, type Profile } from './personalities';
import { readerFor, type ReadOutcome } from './readers';
import type { Fault, FaultName, Personality, ReceivedCommand, SimDevice, SimDeviceOptions, SimRecording, SimSceneOptions, SimState } from './types';
import { putFile } from './uploader';
import { sampleMp4, writeVideoFile } from './video-file';
import { ffmpegAvailable, writeSceneRecording } from './scene/recording';

type Json = Record<string, unknown>;

interface Conn {
  socket: Socket;
  /** Replies being prepared or written; the device closes only when none is. */
  busy: number;
  clientEnded: boolean;
}

/** What a command handler decided to send. */
type Reply = { kind: 'none' } | { kind: 'json'; body: Json } | { kind: 'video'; fileName: string; path: string; size: number };

interface UploadItem {
  fileName: string;
  fileSize: number;
  bytesUploaded: number;
  uploadProgress: number;
  uploadSpeed: number;
  status: 'queued' | 'uploading' | 'failed';
  uploadUrl: string;
  error: string | null;
  startedAt: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));
const NONE: Reply = { kind: 'none' };
/** How long an iOS socket the client half-closed is kept (the app never closes; we must, eventually). */
const IOS_HALF_OPEN_REAP_MS = 30_000;

/** A device-supplied file name is served only if it is a plain basename in the files folder. */
function safeName(v: unknown): string | null {
  if (typeof v !== 'string' || v.length === 0 || v.length > 255) return null;
  if (v === '.' || v === '..' || v.startsWith('.') || basename(v) !== v || /[\\/\x00-\x1f]/.test(v)) return null;
  return v;
}

class Device implements SimDevice {
  readonly options: SimDeviceOptions;
  readonly personality: Personality;
  readonly name: string;
  readonly deviceId: string;
  readonly host: string;
  readonly profile: Profile;
  filesDir = '';
  private ownsFilesDir = false;
  private readonly clock: DeviceClock;
  private readonly server: Server;
  private listening = false;
  private boundPort = 0;
  private readonly conns = new Set<Conn>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private faults: Fault[];
  private synced: boolean;
  private battery: number | null;
  private _state: SimState = 'ready';
  private readonly _recordings: SimRecording[] = [];
  private readonly _received: ReceivedCommand[] = [];
  /** The scheduled start, if any. */
  private scheduled: { timer: NodeJS.Timeout | null; cancel: () => void } | null = null;
  private current: SimRecording | null = null;
  /** Files being written: GET_VIDEO/LIST_FILES wait for them (OAK packages after its STOP reply). */
  private readonly pendingFiles = new Map<string, Promise<unknown>>();
  private readonly uploadQueue: UploadItem[] = [];
  private readonly failedUploads: UploadItem[] = [];
  private uploading = false;
  private readonly uploadAbort = new AbortController();
  private closed = false;
  private refuseChange: Promise<void> = Promise.resolve();
  private mdns: { destroy(cb?: () => void): void; unpublishAll(cb?: () => void): void } | null = null;

  constructor(opts: SimDeviceOptions) {
    if (!PROFILES[opts.personality]) throw new TypeError(`unknown personality ${String(opts.personality)}`);
    this.options = opts;
    this.personality = opts.personality;
    this.profile = PROFILES[opts.personality];
    this.deviceId = opts.deviceId ?? randomDeviceId();
    this.name = opts.name ?? (opts.personality === 'oak' ? `multiCam-oak-${randomUUID()}` : `multiCam-${this.deviceId}`);
    this.host = opts.host ?? '127.0.0.1';
    this.clock = makeDeviceClock(opts.now ?? wallClockMs, opts.clockOffsetMs ?? 0, opts.driftPpm ?? 0);
    this.faults = [...(opts.faults ?? [])];
    this.synced = opts.synced ?? true;
    this.battery = opts.battery === undefined ? this.profile.defaultBattery : opts.battery;
    if (opts.fileSize !== undefined && (!Number.isSafeInteger(opts.fileSize) || opts.fileSize < 0)) {
      throw new RangeError(`fileSize must be a non-negative integer, not ${opts.fileSize}`);
    }
    this.server = createServer({ allowHalfOpen: true }, (s) => this.onConnection(s));
  }

  // ---- public surface ----------------------------------------------------------------------

  get port(): number {
    return this.boundPort;
  }
  get state(): SimState {
    return this._state;
  }
  get recordings(): readonly SimRecording[] {
    return this._recordings;
  }
  get received(): readonly ReceivedCommand[] {
    return this._received;
  }
  deviceNow(): number {
    return this.clock.deviceNow();
  }
  files(): { fileName: string; path: string; size: number }[] {
    if (!existsSync(this.filesDir)) return [];
    const out: { fileName: string; path: string; size: number }[] = [];
    for (const fileName of readdirSync(this.filesDir).sort()) {
      if (fileName.startsWith('.')) continue; // temp files being written
      const path = join(this.filesDir, fileName);
      try {
        const st = statSync(path);
        if (st.isFile()) out.push({ fileName, path, size: st.size });
      } catch {
        // deleted meanwhile
      }
    }
    return out;
  }
  setFaults(faults: Fault[]): void {
    this.faults = [...faults];
    this.applyRefuse();
  }
  setSynced(v: boolean): void {
    this.synced = v;
  }
  setBattery(v: number | null): void {
    this.battery = v;
  }
  async addFile(fileName: string, content: Buffer | number): Promise<void> {
    const name = safeName(fileName);
    if (!name) throw new TypeError(`not a plain file name: ${JSON.stringify(fileName)}`);
    await writeVideoFile(join(this.filesDir, name), content);
  }

  async start(): Promise<void> {
    if (this.options.filesDir) {
      mkdirSync(this.options.filesDir, { recursive: true });
      this.filesDir = this.options.filesDir;
    } else {
      this.filesDir = await mkdtemp(join(tmpdir(), `multicam-sim-${this.personality}-`));
      this.ownsFilesDir = true;
    }
    try {
      await this.listen(this.options.port ?? 0);
      if (this.options.mdns) await this.advertise(this.options.mdns);
      this.applyRefuse();
    } catch (e) {
      await this.kill();
      throw e;
    }
  }

  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const mdns = this.mdns;
    this.mdns = null;
    if (mdns) {
      // Goodbye packets (TTL 0), then close the mDNS socket; bounded so a dead interface cannot hang stop().
      await Promise.race([new Promise<void>((r) => mdns.unpublishAll(() => r())), sleep(2000)]);
      await new Promise<void>((r) => mdns.destroy(() => r()));
    }
    await this.teardown(false);
  }

  async kill(): Promise<void> {
    if (this.closed && !this.listening && this.conns.size === 0) return this.removeFilesDir();
    this.closed = true;
    const mdns = this.mdns;
    this.mdns = null;
    if (mdns) await new Promise<void>((r) => mdns.destroy(() => r()));
    await this.teardown(true);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen({ port, host: this.host, exclusive: true }, () => {
        this.server.off('error', onError);
        const addr = this.server.address();
        if (addr && typeof addr === 'object') this.boundPort = addr.port;
        this.listening = true;
        resolve();
      });
    });
  }

  private closeServer(): Promise<void> {
    if (!this.listening) return Promise.resolve();
    this.listening = false;
    return new Promise((r) => this.server.close(() => r()));
  }

  /** `refuse`: stop listening so connects are refused; listen on the same port again when it is lifted. */
  private applyRefuse(): void {
    const refuse = this.faults.some((f) => f.name === 'refuse');
    this.refuseChange = this.refuseChange.then(async () => {
      if (this.closed) return;
      if (refuse && this.listening) await this.closeServer();
      else if (!refuse && !this.listening) await this.listen(this.boundPort).catch(() => undefined);
    });
  }

  private async advertise(cfg: { interface?: string }): Promise<void> {
    const { default: Bonjour } = await import('bonjour-service');
    const bonjour = cfg.interface ? new Bonjour({ interface: cfg.interface, bind: '0.0.0.0' } as never) : new Bonjour();
    // TXT differs per app (notes rule 10): none on iPhone, free text on Android, deviceId= elsewhere.
    const txt =
      this.personality === 'ios' ? undefined : this.personality === 'android' ? { [`MultiCam Android ${this.deviceId}`]: true } : { deviceId: this.deviceId };
    bonjour.publish({ name: this.name, type: SERVICE_TYPE, protocol: 'tcp', port: this.boundPort, ...(txt ? { txt } : {}), disableIPv6: false });
    this.mdns = bonjour;
  }

  private async teardown(abrupt: boolean): Promise<void> {
    this.uploadAbort.abort();
    this.cancelSchedule();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.refuseChange.catch(() => undefined);
    const closing = this.closeServer();
    for (const c of this.conns) {
      if (abrupt) c.socket.resetAndDestroy();
      else c.socket.destroy();
    }
    this.conns.clear();
    await closing;
    await Promise.allSettled([...this.pendingFiles.values()]);
    await this.removeFilesDir();
  }

  private async removeFilesDir(): Promise<void> {
    if (this.ownsFilesDir) await rm(this.filesDir, { recursive: true, force: true }).catch(() => undefined);
  }

  private timer(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        fn();
      },
      Math.max(0, ms),
    );
    this.timers.add(t);
    return t;
  }

  private wait(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((r) => this.timer(ms, r));
  }

  // ---- connections -------------------------------------------------------------------------

  private onConnection(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const conn: Conn = { socket, busy: 0, clientEnded: false };
    this.conns.add(conn);
    const reader = readerFor(this.personality);
    socket.on('error', () => undefined); // clients reset connections; that is their right
    socket.on('close', () => this.conns.delete(conn));
    socket.on('data', (chunk: Buffer) => {
      // Stamped on arrival, handled a moment later: each phone handles its command on a CPU of
      // its own, so when many virtual devices share a process, one device's handling must not
      // delay when the next is seen to receive (a START fan-out measured here would otherwise
      // show this process working through its devices one after another).
      const arrivedAt = this.clock.trueNow();
      conn.busy++;
      setImmediate(() => {
        conn.busy--;
        for (const outcome of reader.push(chunk)) void this.onRead(conn, outcome, arrivedAt);
        this.maybeClose(conn);
      });
    });
    socket.on('end', () => {
      conn.clientEnded = true;
      if (this.profile.neverCloses) {
        // The iPhone app keeps its side open; reap it eventually so the sim does not leak sockets.
        this.timer(IOS_HALF_OPEN_REAP_MS, () => socket.destroy());
      } else this.maybeClose(conn);
    });
  }

  /** Android/OAK/spec close after the client closes, once nothing is left to send. */
  private maybeClose(conn: Conn): void {
    if (!this.profile.neverCloses && conn.clientEnded && conn.busy === 0 && !conn.socket.destroyed) conn.socket.end();
  }

  private netDelay(): number {
    const latency = this.options.latencyMs ?? 0;
    const jitter = this.options.jitterMs ?? 0;
    return (latency + Math.random() * jitter) / 2;
  }

  private async onRead(conn: Conn, outcome: ReadOutcome, arrivedAt: number): Promise<void> {
    conn.busy++;
    try {
      const delay = this.netDelay();
      await this.wait(delay);
      if (outcome.kind === 'undecodable') {
        switch (this.profile.undecodable) {
          case 'no-reply':
            return;
          case 'close':
            conn.socket.destroy();
            return;
          case 'error':
            return await this.send(conn, '', { kind: 'json', body: this.reply('error') });
          case 'error-with-message':
            return await this.send(conn, '', { kind: 'json', body: this.reply('error', { message: `Invalid command: ${outcome.reason}` }) });
        }
      }
      // With simulated latency, the command reaches the device only now.
      const receivedAt = delay > 0 ? this.clock.trueNow() : arrivedAt;
      const cmd = outcome.value;
      const command = typeof cmd.command === 'string' ? cmd.command : '';
      this._received.push({ command, trueReceivedAtMs: receivedAt, raw: cmd });
      const reply = await this.handle(cmd, command, receivedAt);
      await this.send(conn, command, reply);
    } catch {
      // A failed reply (client gone, file vanished) is the client's problem to notice; never crash the sim.
      if (!conn.socket.destroyed) conn.socket.destroy();
    } finally {
      conn.busy--;
      this.maybeClose(conn);
    }
  }

  // ---- replies -----------------------------------------------------------------------------

  /** A reply object as this personality shapes it; `timestamp` is stamped again when sent. */
  private reply(status: string, extra: Json = {}): Json {
    const body: Json = { deviceId: this.deviceId, status, timestamp: this.clock.deviceNow() / 1000 };
    const battery = this.battery ?? this.profile.noBattery;
    if (battery !== 'omit') body.batteryLevel = battery;
    body.deviceType = this.personality === 'spec' ? (this.options.deviceType ?? this.profile.deviceType) : this.profile.deviceType;
    body.uploadQueue = this.uploadQueue.map((u) => this.wireItem(u));
    body.failedUploadQueue = this.profile.reportsUploadFailures ? this.failedUploads.map((u) => this.wireItem(u)) : [];
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) body[k] = v;
    return body;
  }

  private wireItem(u: UploadItem): Json {
    return {
      fileName: u.fileName,
      fileSize: u.fileSize,
      bytesUploaded: u.bytesUploaded,
      uploadProgress: u.uploadProgress,
      uploadSpeed: u.uploadSpeed,
      status: u.status,
      uploadUrl: u.uploadUrl,
      error: u.error,
    };
  }

  private fault(name: FaultName, command: string): Fault | undefined {
    return activeFault(this.faults, name, command);
  }

  private async send(conn: Conn, command: string, reply: Reply): Promise<void> {
    if (reply.kind === 'none') return;
    const slow = this.fault('slow', command);
    if (slow) await this.wait(faultSeconds(slow) * 1000);
    if (reply.kind === 'video') return this.sendVideo(conn, command, reply);
    // Stamp when the device builds the bytes; the outbound half of the network delay follows.
    const body = { ...reply.body, timestamp: this.clock.deviceNow() / 1000 };
    let text = JSON.stringify(body);
    if (this.fault('malformed-json', command)) text = breakJson(text);
    await this.wait(this.netDelay());
    await this.writeWithFaults(conn, command, Buffer.from(text, 'utf8'));
  }

  /** Write `bytes`, honouring truncate / stall / reset at the cut point. Returns false if the connection was cut. */
  private async writeWithFaults(conn: Conn, command: string, bytes: Buffer): Promise<boolean> {
    const s = conn.socket;
    const reset = this.fault('reset', command);
    const truncate = this.fault('truncate', command);
    const stall = this.fault('stall', command);
    if (reset) {
      await write(s, bytes.subarray(0, cutPoint(reset, bytes.length)));
      await this.resetSoon(s);
      return false;
    }
    if (truncate) {
      await write(s, bytes.subarray(0, cutPoint(truncate, bytes.length)));
      s.end();
      return false;
    }
    if (stall) {
      const at = cutPoint(stall, bytes.length);
      await write(s, bytes.subarray(0, at));
      await this.wait(faultSeconds(stall) * 1000);
      await write(s, bytes.subarray(at));
      return true;
    }
    await write(s, bytes);
    return true;
  }

  /**
   * RST the connection. Deferred a little: resetAndDestroy() run straight from a write callback
   * can leave the socket neither reset nor closed (seen on Node 20 / Linux), and a short pause lets
   * the client read the bytes before the RST, as with a device that dies mid-reply.
   */
  private async resetSoon(s: Socket): Promise<void> {
    await this.wait(20);
    if (!s.destroyed) s.resetAndDestroy();
  }

  private async sendVideo(conn: Conn, command: string, v: Extract<Reply, { kind: 'video' }>): Promise<void> {
    const s = conn.socket;
    const pathFault = this.fault('path-filename', command);
    const sizeFault = this.fault('wrong-filesize', command);
    const oversized = this.fault('oversized-header', command);
    const header = {
      deviceId: this.deviceId,
      fileName: pathFault ? (pathFault.fileName ?? '../../x') : v.fileName,
      fileSize: sizeFault ? (sizeFault.fileSize ?? v.size + 1000) : v.size,
      status: 'ready',
    };
    let headerText = JSON.stringify(header);
    if (this.fault('malformed-json', command)) headerText = breakJson(headerText);
    const headerBytes = Buffer.from(headerText, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(oversized ? (oversized.headerLength ?? 0xffffffff) >>> 0 : headerBytes.length, 0);
    await this.wait(this.netDelay());
    await write(s, Buffer.concat([len, headerBytes]));
    if (oversized) return; // nothing sensible can follow a header nobody will read

    // Body: streamed from disk with backpressure; a fault cuts it at one point.
    const reset = this.fault('reset', command);
    const truncate = this.fault('truncate', command);
    const stall = this.fault('stall', command);
    const cutFault = reset ?? truncate ?? stall;
    const cut = cutFault ? cutPoint(cutFault, v.size) : v.size;
    await streamRange(s, v.path, 0, cut);
    if (reset) {
      await this.resetSoon(s);
      return;
    }
    if (truncate) {
      s.end();
      return;
    }
    if (stall) {
      await this.wait(faultSeconds(stall) * 1000);
      await streamRange(s, v.path, cut, v.size);
    }
    if (this.profile.deletesAfterDownload) {
      // OAK removes the file as soon as it has been sent in full.
      await unlink(v.path).catch(() => undefined);
    }
  }

  // ---- commands ----------------------------------------------------------------------------

  private async handle(cmd: Json, command: string, receivedAt: number): Promise<Reply> {
    const hasTimestamp = typeof cmd.timestamp === 'number' && Number.isFinite(cmd.timestamp);
    const hasDeviceId = typeof cmd.deviceId === 'string';
    if (!hasTimestamp || !hasDeviceId) {
      if (this.profile.missingFields === 'no-reply') return NONE;
      if (this.profile.missingFields === 'error') {
        return { kind: 'json', body: this.reply('error', { message: `Missing ${!hasTimestamp ? 'timestamp' : 'deviceId'}` }) };
      }
      // Android fills in defaults: now, and "controller".
    }
    const timestampSec = hasTimestamp ? (cmd.timestamp as number) : null;
    if (!(COMMAND_NAMES as readonly string[]).includes(command)) {
      switch (this.profile.unknownCommand) {
        case 'no-reply':
          return NONE;
        case 'error':
          return { kind: 'json', body: this.reply('error') };
        case 'error-with-message':
          return { kind: 'json', body: this.reply('error', { message: `Unknown command: ${command || '(none)'}` }) };
      }
    }
    switch (command) {
      case 'START_RECORDING':
        return this.startRecording(timestampSec, receivedAt);
      case 'STOP_RECORDING':
        return this.stopRecording(receivedAt);
      case 'DEVICE_STATUS':
        return { kind: 'json', body: this.reply(this.statusWord()) };
      case 'HEARTBEAT': {
        const h = this.profile.heartbeat;
        return { kind: 'json', body: this.reply(h === 'device-status' ? this.statusWord() : h) };
      }
      case 'LIST_FILES':
        return this.listFiles();
      case 'GET_VIDEO':
        return this.getVideo(cmd);
      case 'UPLOAD_TO_CLOUD':
        return this.uploadToCloud(cmd);
    }
    return NONE;
  }

  private statusWord(): string {
    return this._state === 'recording' ? 'recording' : this._state === 'stopping' ? 'stopping' : 'ready';
  }

  private startRecording(targetSec: number | null, receivedAt: number): Reply | Promise<Reply> {
    const p = this.personality;
    if (this.profile.notSynced && !this.synced) {
      const { status, message } = this.profile.notSynced;
      return { kind: 'json', body: this.reply(status, message ? { message: 'Cannot start scheduled recording - time not synchronized' } : {}) };
    }
    if (this._state !== 'ready') {
      if (p === 'ios') return { kind: 'json', body: this.reply('scheduled_recording_accepted') };
      if (p === 'android') return { kind: 'json', body: this.reply(this._state === 'stopping' ? 'error' : 'recording') };
      return { kind: 'json', body: this.reply('error', { message: `Already ${this._state === 'scheduled' ? 'scheduled' : this._state}` }) };
    }
    const receiptDeviceMs = this.clock.toDevice(receivedAt);
    const targetDeviceMs = targetSec === null ? receiptDeviceMs : targetSec * 1000;
    const onRawClock = p === 'oak' || this.options.scheduleOnRawClock === true;
    // Phones (when NTP-synced) read the target on synced time, which is true time here.
    const targetTrue = onRawClock ? this.clock.toTrue(targetDeviceMs) : targetDeviceMs;
    const names = { targetDeviceMs, receiptDeviceMs };
    const begin = (trueStartMs: number) => this.beginCapture(targetSec, receivedAt, trueStartMs, names);

    if (onRawClock || p === 'spec') {
      if (targetTrue > receivedAt) {
        this.scheduleAt(targetTrue, () => begin(this.clock.trueNow()));
        return { kind: 'json', body: this.reply('scheduled_recording_accepted') };
      }
      begin(receivedAt);
      if (p === 'oak') return this.delayed(this.options.pastTargetDelayMs ?? 100, this.replyLater('command_received'));
      return { kind: 'json', body: this.reply(p === 'spec' ? 'recording' : 'scheduled_recording_accepted') };
    }
    if (p === 'ios')
      begin(receivedAt); // captures on receipt, pre-roll kept
    else begin(Math.max(receivedAt, targetTrue)); // android captures on receipt, trims to the target later
    return { kind: 'json', body: this.reply('scheduled_recording_accepted') };
  }

  private replyLater(status: string, extra: Json = {}): () => Reply {
    return () => ({ kind: 'json', body: this.reply(status, extra) });
  }

  private delayed(ms: number, make: () => Reply): Promise<Reply> {
    return this.wait(ms).then(make);
  }

  /** Run `fn` at TRUE instant `atMs`; re-checks on wake because timers may fire a little early. */
  private scheduleAt(atMs: number, fn: () => void): void {
    this._state = 'scheduled';
    let cancelled = false;
    const entry: { timer: NodeJS.Timeout | null; cancel: () => void } = {
      timer: null,
      cancel: () => {
        cancelled = true;
        if (entry.timer) clearTimeout(entry.timer);
        this.timers.delete(entry.timer!);
      },
    };
    let lastLeft = Number.NaN;
    const tick = () => {
      if (cancelled) return;
      const left = atMs - this.clock.trueNow();
      if (left > 1) entry.timer = this.timer(left - 0.5, tick);
      else if (left > 0) {
        // The last sub-millisecond: spin on the event loop (a timer would be up to a ms late),
        // unless the clock stood still since the last spin (virtual time): then a timer moves it.
        if (left === lastLeft) entry.timer = this.timer(1, tick);
        else setImmediate(tick);
        lastLeft = left;
      } else {
        this.scheduled = null;
        fn();
      }
    };
    this.scheduled = entry;
    tick();
  }

  private cancelSchedule(): void {
    this.scheduled?.cancel();
    this.scheduled = null;
  }

  private beginCapture(targetSec: number | null, receivedAt: number, trueStartMs: number, at: { targetDeviceMs: number; receiptDeviceMs: number }): void {
    const fileName = recordingFileName(this.personality, this.deviceId, { ...at, startDeviceMs: this.clock.toDevice(trueStartMs) });
    const rec: SimRecording = {
      fileName,
      path: join(this.filesDir, fileName),
      size: 0,
      sha256: '',
      targetSec,
      // A shared-scene camera may really start a little off the instant it believes.
      trueStartMs: trueStartMs + (this.sceneOptions()?.startErrorMs ?? 0),
      trueStopMs: null,
      receivedAtMs: receivedAt,
    };
    this._recordings.push(rec);
    this.current = rec;
    this._state = 'recording';
  }

  private async stopRecording(receivedAt: number): Promise<Reply> {
    const rec = this.current;
    if (this._state !== 'recording' || !rec) {
      if (this._state === 'scheduled') {
        this.cancelSchedule();
        this._state = 'ready';
      }
      const r = this.profile.stopNotRecording;
      if (!r) return NONE; // the iPhone app never answers
      return { kind: 'json', body: this.reply('error', r.message ? { message: 'Not recording' } : {}) };
    }
    rec.trueStopMs = receivedAt;
    this.current = null;
    this._state = 'stopping';
    const finalising = this.finalise(rec);
    const stopReply = (size: number) => {
      const extra: Json = { fileName: rec.fileName, fileSize: size };
      const pathFault = this.fault('path-filename', 'STOP_RECORDING');
      if (pathFault?.commands?.includes('STOP_RECORDING')) extra.fileName = pathFault.fileName ?? '../../x';
      const sizeFault = this.fault('wrong-filesize', 'STOP_RECORDING');
      if (sizeFault) extra.fileSize = sizeFault.fileSize ?? rec.size + 1000;
      return { kind: 'json' as const, body: this.reply('recording_stopped', extra) };
    };
    switch (this.personality) {
      case 'oak':
        // Packages lazily: answers at once with fileSize 0; GET_VIDEO waits for the file.
        this._state = 'ready';
        return stopReply(0);
      case 'ios':
        await Promise.all([finalising, this.wait(this.options.finalizeMs ?? 100)]);
        break;
      case 'android':
        await Promise.all([finalising, this.wait(this.options.stopDelayMs ?? 2000)]);
        break;
      case 'spec':
        await finalising;
        break;
    }
    this._state = 'ready';
    return stopReply(rec.size);
  }

  private sceneOptions(): SimSceneOptions | null {
    const s = this.options.scene;
    return s ? (s === true ? {} : s) : null;
  }

  private async writeRecording(rec: SimRecording): Promise<{ size: number; sha256: string }> {
    const scene = this.sceneOptions();
    if (scene && (await ffmpegAvailable())) {
      const driftPpm = this.options.driftPpm ?? 0;
      // The file runs on the device's clock: its media length is the true length × (1 + drift).
      const durationMs = Math.max(100, ((rec.trueStopMs ?? rec.trueStartMs) - rec.trueStartMs) * (1 + driftPpm * 1e-6));
      const t = await writeSceneRecording(rec.path, {
        trueStartMs: rec.trueStartMs,
        durationMs,
        driftPpm,
        avSkewMs: scene.avSkewMs ?? 0,
        snrDb: scene.snrDb ?? 30,
        noiseSeed: [...this.deviceId].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7),
        sound: scene.sound ?? 'scene',
        fps: scene.fps,
        width: scene.width,
        height: scene.height,
        container: this.personality === 'oak' ? 'zip' : this.personality === 'ios' ? 'mov' : 'mp4',
      });
      rec.scene = {
        trueStartMs: rec.trueStartMs,
        trueAudioStartMs: rec.trueStartMs - t.avSkewMs / (1 + driftPpm * 1e-6),
        durationMs,
        driftPpm,
        avSkewMs: t.avSkewMs,
        startErrorMs: scene.startErrorMs ?? 0,
        sound: t.sound,
      };
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(rec.path)) hash.update(chunk as Buffer);
      return { size: t.size, sha256: hash.digest('hex') };
    }
    return writeVideoFile(rec.path, this.options.fileSize ?? sampleMp4().length);
  }

  private finalise(rec: SimRecording): Promise<void> {
    const p = this.writeRecording(rec).then((w) => {
      rec.size = w.size;
      rec.sha256 = w.sha256;
    });
    const tracked = p.finally(() => {
      if (this.pendingFiles.get(rec.fileName) === tracked) this.pendingFiles.delete(rec.fileName);
    });
    tracked.catch(() => undefined);
    this.pendingFiles.set(rec.fileName, tracked);
    return tracked;
  }

  private async fileReady(name: string): Promise<{ path: string; size: number } | null> {
    await this.pendingFiles.get(name)?.catch(() => undefined);
    const path = join(this.filesDir, name);
    try {
      const st = statSync(path);
      return st.isFile() ? { path, size: st.size } : null;
    } catch {
      return null;
    }
  }

  private missingFile(name: string): Reply {
    const m = this.profile.missingFile;
    return { kind: 'json', body: this.reply(m.status, { message: m.message(name) }) };
  }

  private async listFiles(): Promise<Reply> {
    await Promise.allSettled([...this.pendingFiles.values()]);
    const files = this.files().map((f) => {
      if (this.personality === 'android') return { fileName: f.fileName, fileSize: f.size };
      const st = statSync(f.path, { throwIfNoEntry: false });
      return {
        fileName: f.fileName,
        fileSize: f.size,
        creationDate: (st?.birthtimeMs ?? 0) / 1000,
        modificationDate: (st?.mtimeMs ?? 0) / 1000,
      };
    });
    return { kind: 'json', body: this.reply('ready', { files }) };
  }

  private async getVideo(cmd: Json): Promise<Reply> {
    const requested = typeof cmd.fileName === 'string' ? cmd.fileName : typeof cmd.fileId === 'string' ? cmd.fileId : '';
    const name = safeName(requested);
    const file = name ? await this.fileReady(name) : null;
    if (!name || !file) return this.missingFile(requested);
    if (this.personality === 'oak') await this.wait(this.options.packagingMs ?? 200);
    return { kind: 'video', fileName: name, path: file.path, size: file.size };
  }

  private async uploadToCloud(cmd: Json): Promise<Reply> {
    const requested = typeof cmd.fileName === 'string' ? cmd.fileName : typeof cmd.fileId === 'string' ? cmd.fileId : '';
    const url = cmd.uploadUrl;
    if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/i.test(url)) {
      return { kind: 'json', body: this.reply('error', this.personality === 'android' ? {} : { message: 'Missing or invalid uploadUrl' }) };
    }
    const name = safeName(requested);
    const file = name ? await this.fileReady(name) : null;
    if (!name || !file) return this.missingFile(requested);
    if (this.personality === 'oak') await this.wait(this.options.packagingMs ?? 200);
    this.uploadQueue.push({
      fileName: name,
      fileSize: file.size,
      bytesUploaded: 0,
      uploadProgress: 0,
      uploadSpeed: 0,
      status: 'queued',
      uploadUrl: url,
      error: null,
      startedAt: 0,
    });
    void this.runUploads();
    return { kind: 'json', body: this.reply('upload_queued', { fileName: name, fileSize: file.size }) };
  }

  /** One upload at a time, in queue order. */
  private async runUploads(): Promise<void> {
    if (this.uploading) return;
    this.uploading = true;
    try {
      for (;;) {
        const item = this.uploadQueue.find((u) => u.status === 'queued');
        if (!item || this.closed) return;
        item.status = 'uploading';
        item.startedAt = this.clock.trueNow();
        const path = join(this.filesDir, item.fileName);
        let error: string | null = null;
        try {
          await putFile(item.uploadUrl, path, item.fileSize, {
            signal: this.uploadAbort.signal,
            onBytes: (n) => {
              item.bytesUploaded = n;
              item.uploadProgress = item.fileSize > 0 ? Math.min(100, (100 * n) / item.fileSize) : 100;
              const secs = (this.clock.trueNow() - item.startedAt) / 1000;
              item.uploadSpeed = secs > 0 ? Math.round(n / secs) : 0;
            },
          });
        } catch (e) {
          error = errorLine(e);
        }
        if (this.closed) return;
        this.uploadQueue.splice(this.uploadQueue.indexOf(item), 1);
        if (error === null) {
          item.uploadProgress = 100;
          if (this.profile.deletesAfterUpload) await unlink(path).catch(() => undefined);
        } else if (this.profile.reportsUploadFailures) {
          item.status = 'failed';
          item.error = error;
          this.failedUploads.push(item);
        }
        // iOS: a failed item simply disappears (never reported).
      }
    } finally {
      this.uploading = false;
    }
  }
}

function write(s: Socket, buf: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.destroyed || !s.writable) return reject(new Error('socket closed'));
    if (buf.length === 0) return resolve();
    s.write(buf, (err) => (err ? reject(err) : resolve()));
  });
}

/** Pipe bytes [start, end) of a file into the socket with backpressure; resolves once handed to the kernel. */
function streamRange(s: Socket, path: string, start: number, end: number): Promise<void> {
  if (end <= start) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const rs = createReadStream(path, { start, end: end - 1, highWaterMark: 256 * 1024 });
    const cleanup = () => {
      s.off('close', onClose);
      rs.off('error', onError);
    };
    const onClose = () => {
      cleanup();
      rs.destroy();
      reject(new Error('connection closed during transfer'));
    };
    const onError = (e: Error) => {
      cleanup();
      rs.unpipe(s);
      reject(e);
    };
    s.on('close', onClose);
    rs.on('error', onError);
    rs.on('end', () => {
      cleanup();
      // A write callback runs after every earlier write has been flushed to the kernel.
      if (s.destroyed) return reject(new Error('socket closed'));
      s.write(Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
    });
    rs.pipe(s, { end: false });
  });
}

export async function startSimDevice(opts: SimDeviceOptions): Promise<SimDevice> {
  const d = new Device(opts);
  await d.start();
  return d;
}

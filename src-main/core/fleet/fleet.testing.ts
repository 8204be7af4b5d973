/**
 * Test doubles for the fleet's collaborators (virtual time, a scripted discovery, scripted
 * devices behind a fake `send`). Used by unit tests only; nothing here opens a socket.
 */
import { parseReply, ProtocolError, type Command } from '../../../src-shared/protocol';
import type { DeviceAddress, SendOptions, TimedReply } from '../device-client/types';
import { Emitter } from '../../../src-shared/event';
import type { Discovery, DiscoveryGone, DiscoveryStatus, Sighting } from '../discovery/types';

/** Virtual time: timers run only when a test advances the clock. */
export class FakeTime {
  t = 1_760_000_000_000;
  private seq = 0;
  private timers: Array<{ at: number; seq: number; fn: () => void; cancelled: boolean }> = [];

  now = (): number => this.t;

  setTimer = (fn: () => void, ms: number): (() => void) => {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  };

  /** Live timers. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Run every timer due within `ms`, in order, letting promises settle between them. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    await settle();
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: (typeof this.timers)[number] | undefined;
      for (const t of this.timers) if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (!next) break;
      next.cancelled = true;
      this.t = Math.max(this.t, next.at);
      next.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Let pending promise chains run (one macrotask turn). */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

export class FakeDiscovery implements Discovery {
  private readonly sightings = new Map<string, Sighting>();
  private readonly _onDidSeeDevice = new Emitter<Sighting>('fake discovery: sighting');
  private readonly _onDidLoseDevice = new Emitter<DiscoveryGone>('fake discovery: gone');
  private readonly _onDidChangeStatus = new Emitter<DiscoveryStatus>('fake discovery: status');
  readonly onDidSeeDevice = this._onDidSeeDevice.event;
  readonly onDidLoseDevice = this._onDidLoseDevice.event;
  readonly onDidChangeStatus = this._onDidChangeStatus.event;
  start(): void {}
  refresh(): void {}
  async stop(): Promise<void> {}
  status(): DiscoveryStatus {
    return { state: 'running', reason: null, interfaces: ['127.0.0.1'] };
  }
  current(): Sighting[] {
    return [...this.sightings.values()];
  }
  listenerCount(): number {
    return this._onDidSeeDevice.listenerCount + this._onDidLoseDevice.listenerCount;
  }
  see(instance: string, addresses: string[], port: number, now = 0): Sighting {
    const s: Sighting = { instance, addresses, port, txt: {}, via: null, seenAt: now, ttlMs: 120_000 };
    this.sightings.set(instance, s);
    this._onDidSeeDevice.fire(s);
    return s;
  }
  gone(instance: string, reason: 'goodbye' | 'expired' = 'goodbye'): void {
    this.sightings.delete(instance);
    this._onDidLoseDevice.fire({ instance, reason });
  }
}

/** How a scripted device answers one command. */
export type Behaviour =
  | { kind: 'reply'; raw: Record<string, unknown>; delayMs?: number }
  | { kind: 'refuse' }
  /** Never answers; rejects when aborted (like the real client). */
  | { kind: 'hang' }
  /** Never answers and ignores the abort signal (a buggy collaborator). */
  | { kind: 'hang-deaf' }
  | { kind: 'invalid' };

export interface FakeCall {
  key: string;
  command: string;
  at: number;
  options: SendOptions | undefined;
}

/** Devices behind a fake `send`, keyed by `host:port`. Replies stamp the device clock from virtual time. */
export class FakeDevices {
  readonly calls: FakeCall[] = [];
  readonly behaviour = new Map<string, Behaviour>();
  readonly offsetMs = new Map<string, number>();
  inFlight = new Map<string, number>();
  maxConcurrentPerDevice = 0;

  constructor(private readonly time: FakeTime) {}

  set(key: string, b: Behaviour): void {
    this.behaviour.set(key, b);
  }

  /** Shorthand for a healthy status reply. */
  ok(key: string, raw: Record<string, unknown> = {}, offsetMs = 0, delayMs = 0): void {
    this.offsetMs.set(key, offsetMs);
    this.set(key, {
      kind: 'reply',
      raw: { deviceId: `dev-${key}`, status: 'ready', batteryLevel: 80, uploadQueue: [], failedUploadQueue: [], ...raw },
      delayMs,
    });
  }

  callsTo(key: string): FakeCall[] {
    return this.calls.filter((c) => c.key === key);
  }

  send = (address: DeviceAddress, command: Command, options?: SendOptions): Promise<TimedReply> => {
    const key = `${address.host}:${address.port}`;
    this.calls.push({ key, command: command.command, at: this.time.t, options });
    const n = (this.inFlight.get(key) ?? 0) + 1;
    this.inFlight.set(key, n);
    this.maxConcurrentPerDevice = Math.max(this.maxConcurrentPerDevice, n);
    const done = () => this.inFlight.set(key, (this.inFlight.get(key) ?? 1) - 1);
    const b = this.behaviour.get(key) ?? { kind: 'refuse' };
    const sentAt = this.time.t;
    const p = new Promise<TimedReply>((resolve, reject) => {
      const onAbort = () => reject(new ProtocolError('aborted', `${command.command} to ${key}: aborted`));
      switch (b.kind) {
        case 'refuse':
          return reject(new ProtocolError('connection_refused', `${command.command} to ${key}: connection refused`, { retryable: true }));
        case 'invalid':
          return reject(new ProtocolError('invalid_reply', `${command.command} to ${key}: device reply is not valid`));
        case 'hang':
          return options?.signal?.addEventListener('abort', onAbort, { once: true });
        case 'hang-deaf':
          return;
        case 'reply': {
          const answer = () => {
            const receivedAt = this.time.t + 2; // a 2 ms round trip beyond virtual time
            const mid = (sentAt + receivedAt) / 2;
            const raw = { timestamp: (mid + (this.offsetMs.get(key) ?? 0)) / 1000, ...b.raw };
            resolve({ reply: parseReply(raw), sentAt, receivedAt, attempts: 1 });
          };
          if (b.delayMs) {
            const cancel = this.time.setTimer(answer, b.delayMs);
            options?.signal?.addEventListener(
              'abort',
              () => {
                cancel();
                onAbort();
              },
              { once: true },
            );
          } else answer();
        }
      }
    });
    return p.finally(done);
  };
}

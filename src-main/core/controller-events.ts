/**
 * The controller's event stream: every event gets the next `seq`; a snapshot reports the last
 * seq it reflects, so a transport can subscribe, snapshot, then apply only newer events.
 */
import type { ControllerEvent } from '../../src-shared/api';
import { Emitter } from '../../src-shared/event';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type ControllerEventInput = DistributiveOmit<ControllerEvent, 'seq'>;

export class ControllerEvents {
  private seq = 0;
  private readonly _onDidEmit = new Emitter<ControllerEvent>('controller: events');
  readonly onDidEmit = this._onDidEmit.event;

  get lastSeq(): number {
    return this.seq;
  }

  /** The contract's push channel (ControllerApi.subscribe): returns the unsubscribe function. */
  subscribe(listener: (event: ControllerEvent) => void): () => void {
    const subscription = this.onDidEmit(listener);
    return () => subscription.dispose();
  }

  /** A listener that throws is reported through the one hook; the others and the caller carry on. */
  emit(e: ControllerEventInput): void {
    this._onDidEmit.fire({ ...e, seq: ++this.seq } as ControllerEvent);
  }

  /** Shutdown: drop every listener. */
  clear(): void {
    this._onDidEmit.dispose();
  }
}

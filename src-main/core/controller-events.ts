/**
 * The controller's event stream: every event gets the next `seq`; a snapshot reports the last
 * seq it reflects, so a transport can subscribe, snapshot, then apply only newer events.
 */
import type { ControllerEvent } from '../../src-shared/api';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type ControllerEventInput = DistributiveOmit<ControllerEvent, 'seq'>;

export class ControllerEvents {
  private seq = 0;
  private readonly listeners = new Set<(e: ControllerEvent) => void>();

  constructor(private readonly log: (line: string) => void) {}

  get lastSeq(): number {
    return this.seq;
  }

  subscribe(listener: (event: ControllerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A listener that throws is logged and skipped: the others and the caller carry on. */
  emit(e: ControllerEventInput): void {
    const event = { ...e, seq: ++this.seq } as ControllerEvent;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (error) {
        this.log(`event listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

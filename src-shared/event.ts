/**
 * One event type for every service (modelled on VS Code's `Emitter`): a service keeps
 * `private readonly _onDidX = new Emitter<X>('service: x')` and exposes
 * `readonly onDidX = this._onDidX.event`; a subscriber calls `onDidX(listener)` and gets a
 * `Disposable` back.
 *
 * One policy for a listener that throws: it is reported through one hook (`setListenerErrorHandler`,
 * set once by whoever builds the services) and never stops the other listeners, the emitter or
 * the code that fired — services fire in the middle of their own bookkeeping (a take after START
 * went out, a download that just finished), where a listener's bug must stay its own.
 */
import { errorLine } from './error-line';

export interface Disposable {
  dispose(): void;
}

/** Subscribe a listener; dispose the result to unsubscribe (idempotent). */
export type Event<T> = (listener: (value: T) => void) => Disposable;

/** Who reports a throwing listener: the emitter's name and what it threw. */
export type ListenerErrorHandler = (error: unknown, emitter: string) => void;

const defaultHandler: ListenerErrorHandler = (error, emitter) => {
  // One line, never a stack dump: the console is someone's terminal.
  console.error(`${emitter}: a listener failed: ${errorLine(error)}`);
};
let handler: ListenerErrorHandler = defaultHandler;

/** Set the one hook for throwing listeners (null: back to one line on stderr). Returns the previous hook. */
export function setListenerErrorHandler(next: ListenerErrorHandler | null): ListenerErrorHandler {
  const prev = handler;
  handler = next ?? defaultHandler;
  return prev;
}

/** Report a throwing callback through the one hook (for a service that takes a single callback, not an Emitter). */
export function reportListenerError(error: unknown, emitter: string): void {
  try {
    handler(error, emitter);
  } catch {
    // The reporter itself failed: nothing sensible is left to tell.
  }
}

export function toDisposable(f: () => void): Disposable {
  let done = false;
  return {
    dispose() {
      if (done) return;
      done = true;
      f();
    },
  };
}

/** Subscriptions a service holds; `dispose()` ends all of them (and any added later). */
export class DisposableStore implements Disposable {
  private readonly items = new Set<Disposable>();
  private disposed = false;

  add<D extends Disposable>(d: D): D {
    if (this.disposed) d.dispose();
    else this.items.add(d);
    return d;
  }

  dispose(): void {
    this.disposed = true;
    const items = [...this.items];
    this.items.clear();
    for (const d of items) d.dispose();
  }
}

interface Entry<T> {
  listener: (value: T) => void;
}

export class Emitter<T> implements Disposable {
  // A Set keeps insertion order and makes removal O(1); one entry object per subscription, so
  // the same function subscribed twice is called twice and removed once per dispose.
  private readonly listeners = new Set<Entry<T>>();
  private disposed = false;
  /** The subscribe side, for the service to expose as `onDidX`. */
  readonly event: Event<T>;

  /** `name` says who fired when a listener fails ("fleet: deviceChanged"). */
  constructor(readonly name = 'event') {
    this.event = (listener) => {
      if (this.disposed) return toDisposable(() => undefined);
      const entry: Entry<T> = { listener };
      this.listeners.add(entry);
      return toDisposable(() => this.listeners.delete(entry));
    };
  }

  /**
   * Call every listener subscribed when `fire` began, in subscription order. A listener removed
   * meanwhile (by another listener) is not called; one added meanwhile waits for the next fire.
   */
  fire(value: T): void {
    if (this.disposed || this.listeners.size === 0) return;
    for (const entry of [...this.listeners]) {
      if (this.disposed) return;
      if (!this.listeners.has(entry)) continue;
      try {
        entry.listener(value);
      } catch (e) {
        reportListenerError(e, this.name);
      }
    }
  }

  get hasListeners(): boolean {
    return this.listeners.size > 0;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Drop every listener; later subscriptions and fires do nothing. */
  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }
}

/** Resolve with the next value that satisfies `accept` (unsubscribes itself). */
export function nextEvent<T>(event: Event<T>, accept: (value: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const sub = event((v) => {
      if (!accept(v)) return;
      sub.dispose();
      resolve(v);
    });
  });
}

/**
 * The disk side of a download: received chunks are coalesced into large positional writes on a
 * file handle (one `writev` of ≥ `minWriteBytes` in flight while the next batch fills, so the
 * socket keeps being read while the thread pool writes), and completed ranges are flushed to the
 * device with `fdatasync` in the background every `syncEveryBytes`, so the final fsync only has
 * the tail left instead of the whole file. Memory stays flat: `write()` returns false once
 * `maxBufferedBytes` wait (in flight + pending), and `drained()` says when to read again.
 *
 * Node's write streams do one 64 KiB write per socket chunk and leave every byte dirty until the
 * final fsync; that halved download throughput against a plain copy. In `copy` mode (what
 * download() uses) chunks are copied into a few reused buffers, so the socket can read into one
 * buffer too: no allocation per chunk and no garbage for the collector, half the CPU per GiB.
 */
import type { FileHandle } from 'node:fs/promises';

export interface FileWriterOptions {
  /** Smallest write issued, except the last one (default 1 MiB). */
  minWriteBytes?: number;
  /** `write()` asks the caller to wait beyond this many buffered bytes (default 8 MiB). */
  maxBufferedBytes?: number;
  /** Start a background fdatasync once this many written bytes are unsynced (default 32 MiB). */
  syncEveryBytes?: number;
  /** Called after each completed write (bytes now in the file). */
  onWritten?: (bytesWritten: number) => void;
  /**
   * Copy each chunk into reused buffers of `minWriteBytes` instead of keeping it by reference,
   * so the caller may reuse its buffer (a socket reading into one buffer: no allocation per
   * read, no garbage to collect). Default false.
   */
  copy?: boolean;
  /**
   * Copy mode: after each write, the buffers just written are handed over (views of exactly the
   * bytes, in file order; each view's memory is the writer's alone, so it can be moved to another
   * thread: SHA-256 off the event loop). The promise gives the buffers back (new objects over the
   * same memory) for reuse. Buffers away count as buffered.
   */
  observe?: (written: Buffer[]) => Promise<Buffer[]>;
}

const MiB = 1024 * 1024;

export class ChunkFileWriter {
  private readonly minWriteBytes: number;
  private readonly maxBufferedBytes: number;
  private readonly syncEveryBytes: number;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Copy mode: the buffer being filled, how far, full buffers owned by pending/in-flight writes, spares. */
  private stage: Buffer | null = null;
  private staged = 0;
  private owned: Buffer[] = [];
  private spare: Buffer[] = [];
  /** Copy mode: bytes in buffers that are not spare (pending, being written, or with the observer). */
  private heldBytes = 0;
  private inFlightBytes = 0;
  private written = 0;
  private syncedUpTo = 0;
  private writing: Promise<void> | null = null;
  private syncing: Promise<void> | null = null;
  private flushing = false;
  private closed = false;
  private drainWaiters: Array<() => void> = [];
  private _error: unknown = null;
  /** Writes and syncs issued, for tests and the bench. */
  readonly stats = { writes: 0, syncs: 0, largestWrite: 0, smallestWrite: Infinity };

  constructor(
    private readonly fh: FileHandle,
    private readonly options: FileWriterOptions = {},
  ) {
    this.minWriteBytes = options.minWriteBytes ?? MiB;
    this.maxBufferedBytes = Math.max(options.maxBufferedBytes ?? 8 * MiB, this.minWriteBytes * 2);
    this.syncEveryBytes = options.syncEveryBytes ?? 32 * MiB;
  }

  /** The first write or sync failure (the file's contents are then unknown past `bytesWritten`). */
  get error(): unknown {
    return this._error;
  }

  /** Bytes known to be in the file (written, not necessarily synced). */
  get bytesWritten(): number {
    return this.written;
  }

  /** Bytes accepted by `write()` so far. */
  get bytesQueued(): number {
    return this.written + this.inFlightBytes + this.pendingBytes + this.staged;
  }

  /**
   * Queue a chunk (kept by reference until written: the caller must not reuse it). Returns false
   * when the caller should stop reading until `drained()`. After a failure chunks are dropped.
   */
  write(chunk: Uint8Array): boolean {
    if (this.closed) throw new Error('write after close');
    if (this._error !== null) return false;
    if (this.options.copy) this.copyIn(chunk);
    else if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    if (this.pendingBytes >= this.minWriteBytes) this.kick();
    return this.buffered() < this.maxBufferedBytes;
  }

  private buffered(): number {
    return this.options.copy ? this.heldBytes + this.staged : this.pendingBytes + this.inFlightBytes;
  }

  /** Copy mode: fill the stage buffer; a full one joins the pending writes. */
  private copyIn(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length) {
      // Never from Node's shared pool: the memory is this buffer's alone (an observer may move it).
      this.stage ??= this.spare.pop() ?? Buffer.allocUnsafeSlow(this.minWriteBytes);
      const n = Math.min(chunk.length - off, this.stage.length - this.staged);
      this.stage.set(chunk.subarray(off, off + n), this.staged);
      this.staged += n;
      off += n;
      if (this.staged === this.stage.length) this.pushStage();
    }
  }

  private pushStage(): void {
    const stage = this.stage;
    const bytes = this.staged;
    if (!stage || bytes === 0) return;
    const view = bytes === stage.length ? stage : stage.subarray(0, bytes);
    this.pending.push(view);
    this.pendingBytes += bytes;
    this.owned.push(stage);
    this.stage = null;
    this.staged = 0;
    this.heldBytes += bytes;
  }

  /** Copy mode: written buffers go to the observer, if any, then back to the spares. */
  private reuse(written: Buffer[], owned: Buffer[], bytes: number): void {
    const back = (bufs: Buffer[]) => {
      this.heldBytes = Math.max(0, this.heldBytes - bytes); // a write failure already zeroed it
      this.spare.push(...bufs);
      this.wakeDrain();
    };
    if (this.options.observe) {
      // Lost buffers (an observer that failed) are simply allocated again.
      this.options.observe(written).then(back, () => back([]));
    } else back(owned);
  }

  /** Resolves once buffered bytes fall to half the limit (or a failure: check `error`). */
  drained(): Promise<void> {
    if (this.belowLowWater()) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /**
   * Write everything queued, whatever its size, and wait for it (and any background sync).
   * Never throws: a failure is in `error`. Used before keeping received bytes as `.partial`.
   */
  async flush(): Promise<void> {
    this.flushing = true;
    this.pushStage();
    this.kick();
    while (this.writing) {
      await this.writing;
      this.kick();
    }
    while (this.syncing) await this.syncing;
  }

  /** Write everything, then fsync the whole file; throws the first failure. */
  async finish(): Promise<void> {
    await this.flush();
    if (this._error !== null) throw this._error;
    this.stats.syncs++;
    await this.fh.sync();
    this.syncedUpTo = this.written;
  }

  /** Flush what can be flushed (best effort) and close the handle; never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    this.wakeDrain();
    await this.fh.close().catch((e: unknown) => {
      this._error ??= e;
    });
  }

  private kick(): void {
    if (this.writing || this._error !== null || this.pendingBytes === 0) return;
    if (!this.flushing && this.pendingBytes < this.minWriteBytes) return;
    const bufs = this.pending;
    const n = this.pendingBytes;
    const position = this.written;
    const owned = this.owned;
    this.pending = [];
    this.pendingBytes = 0;
    this.owned = [];
    this.inFlightBytes = n;
    this.stats.writes++;
    this.stats.largestWrite = Math.max(this.stats.largestWrite, n);
    this.stats.smallestWrite = Math.min(this.stats.smallestWrite, n);
    this.writing = writeAll(this.fh, bufs, n, position).then(
      () => {
        this.inFlightBytes = 0;
        this.written += n;
        this.writing = null;
        if (this.options.copy) this.reuse(bufs as Buffer[], owned, n);
        this.maybeSync();
        try {
          this.options.onWritten?.(this.written);
        } catch {
          // an observer's problem, not the file's
        }
        this.kick();
        this.wakeDrain();
      },
      (e: unknown) => {
        this._error ??= e;
        this.inFlightBytes = 0;
        this.pending = [];
        this.pendingBytes = 0;
        this.owned = [];
        this.heldBytes = 0;
        this.stage = null;
        this.staged = 0;
        this.writing = null;
        this.wakeDrain();
      },
    );
  }

  private maybeSync(): void {
    if (this.syncing || this._error !== null || this.written - this.syncedUpTo < this.syncEveryBytes) return;
    const upTo = this.written;
    this.stats.syncs++;
    this.syncing = this.fh.datasync().then(
      () => {
        this.syncedUpTo = Math.max(this.syncedUpTo, upTo);
        this.syncing = null;
        this.maybeSync();
      },
      (e: unknown) => {
        // A failed flush means written bytes may not be on the disk: the file cannot be trusted.
        this._error ??= e;
        this.syncing = null;
        this.wakeDrain();
      },
    );
  }

  private belowLowWater(): boolean {
    return this._error !== null || this.closed || this.buffered() <= this.maxBufferedBytes / 2;
  }

  private wakeDrain(): void {
    if (!this.belowLowWater()) return;
    for (const w of this.drainWaiters.splice(0)) w();
  }
}

/** `writev` until every byte is in (a regular file may still take fewer bytes than asked). */
async function writeAll(fh: FileHandle, bufs: Uint8Array[], n: number, position: number): Promise<void> {
  let done = 0;
  while (done < n) {
    const { bytesWritten } = await fh.writev(bufs, position + done);
    if (bytesWritten <= 0) throw Object.assign(new Error('the file system accepted no bytes'), { code: 'EIO', syscall: 'write' });
    done += bytesWritten;
    if (done < n) bufs = dropBytes(bufs, bytesWritten);
  }
}

function dropBytes(bufs: Uint8Array[], count: number): Uint8Array[] {
  let i = 0;
  while (count > 0 && count >= bufs[i]!.length) count -= bufs[i++]!.length;
  const rest = bufs.slice(i);
  if (count > 0) rest[0] = rest[0]!.subarray(count);
  return rest;
}

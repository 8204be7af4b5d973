/**
 * Live progress of a take on stderr. Event lines ("android: START accepted") always; on a TTY a
 * status block under them (countdown / recording clock / one download bar per device) is redrawn
 * in place. Not a TTY: plain lines only, one per change, so logs stay readable.
 */
import type { DownloadView, TakeDeviceView, TakeView } from '../../src-shared/api';
import { plainError } from '../../src-shared/plain';
import { formatBytes, printable, progressBar } from './common';

const CLEAR_LINE = '\x1b[2K\r';
const UP = (n: number) => (n > 0 ? `\x1b[${n}A` : '');

export class TakeProgress {
  private readonly last = new Map<string, string>();
  private readonly downloads = new Map<string, DownloadView>();
  private blockLines = 0;
  private take: TakeView | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private lastDraw = 0;
  private announcedCountdown = false;
  private stopAfter: number | null = null;

  constructor(
    private readonly out: NodeJS.WritableStream,
    private readonly tty: boolean,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Seconds of recording after the target, when the CLI stops on its own. */
  setDuration(seconds: number | null): void {
    this.stopAfter = seconds;
  }

  start(): void {
    if (this.tty && !this.timer) {
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref?.();
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.erase();
  }

  line(text: string): void {
    this.erase();
    // Device names and errors come from devices: never let them write control sequences.
    this.out.write(`${printable(text)}\n`);
    this.draw(true);
  }

  onTake(t: TakeView): void {
    const prevPhase = this.take?.phase;
    this.take = t;
    if (t.phase !== prevPhase) this.phaseLine(t);
    for (const d of t.devices) {
      const text = this.deviceLine(d);
      if (text && this.last.get(d.deviceKey) !== text) {
        this.last.set(d.deviceKey, text);
        this.line(`${d.name}: ${text}`);
      }
    }
  }

  onDownload(v: DownloadView): void {
    const prev = this.downloads.get(v.id);
    this.downloads.set(v.id, v);
    if (prev?.state !== v.state) {
      if (v.state === 'active' && !this.tty) this.line(`${v.deviceName}: downloading ${v.fileName} → ${v.path}`);
      if (v.state === 'done') this.line(`${v.deviceName}: downloaded ${v.path} (${formatBytes(v.bytes)}, sha256 ${v.sha256?.slice(0, 16)}…)`);
      if (v.state === 'failed') this.line(`${v.deviceName}: download failed: ${v.error}`);
      if (v.state === 'cancelled') this.line(`${v.deviceName}: download cancelled${v.partial ? ' (received bytes kept as .partial)' : ''}`);
    } else if (this.tty && this.now() - this.lastDraw > 200) this.draw(true);
  }

  private phaseLine(t: TakeView): void {
    if (t.phase === 'scheduled' && !this.announcedCountdown) {
      this.announcedCountdown = true;
      const inSec = Math.max(0, t.targetStart - this.now() / 1000);
      this.line(`take '${t.name}': recording starts at ${new Date(t.targetStart * 1000).toISOString()} (in ${inSec.toFixed(1)} s)`);
    } else if (t.phase === 'recording') {
      this.line(this.stopAfter !== null ? `recording; stopping after ${this.stopAfter} s` : 'recording; press Enter or Ctrl-C to stop');
    } else if (t.phase === 'stopping') this.line('stopping…');
    else if (t.phase === 'downloading') this.line('downloading…');
  }

  private deviceLine(d: TakeDeviceView): string | null {
    const parts: string[] = [];
    // Plain words (plain.ts): the technical lines are in take.json and the final summary.
    const plain = (raw: string | null) => plainError(raw)?.text ?? '';
    if (d.start === 'skipped') parts.push(`skipped (${plain(d.startError)})`);
    else if (d.start === 'failed') parts.push(`START failed: ${plain(d.startError)}`);
    else if (d.start === 'accepted') parts.push('START accepted');
    else return null;
    if (d.confirmedRecording === true) parts.push('rolling');
    if (d.confirmedRecording === false) parts.push('NOT confirmed recording');
    if (d.stop === 'stopped') parts.push(`stopped: ${d.fileName ?? '(no file name)'}${d.fileSize ? ` (${formatBytes(d.fileSize)})` : ''}`);
    if (d.stop === 'failed') parts.push(`STOP failed: ${plain(d.stopError)}`);
    if (d.stop === 'unreachable') parts.push(`STOP not delivered: ${plain(d.stopError)}${d.mayStillBeRecording ? ' — MAY STILL BE RECORDING' : ''}`);
    if (d.stop === 'not_sent' && d.stopError) parts.push(plain(d.stopError));
    const warnings = d.warnings.length ? ` [${d.warnings.map(plain).join('; ')}]` : '';
    return parts.join(', ') + warnings;
  }

  private block(): string[] {
    const t = this.take;
    if (!t) return [];
    const nowSec = this.now() / 1000;
    if (t.phase === 'scheduled' && nowSec < t.targetStart) return [`starting in ${(t.targetStart - nowSec).toFixed(1)} s`];
    if (t.phase === 'scheduled' || t.phase === 'recording') {
      const rolling = t.devices.filter((d) => d.confirmedRecording === true).length;
      const el = Math.max(0, nowSec - t.targetStart);
      const clock = `${String(Math.floor(el / 60)).padStart(2, '0')}:${String(Math.floor(el % 60)).padStart(2, '0')}`;
      return [`● REC ${clock}  ${rolling}/${t.devices.filter((d) => d.start === 'accepted').length} devices rolling`];
    }
    return [...this.downloads.values()]
      .filter((v) => v.state === 'active' || v.state === 'queued')
      .map((v) => `${v.deviceName.slice(0, 24).padEnd(24)} ${v.state === 'queued' ? 'queued' : progressBar(v.bytes, v.total, v.rateBps, v.etaSeconds)}`);
  }

  private erase(): void {
    if (!this.tty || this.blockLines === 0) return;
    this.out.write(`${UP(this.blockLines)}${`${CLEAR_LINE}\n`.repeat(this.blockLines)}${UP(this.blockLines)}`);
    this.blockLines = 0;
  }

  private draw(force = false): void {
    if (!this.tty) return;
    if (!force && this.blockLines === 0 && this.block().length === 0) return;
    this.erase();
    const lines = this.block();
    for (const l of lines) this.out.write(`${CLEAR_LINE}${printable(l)}\n`);
    this.blockLines = lines.length;
    this.lastDraw = this.now();
  }
}

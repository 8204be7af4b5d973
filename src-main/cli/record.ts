/** `multicam record`: one whole take — pre-flight, START, record, STOP, download, verify. */
import { errorLine } from '../../src-shared/error-line';
import { resolve } from 'node:path';
import { download, prepareConnection, send } from '../core/device-client/index';
import { DownloadQueue } from '../core/downloads/queue';
import { Recorder } from '../core/recorder/recorder';
import type { RecorderDevice } from '../core/recorder/types';
import { readManifest, toTakeView, type TakeManifest } from '../core/takes/manifest';
import { plainError } from '../../src-shared/plain';
import { takeDeviceState, takeStateWord } from '../../src-shared/states';
import { redactSecrets } from '../../src-shared/redact';
import type { StorageSettings } from '../../src-shared/api';
import { EXIT_OK, EXIT_PARTIAL, UsageError, isTty, parse, parseDeviceArg, parseSeconds, printable, runCommand } from './common';
import type { CliIo } from './common';
import { RECORD_USAGE } from './usage';
import { TakeProgress } from './take-progress';
import { STORAGE_OPTIONS, UploadProgress, storageFromOptions } from './storage-options';

/** 0 only when every device recorded, stopped with a file, and (when downloading) its file verified. */
export function takeExitCode(m: TakeManifest, downloaded: boolean): number {
  const allOk =
    m.devices.length > 0 &&
    m.devices.every((d) => d.start.status === 'accepted' && d.stop.status === 'stopped' && !!d.stop.fileName && (!downloaded || d.download.ok === true));
  return allOk ? EXIT_OK : EXIT_PARTIAL;
}

export async function recordCommand(argv: string[], io: CliIo): Promise<number> {
  return runCommand('record', RECORD_USAGE, io, async () => {
    const { values } = parse(argv, {
      device: { type: 'string', multiple: true },
      discover: { type: 'boolean' },
      'discover-seconds': { type: 'string' },
      interface: { type: 'string', multiple: true },
      delay: { type: 'string' },
      duration: { type: 'string' },
      out: { type: 'string' },
      name: { type: 'string' },
      'no-download': { type: 'boolean' },
      'stop-timeout': { type: 'string' },
      json: { type: 'boolean' },
      upload: { type: 'boolean' },
      ...STORAGE_OPTIONS,
    });
    if (values.help) {
      io.stdout.write(RECORD_USAGE);
      return EXIT_OK;
    }
    const manual = (values.device ?? []).map(parseDeviceArg);
    if (manual.length === 0 && !values.discover) throw new UsageError('give --device host:port (repeatable) or --discover');
    const delay = parseSeconds('--delay', values.delay, 0, 60) ?? 3;
    const duration = parseSeconds('--duration', values.duration, 0, 24 * 3600) ?? null;
    const discoverSeconds = parseSeconds('--discover-seconds', values['discover-seconds'], 0.5, 120) ?? 3;
    const stopTimeout = parseSeconds('--stop-timeout', values['stop-timeout'], 1, 3600) ?? 90;
    if (values.name !== undefined && values.name.length > 120) throw new UsageError('--name is limited to 120 characters');
    const outDir = resolve(values.out ?? 'recordings');
    const doDownload = !values['no-download'];
    // Validate the storage flags before anything records.
    const storage = values.upload ? storageFromOptions(values) : null;
    const tty = isTty(io.stderr);

    const devices: RecorderDevice[] = manual.map((d) => ({ deviceKey: d.key, name: '', host: d.host, port: d.port }));
    if (values.discover) {
      io.stderr.write(`discovering devices for ${discoverSeconds} s…\n`);
      const { discoverDevices } = await import('./discover'); // mDNS only when asked for
      for (const s of await discoverDevices({ seconds: discoverSeconds, interfaces: values.interface ?? [] })) {
        if (!devices.some((d) => d.deviceKey === s.deviceKey || (d.host === s.host && d.port === s.port))) devices.push(s);
      }
      if (devices.length === 0) {
        io.stderr.write('multicam record: no devices found\n');
        return EXIT_PARTIAL;
      }
    }

    const queue = doDownload ? new DownloadQueue({ download }) : null;
    const recorder = new Recorder({
      recordingsDir: outDir,
      send,
      preconnect: (a) => prepareConnection(a),
      downloads: queue,
      autoDownload: doDownload,
      timeouts: { stopMs: stopTimeout * 1000 },
      onWriteError: (folder, e) => progress.line(`warning: could not write ${folder}/take.json: ${errorLine(e)}`),
    });
    const progress = new TakeProgress(io.stderr, tty);
    progress.setDuration(duration);
    recorder.onDidChangeTake((t) => progress.onTake(t));
    queue?.onDidChangeDownload(({ view }) => progress.onDownload(view));
    progress.start();

    // Enter / Ctrl-C: the first stops the take; a second one (while downloading) cancels downloads.
    let requestStop: () => void = () => undefined;
    const stopRequested = new Promise<void>((res) => (requestStop = res));
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts === 1) {
        progress.line('stop requested');
        requestStop();
      } else if (queue) {
        progress.line('cancelling downloads');
        for (const v of queue.list()) if (v.state === 'queued' || v.state === 'active') queue.cancel(v.id);
      }
    };
    const onStdin = (chunk: Buffer | string) => {
      if (String(chunk).includes('\n')) requestStop();
    };
    process.on('SIGINT', onSigint);
    // A service manager's SIGTERM ends the take like Ctrl-C (STOP, downloads, final take.json),
    // never by dropping the process with devices still recording and `.part` files behind.
    process.on('SIGTERM', onSigint);
    if (duration === null) io.stdin.on('data', onStdin);
    let timer: ReturnType<typeof setTimeout> | null = null;

    try {
      const take = await recorder.startTake({ devices, delaySeconds: delay, ...(values.name !== undefined ? { name: values.name } : {}) });
      progress.line(`take folder: ${take.folder}`);
      if (take.phase !== 'failed') {
        if (duration !== null) {
          const ms = take.targetStart * 1000 + duration * 1000 - Date.now();
          timer = setTimeout(requestStop, Math.max(0, ms));
        } else {
          // Waiting only for Enter or a signal: with stdin closed (a service, `< /dev/null`) nothing
          // else keeps the process alive, and Node would end it mid-take with devices recording.
          timer = setInterval(() => undefined, 60_000);
        }
        await stopRequested;
        await recorder.stopTake(take.takeId);
      } else {
        // Nothing accepted START; a device whose START got no reply may still have started: the
        // recorder checks and stops it (and rejects when there is nothing to stop).
        await recorder.stopTake(take.takeId).catch(() => undefined);
      }
      const final = await recorder.settled(take.takeId);
      await recorder.flush();
      let m = recorder.manifest(final.takeId);
      progress.close();
      let code = takeExitCode(m, doDownload);
      summary(io, m, doDownload, final.folder);
      if (storage) {
        const ok = await uploadTakeFiles(io, final.folder, storage);
        if (!ok) code = EXIT_PARTIAL;
        m = await readManifest(final.folder); // now with each device's `upload`
      }
      if (values.json) io.stdout.write(`${JSON.stringify(m, null, 2)}\n`);
      return code;
    } finally {
      if (timer) clearTimeout(timer); // also clears the keep-alive interval
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      io.stdin.off('data', onStdin);
      (io.stdin as NodeJS.ReadStream).pause?.();
      progress.close();
      recorder.dispose();
    }
  });
}

/** `--upload`: every device sends its file to the bucket; true when all are confirmed by HEAD. */
async function uploadTakeFiles(io: CliIo, folder: string, storage: StorageSettings): Promise<boolean> {
  const progress = new UploadProgress(io.stderr, isTty(io.stderr));
  try {
    // Loaded only now: the S3 client is the largest thing the CLI bundles.
    const { uploadAfterStop } = await import('../core/uploads/take');
    const result = await uploadAfterStop(folder, storage, { onUpload: (v) => progress.onUpload(v) });
    progress.close();
    const done = result.uploads.filter((u) => u.state === 'done').length;
    io.stderr.write(`${done} of ${result.uploads.length} uploads confirmed in s3://${storage.bucket}\n`);
    return result.ok;
  } catch (e) {
    progress.close();
    io.stderr.write(`multicam record: upload: ${printable(redactSecrets(errorLine(e)))}\n`);
    return false;
  }
}

function summary(io: CliIo, m: TakeManifest, downloaded: boolean, folder: string): void {
  const ok = m.devices.filter((d) => d.start.status === 'accepted' && d.stop.status === 'stopped' && (!downloaded || d.download.ok === true));
  // The same words as the app's take chip ("Done — 7 of 9 files"): one derivation for both.
  const view = toTakeView(m, folder);
  const word = takeStateWord(view).word;
  io.stderr.write(`\n${printable(word)} — ${folder}/take.json\n`);
  for (const d of m.devices) {
    if (ok.includes(d)) continue;
    if (d.start.skipReason === 'left_out') continue;
    // One plain line per device (the app's words); the technical line, when there is one, under it.
    const state = takeDeviceState(view, view.devices.find((v) => v.deviceKey === d.deviceKey)!);
    const stopProblem = state.state === 'may-still-be-recording' || state.state === 'stop-failed' || d.start.status === 'accepted';
    const inDownload = d.start.status === 'accepted' && d.stop.status === 'stopped';
    const why = plainError(inDownload ? d.download.error : stopProblem ? d.stop.error : d.start.error);
    const text = inDownload
      ? `download: ${why?.text ?? 'not downloaded'}${d.download.partial && !/partial kept/.test(why?.text ?? '') ? ' (partial kept)' : ''}`
      : `${state.word}${why ? ` — ${why.text}` : ''}`;
    io.stderr.write(`  ${printable(`${d.name}: ${text}`)}\n`);
    if (why?.detail) io.stderr.write(`    ${printable(`detail: ${why.detail}`)}\n`);
  }
}

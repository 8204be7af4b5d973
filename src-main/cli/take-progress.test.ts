import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { DownloadView, TakeView } from '../../src-shared/api';
import { TakeProgress } from './take-progress';

const evil = 'Cam\x1b]0;pwned\x07\x1b[2J';

function take(): TakeView {
  return {
    takeId: 't',
    name: `Take ${evil}`,
    folder: '/tmp/t',
    createdAt: new Date().toISOString(),
    targetStart: Date.now() / 1000 + 2,
    delaySeconds: 2,
    phase: 'recording',
    outcome: null,
    aborted: false,
    recovered: false,
    devices: [
      {
        deviceKey: 'k',
        name: evil,
        deviceType: 'x',
        start: 'failed',
        startError: `refused ${evil}`,
        confirmedRecording: false,
        stop: 'failed',
        stopError: evil,
        mayStillBeRecording: true,
        skipReason: null,
        fileName: null,
        fileSize: null,
        downloadId: null,
        downloadState: 'none',
        uploadId: null,
        warnings: [],
      },
    ],
  };
}

describe('TakeProgress', () => {
  it('never passes a device-supplied control sequence to the terminal', () => {
    for (const tty of [false, true]) {
      const out = new PassThrough();
      let text = '';
      out.on('data', (c) => (text += c));
      const p = new TakeProgress(out, tty);
      p.onTake(take());
      const dl: DownloadView = {
        id: 'd',
        takeId: 't',
        deviceKey: 'k',
        deviceName: evil,
        fileName: 'x',
        path: 'x',
        state: 'failed',
        bytes: 1,
        total: 2,
        rateBps: 0,
        etaSeconds: null,
        sha256: null,
        error: evil,
        partial: true,
      };
      p.onDownload(dl);
      p.close();
      expect(text).toContain('Cam?]0;pwned?'); // shown, defused
      expect(text).not.toContain('\x1b]0;');
      expect(text).not.toContain('\x07');
      expect(text).not.toContain('\x1b[2J');
    }
  });
});

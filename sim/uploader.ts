/**
 * The device side of UPLOAD_TO_CLOUD: an HTTP(S) PUT of one file to a presigned URL, streamed
 * from disk with Content-Length, reporting bytes as they leave. Rejects on non-2xx, network
 * error, abort, or no progress for `idleTimeoutMs`.
 */
import { createReadStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PutOptions {
  signal?: AbortSignal;
  onBytes?: (bytesSent: number) => void;
  idleTimeoutMs?: number;
}

export function putFile(url: string, path: string, size: number, opts: PutOptions = {}): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new Error(`invalid upload URL`));
      return;
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      reject(new Error(`unsupported upload URL scheme ${u.protocol}`));
      return;
    }
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) {
        file.destroy();
        req.destroy();
        reject(err);
      } else resolve();
    };
    const onAbort = () => finish(new Error('upload aborted'));
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(u, {
      method: 'PUT',
      headers: { 'Content-Length': String(size), 'Content-Type': 'video/mp4' },
    });
    const file = createReadStream(path);
    let sent = 0;
    file.on('data', (chunk) => {
      sent += chunk.length;
      opts.onBytes?.(sent);
    });
    file.on('error', (e) => finish(new Error(`cannot read ${path}: ${e.message}`)));
    req.setTimeout(opts.idleTimeoutMs ?? 60_000, () => finish(new Error('upload timed out')));
    req.on('error', (e) => finish(new Error(`upload failed: ${e.message}`)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (c: Buffer) => {
        if (kept < 2048) chunks.push(c), (kept += c.length);
      });
      res.on('error', (e) => finish(new Error(`upload failed: ${e.message}`)));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) finish();
        else {
          const body = Buffer.concat(chunks).toString('utf8').slice(0, 200).replace(/\s+/g, ' ').trim();
          finish(new Error(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}${body ? `: ${body}` : ''}`));
        }
      });
    });
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort);
    file.pipe(req);
  });
}

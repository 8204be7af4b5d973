import { describe, expect, it } from 'vitest';
import { MAX_HEADER_BYTES } from './constants';
import { concat } from './framer';
import { bytes, catchError, perByte } from './bytes.testing';
import { VideoFrameDecoder, encodeVideoFrameHead, type VideoFrameEvent } from './video-frame';

function body(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 37 + 11) & 0xff; // includes 0x7b, 0x00, whitespace bytes…
  return b;
}

const HEADER = { deviceId: 'Mountain-A1B2C3D4', fileName: 'video_1729000000.mp4', fileSize: 300, status: 'ready' };
const BODY = body(300);
const FRAME = concat([encodeVideoFrameHead(HEADER), BODY]);

/** A raw frame head with an arbitrary header text and declared length. */
function rawHead(headerText: string, declared?: number): Uint8Array {
  const json = bytes(headerText);
  const out = new Uint8Array(4 + json.length);
  new DataView(out.buffer).setUint32(0, declared ?? json.length, false);
  out.set(json, 4);
  return out;
}

interface Collected {
  events: VideoFrameEvent[];
  body: Uint8Array;
  completes: number;
  headers: number;
}

function run(dec: VideoFrameDecoder, chunks: Uint8Array[]): Collected {
  const events: VideoFrameEvent[] = [];
  for (const c of chunks) events.push(...dec.push(c));
  const data = events.flatMap((e) => (e.type === 'data' ? [e.chunk] : []));
  return {
    events,
    body: concat(data),
    completes: events.filter((e) => e.type === 'complete').length,
    headers: events.filter((e) => e.type === 'header').length,
  };
}

function split2(b: Uint8Array, cut: number): Uint8Array[] {
  return [b.subarray(0, cut), b.subarray(cut)];
}
function expectGoodFrame(dec: VideoFrameDecoder, c: Collected, label: string): void {
  expect(c.headers, label).toBe(1);
  const h = c.events.find((e) => e.type === 'header');
  expect(h && h.type === 'header' && h.header, label).toEqual(HEADER);
  expect(c.completes, label).toBe(1);
  expect(c.events[c.events.length - 1]?.type, label).toBe('complete');
  expect(c.events[0]?.type, label).toBe('header');
  expect(Array.from(c.body), label).toEqual(Array.from(BODY));
  for (const e of c.events) if (e.type === 'data') expect(e.chunk.length, label).toBeGreaterThan(0);
  expect(dec.isComplete).toBe(true);
  expect(dec.phase).toBe('done');
  expect(dec.bytesReceived).toBe(BODY.length);
  expect(dec.extraBytes).toBe(0);
  expect(dec.header).toEqual(HEADER);
  expect(() => dec.end()).not.toThrow();
}

describe('VideoFrameDecoder: a full frame', () => {
  it('in one chunk', () => {
    const dec = new VideoFrameDecoder();
    expectGoodFrame(dec, run(dec, [FRAME]), 'whole');
  });

  it('split into 2 chunks at every byte position', () => {
    for (let cut = 0; cut <= FRAME.length; cut++) {
      const dec = new VideoFrameDecoder();
      expectGoodFrame(dec, run(dec, split2(FRAME, cut)), `cut ${cut}`);
    }
  });

  it('split into 3 chunks around the length/header/body boundaries', () => {
    const headLen = FRAME.length - BODY.length;
    for (let a = 0; a <= headLen + 2; a++) {
      for (let b = a; b <= headLen + 3; b++) {
        const dec = new VideoFrameDecoder();
        const c = run(dec, [FRAME.subarray(0, a), FRAME.subarray(a, b), FRAME.subarray(b)]);
        expectGoodFrame(dec, c, `cuts ${a},${b}`);
      }
    }
  });

  it('one byte per chunk', () => {
    const dec = new VideoFrameDecoder();
    const c = run(dec, perByte(FRAME));
    expectGoodFrame(dec, c, 'per byte');
    expect(c.events.filter((e) => e.type === 'data')).toHaveLength(BODY.length);
  });

  it('body chunks are views of the input (no copies)', () => {
    const dec = new VideoFrameDecoder();
    const events = dec.push(FRAME);
    const data = events.find((e) => e.type === 'data');
    expect(data?.type).toBe('data');
    if (data?.type !== 'data') return;
    expect(data.chunk.buffer).toBe(FRAME.buffer);
    expect(data.chunk.byteOffset).toBe(FRAME.length - BODY.length);
  });

  it('progress: bytesReceived and phase move through the frame', () => {
    const dec = new VideoFrameDecoder();
    expect(dec.phase).toBe('start');
    expect(dec.header).toBeNull();
    dec.push(FRAME.subarray(0, 2));
    expect(dec.phase).toBe('length');
    dec.push(FRAME.subarray(2, 6));
    expect(dec.phase).toBe('header');
    const headLen = FRAME.length - BODY.length;
    dec.push(FRAME.subarray(6, headLen + 10));
    expect(dec.phase).toBe('body');
    expect(dec.bytesReceived).toBe(10);
    expect(dec.isComplete).toBe(false);
  });

  it('extra bytes after the body are counted, not emitted', () => {
    const extra = bytes('TRAILER-GARBAGE');
    const all = concat([FRAME, extra]);
    for (let cut = 0; cut <= all.length; cut += 7) {
      const dec = new VideoFrameDecoder();
      const c = run(dec, split2(all, cut));
      expect(Array.from(c.body)).toEqual(Array.from(BODY));
      expect(c.completes).toBe(1);
      expect(dec.extraBytes, `cut ${cut}`).toBe(extra.length);
    }
    const dec = new VideoFrameDecoder();
    const c = run(dec, [...perByte(all), bytes('more')]);
    expect(Array.from(c.body)).toEqual(Array.from(BODY));
    expect(dec.extraBytes).toBe(extra.length + 4);
    expect(dec.bytesReceived).toBe(BODY.length);
  });

  it('fileSize 0 → complete right after the header (and trailing bytes are extra)', () => {
    const head = encodeVideoFrameHead({ fileName: 'empty.mp4', fileSize: 0 });
    for (let cut = 0; cut <= head.length; cut++) {
      const dec = new VideoFrameDecoder();
      const c = run(dec, split2(head, cut));
      expect(c.events.map((e) => e.type)).toEqual(['header', 'complete']);
      expect(dec.isComplete).toBe(true);
      expect(() => dec.end()).not.toThrow();
    }
    const dec = new VideoFrameDecoder();
    const c = run(dec, [concat([head, bytes('xyz')])]);
    expect(c.events.map((e) => e.type)).toEqual(['header', 'complete']);
    expect(dec.extraBytes).toBe(3);
  });

  it('a body whose bytes look like JSON or whitespace is still body', () => {
    const b = bytes('  {"status":"error"}  ');
    const frame = concat([encodeVideoFrameHead({ fileSize: b.length }), b]);
    const dec = new VideoFrameDecoder();
    const c = run(dec, perByte(frame));
    expect(new TextDecoder().decode(c.body)).toBe('  {"status":"error"}  ');
    expect(c.events.some((e) => e.type === 'error-reply')).toBe(false);
  });

  it('the header length may be exactly MAX_HEADER_BYTES', () => {
    const base = JSON.stringify({ fileSize: 1, pad: '' });
    const text = JSON.stringify({ fileSize: 1, pad: 'p'.repeat(MAX_HEADER_BYTES - base.length) });
    expect(bytes(text).length).toBe(MAX_HEADER_BYTES);
    const dec = new VideoFrameDecoder();
    const c = run(dec, [rawHead(text), Uint8Array.of(42)]);
    expect(c.completes).toBe(1);
    expect(Array.from(c.body)).toEqual([42]);
  });

  it('a unicode file name in the header survives any split', () => {
    const header = { fileName: 'clip 漢 😀 é.mov', fileSize: 2 };
    const frame = concat([encodeVideoFrameHead(header), Uint8Array.of(1, 2)]);
    for (let cut = 0; cut <= frame.length; cut++) {
      const dec = new VideoFrameDecoder();
      const c = run(dec, split2(frame, cut));
      expect(dec.header?.fileName).toBe('clip 漢 😀 é.mov');
      expect(c.completes).toBe(1);
    }
  });
});

describe('VideoFrameDecoder: error reply instead of a frame', () => {
  const ERR = { deviceId: 'd1', status: 'file_not_found', timestamp: 1729000000.123, message: 'File video_1.mp4 not found' };
  const ERR_BYTES = bytes(JSON.stringify(ERR));

  function expectErrorReply(dec: VideoFrameDecoder, c: Collected, label: string): void {
    expect(
      c.events.map((e) => e.type),
      label,
    ).toEqual(['error-reply']);
    const e = c.events[0];
    if (e?.type !== 'error-reply') return;
    expect(e.reply.status).toBe('file_not_found');
    expect(e.reply.message).toBe('File video_1.mp4 not found');
    expect(e.reply.deviceId).toBe('d1');
    expect(dec.isComplete).toBe(true);
    expect(dec.header).toBeNull();
    expect(dec.bytesReceived).toBe(0);
    expect(() => dec.end()).not.toThrow();
  }

  it('first byte { → error-reply, split at every byte and one byte per chunk', () => {
    for (let cut = 0; cut <= ERR_BYTES.length; cut++) {
      const dec = new VideoFrameDecoder();
      expectErrorReply(dec, run(dec, split2(ERR_BYTES, cut)), `cut ${cut}`);
    }
    const dec = new VideoFrameDecoder();
    expectErrorReply(dec, run(dec, perByte(ERR_BYTES)), 'per byte');
  });

  it('with leading whitespace, split at every byte', () => {
    for (const ws of [' ', '\n', '\r\n', '\t ']) {
      const all = concat([bytes(ws), ERR_BYTES]);
      for (let cut = 0; cut <= all.length; cut++) {
        const dec = new VideoFrameDecoder();
        expectErrorReply(dec, run(dec, split2(all, cut)), `ws ${JSON.stringify(ws)} cut ${cut}`);
      }
    }
  });

  it('capitalised statuses are normalised in the error reply', () => {
    const dec = new VideoFrameDecoder();
    const [e] = dec.push(bytes('{"status":"File not found","message":"nope"}'));
    expect(e?.type === 'error-reply' && e.reply.status).toBe('file_not_found');
  });

  it('bytes after the error reply are counted as extra', () => {
    const dec = new VideoFrameDecoder();
    const c = run(dec, [concat([ERR_BYTES, bytes('\n')]), bytes('ab')]);
    expect(c.events.map((e) => e.type)).toEqual(['error-reply']);
    expect(dec.extraBytes).toBe(3);
  });

  it('a malformed error reply → the framer’s error; end() mid-reply → closed_early', () => {
    expect(catchError(() => new VideoFrameDecoder().push(bytes('{"status":}'))).code).toBe('malformed_json');
    expect(catchError(() => new VideoFrameDecoder().push(bytes('  x'))).code).toBe('not_json_object');
    expect(catchError(() => new VideoFrameDecoder().push(bytes('{"status":5}'))).code).toBe('invalid_reply');
    const dec = new VideoFrameDecoder();
    dec.push(bytes('{"status":"er'));
    const e = catchError(() => dec.end());
    expect(e.code).toBe('closed_early');
    expect(e.bytesReceived).toBe(0);
  });
});

describe('VideoFrameDecoder: bad header length', () => {
  it('0xFFFFFFFF → header_too_large, whole and byte by byte', () => {
    const len = Uint8Array.of(0xff, 0xff, 0xff, 0xff);
    const e = catchError(() => new VideoFrameDecoder().push(len));
    expect(e.code).toBe('header_too_large');
    expect(e.message).toContain('4294967295');
    expect(catchError(() => run(new VideoFrameDecoder(), perByte(len))).code).toBe('header_too_large');
  });

  it('just over MAX_HEADER_BYTES → header_too_large (before any header byte arrives)', () => {
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, MAX_HEADER_BYTES + 1, false);
    expect(catchError(() => new VideoFrameDecoder().push(len)).code).toBe('header_too_large');
  });

  it('a custom cap is honoured', () => {
    const head = encodeVideoFrameHead({ fileSize: 1, fileName: 'x'.repeat(100) });
    expect(catchError(() => new VideoFrameDecoder(50).push(head)).code).toBe('header_too_large');
    expect(new VideoFrameDecoder(head.length - 4).push(head).map((e) => e.type)).toEqual(['header']);
  });

  it('header length 0 → invalid_header', () => {
    expect(catchError(() => new VideoFrameDecoder().push(Uint8Array.of(0, 0, 0, 0, 1))).code).toBe('invalid_header');
  });
});

describe('VideoFrameDecoder: bad header', () => {
  it('not JSON / not UTF-8 / not an object → invalid_header', () => {
    for (const text of ['not json', '{"fileSize":', '{"fileSize":1,}', '[1,2]', '42', 'null']) {
      const e = catchError(() => new VideoFrameDecoder().push(rawHead(text)));
      expect(e.code, text).toBe('invalid_header');
    }
    const bad = Uint8Array.of(0, 0, 0, 3, 0x22, 0xff, 0x22); // "\xff"
    expect(catchError(() => new VideoFrameDecoder().push(bad)).code).toBe('invalid_header');
  });

  it('wrong-typed fileName → invalid_header', () => {
    expect(catchError(() => new VideoFrameDecoder().push(rawHead('{"fileSize":1,"fileName":7}'))).code).toBe('invalid_header');
  });

  it('fileSize negative / 1.5 / "12" / missing / null / > MAX_SAFE_INTEGER → invalid_file_size', () => {
    for (const text of [
      '{"fileName":"a","fileSize":-1}',
      '{"fileName":"a","fileSize":1.5}',
      '{"fileName":"a","fileSize":"12"}',
      '{"fileName":"a"}',
      '{"fileName":"a","fileSize":null}',
      `{"fileName":"a","fileSize":${Number.MAX_SAFE_INTEGER + 2}}`,
      '{"fileName":"a","fileSize":1e300}',
    ]) {
      const e = catchError(() => run(new VideoFrameDecoder(), perByte(rawHead(text))));
      expect(e.code, text).toBe('invalid_file_size');
    }
  });

  it('fileSize MAX_SAFE_INTEGER is a valid header', () => {
    const dec = new VideoFrameDecoder();
    const ev = dec.push(encodeVideoFrameHead({ fileSize: Number.MAX_SAFE_INTEGER }));
    expect(ev.map((e) => e.type)).toEqual(['header']);
    expect(dec.header?.fileSize).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('after a failure, further pushes and end() report the same failure', () => {
    const dec = new VideoFrameDecoder();
    const e1 = catchError(() => dec.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff)));
    expect(e1.code).toBe('header_too_large');
    // Without this, the next 4 bytes would be taken as a fresh header length.
    expect(catchError(() => dec.push(encodeVideoFrameHead({ fileSize: 0 }))).code).toBe('header_too_large');
    expect(catchError(() => dec.end()).code).toBe('header_too_large');
    expect(dec.isComplete).toBe(false);
  });
});

describe('VideoFrameDecoder: end() before completion → closed_early', () => {
  it('before any byte', () => {
    const e = catchError(() => new VideoFrameDecoder().end());
    expect(e.code).toBe('closed_early');
    expect(e.bytesReceived).toBe(0);
  });

  it('in the length', () => {
    const dec = new VideoFrameDecoder();
    dec.push(FRAME.subarray(0, 3));
    const e = catchError(() => dec.end());
    expect(e.code).toBe('closed_early');
    expect(e.bytesReceived).toBe(0);
    expect(e.message).toMatch(/header/);
  });

  it('in the header', () => {
    const dec = new VideoFrameDecoder();
    dec.push(FRAME.subarray(0, 10));
    const e = catchError(() => dec.end());
    expect(e.code).toBe('closed_early');
    expect(e.bytesReceived).toBe(0);
  });

  it('in the body, at every body position', () => {
    const headLen = FRAME.length - BODY.length;
    for (let got = 0; got < BODY.length; got += 13) {
      const dec = new VideoFrameDecoder();
      dec.push(FRAME.subarray(0, headLen + got));
      const e = catchError(() => dec.end());
      expect(e.code).toBe('closed_early');
      expect(e.bytesReceived).toBe(got);
      expect(e.message).toContain(`${got} of ${BODY.length}`);
      expect(e.retryable).toBe(false);
    }
  });

  it('end() after completion is fine, repeatedly', () => {
    const dec = new VideoFrameDecoder();
    dec.push(FRAME);
    expect(() => dec.end()).not.toThrow();
    expect(() => dec.end()).not.toThrow();
  });
});

describe('encodeVideoFrameHead', () => {
  it('is a 4-byte big-endian length followed by the JSON header', () => {
    const head = encodeVideoFrameHead({ fileSize: 5 });
    const json = '{"fileSize":5}';
    expect(Array.from(head.subarray(0, 4))).toEqual([0, 0, 0, json.length]);
    expect(new TextDecoder().decode(head.subarray(4))).toBe(json);
  });

  it('length counts UTF-8 bytes, and big headers use all length bytes', () => {
    const head = encodeVideoFrameHead({ fileName: '漢'.repeat(100), fileSize: 1 });
    const len = new DataView(head.buffer, head.byteOffset).getUint32(0, false);
    expect(len).toBe(head.length - 4);
    expect(len).toBeGreaterThan(300);
    expect(head[2]).toBe(len >> 8);
  });

  it('round-trips through the decoder', () => {
    const headers = [
      { deviceId: 'd', fileName: 'video_1.mp4', fileSize: 3, status: 'ready' },
      { deviceId: null, fileName: 'ü.mov', fileSize: 0, status: null },
      { fileId: 'old.mp4', fileSize: 1, status: 'Ready', extra: { a: [1] } },
    ];
    for (const h of headers) {
      const dec = new VideoFrameDecoder();
      const c = run(dec, [encodeVideoFrameHead(h), body(h.fileSize)]);
      const ev = c.events.find((e) => e.type === 'header');
      expect(ev?.type === 'header' && ev.header).toEqual({
        deviceId: h.deviceId ?? null,
        fileName: 'fileName' in h ? h.fileName : h.fileId,
        fileSize: h.fileSize,
        status: h.status === 'Ready' ? 'ready' : h.status,
      });
      expect(c.completes).toBe(1);
      expect(c.body.length).toBe(h.fileSize);
    }
  });
});

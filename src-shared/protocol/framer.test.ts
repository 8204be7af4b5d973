import { describe, expect, it } from 'vitest';
import { MAX_REPLY_BYTES } from './constants';
import type { ProtocolError } from './errors';
import { boundDeviceValue } from './bound';
import { DEVICE_STRING_KEEP_BYTES, JsonObjectFramer, concat, decodeFirstObject, decodeJsonObject, type FramerResult } from './framer';
import { mulberry32 } from '../prng';
import { bytes, catchError, perByte, splitAt } from './bytes.testing';

const dec = new TextDecoder();

/** A realistic DEVICE_STATUS reply with an upload in progress, unicode and escapes. */
const REPLY_TEXT = JSON.stringify({
  deviceId: 'Mountain-A1B2C3D4',
  status: 'recording',
  timestamp: 1729000000.456789,
  batteryLevel: 85.5,
  message: 'braces { } [ ] and "quotes" and \\ backslash, café 漢字 😀',
  uploadQueue: [
    {
      fileName: 'video_1729000000.mp4',
      fileSize: 52428800,
      bytesUploaded: 10485760,
      uploadProgress: 20.0,
      uploadSpeed: 2621440,
      status: 'uploading',
      uploadUrl: 'https://bucket.s3.amazonaws.com/p/v.mp4?X-Amz-Signature=ab%2Fcd&x=1',
      error: null,
    },
  ],
  failedUploadQueue: [],
});
const REPLY = bytes(REPLY_TEXT);
const REPLY_VALUE = JSON.parse(REPLY_TEXT) as Record<string, unknown>;

/** Feed chunks in order; return the first completed result and how many pushes it took. */
function feed(framer: JsonObjectFramer, chunks: Uint8Array[]): { result: FramerResult; pushes: number } {
  let pushes = 0;
  for (const c of chunks) {
    pushes++;
    const r = framer.push(c);
    if (r.done) return { result: r, pushes };
  }
  return { result: { done: false }, pushes };
}

describe('JsonObjectFramer: chunking', () => {
  it('a whole reply in one chunk', () => {
    const r = new JsonObjectFramer().push(REPLY);
    expect(r.done).toBe(true);
    if (!r.done) return;
    expect(r.value).toEqual(REPLY_VALUE);
    expect(r.rest.length).toBe(0);
  });

  it('a realistic reply split into 2 chunks at every byte position', () => {
    for (let cut = 0; cut <= REPLY.length; cut++) {
      const framer = new JsonObjectFramer();
      const [a, b] = splitAt(REPLY, cut);
      const first = framer.push(a!);
      // The object only completes with its last byte.
      expect(first.done, `cut ${cut}`).toBe(cut === REPLY.length);
      const r = first.done ? first : framer.push(b!);
      expect(r.done, `cut ${cut}`).toBe(true);
      if (!r.done) return;
      expect(r.value, `cut ${cut}`).toEqual(REPLY_VALUE);
      expect(r.rest.length, `cut ${cut}`).toBe(0);
    }
  });

  it('a realistic reply one byte per chunk completes exactly on the last byte', () => {
    const framer = new JsonObjectFramer();
    const chunks = perByte(REPLY);
    const { result, pushes } = feed(framer, chunks);
    expect(pushes).toBe(REPLY.length);
    expect(result.done).toBe(true);
    if (!result.done) return;
    expect(result.value).toEqual(REPLY_VALUE);
    expect(result.rest.length).toBe(0);
    expect(framer.bufferedBytes).toBe(REPLY.length);
  });

  it('coalesced chunks: bytes after the object come back as rest', () => {
    const trailing = bytes('{"second":true}\n  garbage');
    const all = concat([REPLY, trailing]);
    const r = new JsonObjectFramer().push(all);
    expect(r.done).toBe(true);
    if (!r.done) return;
    expect(r.value).toEqual(REPLY_VALUE);
    expect(Array.from(r.rest)).toEqual(Array.from(trailing));
  });

  it('coalesced chunks split at every position: rest is what follows the object in the completing chunk', () => {
    const trailing = bytes('XYZ');
    const all = concat([REPLY, trailing]);
    for (let cut = 0; cut <= all.length; cut++) {
      const framer = new JsonObjectFramer();
      const [a, b] = splitAt(all, cut);
      const first = framer.push(a!);
      const r = first.done ? first : framer.push(b!);
      expect(r.done).toBe(true);
      if (!r.done) return;
      expect(r.value).toEqual(REPLY_VALUE);
      const expectedRest = cut >= REPLY.length ? all.slice(REPLY.length, cut) : trailing;
      expect(dec.decode(r.rest), `cut ${cut}`).toBe(dec.decode(expectedRest));
    }
  });

  it('leading whitespace (space, tab, CR, LF) is skipped, also across chunks', () => {
    const r1 = new JsonObjectFramer().push(bytes(' \t\r\n{"a":1}'));
    expect(r1).toMatchObject({ done: true, value: { a: 1 } });
    const f = new JsonObjectFramer();
    expect(f.push(bytes('  \n')).done).toBe(false);
    expect(f.bufferedBytes).toBe(0); // whitespace before the object is not buffered
    expect(f.push(bytes('\t{"a"')).done).toBe(false);
    const r2 = f.push(bytes(':2}'));
    expect(r2).toMatchObject({ done: true, value: { a: 2 } });
  });

  it('an incomplete object is not done; empty chunks are harmless', () => {
    const f = new JsonObjectFramer();
    expect(f.push(new Uint8Array(0)).done).toBe(false);
    expect(f.push(bytes('{"a":{"b":1}')).done).toBe(false);
    expect(f.push(new Uint8Array(0)).done).toBe(false);
    expect(f.push(bytes('}')).done).toBe(true);
  });

  it('a second push after completion throws', () => {
    const f = new JsonObjectFramer();
    expect(f.push(bytes('{}')).done).toBe(true);
    expect(() => f.push(bytes('{}'))).toThrow(/already/);
    expect(() => f.push(new Uint8Array(0))).toThrow();
  });
});

describe('JsonObjectFramer: content', () => {
  const cases: Array<[string, string]> = [
    ['nested objects and arrays', '{"a":{"b":{"c":[1,[2,{"d":[]}],{}]}},"e":[{"f":{}}]}'],
    ['braces and brackets inside strings', '{"s":"}}}{{{]][[","t":"}"}'],
    ['escaped quotes', '{"s":"say \\"hi\\" } {","t":"\\""}'],
    ['escaped backslash before a closing quote', '{"a":"a\\\\","b":"}"}'],
    ['many escaped backslashes', '{"a":"\\\\\\\\","b":"\\\\\\"}"}'],
    ['\\/ escape', '{"url":"https:\\/\\/example.com\\/x"}'],
    ['\\u0026 and \\u007d and \\u007b escapes', '{"q":"a\\u0026b","c":"\\u007d","o":"\\u007b"}'],
    ['all simple escapes', '{"e":"\\b\\f\\n\\r\\t\\"\\\\\\/"}'],
    ['exponent numbers', '{"t":1.729e9,"n":-2E-3,"p":1E+2,"z":0}'],
    ['literals', '{"t":true,"f":false,"n":null}'],
    ['keys containing braces and quotes', '{"}{\\"":1}'],
    ['whitespace inside the object', '{ \n "a" : [ 1 , 2 ] ,\t"b" : { } \r\n}'],
    ['empty object', '{}'],
  ];
  for (const [name, text] of cases) {
    it(`${name}: whole, split everywhere, one byte per chunk`, () => {
      const expected = JSON.parse(text) as unknown;
      const b = bytes(text);
      expect(decodeFirstObject(b)).toEqual(expected);
      for (let cut = 1; cut < b.length; cut++) {
        const f = new JsonObjectFramer();
        const [x, y] = splitAt(b, cut);
        expect(f.push(x!).done, `cut ${cut}`).toBe(false);
        const r = f.push(y!);
        expect(r.done, `cut ${cut}`).toBe(true);
        if (r.done) expect(r.value).toEqual(expected);
      }
      const { result, pushes } = feed(new JsonObjectFramer(), perByte(b));
      expect(pushes).toBe(b.length);
      expect(result.done && result.value).toEqual(expected);
    });
  }

  it('decodes the specific values right', () => {
    expect(decodeFirstObject(bytes('{"a":"a\\\\"}'))).toEqual({ a: 'a\\' });
    expect(decodeFirstObject(bytes('{"u":"\\/\\u0026\\u007d"}'))).toEqual({ u: '/&}' });
    expect(decodeFirstObject(bytes('{"t":1.729e9,"n":-2E-3}'))).toEqual({ t: 1729000000, n: -0.002 });
  });

  it('an escaped quote does not end the string (the object is not yet complete)', () => {
    // If `\"` were taken as a closing quote, the `}` inside the string would end the object early.
    const f = new JsonObjectFramer();
    expect(f.push(bytes('{"a":"x\\"}')).done).toBe(false);
    const r = f.push(bytes('"}'));
    expect(r).toMatchObject({ done: true, value: { a: 'x"}' } });
  });

  it('decodeFirstObject returns null for incomplete input and the first object for coalesced input', () => {
    expect(decodeFirstObject(bytes('{"a":1'))).toBeNull();
    expect(decodeFirstObject(bytes('   '))).toBeNull();
    expect(decodeFirstObject(new Uint8Array(0))).toBeNull();
    expect(decodeFirstObject(bytes('{"a":1}{"b":2}'))).toEqual({ a: 1 });
  });
});

describe('JsonObjectFramer: multi-byte UTF-8', () => {
  const samples: Array<[string, number]> = [
    ['é', 2],
    ['漢', 3],
    ['😀', 4],
  ];
  for (const [ch, len] of samples) {
    it(`${len}-byte character ${ch} split at every position`, () => {
      expect(bytes(ch).length).toBe(len);
      const text = `{"k${ch}":"a${ch}b${ch}${ch}","n":"${ch}"}`;
      const b = bytes(text);
      for (let cut = 1; cut < b.length; cut++) {
        const f = new JsonObjectFramer();
        const [x, y] = splitAt(b, cut);
        const r1 = f.push(x!);
        expect(r1.done).toBe(false);
        const r = f.push(y!);
        expect(r.done).toBe(true);
        if (r.done) expect(r.value).toEqual({ [`k${ch}`]: `a${ch}b${ch}${ch}`, n: ch });
      }
      const { result } = feed(new JsonObjectFramer(), perByte(b));
      expect(result.done && result.value).toEqual({ [`k${ch}`]: `a${ch}b${ch}${ch}`, n: ch });
    });
  }

  it('invalid UTF-8 → invalid_utf8', () => {
    const bad = [
      Uint8Array.of(0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d), // {"a":"\xff"}
      Uint8Array.of(0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x22, 0x7d), // truncated 2-byte sequence
      Uint8Array.of(0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d), // overlong '/'
      Uint8Array.of(0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d), // UTF-16 surrogate
    ];
    for (const b of bad) {
      expect(catchError(() => new JsonObjectFramer().push(b)).code).toBe('invalid_utf8');
      // also when fed one byte at a time
      expect(catchError(() => feed(new JsonObjectFramer(), perByte(b))).code).toBe('invalid_utf8');
    }
  });
});

describe('JsonObjectFramer: errors', () => {
  it('garbage first byte → not_json_object', () => {
    for (const text of ['[1,2]', 'HTTP/1.1 200 OK', '"str"', '1', 'null', '\u00ef{}', '  x{}']) {
      const e = catchError(() => new JsonObjectFramer().push(bytes(text)));
      expect(e.code, text).toBe('not_json_object');
    }
    const e = catchError(() => new JsonObjectFramer().push(Uint8Array.of(0x00, 0x00, 0x00, 0x10)));
    expect(e.code).toBe('not_json_object');
    expect(e.message).toContain('0x00');
  });

  it('garbage first non-whitespace byte in a later chunk → not_json_object', () => {
    const f = new JsonObjectFramer();
    f.push(bytes('  '));
    expect(catchError(() => f.push(bytes('<html>'))).code).toBe('not_json_object');
  });

  it('balanced but invalid JSON → malformed_json', () => {
    for (const text of ['{"a":}', "{'a':1}", '{a:1}', '{"a":1,}', '{"a":01}', '{"a":"\\x"}', '{"a" 1}', '{"a":[1}', '{"a":NaN}', '{"a":"tab\there"}']) {
      const e = catchError(() => new JsonObjectFramer().push(bytes(text)));
      expect(e.code, text).toBe('malformed_json');
      expect(e.message).toContain(text.slice(0, 4));
    }
  });

  it('malformed_json preview is shortened for long input', () => {
    const text = `{"a":${'x'.repeat(500)}}`;
    const e = catchError(() => new JsonObjectFramer().push(bytes(text)));
    expect(e.code).toBe('malformed_json');
    expect(e.message.length).toBeLessThan(200);
  });

  it('default cap is MAX_REPLY_BYTES', () => {
    const pad = MAX_REPLY_BYTES - bytes('{"p":""}').length;
    const exact = bytes(`{"p":"${'x'.repeat(pad)}"}`);
    expect(exact.length).toBe(MAX_REPLY_BYTES);
    expect(decodeFirstObject(exact)).not.toBeNull();
    const over = bytes(`{"p":"${'x'.repeat(pad + 1)}"}`);
    expect(catchError(() => decodeFirstObject(over)).code).toBe('reply_too_large');
  });

  describe('size cap', () => {
    const obj = (n: number) => bytes(`{"p":"${'x'.repeat(n - 8)}"}`); // exactly n bytes
    const CAP = 64;

    it('exactly at the cap is accepted, whole and in every split', () => {
      const b = obj(CAP);
      expect(b.length).toBe(CAP);
      expect(new JsonObjectFramer(CAP).push(b).done).toBe(true);
      for (let cut = 1; cut < b.length; cut++) {
        const { result } = feed(new JsonObjectFramer(CAP), splitAt(b, cut));
        expect(result.done, `cut ${cut}`).toBe(true);
      }
      expect(feed(new JsonObjectFramer(CAP), perByte(b)).result.done).toBe(true);
    });

    it('leading whitespace and trailing bytes do not count towards the cap', () => {
      const b = concat([bytes('   \n'), obj(CAP), bytes('trailing bytes')]);
      const r = new JsonObjectFramer(CAP).push(b);
      expect(r.done).toBe(true);
    });

    it('one over the cap → reply_too_large, whole and in every split', () => {
      const b = obj(CAP + 1);
      expect(catchError(() => new JsonObjectFramer(CAP).push(b)).code).toBe('reply_too_large');
      for (let cut = 1; cut < b.length; cut++) {
        expect(catchError(() => feed(new JsonObjectFramer(CAP), splitAt(b, cut))).code, `cut ${cut}`).toBe('reply_too_large');
      }
      expect(catchError(() => feed(new JsonObjectFramer(CAP), perByte(b))).code).toBe('reply_too_large');
    });

    it('overflow across chunks without ever completing → reply_too_large as soon as the cap is passed', () => {
      const f = new JsonObjectFramer(CAP);
      const open = bytes(`{"p":"${'x'.repeat(CAP - 10)}`); // CAP-4 bytes, unterminated
      expect(f.push(open).done).toBe(false);
      expect(f.push(bytes('yyyy')).done).toBe(false); // exactly CAP buffered
      expect(f.bufferedBytes).toBe(CAP);
      expect(catchError(() => f.push(bytes('z'))).code).toBe('reply_too_large');
    });

    it('an endless stream of opening braces hits the cap', () => {
      const f = new JsonObjectFramer(1000);
      const chunk = bytes('{'.repeat(100));
      let err: ProtocolError | null = null;
      let pushes = 0;
      for (; pushes < 20 && !err; pushes++) {
        try {
          f.push(chunk);
        } catch (e) {
          err = e as ProtocolError;
        }
      }
      expect(err?.code).toBe('reply_too_large');
      expect(pushes).toBe(11);
    });
  });

  it('after a failure, further pushes keep failing with the same error', () => {
    const f = new JsonObjectFramer(16);
    const e1 = catchError(() => f.push(bytes('{"a":"0123456789abcdef')));
    expect(e1.code).toBe('reply_too_large');
    const e2 = catchError(() => f.push(bytes('"}')));
    expect(e2.code).toBe('reply_too_large');

    // Without poisoning, the dropped chunk would leave '{"a":1' + '}' = a valid but wrong object.
    const h = new JsonObjectFramer(16);
    expect(h.push(bytes('{"a":1')).done).toBe(false);
    expect(catchError(() => h.push(bytes(',"b":"0123456789"'))).code).toBe('reply_too_large');
    expect(catchError(() => h.push(bytes('}'))).code).toBe('reply_too_large');

    const g = new JsonObjectFramer();
    expect(catchError(() => g.push(bytes('x'))).code).toBe('not_json_object');
    expect(catchError(() => g.push(bytes('{}'))).code).toBe('not_json_object');
  });
});

describe('concat', () => {
  it('joins chunks in order and returns a lone chunk as is', () => {
    expect(Array.from(concat([Uint8Array.of(1, 2), new Uint8Array(0), Uint8Array.of(3)]))).toEqual([1, 2, 3]);
    expect(Array.from(concat([]))).toEqual([]);
    const one = Uint8Array.of(9);
    expect(concat([one])).toBe(one);
    expect(Array.from(concat([Uint8Array.of(1), Uint8Array.of(2)], 2))).toEqual([1, 2]);
  });
});

// ---------------------------------------------------------------------------------------------
// Property-style round trip with a deterministic PRNG.

const NASTY = ['{', '}', '[', ']', '"', '\\', '/', ':', ',', ' ', '\n', '\t', '\u0000', '\u001f', 'é', '漢', '😀', '\u2028', 'a', 'Z', '0'];

function randomString(rnd: () => number): string {
  const n = Math.floor(rnd() * 12);
  let s = '';
  for (let i = 0; i < n; i++) {
    if (rnd() < 0.6) s += NASTY[Math.floor(rnd() * NASTY.length)]!;
    else s += String.fromCodePoint(0x20 + Math.floor(rnd() * (rnd() < 0.8 ? 0x60 : 0x1f000)));
  }
  // Lone surrogates are included on purpose: JSON.stringify escapes them as \udXXX.
  return s;
}

function randomValue(rnd: () => number, depth: number): unknown {
  const r = rnd();
  if (depth > 3 || r < 0.35) {
    const k = Math.floor(rnd() * 6);
    switch (k) {
      case 0:
        return randomString(rnd);
      case 1:
        return Math.floor((rnd() - 0.5) * 2 ** 40);
      case 2:
        return (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20); // exponent forms when serialised
      case 3:
        return rnd() < 0.5;
      case 4:
        return null;
      default:
        return 1729000000 + rnd();
    }
  }
  if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
  return randomObject(rnd, depth + 1);
}

function randomObject(rnd: () => number, depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const n = Math.floor(rnd() * 5);
  for (let i = 0; i < n; i++) o[randomString(rnd)] = randomValue(rnd, depth);
  return o;
}

function randomChunks(b: Uint8Array, rnd: () => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < b.length) {
    const n = rnd() < 0.3 ? 1 : 1 + Math.floor(rnd() * 40);
    out.push(b.subarray(i, i + n));
    i += n;
  }
  return out;
}

describe('JsonObjectFramer: property-style round trip', () => {
  it('500 random objects, pretty or compact, random chunking, optional trailing bytes', () => {
    const rnd = mulberry32(0xc0ffee);
    let sawExponent = false;
    for (let n = 0; n < 500; n++) {
      const obj = randomObject(rnd, 0);
      const text = rnd() < 0.3 ? JSON.stringify(obj, null, 2) : JSON.stringify(obj);
      if (/\de[+-]?\d/i.test(text)) sawExponent = true;
      const lead = rnd() < 0.2 ? ' \n\t' : '';
      const trail = rnd() < 0.3 ? '{"next":1}' : '';
      const body = bytes(lead + text);
      const all = concat([body, bytes(trail)]);
      const chunks = randomChunks(all, rnd);
      const f = new JsonObjectFramer();
      let result: FramerResult = { done: false };
      let consumed = 0;
      for (const c of chunks) {
        consumed += c.length;
        result = f.push(c);
        if (result.done) break;
      }
      expect(result.done, text).toBe(true);
      if (!result.done) return;
      expect(result.value, text).toEqual(JSON.parse(text));
      // rest = bytes of the completing chunk after the object
      expect(dec.decode(result.rest)).toBe(dec.decode(all.subarray(body.length, consumed)));
      expect(f.bufferedBytes).toBe(bytes(text).length);
    }
    expect(sawExponent).toBe(true);
  });
});

describe('cutting long strings while framing (maxStringBytes)', () => {
  const rnd = mulberry32(7); // the same cases every run
  const pieces = ['a', 'é', '€', '😀', '\\"', '\\\\', '\\n', '\\u00e9', '\\ud83d\\ude00', '<X-Amz-', '"'];
  /** The JSON text of a string of about `n` raw bytes, from pieces that stress every boundary. */
  function rawString(n: number): string {
    const enc = new TextEncoder();
    let out = '';
    let size = 0;
    while (size < n) {
      const p = pieces[Math.floor(rnd() * (pieces.length - 1))]!;
      out += p;
      size += enc.encode(p).length;
    }
    return out;
  }
  function frame(bytes: Uint8Array, chunkSize: number, maxStringBytes: number): Record<string, unknown> {
    const f = new JsonObjectFramer(MAX_REPLY_BYTES, { maxStringBytes });
    for (let i = 0; i < bytes.length; i += chunkSize) {
      const r = f.pushBytes(bytes.subarray(i, i + chunkSize));
      if (r.done) return decodeJsonObject(r.bytes);
    }
    throw new Error('incomplete');
  }

  it('bounding the cut reply gives exactly what bounding the whole reply gives, whatever the chunking', () => {
    for (let k = 0; k < 40; k++) {
      const text = `{"status":"ready","message":"${rawString(20_000 + Math.floor(rnd() * 60_000))}","n":[1,2,{"k":"${rawString(100)}"}],"tail":"${rawString(30_000)}"}`;
      const bytes = new TextEncoder().encode(text);
      const whole = boundDeviceValue(JSON.parse(text));
      const chunk = 1 + Math.floor(rnd() * 70_000);
      expect(boundDeviceValue(frame(bytes, chunk, DEVICE_STRING_KEEP_BYTES)), `case ${k}, chunks of ${chunk}`).toEqual(whole);
    }
  });

  it('keeps a ~1 MiB pathological reply to a few KiB, and still counts every byte against the cap', () => {
    const big = `{"status":"ready","message":"${'<X-Amz-Signature>X-Amz-\\"aws'.repeat(36_000)}"}`;
    const bytes = new TextEncoder().encode(big);
    const f = new JsonObjectFramer(MAX_REPLY_BYTES, { maxStringBytes: DEVICE_STRING_KEEP_BYTES });
    let r: ReturnType<JsonObjectFramer['pushBytes']> = { done: false };
    for (let i = 0; i < bytes.length && !r.done; i += 65_536) r = f.pushBytes(bytes.subarray(i, i + 65_536));
    if (!r.done) throw new Error('incomplete');
    expect(r.bytes.length).toBeLessThan(2 * DEVICE_STRING_KEEP_BYTES); // from ~1 MiB
    expect(decodeJsonObject(r.bytes).status).toBe('ready');
    const over = new TextEncoder().encode(`{"message":"${'x'.repeat(MAX_REPLY_BYTES)}"}`);
    const g = new JsonObjectFramer(MAX_REPLY_BYTES, { maxStringBytes: DEVICE_STRING_KEEP_BYTES });
    expect(() => {
      for (let i = 0; i < over.length; i += 65_536) g.pushBytes(over.subarray(i, i + 65_536));
    }).toThrow(/exceeds/);
  });
});

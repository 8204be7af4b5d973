/** Each personality's command reader, byte by byte (the TCP-level behaviour is in personalities.test.ts). */
import { describe, expect, it } from 'vitest';
import { androidReader, decodeObject, iosReader, oakReader, specReader } from './readers';

const b = (s: string) => Buffer.from(s, 'utf8');
const cmd = JSON.stringify({ command: 'HEARTBEAT', timestamp: 1, deviceId: 'controller' });
const kinds = (o: { kind: string }[]) => o.map((x) => x.kind);

describe('readers', () => {
  it('decodeObject accepts one object only', () => {
    expect(decodeObject(b(cmd)).kind).toBe('command');
    expect(decodeObject(b('[1]')).kind).toBe('undecodable');
    expect(decodeObject(b(`${cmd}${cmd}`)).kind).toBe('undecodable');
    expect(decodeObject(Buffer.from([0x7b, 0xff, 0x7d])).kind).toBe('undecodable'); // invalid UTF-8
  });

  it('ios: each chunk alone', () => {
    const r = iosReader();
    expect(kinds(r.push(b(cmd.slice(0, 10))))).toEqual(['undecodable']);
    expect(kinds(r.push(b(cmd.slice(10))))).toEqual(['undecodable']);
    expect(kinds(r.push(b(cmd)))).toEqual(['command']);
  });

  it('android: each 4096-byte slice alone', () => {
    const r = androidReader();
    const big = JSON.stringify({ command: 'HEARTBEAT', timestamp: 1, deviceId: 'c', pad: 'x'.repeat(5000) });
    expect(kinds(r.push(b(big)))).toEqual(['undecodable', 'undecodable']);
    expect(kinds(r.push(b(cmd)))).toEqual(['command']);
  });

  it('oak: recv(4) then one recv(8192), once per connection', () => {
    const whole = oakReader();
    expect(kinds(whole.push(b(cmd)))).toEqual(['command']);
    expect(whole.push(b(cmd))).toEqual([]); // one command per connection
    const tiny = oakReader();
    expect(tiny.push(b(cmd.slice(0, 3)))).toEqual([]); // recv(4) got 3 bytes
    expect(kinds(tiny.push(b(cmd.slice(3))))).toEqual(['command']); // recv(8192) got the rest
    const cut = oakReader();
    expect(kinds(cut.push(b(cmd.slice(0, 10))))).toEqual(['undecodable']);
    const long = oakReader();
    expect(kinds(long.push(b(JSON.stringify({ command: 'X', pad: 'y'.repeat(9000) }))))).toEqual(['undecodable']);
  });

  it('spec: accumulates; strings, escapes and nesting do not fool it; garbage and oversize fail once', () => {
    const r = specReader(1000);
    const tricky = JSON.stringify({ command: 'HEARTBEAT', note: 'a}"{\\', nested: { a: [1, { b: '}' }] } });
    const out: string[] = [];
    for (const ch of `${tricky}\n${cmd}`) out.push(...kinds(r.push(b(ch))));
    expect(out).toEqual(['command', 'command']);
    const g = specReader();
    expect(kinds(g.push(b('hello {}')))).toEqual(['undecodable']);
    expect(g.push(b(cmd))).toEqual([]);
    const o = specReader(100);
    expect(kinds(o.push(b(`{"pad":"${'x'.repeat(200)}`)))).toEqual(['undecodable']);
  });
});

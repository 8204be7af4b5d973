import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startSntpServer, type SntpServer } from './sntp-server';

let server: SntpServer | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

/** Raw exchange, independent of the controller's SNTP client. */
function ask(port: number, request: Buffer, waitMs = 1000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const done = (v: Buffer | null) => {
      clearTimeout(t);
      s.close();
      resolve(v);
    };
    const t = setTimeout(() => done(null), waitMs);
    s.on('message', (m) => done(m));
    s.send(request, port, '127.0.0.1');
  });
}

function request(): Buffer {
  const b = Buffer.alloc(48);
  b[0] = (4 << 3) | 3;
  b.write('NONCE123', 40, 'latin1');
  return b;
}

const ntpToUnixMs = (b: Buffer, at: number) => (b.readUInt32BE(at) - 2_208_988_800) * 1000 + (b.readUInt32BE(at + 4) / 2 ** 32) * 1000;

describe('sim SNTP server', () => {
  it('answers a client request as a stratum-2 server with its offset clock', async () => {
    server = await startSntpServer({ offsetMs: 5000 });
    const before = Date.now();
    const reply = (await ask(server.port, request()))!;
    expect(reply.length).toBe(48);
    expect(reply[0]! & 7).toBe(4);
    expect(reply[1]).toBe(2);
    expect(reply.subarray(24, 32).toString('latin1')).toBe('NONCE123');
    const t3 = ntpToUnixMs(reply, 40);
    expect(t3 - before).toBeGreaterThan(4000);
    expect(t3 - before).toBeLessThan(6000);
    expect(server.requests).toBe(1);
  });

  it('ignores packets that are not client requests', async () => {
    server = await startSntpServer();
    const b = request();
    b[0] = (4 << 3) | 4;
    expect(await ask(server.port, b, 300)).toBeNull();
    expect(await ask(server.port, Buffer.from('hi'), 300)).toBeNull();
    expect(server.requests).toBe(0);
  });

  it('fault switches change the reply', async () => {
    server = await startSntpServer({ fault: 'kiss', kissCode: 'DENY' });
    const kiss = (await ask(server.port, request()))!;
    expect(kiss[1]).toBe(0);
    expect(kiss.subarray(12, 16).toString('latin1')).toBe('DENY');
    server.setFault('short');
    expect((await ask(server.port, request()))!.length).toBe(40);
    server.setFault('silent');
    expect(await ask(server.port, request(), 300)).toBeNull();
  });
});

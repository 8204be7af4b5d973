/**
 * Raw loopback TCP servers for the device-client tests: each test scripts exactly what a
 * (misbehaving) device writes. Commands are read with a naive parse-until-valid loop on purpose,
 * so the tests do not share the controller's framer.
 */
import net from 'node:net';

export interface TestServer {
  address: { host: string; port: number };
  /** Connections accepted so far. */
  readonly connections: number;
  /** Commands received, parsed. */
  readonly commands: Record<string, unknown>[];
  /** Client connections that have closed so far. */
  readonly closedConnections: number;
  close(): Promise<void>;
}

export type Handler = (socket: net.Socket, command: Record<string, unknown>) => unknown;

/** A server that reads one command per connection, then hands the socket to `handler`. */
export async function startServer(handler: Handler): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const commands: Record<string, unknown>[] = [];
  let connections = 0;
  let closedConnections = 0;
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      closedConnections++;
      sockets.delete(socket);
    });
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      let cmd: Record<string, unknown>;
      try {
        cmd = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return; // incomplete
      }
      socket.off('data', onData);
      commands.push(cmd);
      void Promise.resolve(handler(socket, cmd)).catch(() => socket.destroy());
    };
    socket.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: { host: '127.0.0.1', port },
    get connections() {
      return connections;
    },
    get closedConnections() {
      return closedConnections;
    },
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening (connections are refused). */
export async function refusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A GET_VIDEO success frame head: 4-byte big-endian length + JSON header. */
export function frameHead(header: Record<string, unknown>): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length, 0);
  return Buffer.concat([len, json]);
}

/** Write `data` one byte per write (no Nagle coalescing), pausing between bytes. */
export async function writeBytewise(socket: net.Socket, data: Buffer): Promise<void> {
  socket.setNoDelay(true);
  for (const byte of data) {
    if (socket.destroyed) return;
    socket.write(Buffer.from([byte]));
    await delay(1);
  }
}

/** Write and wait until the kernel took it (respecting backpressure). */
export function writeAsync(socket: net.Socket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) {
      reject(new Error('socket destroyed'));
      return;
    }
    socket.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

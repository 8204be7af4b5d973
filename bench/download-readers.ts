/**
 * The two points of comparison for `download()` in the download bench:
 * - `rawCopy`: the floor — socket bytes straight into a file (no frame parsing, no hash), fsynced
 *   at the end like `download()` so the ratio measures the client, not the disk's write-back.
 * - `naiveDownload`: the reader PROTOCOL.md shows — recv up to 8 KiB at a time, accumulate the
 *   whole file in memory by concatenation, write it at the end.
 */
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import { encodeCommand, getVideo } from '../src-shared/protocol';

export interface Address {
  host: string;
  port: number;
}

function connect(address: Address): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(address, () => {
      s.off('error', reject);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Copy the whole GET_VIDEO answer (frame head + `fileSize` body bytes) to `destPath`. */
export async function rawCopy(address: Address, fileName: string, fileSize: number, destPath: string): Promise<number> {
  const socket = await connect(address);
  // Same write buffer as download() so the ratio isolates frame decoding + hashing.
  const out = createWriteStream(destPath, { flush: true, highWaterMark: 1024 * 1024 });
  socket.write(encodeCommand(getVideo(fileName)));
  let total = Infinity; // known once the 4-byte header length is in
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    socket.on('error', reject);
    out.on('error', reject);
    out.on('close', () => resolve());
    socket.on('data', (chunk: Buffer) => {
      if (n === 0 && chunk.length >= 4) total = 4 + chunk.readUInt32BE(0) + fileSize;
      n += chunk.length;
      if (!out.write(chunk)) {
        socket.pause();
        out.once('drain', () => socket.resume());
      }
      if (n >= total) {
        socket.destroy();
        out.end();
      }
    });
  });
  return n;
}

/** Promise-based `recv(n)`: up to `n` bytes, empty at EOF (like a blocking socket's recv). */
function receiver(socket: net.Socket): (n: number) => Promise<Buffer> {
  let ended = false;
  socket.on('end', () => (ended = true));
  socket.pause();
  return async (n) => {
    for (;;) {
      if (socket.readableLength > 0) return socket.read(Math.min(n, socket.readableLength)) as Buffer;
      if (ended || socket.destroyed) return Buffer.alloc(0);
      await new Promise<void>((resolve) => {
        const done = () => {
          socket.off('readable', done);
          socket.off('end', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('readable', done);
        socket.on('end', done);
        socket.on('close', done);
      });
    }
  };
}

/** PROTOCOL.md's "Reading Algorithm", translated line by line. */
export async function naiveDownload(address: Address, fileName: string, destPath: string): Promise<number> {
  const socket = await connect(address);
  socket.on('error', () => {});
  const recv = receiver(socket);
  socket.write(encodeCommand(getVideo(fileName)));
  try {
    const headerSize = (await recv(4)).readUInt32BE(0);
    const header = JSON.parse((await recv(headerSize)).toString('utf8')) as { fileSize: number };
    const fileSize = header.fileSize;
    let fileData = Buffer.alloc(0);
    while (fileData.length < fileSize) {
      const chunk = await recv(Math.min(8192, fileSize - fileData.length));
      if (chunk.length === 0) throw new Error('Connection closed prematurely');
      fileData = Buffer.concat([fileData, chunk]); // `file_data += chunk`
    }
    await fs.writeFile(destPath, fileData);
    return fileData.length;
  } finally {
    socket.destroy();
  }
}

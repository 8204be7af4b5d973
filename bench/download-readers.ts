/**
 * The two points of comparison for `download()` in the download bench:
 * - `rawCopy`: the floor — what a plain C-style copy does: every received chunk written to the
 *   file with a blocking write(), one fsync at the end (same durability as `download()`), no frame
 *   parsing, no hash. No Node stream in between (its 64 KiB writes through the thread pool are
 *   what made the old client slow).
 * - `naiveDownload`: the reader PROTOCOL.md shows — recv up to 8 KiB at a time, accumulate the
 *   whole file in memory by concatenation, write it at the end.
 */
import fs from 'node:fs';
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

/** Copy the whole GET_VIDEO answer (frame head + `fileSize` body bytes) to `destPath`, then fsync; returns the body bytes. */
export async function rawCopy(address: Address, fileName: string, fileSize: number, destPath: string): Promise<number> {
  const socket = await connect(address);
  const fd = fs.openSync(destPath, 'w');
  try {
    socket.write(encodeCommand(getVideo(fileName)));
    let head = 0; // known once the 4-byte header length is in
    let total = Infinity;
    let n = 0;
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`closed after ${n} bytes`)));
      socket.on('data', (chunk: Buffer) => {
        if (n === 0 && chunk.length >= 4) {
          head = 4 + chunk.readUInt32BE(0);
          total = head + fileSize;
        }
        n += chunk.length;
        for (let off = 0; off < chunk.length; ) off += fs.writeSync(fd, chunk, off);
        if (n >= total) resolve();
      });
    });
    socket.destroy();
    fs.fsyncSync(fd);
    return n - head;
  } finally {
    socket.destroy();
    fs.closeSync(fd);
  }
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
    fs.writeFileSync(destPath, fileData);
    return fileData.length;
  } finally {
    socket.destroy();
  }
}

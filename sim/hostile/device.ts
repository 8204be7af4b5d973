/**
 * A hostile virtual device, written on its own for the trust tests: it speaks enough of the
 * protocol to take part in a real take (status, START, STOP, GET_VIDEO) and can misbehave in the
 * ways a broken or malicious device on the set could:
 *
 * - `huge`: every JSON reply is padded to ~1 MiB (just under the controller's reply cap) with
 *   pathological `<X-Amz-…>` / `X-Amz-` / `"aws` fragments, the input that once made secret
 *   redaction quadratic;
 * - `trickle`: the GET_VIDEO body arrives one byte every `trickleMs` (each byte resets a naive
 *   stall timer);
 * - `escapes`: every string it sends (deviceId, deviceType, messages, file names, the GET_VIDEO
 *   error) carries terminal escape sequences (clear screen, OSC window title, bidi override);
 * - `get-error`: GET_VIDEO answers an error reply instead of the file;
 * - `start-reset`: answers status polls, but resets the connection (RST) when START arrives;
 * - `start-refuse`: like an app that crashes on START: the listener closes and the START
 *   connection is reset, so any retry and every later command is refused.
 *
 * A `good` device does none of this, so one fleet can mix both and a test can check that the
 * good device's file arrives intact. Node and `src-shared` constants only (house rule for sim/).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';

export type HostileBehaviour = 'huge' | 'trickle' | 'escapes' | 'get-error' | 'start-reset' | 'start-refuse';
export const HOSTILE_BEHAVIOURS: readonly HostileBehaviour[] = ['huge', 'trickle', 'escapes', 'get-error', 'start-reset', 'start-refuse'];

export interface HostileDeviceOptions {
  /** Default 'hostile-N' / 'good-N' style names are the caller's business; default 'device'. */
  name?: string;
  behaviours?: HostileBehaviour[];
  host?: string;
  port?: number;
  /** Size of each recorded file (default 64 KiB). */
  fileSize?: number;
  /** `huge`: target reply size in bytes (default 1,000,000; the controller's cap is 1 MiB). */
  hugeBytes?: number;
  /** `trickle`: ms between body bytes (default 20,000). */
  trickleMs?: number;
}

export interface HostileDevice {
  readonly name: string;
  readonly address: string;
  readonly behaviours: ReadonlySet<HostileBehaviour>;
  /** Commands received, by name, in order. */
  readonly commands: string[];
  /** The files this device recorded: name → SHA-256 of the content it serves. */
  readonly files: ReadonlyMap<string, string>;
  close(): Promise<void>;
}

/** What an ill-willed device puts in its strings: clear screen, retitle the window, reverse text. */
export const ESCAPES = '\u001b[2J\u001b[H\u001b]0;pwned\u0007\u202e';
const MAX_COMMAND_BYTES = 64 * 1024;

/** ~`bytes` of text that defeats naive secret-redaction patterns (safe inside a JSON string). */
export function pathologicalText(bytes: number): string {
  const unit = '<X-Amz-Signature>X-Amz-X-Amz-X-Amz-<AWSAccessKeyId>aws-aws-aws-\\"aws';
  // JSON.stringify escapes the backslash and quote: count the encoded length.
  const encoded = JSON.stringify(unit).length - 2;
  return unit.repeat(Math.max(1, Math.floor(bytes / encoded)));
}

export async function startHostileDevice(options: HostileDeviceOptions = {}): Promise<HostileDevice> {
  const behaviours = new Set(options.behaviours ?? []);
  const fileSize = options.fileSize ?? 64 * 1024;
  const trickleMs = options.trickleMs ?? 20_000;
  const esc = behaviours.has('escapes') ? ESCAPES : '';
  const baseName = options.name ?? 'device';
  const deviceId = `${baseName}${esc}`;
  const padding = behaviours.has('huge') ? pathologicalText((options.hugeBytes ?? 1_000_000) - 400) : null;
  // Encoded once: a benchmark should measure the controller, not this process re-encoding 1 MiB.
  const paddingJson = padding === null ? '' : JSON.stringify(padding).slice(1, -1);
  const PLACEHOLDER = '\u0000padding\u0000';
  const contents = new Map<string, Buffer>();
  const files = new Map<string, string>();
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let recording = false;

  const reply = (socket: Socket, body: Record<string, unknown>) => {
    const full = { deviceId, deviceType: `Hostile${esc}`, timestamp: Date.now() / 1000, batteryLevel: 80, ...body };
    if (padding === null) return socket.write(JSON.stringify(full));
    const text = JSON.stringify({ ...full, message: `${String(body.message ?? '')}${PLACEHOLDER}` });
    const at = text.indexOf(JSON.stringify(PLACEHOLDER).slice(1, -1));
    socket.write(text.slice(0, at) + paddingJson + text.slice(at + JSON.stringify(PLACEHOLDER).length - 2));
  };

  const handle = (socket: Socket, cmd: Record<string, unknown>) => {
    const name = typeof cmd.command === 'string' ? cmd.command : '?';
    commands.push(name);
    switch (name) {
      case 'DEVICE_STATUS':
      case 'HEARTBEAT':
        return reply(socket, { status: recording ? 'recording' : 'ready', isRecording: recording });
      case 'START_RECORDING':
        if (behaviours.has('start-refuse') && server.listening) server.close();
        if (behaviours.has('start-reset') || behaviours.has('start-refuse')) return socket.resetAndDestroy();
        recording = true;
        return reply(socket, { status: 'scheduled_recording_accepted', message: `armed${esc}` });
      case 'STOP_RECORDING': {
        if (!recording) return reply(socket, { status: 'error', message: `Not recording${esc}` });
        recording = false;
        const fileName = `${baseName}${esc}_${Date.now()}.mp4`;
        const content = randomBytes(fileSize);
        contents.set(fileName, content);
        files.set(fileName, createHash('sha256').update(content).digest('hex'));
        return reply(socket, { status: 'recording_stopped', fileName, fileSize });
      }
      case 'GET_VIDEO': {
        const fileName = typeof cmd.fileName === 'string' ? cmd.fileName : typeof cmd.fileId === 'string' ? cmd.fileId : '';
        const content = contents.get(fileName);
        if (!content || behaviours.has('get-error')) {
          return socket.write(JSON.stringify({ deviceId, status: 'file_not_found', message: `no such file${esc}${padding ?? ''}` }));
        }
        const header = Buffer.from(JSON.stringify({ deviceId, fileName, fileSize: content.length, status: 'ready' }));
        const len = Buffer.alloc(4);
        len.writeUInt32BE(header.length);
        socket.write(Buffer.concat([len, header]));
        if (!behaviours.has('trickle')) return socket.write(content);
        let i = 0;
        const t = setInterval(() => {
          if (socket.destroyed || i >= content.length) {
            clearInterval(t);
            timers.delete(t);
            return;
          }
          socket.write(content.subarray(i, i + 1));
          i++;
        }, trickleMs);
        timers.add(t);
        return;
      }
      default:
        return reply(socket, { status: 'error', message: `unknown command${esc}` });
    }
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    // Like the iPhone app: never closes on its own; ends when the client does.
    socket.on('end', () => socket.end());
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      if (buf.length > MAX_COMMAND_BYTES) return socket.destroy();
      let cmd: unknown;
      try {
        cmd = JSON.parse(buf);
      } catch {
        return; // incomplete
      }
      socket.off('data', onData);
      if (cmd && typeof cmd === 'object') handle(socket, cmd as Record<string, unknown>);
    };
    socket.on('data', onData);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    name: baseName,
    address: `${host}:${port}`,
    behaviours,
    commands,
    files,
    async close() {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => (server.listening ? server.close(() => r()) : r()));
    },
  };
}

/** Wire constants shared by the controller and the virtual devices. */

export const DEFAULT_DEVICE_PORT = 8080;
export const SERVICE_TYPE = 'multicam'; // `_multicam._tcp.local.`
export const SERVICE_PROTOCOL = 'tcp';
export const CONTROLLER_ID = 'controller';

/** A reply larger than this is refused (the notes suggest 1 MiB). */
export const MAX_REPLY_BYTES = 1024 * 1024;
/** GET_VIDEO JSON header length cap. */
export const MAX_HEADER_BYTES = 64 * 1024;
/** The Android app parses each 4096-byte read on its own: a command must fit in one. */
export const MAX_COMMAND_BYTES = 4096;

export const COMMAND_NAMES = ['START_RECORDING', 'STOP_RECORDING', 'DEVICE_STATUS', 'HEARTBEAT', 'GET_VIDEO', 'LIST_FILES', 'UPLOAD_TO_CLOUD'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/**
 * Reply timeouts per command kind, in ms. STOP must outlast the Android app's
 * up-to-60 s trim; UPLOAD_TO_CLOUD on OAK packages before replying.
 */
export const REPLY_TIMEOUT_MS: Record<CommandName, number> = {
  START_RECORDING: 10_000,
  STOP_RECORDING: 90_000,
  DEVICE_STATUS: 3_000,
  HEARTBEAT: 3_000,
  GET_VIDEO: 300_000, // header may take minutes on OAK (packaging); body uses a stall timeout
  LIST_FILES: 10_000,
  UPLOAD_TO_CLOUD: 300_000,
};
export const CONNECT_TIMEOUT_MS = 3_000;
/** Protocol retry policy: 3 tries, backing off 1 s then 2 s (then 4 s if more tries are configured). */
export const RETRY_BACKOFF_MS = [1_000, 2_000, 4_000] as const;
export const DEFAULT_RETRY_TRIES = 3;
/** GET_VIDEO body: no byte for this long is a stall. */
export const DOWNLOAD_STALL_TIMEOUT_MS = 30_000;

/**
 * What the rest of the renderer gets from `src-renderer/api/`: a ControllerApi plus the state of
 * the link to the controller. Components never know which transport is behind it.
 */
import type { ControllerApi } from '../../src-shared/api';

export type ConnectionPhase =
  /** First connection attempt in progress. */
  | 'connecting'
  | 'open'
  /** Lost; waiting or retrying with backoff. */
  | 'reconnecting'
  /** Closed for good (disposed). */
  | 'closed';

export interface ConnectionState {
  phase: ConnectionPhase;
  /** Consecutive failed attempts since the last successful connection. */
  attempt: number;
  /** ms epoch of the next attempt while reconnecting, else null. */
  nextRetryAt: number | null;
  /** Last reason the link dropped, for the banner. */
  error: string | null;
  /** How many times the link has opened (1 after the first connection; >1 after a reconnect). */
  opens: number;
}

export interface ConnectionSource {
  get(): ConnectionState;
  subscribe(listener: (state: ConnectionState) => void): () => void;
}

export interface Transport {
  kind: 'electron' | 'websocket' | 'fake';
  api: ControllerApi;
  connection: ConnectionSource;
  /** Browser mode: the local address of a finished file (token included), for drag-out. */
  fileUrl?: (downloadId: string, name: string) => string;
}

export const ALWAYS_OPEN: ConnectionSource = {
  get: () => ({ phase: 'open', attempt: 0, nextRetryAt: null, error: null, opens: 1 }),
  subscribe: () => () => {},
};

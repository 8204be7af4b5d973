/**
 * Manual device addresses typed by the operator (`host`, `host:port`, `[v6]:port`; port
 * default 8080). Validated strictly: an IPv4 literal, a bracketed IPv6 literal or an RFC 1123
 * host name, and a decimal port 1–65535. Nothing else (no scheme, path, user, spaces).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { DEFAULT_DEVICE_PORT } from '../../../src-shared/protocol';

export interface ManualAddress {
  host: string;
  port: number;
  /** Canonical `host:port` (`[v6]:port`), lower case: the fleet key of a manual entry. */
  key: string;
}

export class FleetError extends Error {
  readonly code: 'invalid_argument' | 'not_found';
  constructor(code: 'invalid_argument' | 'not_found', message: string) {
    super(message);
    this.name = 'FleetError';
    this.code = code;
  }
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function isHostName(h: string): boolean {
  if (h.length === 0 || h.length > 253) return false;
  const labels = (h.endsWith('.') ? h.slice(0, -1) : h).split('.');
  // All-numeric dotted names are malformed IPv4 (e.g. 1.2.3 or 01.2.3.4), not host names.
  if (labels.every((l) => /^\d+$/.test(l))) return false;
  return labels.every((l) => LABEL.test(l));
}

export function addressKey(host: string, port: number): string {
  const h = host.toLowerCase();
  return isIPv6(h) ? `[${h}]:${port}` : `${h}:${port}`;
}

export function parseManualAddress(input: unknown): ManualAddress {
  const bad = (why: string) =>
    new FleetError('invalid_argument', `not a device address (${why}): ${JSON.stringify(String(input).slice(0, 80))}; expected host:port`);
  if (typeof input !== 'string') throw bad('not text');
  const s = input.trim();
  if (s.length === 0 || s.length > 300) throw bad(s.length ? 'too long' : 'empty');
  let host: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
    if (!isIPv6(host)) throw bad('not an IPv6 address in brackets');
  } else if (isIPv6(s)) {
    host = s; // bare IPv6 literal, no port
  } else {
    const i = s.lastIndexOf(':');
    host = i < 0 ? s : s.slice(0, i);
    portText = i < 0 ? undefined : s.slice(i + 1);
    if (!isIPv4(host) && !isHostName(host.toLowerCase())) throw bad('bad host');
  }
  let port = DEFAULT_DEVICE_PORT;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) throw bad('bad port');
    port = Number(portText);
    if (port < 1 || port > 65535) throw bad('port out of range');
  }
  host = host.toLowerCase();
  return { host, port, key: addressKey(host, port) };
}

/**
 * Device (and server) addresses, the one parser and formatter: `host`, `host:port`,
 * `[v6]`, `[v6]:port`, or a bare IPv6 literal (`::1`, taken whole, default port). A host is an
 * IPv4 literal (four decimal parts, no leading zeros), an IPv6 literal (ipaddr.js; a zone such
 * as `%eth0` is kept) or an RFC 1123 host name; a port is decimal 1–65535. Nothing else: no
 * scheme, path, user or spaces. Runs everywhere (no node:*): the fleet, the recorder, the CLI,
 * the uploads and the renderer's Add device form all use it.
 *
 * The key (`addressKey`) is the canonical spelling: host names and IPv6 in lower case, IPv6
 * compressed (RFC 5952) and in brackets — the fleet key of a device added by address.
 */
import ipaddr from 'ipaddr.js';

export interface HostPort {
  host: string;
  port: number;
}

export interface ParsedAddress extends HostPort {
  /** Canonical `host:port` (`[v6]:port`). */
  key: string;
}

/** Why an address was refused: a short reason (for logs and codes) and one sentence for the operator. */
export interface AddressProblem {
  why: 'not text' | 'empty' | 'too long' | 'spaces' | 'scheme' | 'bad IPv6' | 'bad host' | 'no port' | 'bad port' | 'port out of range';
  message: string;
}

export type AddressParse = { ok: true; value: ParsedAddress } | ({ ok: false } & AddressProblem);

export interface ParseAddressOptions {
  /** Port when none is given (default 8080, the device apps' port). */
  defaultPort?: number;
  /** Refuse an address without a port (an address we wrote ourselves always has one). */
  requirePort?: boolean;
}

/** Longest address text looked at (a host name is at most 253 characters). */
export const MAX_ADDRESS_CHARS = 300;
const DEFAULT_PORT = 8080;
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const ZONE = /^[A-Za-z0-9_.-]{1,64}$/;

/** An RFC 1123 host name (lower case), not an all-numeric dotted string (a malformed IPv4). */
function isHostName(h: string): boolean {
  if (h.length === 0 || h.length > 253) return false;
  const labels = (h.endsWith('.') ? h.slice(0, -1) : h).split('.');
  if (labels.every((l) => /^\d+$/.test(l))) return false;
  return labels.every((l) => LABEL.test(l));
}

export function isIPv4(s: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(s);
}

/** An IPv6 literal, optionally with a zone (`fe80::1%eth0`). */
export function isIPv6(s: string): boolean {
  if (s.length > 45 + 65 || !s.includes(':')) return false;
  const pct = s.indexOf('%');
  if (pct >= 0 && !ZONE.test(s.slice(pct + 1))) return false;
  return ipaddr.IPv6.isValid(s);
}

/** Canonical IPv6 text: lower case, compressed (RFC 5952), IPv4-mapped as `::ffff:a.b.c.d`, zone kept. */
function canonicalIPv6(s: string): string {
  const pct = s.indexOf('%');
  const zone = pct >= 0 ? s.slice(pct) : '';
  const a = ipaddr.IPv6.parse(pct >= 0 ? s.slice(0, pct) : s);
  const text = a.isIPv4MappedAddress() ? `::ffff:${a.toIPv4Address().toString()}` : a.toRFC5952String();
  return text + zone;
}

/** `host:port`, with IPv6 in brackets: how an address is shown and written (take.json, logs, CLI). */
export function formatAddress(a: HostPort): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** The canonical key of an address (see the file comment). */
export function addressKey(host: string, port: number): string {
  const h = isIPv6(host) ? canonicalIPv6(host) : host.toLowerCase();
  return formatAddress({ host: h, port });
}

function problem(why: AddressProblem['why'], message: string): AddressParse {
  return { ok: false, why, message };
}

/** Parse an address typed by someone or read from a file (untrusted: bounded, linear). */
export function parseAddress(input: unknown, options: ParseAddressOptions = {}): AddressParse {
  if (typeof input !== 'string') return problem('not text', 'An address must be text such as 192.168.1.20:8080.');
  if (input.length > MAX_ADDRESS_CHARS * 4) return problem('too long', 'That address is too long.');
  const s = input.trim();
  if (s === '') return problem('empty', 'Enter an address such as 192.168.1.20:8080.');
  if (s.length > MAX_ADDRESS_CHARS) return problem('too long', 'That address is too long.');
  if (/\s/.test(s)) return problem('spaces', 'An address cannot contain spaces.');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return problem('scheme', 'Leave out the scheme: type 192.168.1.20:8080, not http://…');

  let host: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(s);
  if (bracket) {
    host = bracket[1]!;
    portText = bracket[2];
    if (!isIPv6(host)) return problem('bad IPv6', `"${host.slice(0, 80)}" is not an IPv6 address.`);
    host = canonicalIPv6(host);
  } else if (isIPv6(s)) {
    host = canonicalIPv6(s); // a bare IPv6 literal: taken whole, no port
  } else {
    const i = s.lastIndexOf(':');
    host = i < 0 ? s : s.slice(0, i);
    portText = i < 0 ? undefined : s.slice(i + 1);
    if (host.includes(':')) return problem('bad IPv6', 'Put an IPv6 address in brackets, e.g. [fe80::1]:8080.');
    host = host.toLowerCase();
    if (!isIPv4(host) && !isHostName(host)) return problem('bad host', `"${host.slice(0, 80)}" is not an IP address or host name.`);
  }
  let port = options.defaultPort ?? DEFAULT_PORT;
  if (portText === undefined) {
    if (options.requirePort) return problem('no port', 'The address needs a port, e.g. 192.168.1.20:8080.');
  } else {
    if (!/^\d{1,5}$/.test(portText)) return problem('bad port', 'The port must be a number from 1 to 65535.');
    port = Number(portText);
    if (port < 1 || port > 65535) return problem('port out of range', 'The port must be a number from 1 to 65535.');
  }
  return { ok: true, value: { host, port, key: formatAddress({ host, port }) } };
}

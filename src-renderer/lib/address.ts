/**
 * Client-side check of an "add device" address, so the UI never sends garbage.
 * Accepted: `host`, `host:port`, `[ipv6]`, `[ipv6]:port`, where host is a dotted IPv4 address or a
 * DNS name. The controller validates again.
 */
export type AddressCheck = { ok: true; address: string } | { ok: false; message: string };

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

function isIpv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && !(p.length > 1 && p.startsWith('0')));
}

function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 253) return false;
  const labels = s.replace(/\.$/, '').split('.');
  // All-numeric dotted names must be valid IPv4 (catches "192.168.1.300").
  if (labels.every((l) => /^\d+$/.test(l))) return false;
  return labels.every((l) => LABEL.test(l));
}

function isIpv6(s: string): boolean {
  return /^[0-9a-f:.]+$/i.test(s) && s.includes(':') && s.length <= 45;
}

export function checkAddress(input: string): AddressCheck {
  const s = input.trim();
  if (s === '') return { ok: false, message: 'Enter an address such as 192.168.1.20:8080.' };
  if (s.length > 300) return { ok: false, message: 'That address is too long.' };
  if (/\s/.test(s)) return { ok: false, message: 'An address cannot contain spaces.' };
  if (/^[a-z]+:\/\//i.test(s)) return { ok: false, message: 'Leave out the scheme: type 192.168.1.20:8080, not http://…' };

  let host: string;
  let port: string | null = null;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) {
    host = v6[1]!;
    port = v6[2] ?? null;
    if (!isIpv6(host)) return { ok: false, message: `"${host}" is not an IPv6 address.` };
  } else {
    const colons = s.split(':').length - 1;
    if (colons > 1) return { ok: false, message: 'Put an IPv6 address in brackets, e.g. [fe80::1]:8080.' };
    const i = s.lastIndexOf(':');
    host = i >= 0 ? s.slice(0, i) : s;
    port = i >= 0 ? s.slice(i + 1) : null;
    if (!isIpv4(host) && !isHostname(host)) return { ok: false, message: `"${host}" is not an IP address or host name.` };
  }
  if (port !== null) {
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return { ok: false, message: 'The port must be a number from 1 to 65535.' };
  }
  return { ok: true, address: s };
}

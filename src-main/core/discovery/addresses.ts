/**
 * Address preference for a sighting (protocol notes rule 10): answers may carry link-local IPv6
 * without a scope, which a TCP connect cannot use. Routable IPv4 first, then other IPv6, then
 * link-local (169.254/16, fe80::/10) last; invalid entries dropped, duplicates removed, order
 * otherwise kept.
 */
import { isIPv4, isIPv6 } from '../../../src-shared/address';

export function isLinkLocal(address: string): boolean {
  if (isIPv4(address)) return address.startsWith('169.254.');
  return /^fe[89ab][0-9a-f]?:/i.test(address);
}

export function orderAddresses(raw: unknown): string[] {
  if (!Array.isArray(raw)) return [];
  const seen = new Set<string>();
  const v4: string[] = [];
  const v6: string[] = [];
  const linkLocal: string[] = [];
  for (const a of raw) {
    if (typeof a !== 'string') continue;
    const addr = a.trim();
    const bare = addr.split('%')[0]!; // a zone id is allowed; validate the address part
    if (!(isIPv4(bare) || isIPv6(bare)) || seen.has(addr.toLowerCase())) continue;
    seen.add(addr.toLowerCase());
    if (isLinkLocal(bare)) linkLocal.push(addr);
    else if (isIPv4(bare)) v4.push(addr);
    else v6.push(addr);
  }
  return [...v4, ...v6, ...linkLocal];
}

/** Is `address` inside the IPv4 network of `local`/`netmask`? (answers from another subnet are not ours) */
export function sameIpv4Subnet(address: string, local: string, netmask: string): boolean {
  if (!isIPv4(address) || !isIPv4(local) || !isIPv4(netmask)) return false;
  const n = (s: string) => s.split('.').reduce((acc, p) => (acc << 8) + Number(p), 0) >>> 0;
  const m = n(netmask);
  return (n(address) & m) >>> 0 === (n(local) & m) >>> 0;
}

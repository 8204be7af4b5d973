/**
 * Reads mDNS response packets (as multicast-dns decodes them) for one service type.
 *
 * Why not bonjour-service's Browser events: its Browser (1.4) keeps only the PTR TTL (28800 s),
 * never refreshes `lastSeen` on a repeated answer, and ignores a new address under the same host
 * name, so expiry and re-announcement handling would be wrong. We read every answer ourselves and
 * keep the SRV/A TTLs. Every field is untrusted: malformed records are skipped, never thrown on.
 */

export interface MdnsAnswer {
  /** Instance label with the service suffix stripped, e.g. `multiCam-Mountain-A1B2C3D4`. */
  name: string;
  /** Full instance name, e.g. `multiCam-….​_multicam._tcp.local`. */
  fqdn: string;
  host: string;
  port: number;
  /** Raw A/AAAA data for the SRV target from the same packet (may be empty). */
  addresses: unknown[];
  /** Raw TXT data, `undefined` when the packet had no TXT record for the instance. */
  txt: unknown;
  /** Smallest TTL (s) among the SRV and address records; null when unknown. */
  ttlSeconds: number | null;
  /** Source address of the packet. */
  referer: string | null;
}

export interface MdnsGoodbye {
  name: string;
  fqdn: string;
}

export interface MdnsTxtUpdate {
  name: string;
  fqdn: string;
  txt: unknown;
  ttlSeconds: number | null;
  referer: string | null;
}

export interface ParsedResponse {
  answers: MdnsAnswer[];
  goodbyes: MdnsGoodbye[];
  txtUpdates: MdnsTxtUpdate[];
}

interface Rr {
  name: string;
  type: string;
  ttl: number;
  data: unknown;
}

const norm = (n: string) => n.replace(/\.$/, '').toLowerCase();

function records(packet: unknown): Rr[] {
  if (!packet || typeof packet !== 'object') return [];
  const p = packet as { answers?: unknown; additionals?: unknown };
  const all = [...(Array.isArray(p.answers) ? p.answers : []), ...(Array.isArray(p.additionals) ? p.additionals : [])];
  const out: Rr[] = [];
  for (const r of all) {
    if (!r || typeof r !== 'object') continue;
    const { name, type, ttl, data } = r as Record<string, unknown>;
    if (typeof name !== 'string' || typeof type !== 'string') continue;
    const t = typeof ttl === 'number' && Number.isFinite(ttl) && ttl >= 0 ? ttl : null;
    if (t === null) continue;
    out.push({ name, type, ttl: t, data });
  }
  return out;
}

/** `multiCam-x._multicam._tcp.local` → `multiCam-x` (instance labels may contain dots). */
export function instanceLabel(fqdn: string, serviceFqdn: string): string | null {
  const f = fqdn.replace(/\.$/, '');
  const suffix = `.${serviceFqdn.replace(/\.$/, '')}`;
  if (f.length <= suffix.length || !f.toLowerCase().endsWith(suffix.toLowerCase())) return null;
  // dns-packet escapes a literal dot inside a label as `\.`; show the operator's name.
  return f.slice(0, f.length - suffix.length).replace(/\\\./g, '.');
}

/** Parse one response for `serviceFqdn` (e.g. `_multicam._tcp.local`). Never throws. */
export function parseResponse(packet: unknown, serviceFqdn: string, referer: string | null = null): ParsedResponse {
  const out: ParsedResponse = { answers: [], goodbyes: [], txtUpdates: [] };
  let rrs: Rr[];
  try {
    rrs = records(packet);
  } catch {
    return out;
  }
  const service = norm(serviceFqdn);
  const gone = new Set<string>();
  const addGoodbye = (fqdn: string) => {
    const name = instanceLabel(fqdn, serviceFqdn);
    if (!name || gone.has(norm(fqdn))) return;
    gone.add(norm(fqdn));
    out.goodbyes.push({ name, fqdn: fqdn.replace(/\.$/, '') });
  };

  // Goodbyes: a PTR (or SRV) for the instance with TTL 0 (RFC 6762 §10.1).
  for (const r of rrs) {
    if (r.ttl !== 0) continue;
    if (r.type === 'PTR' && norm(r.name) === service && typeof r.data === 'string') addGoodbye(r.data);
    else if (r.type === 'SRV' && instanceLabel(r.name, serviceFqdn)) addGoodbye(r.name);
  }

  const live = rrs.filter((r) => r.ttl > 0);
  const withSrv = new Set<string>();
  for (const srv of live) {
    if (srv.type !== 'SRV') continue;
    const name = instanceLabel(srv.name, serviceFqdn);
    if (!name || gone.has(norm(srv.name))) continue;
    const d = srv.data as { port?: unknown; target?: unknown } | null;
    const port = d && typeof d === 'object' ? d.port : undefined;
    const host = d && typeof d === 'object' ? d.target : undefined;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535 || typeof host !== 'string') continue;
    withSrv.add(norm(srv.name));
    const addrRecords = live.filter((r) => (r.type === 'A' || r.type === 'AAAA') && norm(r.name) === norm(host));
    const txtRecord = live.find((r) => r.type === 'TXT' && norm(r.name) === norm(srv.name));
    const ttl = Math.min(srv.ttl, ...addrRecords.map((r) => r.ttl));
    out.answers.push({
      name,
      fqdn: srv.name.replace(/\.$/, ''),
      host,
      port,
      addresses: addrRecords.map((r) => r.data),
      txt: txtRecord ? txtRecord.data : undefined,
      ttlSeconds: ttl,
      referer,
    });
  }
  // A TXT change announced on its own (no SRV in the packet).
  for (const r of live) {
    if (r.type !== 'TXT' || withSrv.has(norm(r.name)) || gone.has(norm(r.name))) continue;
    const name = instanceLabel(r.name, serviceFqdn);
    if (!name) continue;
    out.txtUpdates.push({ name, fqdn: r.name.replace(/\.$/, ''), txt: r.data, ttlSeconds: r.ttl, referer });
  }
  return out;
}

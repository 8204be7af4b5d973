/**
 * Credentials never leave this process in readable form: a presigned URL's query string is a
 * bearer token (anyone holding it may write the object until it expires), and S3 error bodies
 * echo `X-Amz-*` / `AWSAccessKeyId` fields. Everything the upload code logs, persists or emits
 * goes through these helpers.
 */

const REDACTED = '<redacted>';

/** A URL without its query string, fragment or user info: `https://host/bucket/key?<redacted>`. */
export function redactUrl(url: string): string {
  if (typeof url !== 'string') return REDACTED;
  try {
    const u = new URL(url);
    const hadQuery = u.search.length > 0;
    if (!hadQuery && !u.username && !u.password && !u.hash && !url.includes('?')) return url;
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return `${u.toString()}${hadQuery ? `?${REDACTED}` : ''}`;
  } catch {
    // Not parseable: keep only what precedes any query-ish or credential-ish part.
    const cut = url.search(/[?#@]/);
    return cut < 0 ? url : `${url.slice(0, cut)}?${REDACTED}`;
  }
}

const URL_RE = /\bhttps?:\/\/[^\s"'<>`]+/gi;
/** `X-Amz-Signature=…`, `AWSAccessKeyId=…`, `Signature=…`, `aws_secret_access_key = …` (query strings, ini files, logs). */
const KV_RE = /\b((?:X-Amz-[A-Za-z0-9-]+|aws[A-Za-z0-9_-]*|Signature|Credential|Policy|SessionToken|Security-Token))(\s*[=:]\s*)("?)([^&\s"',;<>]+)/gi;
/** `<X-Amz-Expires>1</X-Amz-Expires>`, `<AWSAccessKeyId>…</AWSAccessKeyId>` in S3 XML error bodies. */
const XML_RE = /<((?:X-Amz-[A-Za-z0-9-]+|AWS[A-Za-z0-9_-]*|StringToSign[A-Za-z0-9-]*|CanonicalRequest[A-Za-z0-9-]*|SignatureProvided))>[\s\S]*?<\/\1>/gi;
/** `"awsSecret": "…"`-style JSON members. */
const JSON_RE = /("(?:aws[^"]*|x-amz-[^"]*|secretAccessKey|sessionToken|uploadUrl)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi;
/** Long-term and temporary AWS access key ids. */
const KEY_ID_RE = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;

/** Scrub free text (error messages, device-reported errors, log lines). */
export function redactSecrets(text: string): string {
  if (typeof text !== 'string') return text;
  return text
    .replace(XML_RE, (_m, tag: string) => `<${tag}>${REDACTED}</${tag}>`)
    .replace(JSON_RE, (_m, head: string) => `${head}"${REDACTED}"`)
    .replace(URL_RE, (u) => redactUrl(u))
    .replace(KV_RE, (_m, k: string, sep: string, q: string) => `${k}${sep}${q}${REDACTED}`)
    .replace(KEY_ID_RE, REDACTED);
}

const SECRET_KEY_RE = /^(aws|x-amz-)|secret|signature|credential|password|token|authorization/i;

/** Deep copy of plain data with secret-looking fields blanked and every string scrubbed. */
export function redactValue<T>(value: T): T {
  return walk(value, 0) as T;
}

function walk(v: unknown, depth: number): unknown {
  if (depth > 20) return REDACTED;
  if (typeof v === 'string') return redactSecrets(v);
  if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (/^uploadUrl$/i.test(k) && typeof x === 'string') out[k] = redactUrl(x);
      else if (SECRET_KEY_RE.test(k) && x !== null && x !== undefined) out[k] = REDACTED;
      else out[k] = walk(x, depth + 1);
    }
    return out;
  }
  return v;
}

/**
 * Credentials never leave this process in readable form: a presigned URL's query string is a
 * bearer token (anyone holding it may write the object until it expires), and S3 error bodies
 * echo `X-Amz-*` / `AWSAccessKeyId` fields. Everything the upload code and the recorder log, persist or emit
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

// Every pattern below runs in linear time on hostile input (a device may echo ~1 MiB of
// `<X-Amz-…>` fragments): name quantifiers are bounded, nothing is lazy-matched up to a
// back-reference, and a value is consumed up to a delimiter with no backtracking.
const URL_RE = /\bhttps?:\/\/[^\s"'<>`]+/gi;
/** `X-Amz-Signature=…`, `AWSAccessKeyId=…`, `Signature=…`, `aws_secret_access_key = …` (query strings, ini files, logs). */
const KV_RE =
  /\b(X-Amz-[A-Za-z0-9-]{1,64}|aws[A-Za-z0-9_-]{0,64}|Signature|Credential|Policy|SessionToken|Security-Token)(\s{0,8}[=:]\s{0,8})("?)([^&\s"',;<>]+)/gi;
/**
 * `<X-Amz-Expires>1</X-Amz-Expires>`, `<AWSAccessKeyId>…</AWSAccessKeyId>` in S3 XML error bodies:
 * the text up to the next `<` (XML text cannot contain one) is the value; an unclosed tag's
 * value runs to the end, which is redacted too.
 */
const XML_RE = /<(X-Amz-[A-Za-z0-9-]{1,64}|AWS[A-Za-z0-9_-]{0,64}|StringToSign[A-Za-z0-9-]{0,64}|CanonicalRequest[A-Za-z0-9-]{0,64}|SignatureProvided)>[^<]*/gi;
/** The key and colon of `"awsSecret": "…"`-style JSON members; the string value is scanned by hand. */
const JSON_KEY_RE = /"(?:aws[^"\\]{0,64}|x-amz-[^"\\]{0,64}|secretAccessKey|sessionToken|uploadUrl)"\s{0,8}:\s{0,8}"/gi;
/** Long-term and temporary AWS access key ids. */
const KEY_ID_RE = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;

/** Blank the value of every secret-named JSON string member, each character looked at once. */
function redactJsonMembers(text: string): string {
  let out = '';
  let from = 0;
  JSON_KEY_RE.lastIndex = 0;
  for (let m = JSON_KEY_RE.exec(text); m !== null; m = JSON_KEY_RE.exec(text)) {
    const valueStart = m.index + m[0].length;
    let i = valueStart;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    out += `${text.slice(from, valueStart)}${REDACTED}"`;
    // An unterminated value runs to the end: all of it is treated as secret.
    from = Math.min(text.length, i + 1);
    JSON_KEY_RE.lastIndex = from;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** Scrub free text (error messages, device-reported errors, log lines). Linear in the length of `text`. */
export function redactSecrets(text: string): string {
  if (typeof text !== 'string') return text;
  return redactJsonMembers(text.replace(XML_RE, (_m, tag: string) => `<${tag}>${REDACTED}`))
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

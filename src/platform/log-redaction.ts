/*
 * What the request log may not keep (docs/architecture.md, "Personal data"): a citizen's link
 * token is the key to their complaint, and it travels in the path; plates, phone numbers and
 * one-time codes travel in query strings. The logger's `req` serializer writes the URL through
 * `redactUrl`, so neither the access log nor an error's request context ever holds them.
 */

export const REDACTED = '[redacted]';

/** Paths whose next segment is a bearer token: the citizen's complaint API and H5 page. */
const TOKEN_PATHS = [/^(\/+api\/+v1\/+public\/+complaints\/+)([^/]+)/i, /^(\/+h5\/+t\/+)([^/]+)/i];

/** Query parameters never logged (`q` is the ticket search box, which takes plates). */
const SECRET_PARAMS = new Set(['plate', 'token', 'code', 'phone', 'q']);

function decodeKey(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).trim().toLowerCase();
  } catch {
    return raw.toLowerCase();
  }
}

/** `/api/v1/public/complaints/AbC…/answer?plate=苏F…` → `/api/v1/public/complaints/[redacted]/answer?plate=[redacted]`. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  let path = q === -1 ? url : url.slice(0, q);
  for (const re of TOKEN_PATHS) path = path.replace(re, (_m, prefix: string) => `${prefix}${REDACTED}`);
  if (q === -1) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((part) => {
      const eq = part.indexOf('=');
      const key = eq === -1 ? part : part.slice(0, eq);
      return SECRET_PARAMS.has(decodeKey(key)) ? `${key}=${REDACTED}` : part;
    })
    .join('&');
  return `${path}?${query}`;
}

interface LoggedRequest {
  method?: string;
  url?: string;
  ip?: string;
  host?: string;
  headers?: Record<string, string | string[] | undefined>;
  socket?: { remotePort?: number };
}

/** Fastify's own request serializer, with the URL redacted. */
export function serializeRequest(req: LoggedRequest) {
  return {
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}

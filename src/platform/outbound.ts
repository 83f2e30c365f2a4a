import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from './errors.js';
import { inIpRange, parseIpRange, type IpRange } from './ip-ranges.js';

/*
 * Requests the platform makes to addresses users configure: notification robots (WeCom,
 * DingTalk), SMTP servers, ticket status callbacks (security review, finding 12). Such an address
 * must not reach the platform's own network — loopback, link-local (cloud metadata at
 * 169.254.169.254), private (RFC 1918, fc00::/7), carrier-grade NAT, 0.0.0.0/8, multicast,
 * reserved; IPv4-mapped IPv6 is read as IPv4 — unless ZHIBO_OUTBOUND_ALLOW lists the host or a
 * range that holds it. Only plain unicast addresses pass otherwise.
 *
 * Checked twice: when the address is saved (`checkOutboundUrl`, 400 OUTBOUND_TARGET_FORBIDDEN;
 * a name that does not resolve then is let through) and when a request is made, on every address
 * the name resolves to at that moment, inside the connection's own DNS lookup (`postOutbound`,
 * `outboundAddress`), so a name that changes its answer after the check (DNS rebinding) cannot
 * slip through. What a target answers is never shown whole: callers report its status line.
 */

export const OUTBOUND_FORBIDDEN = 'OUTBOUND_TARGET_FORBIDDEN';

/** ZHIBO_OUTBOUND_ALLOW parsed: host names (exact, lower case) and address ranges. */
export interface OutboundAllow {
  hosts: ReadonlySet<string>;
  ranges: readonly IpRange[];
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Whether an entry of ZHIBO_OUTBOUND_ALLOW is a host name, an address or a CIDR range. */
export function isOutboundAllowEntry(entry: string): boolean {
  return parseIpRange(entry) !== null || (HOST_NAME.test(entry) && !/^[\d.]+$/.test(entry));
}

export function outboundAllow(entries: readonly string[]): OutboundAllow {
  const hosts = new Set<string>();
  const ranges: IpRange[] = [];
  for (const entry of entries) {
    const range = parseIpRange(entry);
    if (range) ranges.push(range);
    else hosts.add(entry.toLowerCase());
  }
  return { hosts, ranges };
}

/** A refused target: an AppError (400) for the API, and a send failure's text for the outboxes. */
export class OutboundForbiddenError extends AppError {
  constructor(host: string, address: string, range: string) {
    const where = host === address ? address : `${host} → ${address}`;
    super(400, OUTBOUND_FORBIDDEN, `不允许访问内网或本机地址 ${where}（${range}）；确需访问请由管理员列入 ZHIBO_OUTBOUND_ALLOW / ${OUTBOUND_FORBIDDEN}: ${where} is a ${range} address; list it in ZHIBO_OUTBOUND_ALLOW if it must be reached`);
  }
}

/** Why `address` may not be a target ('loopback', 'private', 'linkLocal' …), or null when it may. */
export function forbiddenRange(address: string, allow: OutboundAllow): string | null {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(address);
  } catch {
    return 'invalid';
  }
  if (allow.ranges.some((r) => inIpRange(ip, r))) return null;
  const range = ip.range();
  return range === 'unicast' ? null : range;
}

/** The host of a URL as a resolver wants it (IPv6 without brackets), lower case. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

function assertAddress(host: string, address: string, allow: OutboundAllow): void {
  const range = forbiddenRange(address, allow);
  if (range) throw new OutboundForbiddenError(host, address, range);
}

type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;
const resolveAll: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

/**
 * Save-time check of a host: refused (OutboundForbiddenError) when it is, or resolves to, an
 * address outside the allowed ones. A name that does not resolve now passes (the send-time
 * check still stands between it and any request).
 */
export async function checkOutboundHost(host: string, allow: OutboundAllow, resolve: Resolver = resolveAll): Promise<void> {
  const name = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (allow.hosts.has(name)) return;
  if (isIP(name)) return assertAddress(name, name, allow);
  let addresses: { address: string }[];
  try {
    addresses = await resolve(name);
  } catch {
    return;
  }
  for (const a of addresses) assertAddress(name, a.address, allow);
}

export async function checkOutboundUrl(url: string, allow: OutboundAllow, resolve: Resolver = resolveAll): Promise<void> {
  await checkOutboundHost(hostOf(new URL(url)), allow, resolve);
}

/** A DNS lookup for a connection that fails when any address the name has is forbidden. */
function guardedLookup(allow: OutboundAllow): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { family: options.family, hints: options.hints, all: true, verbatim: true }, (err, addresses) => {
      if (err) return (callback as (e: Error) => void)(err);
      for (const a of addresses) {
        const range = forbiddenRange(a.address, allow);
        if (range) return (callback as (e: Error) => void)(new OutboundForbiddenError(hostname, a.address, range));
      }
      if (!addresses.length) return (callback as (e: Error) => void)(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }));
      if (options.all) return (callback as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/**
 * The address to connect to for `host` (SMTP): checked like a request's own lookup. An
 * allow-listed name is returned as it is; otherwise one of its (all permitted) addresses.
 */
export async function outboundAddress(host: string, allow: OutboundAllow, resolve: Resolver = resolveAll): Promise<string> {
  const name = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (allow.hosts.has(name)) return host;
  if (isIP(name)) {
    assertAddress(name, name, allow);
    return name;
  }
  const addresses = await resolve(name);
  if (!addresses.length) throw Object.assign(new Error(`no address for ${name}`), { code: 'ENOTFOUND' });
  for (const a of addresses) assertAddress(name, a.address, allow);
  return addresses[0]!.address;
}

export interface OutboundResponse {
  status: number;
  /** The status line's reason phrase ('OK', 'Internal Server Error'). */
  statusText: string;
  /** At most `maxBodyBytes` of the answer (0 unless asked): for a caller that must parse it, never to show. */
  body: Buffer;
}

/** "HTTP 200 OK": all of an answer a user is ever shown. */
export function statusLine(res: Pick<OutboundResponse, 'status' | 'statusText'>): string {
  return `HTTP ${res.status}${res.statusText ? ` ${res.statusText.slice(0, 100)}` : ''}`;
}

/**
 * POSTs `body` to `url` (http or https) through the guard: an address literal is checked before
 * connecting, a name inside the connection's lookup. Redirects are not followed. Throws
 * OutboundForbiddenError, network errors, or an AbortError when `timeoutMs` passes.
 * `method: 'GET'` (the connectors' HTTP polling) sends no body.
 */
export async function postOutbound(
  url: string,
  opts: { allow: OutboundAllow; headers: Record<string, string>; body: string; timeoutMs: number; maxBodyBytes?: number; method?: 'POST' | 'GET' },
): Promise<OutboundResponse> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error(`not an http(s) address: ${target.protocol}`);
  const host = hostOf(target);
  const allowedName = opts.allow.hosts.has(host);
  if (!allowedName && isIP(host)) assertAddress(host, host, opts.allow);
  const max = opts.maxBodyBytes ?? 0;
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<OutboundResponse>((resolve, reject) => {
    const req = client.request(target, {
      method: opts.method ?? 'POST',
      headers: opts.method === 'GET' ? opts.headers : { ...opts.headers, 'content-length': String(Buffer.byteLength(opts.body)) },
      signal: AbortSignal.timeout(opts.timeoutMs),
      ...(allowedName ? {} : { lookup: guardedLookup(opts.allow) }),
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < max) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body: Buffer.concat(chunks).subarray(0, max) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.method === 'GET') req.end();
    else req.end(opts.body);
  });
}

/** Whether an error is a timeout of `postOutbound` (its AbortSignal). */
export function isTimeout(err: unknown): boolean {
  const e = err as { name?: string; code?: string; cause?: { name?: string } };
  return e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'ABORT_ERR' || e?.cause?.name === 'TimeoutError';
}

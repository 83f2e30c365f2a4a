import { signedHeaders } from '../../platform/signing.js';
import type { IngestEvent, IngestResponse } from './events.js';
import { operatorFor, type LotSet, type SimLot, type SimSource } from './lot-set.js';

/*
 * The simulator's HTTP client: it talks to a running Zhibo server only through the public API
 * (docs/接入规范.md) — login, the registry, and the signed ingest endpoint — like a vendor system would.
 *
 * Retries: network errors, timeouts, 429 and 502/503/504 are retried with exponential backoff
 * and jitter, honouring Retry-After; other 4xx and 500 are not (they will not get better).
 * Ingest requests are signed afresh on every attempt, since the server refuses timestamps more
 * than 300 s off; resending a batch that did arrive is harmless (its ids come back as duplicates).
 */

export const MAX_EVENTS_PER_REQUEST = 1000;
/** From this many new lots on, ensureRegistry uploads them through the registry's import. */
const BULK_IMPORT_FROM = 5;

export interface ClientOptions {
  baseUrl: string;
  fetch?: typeof fetch;
  /** How to wait between attempts; tests pass one that records instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  /** Attempts after the first; default 6. */
  retries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Per-attempt timeout; default 120 s (a full batch can take a while on a busy server). */
  timeoutMs?: number;
  /** Clock for request signing. */
  now?: () => Date;
  /** Jitter source; default Math.random (retries do not affect the simulated data). */
  random?: () => number;
  onRetry?: (info: { method: string; path: string; attempt: number; delayMs: number; reason: string }) => void;
  signal?: AbortSignal;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path} → ${status} ${code}: ${message}`);
    this.name = 'HttpError';
  }
}

interface RemoteSource {
  code: string;
  name: string;
  status?: string;
  operatorId?: number | null;
}

interface RemoteLot {
  code: string;
  name: string;
  districtCode: string;
  kind: string;
  category: string;
  totalSpaces: number;
  sourceCode: string | null;
  berthCount: number;
}

export interface RegistrySummary {
  sourcesCreated: number;
  /** Existing sources whose secret was rotated because it was not known. */
  sourcesRotated: number;
  lotsCreated: number;
  lotsUpdated: number;
  lotsUnchanged: number;
  berthsCreated: number;
  /** Operating companies created, and sources given theirs. */
  operatorsCreated: number;
  sourcesLinked: number;
  /** Sources switched off on the server: their batches will be refused (403 SOURCE_DISABLED). */
  disabledSources: string[];
}

const RETRY_STATUSES = new Set([429, 502, 503, 504]);

const defaultSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (!value) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export class ZhiboClient {
  private token: string | null = null;
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Retries made so far (all requests). */
  retries = 0;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, '');
    this.fetchFn = opts.fetch ?? ((input, init) => fetch(input, init));
    this.sleep = opts.sleep ?? ((ms) => defaultSleep(ms, opts.signal));
  }

  setToken(token: string): void {
    this.token = token;
  }

  async login(username: string, password: string): Promise<void> {
    const { body } = await this.request<{ token: string }>('POST', '/api/v1/auth/login', { json: { username, password }, auth: false });
    if (!body?.token) throw new HttpError(200, 'NO_TOKEN', 'login reply has no token', 'POST', '/api/v1/auth/login');
    this.token = body.token;
  }

  /** Sends one signed batch of events for a source. */
  async postEvents(sourceCode: string, secret: string, events: IngestEvent[]): Promise<IngestResponse> {
    if (events.length > MAX_EVENTS_PER_REQUEST) throw new Error(`at most ${MAX_EVENTS_PER_REQUEST} events per request`);
    const raw = JSON.stringify({ events });
    const now = this.opts.now ?? (() => new Date());
    const { body } = await this.request<IngestResponse>('POST', '/api/v1/ingest/events', {
      raw,
      auth: false,
      headers: () => signedHeaders(sourceCode, secret, raw, now()),
    });
    if (!body || typeof body.accepted !== 'number') throw new HttpError(200, 'BAD_REPLY', 'ingest reply is not { accepted, duplicates, rejected, results }', 'POST', '/api/v1/ingest/events');
    return { accepted: body.accepted, duplicates: body.duplicates ?? 0, rejected: body.rejected ?? 0, results: Array.isArray(body.results) ? body.results : [] };
  }

  /** Uploads one entry/exit snapshot through the signed photo upload; its `photo:` reference (docs/接入规范.md §6.7). */
  async uploadPhoto(sourceCode: string, secret: string, png: Uint8Array): Promise<string> {
    const now = this.opts.now ?? (() => new Date());
    const { body } = await this.request<{ ref?: string }>('POST', '/api/v1/ingest/photos', {
      raw: png,
      auth: false,
      headers: () => signedHeaders(sourceCode, secret, png, now(), 'image/png'),
    });
    if (!body?.ref) throw new HttpError(201, 'BAD_REPLY', 'photo upload reply has no ref', 'POST', '/api/v1/ingest/photos');
    return body.ref;
  }

  /**
   * Makes sure every source and lot of the set exists on the server as the simulation needs it
   * (lots bound to their source, sizes as simulated, berths numbered) and returns each source's
   * signing secret: from `known`, from creating the source, or by rotating it.
   */
  async ensureRegistry(set: LotSet, known: Record<string, string> = {}, concurrency = 4): Promise<{ secrets: Map<string, string>; summary: RegistrySummary }> {
    const summary: RegistrySummary = {
      sourcesCreated: 0, sourcesRotated: 0, lotsCreated: 0, lotsUpdated: 0, lotsUnchanged: 0, berthsCreated: 0, operatorsCreated: 0, sourcesLinked: 0, disabledSources: [],
    };
    const secrets = new Map<string, string>();
    const imported = new Set<string>();
    const operatorIds = await this.ensureOperators(set, summary);
    const { body: listed } = await this.request<{ items: RemoteSource[] }>('GET', '/api/v1/sources');
    const existing = new Set((listed?.items ?? []).map((s) => s.code));
    // A source without an operator gets its district's (set by hand, one is left alone).
    for (const s of listed?.items ?? []) {
      const source = set.sources.find((x) => x.code === s.code);
      if (!source || s.operatorId) continue;
      await this.request('PATCH', `/api/v1/sources/${encodeURIComponent(s.code)}`, { json: { operatorId: operatorIds.get(operatorFor(source.districtCode).name) ?? null } });
      summary.sourcesLinked++;
    }
    const wanted = new Set(set.sources.map((s) => s.code));
    // Left as they are: switching a source off is an operator's decision (and a good test).
    summary.disabledSources = (listed?.items ?? []).filter((s) => wanted.has(s.code) && s.status === 'disabled').map((s) => s.code);
    for (const source of set.sources) {
      if (!existing.has(source.code)) {
        const made = await this.createSource(source, operatorIds.get(operatorFor(source.districtCode).name) ?? null);
        if (made) {
          secrets.set(source.code, made);
          summary.sourcesCreated++;
          continue;
        }
      }
      const secret = known[source.code];
      if (secret) secrets.set(source.code, secret);
      else {
        secrets.set(source.code, await this.rotateSecret(source.code));
        summary.sourcesRotated++;
      }
    }

    let remote = await this.listLots('SIM-');
    // Many new lots: one upload through the registry's import (one transaction), the rest below.
    const missing = set.lots.filter((l) => !remote.has(l.code));
    if (missing.length >= BULK_IMPORT_FROM) {
      const created = await this.importLots(missing);
      if (created !== null) {
        summary.lotsCreated += created;
        remote = await this.listLots('SIM-');
        for (const l of missing) if (remote.has(l.code)) imported.add(l.code);
      }
    }
    await mapLimit(set.lots, concurrency, async (lot) => {
      let current = remote.get(lot.code) ?? null;
      let created = false;
      if (!current) {
        current = await this.createLot(lot);
        created = current !== null;
        // 409: made since the listing (another run); compare it like any existing lot.
        current ??= (await this.request<RemoteLot>('GET', `/api/v1/lots/${encodeURIComponent(lot.code)}`)).body;
      }
      if (created) summary.lotsCreated++;
      else if (imported.has(lot.code)) {
        /* counted with the import */
      } else if (lotDiffers(current, lot)) {
        // A lot of another seed or lot count under the same code: make it what this run simulates.
        current = (await this.request<RemoteLot>('PATCH', `/api/v1/lots/${encodeURIComponent(lot.code)}`, { json: lotBody(lot, false) })).body;
        summary.lotsUpdated++;
      } else summary.lotsUnchanged++;
      if (lot.kind === 'on_street' && lot.berthPrefix && (current?.berthCount ?? 0) < lot.totalSpaces) {
        const { body } = await this.request<{ created: number }>('POST', `/api/v1/lots/${encodeURIComponent(lot.code)}/berths/bulk`, {
          json: { prefix: lot.berthPrefix, from: 1, to: lot.totalSpaces, width: 3 },
        });
        summary.berthsCreated += body?.created ?? 0;
      }
    });
    return { secrets, summary };
  }

  /**
   * New lots in one request to the registry's import (a CSV, as an operator would upload it);
   * returns how many it created, or null when the server has no import (then they go one by one).
   */
  private async importLots(lots: readonly SimLot[]): Promise<number | null> {
    const cell = (v: string | number) => `"${String(v).replace(/"/g, '""')}"`;
    const csv = ['code,name,districtCode,kind,category,totalSpaces,address,lng,lat,coordSystem,sourceCode']
      .concat(lots.map((l) => [l.code, l.name, l.districtCode, l.kind, l.category, l.totalSpaces, l.address, l.lng, l.lat, 'gcj02', l.sourceCode].map(cell).join(',')))
      .join('\r\n');
    const boundary = `zhibo-sim-${Date.now().toString(36)}`;
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="simulated-lots.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`;
    try {
      const { body: r } = await this.request<{ created: number }>('POST', '/api/v1/lots/import', { raw: body, headers: () => ({ 'content-type': `multipart/form-data; boundary=${boundary}` }) });
      return r?.created ?? 0;
    } catch (err) {
      if (err instanceof HttpError && (err.status === 404 || err.status === 405 || err.status === 415)) return null;
      throw err;
    }
  }

  /** The operating companies of the set's sources, by name → id: created when missing. */
  private async ensureOperators(set: LotSet, summary: RegistrySummary): Promise<Map<string, number>> {
    const { body } = await this.request<{ items: { id: number; name: string }[] }>('GET', '/api/v1/operators');
    const ids = new Map((body?.items ?? []).map((o) => [o.name, o.id]));
    for (const districtCode of new Set(set.sources.map((s) => s.districtCode))) {
      const op = operatorFor(districtCode);
      if (ids.has(op.name)) continue;
      try {
        const { body: made } = await this.request<{ id: number }>('POST', '/api/v1/operators', { json: { ...op, remark: '城市模拟器 / city simulator' } });
        if (made) ids.set(op.name, made.id);
        summary.operatorsCreated++;
      } catch (err) {
        if (!(err instanceof HttpError && err.status === 409)) throw err;
      }
    }
    return ids;
  }

  private async createSource(source: SimSource, operatorId: number | null): Promise<string | null> {
    try {
      const { body } = await this.request<{ secret: string }>('POST', '/api/v1/sources', {
        json: { code: source.code, name: source.name, vendor: source.vendor, districtCode: source.districtCode, operatorId, remark: '城市模拟器 / city simulator' },
      });
      return body?.secret ?? null;
    } catch (err) {
      if (err instanceof HttpError && err.status === 409) return null;
      throw err;
    }
  }

  private async rotateSecret(code: string): Promise<string> {
    const { body } = await this.request<{ secret: string }>('POST', `/api/v1/sources/${encodeURIComponent(code)}/rotate-secret`);
    if (!body?.secret) throw new HttpError(200, 'NO_SECRET', 'rotate-secret reply has no secret', 'POST', `/api/v1/sources/${code}/rotate-secret`);
    return body.secret;
  }

  private async createLot(lot: SimLot): Promise<RemoteLot | null> {
    try {
      return (await this.request<RemoteLot>('POST', '/api/v1/lots', { json: lotBody(lot, true) })).body;
    } catch (err) {
      if (err instanceof HttpError && err.status === 409) return null;
      throw err;
    }
  }

  private async listLots(q: string): Promise<Map<string, RemoteLot>> {
    const out = new Map<string, RemoteLot>();
    for (let offset = 0; ; offset += 500) {
      const { body } = await this.request<{ items: RemoteLot[]; total: number }>('GET', `/api/v1/lots?q=${encodeURIComponent(q)}&limit=500&offset=${offset}`);
      for (const l of body?.items ?? []) out.set(l.code, l);
      if (!body || body.items.length < 500) return out;
    }
  }

  /** One API call with the retry policy. */
  async request<T>(
    method: string,
    path: string,
    opts: { json?: unknown; raw?: string | Uint8Array; auth?: boolean; headers?: () => Record<string, string> } = {},
  ): Promise<{ status: number; body: T }> {
    const retries = this.opts.retries ?? 6;
    const baseDelay = this.opts.baseDelayMs ?? 500;
    const maxDelay = this.opts.maxDelayMs ?? 30_000;
    const random = this.opts.random ?? Math.random;
    const raw = opts.raw;
    const body: string | Uint8Array<ArrayBuffer> | undefined = typeof raw === 'string' ? raw : raw ? new Uint8Array(raw) : opts.json === undefined ? undefined : JSON.stringify(opts.json);
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(opts.headers?.() ?? {}) };
      if (opts.auth !== false && this.token) headers.authorization = `Bearer ${this.token}`;
      let res: Response;
      let reason: string;
      let retryAfter: number | null = null;
      try {
        const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 120_000);
        const signal = this.opts.signal ? AbortSignal.any([this.opts.signal, timeout]) : timeout;
        res = await this.fetchFn(this.base + path, { method, headers, body, signal });
        if (res.ok) {
          const text = await res.text();
          return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
        }
        if (!RETRY_STATUSES.has(res.status)) throw await httpError(res, method, path);
        reason = `HTTP ${res.status}`;
        retryAfter = parseRetryAfter(res.headers.get('retry-after'));
        await res.body?.cancel().catch(() => undefined);
      } catch (err) {
        if (err instanceof HttpError) throw err;
        if (this.opts.signal?.aborted) throw err;
        reason = (err as Error).message ?? String(err);
        const cause = (err as { cause?: { code?: string } }).cause?.code;
        if (cause) reason += ` (${cause})`;
      }
      if (attempt >= retries) throw new HttpError(0, 'UNAVAILABLE', `gave up after ${attempt + 1} attempts: ${reason}`, method, path);
      const backoff = Math.min(maxDelay, baseDelay * 2 ** attempt) * (0.5 + random() / 2);
      const delayMs = Math.round(retryAfter !== null ? Math.min(Math.max(retryAfter, backoff / 2), maxDelay * 4) : backoff);
      this.retries++;
      this.opts.onRetry?.({ method, path, attempt: attempt + 1, delayMs, reason });
      await this.sleep(delayMs);
    }
  }
}

async function httpError(res: Response, method: string, path: string): Promise<HttpError> {
  const text = await res.text().catch(() => '');
  let code = `HTTP_${res.status}`;
  let message = text.slice(0, 300) || res.statusText;
  try {
    const parsed = JSON.parse(text) as { error?: { code?: string; message?: string } };
    if (parsed.error?.code) code = parsed.error.code;
    if (parsed.error?.message) message = parsed.error.message;
  } catch {
    // not JSON: keep the text
  }
  return new HttpError(res.status, code, message, method, path);
}

function lotBody(lot: SimLot, create: boolean): Record<string, unknown> {
  return {
    ...(create ? { code: lot.code } : {}),
    name: lot.name,
    districtCode: lot.districtCode,
    kind: lot.kind,
    category: lot.category,
    totalSpaces: lot.totalSpaces,
    lng: lot.lng,
    lat: lot.lat,
    coordSystem: 'gcj02',
    sourceCode: lot.sourceCode,
    address: lot.address,
  };
}

function lotDiffers(remote: RemoteLot, lot: SimLot): boolean {
  return remote.name !== lot.name || remote.districtCode !== lot.districtCode || remote.kind !== lot.kind || remote.category !== lot.category
    || remote.totalSpaces !== lot.totalSpaces || remote.sourceCode !== lot.sourceCode;
}

/** Runs `fn` over items with at most `limit` at a time. */
export async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

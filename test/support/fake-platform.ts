import { randomBytes } from 'node:crypto';
import { isValidPlate, NO_PLATE_WORDS, noPlateKey, normalizePlate } from '../../src/platform/plates.js';
import { signatureMatches } from '../../src/platform/signing.js';
import { parseSimTime } from '../../src/modules/simulator/index.js';

/*
 * Test support only: an in-memory stand-in for the parts of the Zhibo API the simulator calls
 * (login, sources, lots, berths, signed ingest), implementing the public contract of docs/接入规范.md
 * closely enough to run the simulator end to end without a server. Used as `fetch`.
 */

interface Source {
  code: string;
  name: string;
  secret: string;
  operatorId?: number | null;
}

interface Lot {
  code: string;
  name: string;
  districtCode: string;
  kind: string;
  category: string;
  totalSpaces: number;
  sourceCode: string | null;
  berthCount: number;
}

export interface ReceivedEvent {
  source: string;
  receivedAt: number;
  event: Record<string, unknown>;
  status: 'accepted' | 'duplicate' | 'rejected';
  code?: string;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(body === null ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const error = (status: number, code: string, message = code) => json(status, { error: { code, message } });

export class FakePlatform {
  readonly sources = new Map<string, Source>();
  readonly operators = new Map<number, { id: number; name: string; contactName: string | null; contactPhone: string | null }>();
  readonly lots = new Map<string, Lot>();
  readonly received: ReceivedEvent[] = [];
  readonly seen = new Set<string>();
  readonly calls: { method: string; path: string; status: number }[] = [];
  private readonly tokens = new Set<string>();

  constructor(
    readonly now: () => number,
    private readonly password = 'pw',
  ) {}

  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = (init?.method ?? 'GET').toUpperCase();
    const headers = new Headers(init?.headers);
    const body = typeof init?.body === 'string' ? init.body : '';
    const res = await this.handle(method, url, headers, body);
    this.calls.push({ method, path: url.pathname, status: res.status });
    return res;
  };

  private async handle(method: string, url: URL, headers: Headers, raw: string): Promise<Response> {
    const path = url.pathname;
    // No lot import here: the client falls back to creating lots one by one.
    if (method === 'POST' && path === '/api/v1/lots/import') return error(404, 'NOT_FOUND');
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    if (method === 'POST' && path === '/api/v1/auth/login') {
      if (body.username !== 'admin' || body.password !== this.password) return error(401, 'INVALID_CREDENTIALS');
      const token = randomBytes(8).toString('hex');
      this.tokens.add(token);
      return json(200, { token, expiresAt: new Date(this.now() + 3600_000).toISOString(), user: { username: 'admin' } });
    }
    if (method === 'POST' && path === '/api/v1/ingest/events') return this.ingest(headers, raw);
    const auth = headers.get('authorization')?.replace(/^Bearer /, '');
    if (!auth || !this.tokens.has(auth)) return error(401, 'UNAUTHENTICATED');

    if (method === 'GET' && path === '/api/v1/operators') return json(200, { items: [...this.operators.values()] });
    if (method === 'POST' && path === '/api/v1/operators') {
      const name = String(body.name);
      if ([...this.operators.values()].some((o) => o.name === name)) return error(409, 'DUPLICATE');
      const operator = { id: this.operators.size + 1, name, contactName: (body.contactName as string | undefined) ?? null, contactPhone: (body.contactPhone as string | undefined) ?? null };
      this.operators.set(operator.id, operator);
      return json(201, operator);
    }
    const patchSource = /^\/api\/v1\/sources\/([^/]+)$/.exec(path);
    if (method === 'PATCH' && patchSource) {
      const source = this.sources.get(decodeURIComponent(patchSource[1]!));
      if (!source) return error(404, 'NOT_FOUND');
      if (body.operatorId !== undefined) source.operatorId = body.operatorId as number | null;
      const { secret: _secret, ...view } = source;
      return json(200, view);
    }
    if (method === 'GET' && path === '/api/v1/sources') return json(200, { items: [...this.sources.values()].map(({ secret: _secret, ...s }) => s) });
    if (method === 'POST' && path === '/api/v1/sources') {
      const code = String(body.code);
      if (this.sources.has(code)) return error(409, 'DUPLICATE');
      const source: Source = { code, name: String(body.name), secret: randomBytes(16).toString('base64url'), operatorId: (body.operatorId as number | null | undefined) ?? null };
      this.sources.set(code, source);
      return json(201, { ...source });
    }
    const rotate = /^\/api\/v1\/sources\/([^/]+)\/rotate-secret$/.exec(path);
    if (method === 'POST' && rotate) {
      const source = this.sources.get(decodeURIComponent(rotate[1]!));
      if (!source) return error(404, 'NOT_FOUND');
      source.secret = randomBytes(16).toString('base64url');
      return json(200, { code: source.code, secret: source.secret, secretRotatedAt: new Date(this.now()).toISOString() });
    }
    if (method === 'GET' && path === '/api/v1/lots') {
      const q = url.searchParams.get('q') ?? '';
      const limit = Number(url.searchParams.get('limit') ?? 50);
      const offset = Number(url.searchParams.get('offset') ?? 0);
      const all = [...this.lots.values()].filter((l) => l.code.includes(q));
      return json(200, { items: all.slice(offset, offset + limit), total: all.length });
    }
    if (method === 'POST' && path === '/api/v1/lots') {
      const code = String(body.code);
      if (this.lots.has(code)) return error(409, 'DUPLICATE');
      if (body.sourceCode && !this.sources.has(String(body.sourceCode))) return error(400, 'UNKNOWN_SOURCE');
      const lot: Lot = {
        code, name: String(body.name), districtCode: String(body.districtCode), kind: String(body.kind), category: String(body.category),
        totalSpaces: Number(body.totalSpaces), sourceCode: (body.sourceCode as string) ?? null, berthCount: 0,
      };
      this.lots.set(code, lot);
      return json(201, lot);
    }
    const lotPath = /^\/api\/v1\/lots\/([^/]+)(\/berths\/bulk)?$/.exec(path);
    if (lotPath) {
      const lot = this.lots.get(decodeURIComponent(lotPath[1]!));
      if (!lot) return error(404, 'NOT_FOUND');
      if (method === 'GET' && !lotPath[2]) return json(200, lot);
      if (method === 'PATCH' && !lotPath[2]) {
        Object.assign(lot, Object.fromEntries(Object.entries(body).filter(([k]) => k in lot)));
        return json(200, lot);
      }
      if (method === 'POST' && lotPath[2]) {
        if (lot.kind !== 'on_street') return error(400, 'NOT_ON_STREET');
        const n = Number(body.to) - Number(body.from) + 1;
        const created = Math.max(0, n - lot.berthCount);
        lot.berthCount = Math.max(lot.berthCount, n);
        return json(201, { created, skipped: [], items: [] });
      }
    }
    return error(404, 'NOT_FOUND', `${method} ${path}`);
  }

  private ingest(headers: Headers, raw: string): Response {
    const code = headers.get('x-zhibo-source') ?? '';
    const ts = headers.get('x-zhibo-timestamp') ?? '';
    const source = this.sources.get(code);
    if (!source) return error(401, 'UNKNOWN_SOURCE');
    if (Math.abs(Number(ts) * 1000 - this.now()) > 300_000) return error(401, 'STALE_TIMESTAMP');
    if (!signatureMatches(source.secret, ts, raw, headers.get('x-zhibo-signature') ?? '')) return error(401, 'BAD_SIGNATURE');
    const events = (JSON.parse(raw) as { events: Record<string, unknown>[] }).events;
    if (!Array.isArray(events) || events.length > 1000) return error(400, 'BAD_BATCH');
    const reply = { accepted: 0, duplicates: 0, rejected: 0, results: [] as { eventId: string; status: string; code?: string }[] };
    for (const e of events) {
      const id = String(e.eventId);
      let status: ReceivedEvent['status'] = 'accepted';
      let reason: string | undefined;
      const key = `${code}|${id}`;
      if (this.seen.has(key)) status = 'duplicate';
      else {
        reason = this.problem(code, e);
        if (reason) status = 'rejected';
        else this.seen.add(key);
      }
      this.received.push({ source: code, receivedAt: this.now(), event: e, status, ...(reason ? { code: reason } : {}) });
      reply[status === 'accepted' ? 'accepted' : status === 'duplicate' ? 'duplicates' : 'rejected']++;
      reply.results.push({ eventId: id, status, ...(reason ? { code: reason } : {}) });
    }
    return json(200, reply);
  }

  private problem(source: string, e: Record<string, unknown>): string | undefined {
    const at = parseSimTime(String(e.occurredAt));
    if (Number.isNaN(at)) return 'INVALID_TIME';
    if (at > this.now() + 300_000) return 'FUTURE_TIME';
    if (e.type !== 'heartbeat') {
      const lot = this.lots.get(String(e.lotCode));
      if (!lot || lot.sourceCode !== source) return 'LOT_NOT_BOUND';
    }
    if (e.type === 'entry' || e.type === 'exit') {
      // Like the server (docs/接入规范.md §6.2): a car without a plate is accepted on its ticket.
      const plate = e.plate === undefined || e.plate === null ? '' : normalizePlate(String(e.plate));
      const noPlate = plate === '' || NO_PLATE_WORDS.includes(plate);
      if (noPlate ? typeof e.ticketId !== 'string' || noPlateKey(e.ticketId) === null : !isValidPlate(plate)) return 'INVALID_PLATE';
    }
    // Like the server: an impossible free count is accepted (and flagged there), not refused.
    return undefined;
  }
}

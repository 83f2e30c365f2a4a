import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv } from './support/backends.js';
import { bearer, loginToken, userToken } from './support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from './support/ingest.js';
import { operationsOf, SchemaArbitraries, type FuzzRequest, type Operation, type Pool, type Schema } from './support/openapi-fuzz.js';
import { newTicket } from './support/tickets.js';

/*
 * Every route fuzzed (docs/architecture.md, "Testing"): for each operation of /api/openapi.json,
 * fast-check draws requests its schemas accept and requests damaged in one way (wrong types,
 * missing required fields, oversized strings, unusual Unicode, negative and huge numbers,
 * malformed JSON, other content types, nasty path segments), and sends them as an admin, as a
 * district user and without an account. Whatever comes in:
 *   - the answer is never a 5xx;
 *   - every 4xx is `{ error: { code, message } }` (src/platform/error-handler.ts);
 *   - a district user never receives a row of another district (any `districtCode` /
 *     `districtCodes` in a 2xx answer is its own);
 *   - a request built from the schemas is never refused by the schema validator (the document
 *     and the validation are the same schemas).
 *
 * Seeded and reproducible: it prints the seed; ZHIBO_FUZZ_SEED=<seed> replays a run, and
 * ZHIBO_FUZZ_SEED=random draws a new one. Each operation and actor has its own seed derived from
 * it, so a failure replays alone: ZHIBO_FUZZ_SEED=<seed> npx vitest run test/api-fuzz.test.ts -t '<operation>'.
 * ZHIBO_FUZZ_RUNS scales the number of requests (default 1: 10 per operation as admin, 6 as the
 * district user, 4 without an account). PGlite only: the routes, not the database, are under test.
 */

const SEED = process.env.ZHIBO_FUZZ_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.ZHIBO_FUZZ_SEED ?? 20261207);
const SCALE = Number(process.env.ZHIBO_FUZZ_RUNS ?? 1);
const RUNS = { admin: Math.ceil(10 * SCALE), district: Math.ceil(6 * SCALE), anonymous: Math.ceil(4 * SCALE) };
const OWN_DISTRICT = '320602';
const OTHER_DISTRICT = '320612';

/** Operations not fuzzed here, and why. */
const SKIPPED: Record<string, string> = {
  'POST /api/v1/lots/import': 'file upload (multipart): test/upload-limits.test.ts and the registry import tests',
  'POST /api/v1/ingest/import': 'file upload (multipart): test/upload-limits.test.ts and the event import tests',
  'POST /api/v1/tickets/{id}/attachments': 'file upload (multipart): test/upload-limits.test.ts and the ticket tests',
  'POST /api/v1/public/complaints/{token}/photos': 'file upload (multipart): test/upload-limits.test.ts and the complaint tests',
  'POST /api/v1/onboarding/import': 'file upload (multipart): test/upload-limits.test.ts and the onboarding tests',
  'POST /api/v1/payments/reconciliation/imports': 'file upload (multipart): test/upload-limits.test.ts and the reconciliation tests',
  'POST /api/v1/security/vulnerabilities/import': 'file upload (multipart): test/upload-limits.test.ts and the scanner import tests',
};

/**
 * Answers a district user may get that name other districts, and why that is not a leak.
 * Public routes show the city's public data to anyone.
 */
const CITY_WIDE = [/^\/api\/v1\/public\//];

/** Operations whose refusals follow someone else's protocol instead of the error shape, and whose. */
const OTHER_ERROR_SHAPE: Record<string, string> = {
  'POST /api/v1/public/payments/{channelCode}/notify': 'the payment channels\' own: Alipay\'s text "fail", WeChat Pay\'s { code, message } (docs/支付通道接入.md)',
};

type Actor = 'admin' | 'district' | 'anonymous';

/** FNV-1a over the seed and a name: one seed per operation and actor. */
function seedFor(...parts: (string | number)[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join('|')) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h | 0;
}

/** Writes first (they fill the lists the reads then go through), then reads, deletes last. */
const ORDER: Record<string, number> = { POST: 0, PUT: 0, PATCH: 0, GET: 1, DELETE: 2 };

/** Where a 2xx answer to the district user names a district other than its own. */
function foreignDistricts(value: unknown, at = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => foreignDistricts(v, `${at}[${i}]`));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => {
    if (k === 'districtCode' && typeof v === 'string' && v !== OWN_DISTRICT) return [`${at}.${k} = ${v}`];
    if (k === 'districtCodes' && Array.isArray(v) && v.some((c) => c !== OWN_DISTRICT)) return [`${at}.${k} = ${v.join(',')}`];
    return foreignDistricts(v, `${at}.${k}`);
  });
}

console.log(`api fuzz: ZHIBO_FUZZ_SEED=${SEED} (runs × ${SCALE})`);

const env = await createTestEnv('pglite', {
  // The limits of sign-in and the public service are tested elsewhere; here they would only turn
  // most requests into 429 before they reach the handlers.
  loginMaxFailures: 1_000_000,
  loginAccountMaxFailures: 1_000_000,
  publicRatePerMinute: 100_000,
  plateSearchPerMinute: 100_000,
});
const docRes = await env.app.inject({ url: '/api/openapi.json' });
const doc = docRes.json() as { paths: Record<string, Record<string, never>>; components: { schemas: Record<string, Schema> } };
const operations = operationsOf(doc).sort((a, b) => (ORDER[a.method] ?? 1) - (ORDER[b.method] ?? 1));

describe('every route fuzzed [pglite]', () => {
  const tokens: Record<Exclude<Actor, 'anonymous'>, string> = { admin: '', district: '' };
  const DISTRICT_USER = { username: 'fz-district', role: 'district', districtCode: OWN_DISTRICT };
  const pool: Pool = { strings: [], integers: [] };
  let arbitraries: SchemaArbitraries;
  const stats = new Map<string, number>();

  beforeAll(async () => {
    tokens.admin = await loginToken(env.app);
    tokens.district = await userToken(env.app, tokens.admin, DISTRICT_USER);
    await userToken(env.app, tokens.admin, { username: 'fz-spare', role: 'viewer' });
    // Two districts with a source, lots, parking records and a work order each.
    const sources: TestSource[] = [
      await createSourceWithLots(env, tokens.admin, 'FZ-A', [{ code: 'FZ-A1', districtCode: OWN_DISTRICT }, { code: 'FZ-A2', districtCode: OWN_DISTRICT, kind: 'on_street' }]),
      await createSourceWithLots(env, tokens.admin, 'FZ-B', [{ code: 'FZ-B1', districtCode: OTHER_DISTRICT }, { code: 'FZ-B2', districtCode: OTHER_DISTRICT }]),
    ];
    const at = (minutesAgo: number) => new Date(env.clock.now().getTime() - minutesAgo * 60_000).toISOString();
    for (const [i, src] of sources.entries()) {
      const lots = i === 0 ? ['FZ-A1', 'FZ-A2'] : ['FZ-B1', 'FZ-B2'];
      const events = lots.flatMap((lotCode, j) => [
        { type: 'status', eventId: `st-${lotCode}`, occurredAt: at(5), lotCode, totalSpaces: 100, freeSpaces: 40 },
        { type: 'entry', eventId: `in-${lotCode}`, occurredAt: at(180), lotCode, plate: `苏F${i}${j}001` },
        { type: 'exit', eventId: `out-${lotCode}`, occurredAt: at(60), lotCode, plate: `苏F${i}${j}001`, receivableFen: 500, paidFen: 500, payChannel: 'wechat' },
        { type: 'entry', eventId: `in2-${lotCode}`, occurredAt: at(30), lotCode, plate: `苏F${i}${j}002` },
      ]);
      const res = await postEvents(env, src, events);
      expect(res.statusCode, res.body).toBe(200);
    }
    const tickets = [await newTicket(env, tokens.admin, { lotCode: 'FZ-A1' }), await newTicket(env, tokens.admin, { lotCode: 'FZ-B1' })];
    const sessions = (await env.app.inject({ url: '/api/v1/sessions?limit=50', headers: bearer(tokens.admin) })).json() as { items: { id: number }[] };
    pool.strings.push(
      OWN_DISTRICT, OTHER_DISTRICT, 'FZ-A', 'FZ-B', 'FZ-A1', 'FZ-A2', 'FZ-B1', 'FZ-B2', 'fz-spare', 'B001', '苏F00001', '苏F10002',
      '2026-11-25', '2026-11-24', '2026-11', '2026-10', '2026-Q4', '2026-W48', '08:30', '17:30', '2026-11-25T02:00:00.000Z', 'wechat', 'alipay', 'WX', 'ALI', 'phone',
      ...tickets.map((t) => t.no),
    );
    pool.integers.push(0, 1, 2, 3, 5, 10, ...tickets.map((t) => t.id), ...sessions.items.map((s) => s.id));
    arbitraries = new SchemaArbitraries(doc.components.schemas, pool);
  });

  afterAll(async () => {
    console.log(`api fuzz: ZHIBO_FUZZ_SEED=${SEED}; answers: ${[...stats].sort().map(([k, n]) => `${k} ${n}`).join(', ')}`);
    // close() also throws when the server answered any 5xx (other than 503) during the suite.
    await env.close();
  });

  /** The admin's and the district user's tokens still work (an operation may have signed one out). */
  async function keepSignedIn(): Promise<void> {
    for (const actor of ['admin', 'district'] as const) {
      const me = await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(tokens[actor]) });
      if (me.statusCode === 200) continue;
      tokens[actor] = actor === 'admin' ? await loginToken(env.app) : await loginToken(env.app, DISTRICT_USER.username, 'User-Pass-1');
    }
  }

  async function send(op: Operation, actor: Actor, req: FuzzRequest): Promise<void> {
    const headers = { ...req.headers, ...(actor === 'anonymous' ? {} : bearer(tokens[actor])) };
    const res = await env.app.inject({ method: req.method as 'GET', url: req.url, headers, ...(req.payload === undefined ? {} : { payload: req.payload }) });
    const status = res.statusCode;
    stats.set(String(status), (stats.get(String(status)) ?? 0) + 1);
    const what = `${actor} ${req.kind}: ${req.method} ${req.url.slice(0, 300)} → ${status} ${res.body.slice(0, 400)}`;
    expect(status < 500, what).toBe(true);
    const isJson = String(res.headers['content-type'] ?? '').startsWith('application/json');
    if (status >= 400 && !OTHER_ERROR_SHAPE[op.name]) {
      expect(isJson, what).toBe(true);
      const body = res.json() as { error?: { code?: unknown; message?: unknown } };
      expect(typeof body.error?.code, what).toBe('string');
      expect(typeof body.error?.message, what).toBe('string');
      if (req.kind === 'valid') expect(body.error?.code, `a request built from the schemas was refused by them — ${what}`).not.toBe('VALIDATION_FAILED');
    } else if (actor === 'district' && isJson && !CITY_WIDE.some((re) => re.test(op.path))) {
      expect(foreignDistricts(res.json()), `district ${OWN_DISTRICT} received another district's data — ${what}`).toEqual([]);
    }
  }

  /** fast-check's own report prints the whole request, which can be megabytes: the cause and a clipped request instead. */
  function failureReport(op: Operation, actor: Actor, run: fc.RunDetails<[FuzzRequest]>): string {
    const req = run.counterexample?.[0];
    const clip = (text: string | undefined) => (text && text.length > 300 ? `${text.slice(0, 300)}… (${text.length} characters)` : text);
    const cause = run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
    return [
      `${op.name} as ${actor}: ${clip(cause)}`,
      req ? `request (${req.kind}): ${req.method} ${clip(req.url)} ${JSON.stringify(req.headers)} ${clip(req.payload) ?? ''}` : '',
      `replay: ZHIBO_FUZZ_SEED=${SEED} npx vitest run test/api-fuzz.test.ts -t '${op.name}' (fast-check seed ${run.seed}, path ${run.counterexamplePath})`,
    ].join('\n');
  }

  it('names only operations of the document as skipped or with another error shape', () => {
    const names = new Set(operations.map((op) => op.name));
    expect([...Object.keys(SKIPPED), ...Object.keys(OTHER_ERROR_SHAPE)].filter((name) => !names.has(name))).toEqual([]);
  });

  for (const op of operations) {
    const reason = SKIPPED[op.name];
    if (reason) {
      it.skip(`${op.name} — ${reason}`, () => {});
      continue;
    }
    it(op.name, async () => {
      for (const actor of ['admin', 'district', 'anonymous'] as const) {
        const requests = fc.oneof(arbitraries.validRequest(op), arbitraries.invalidRequest(op));
        const run = await fc.check(fc.asyncProperty(requests, (req) => send(op, actor, req)), {
          seed: seedFor(SEED, op.name, actor),
          numRuns: RUNS[actor],
          endOnFailure: true,
        });
        if (run.failed) throw new Error(failureReport(op, actor, run));
      }
      await keepSignedIn();
    });
  }
});

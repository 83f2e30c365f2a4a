import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { createSourceWithLots } from '../../../test/support/ingest.js';
import { createMariaDatabase, type MariaScratch } from '../../../test/support/mariadb.js';
import { pullDueConnectors, signFeedRequest } from './index.js';

/*
 * Connectors end to end (docs/数据对接.md): a real MariaDB table and a real local HTTP feed
 * pulled into sessions through ingest, no record lost or doubled across pulls, re-reads and a
 * source that changes under it; secrets never in an answer or the audit log; the dry run's
 * verdicts. The clock stands at 2026-11-25 10:00 Shanghai; the source's times are before it.
 */

const SOURCE = 'CONN-SRC';
const LOT = 'CONN-LOT';

/** The lot system's session table as such systems keep it: colour codes, yuan, local times. */
const sessionMapping = {
  events: [
    { type: { value: 'entry' }, eventId: { paths: ['id'], prefix: 'PK-', suffix: '-in' }, fields: { occurredAt: { path: 'in_time' }, lotCode: { path: 'park_no' }, plate: { path: 'car_no' }, plateColor: { path: 'color' } } },
    {
      type: { value: 'exit' }, when: { path: 'out_time' }, eventId: { paths: ['id'], prefix: 'PK-', suffix: '-out' },
      fields: { occurredAt: { path: 'out_time' }, lotCode: { path: 'park_no' }, plate: { path: 'car_no' }, entryEventId: { path: 'id', prefix: 'PK-', suffix: '-in' }, paidFen: { path: 'fee' }, payChannel: { path: 'pay_type' } },
    },
  ],
  time: { format: 'auto', zone: 'Asia/Shanghai' },
  money: 'yuan',
  valueMaps: { plateColor: { 0: 'blue', 1: 'yellow', 2: 'green' }, payChannel: { 1: 'wechat', 2: 'alipay' }, lotCode: { P01: LOT } },
};

const plateOf = (n: number) => `苏F${String(n).padStart(5, '0')}`;
const local = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
/** Row n: in at 22:00 Shanghai on the 24th + n minutes, out two hours later for even n (odd ones are still in). */
const rowOf = (n: number) => {
  const inAt = new Date(Date.UTC(2026, 10, 24, 14, n, 0));
  const out = n % 2 === 0 ? new Date(inAt.getTime() + 2 * 3600_000) : null;
  return { id: n, park_no: 'P01', car_no: plateOf(n), color: String(n % 3), in_time: local(inAt), out_time: out ? local(out) : null, fee: out ? '5.00' : null, pay_type: out ? 1 : null };
};

describeDb('connectors: MariaDB table and HTTP feed into sessions', (backend) => {
  let env: TestEnv;
  let admin: string;
  let maria: MariaScratch;
  let feed: Server;
  let feedUrl = '';
  const feedRows: Record<string, unknown>[] = [];
  const feedRequests: { url: string; signature: string | undefined; timestamp: string | undefined }[] = [];

  const staff = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => env.app.inject({ method, url, headers: bearer(admin), ...(payload ? { payload } : {}) });
  const counts = async (prefix: string) => {
    const events = await sql<{ n: number }>`select count(*)::int as n from ingest_events where source_code = ${SOURCE} and event_id like ${`${prefix}%`}`.execute(env.ctx.db);
    const distinct = await sql<{ n: number }>`select count(distinct event_id)::int as n from ingest_events where source_code = ${SOURCE} and event_id like ${`${prefix}%`}`.execute(env.ctx.db);
    const sessions = await sql<{ n: number; closed: number; paid: number }>`
      select count(*)::int as n, count(*) filter (where s.exited_at is not null)::int as closed, coalesce(sum(s.paid_fen), 0)::int as paid
      from parking_sessions s join lots l on l.id = s.lot_id where l.code = ${LOT} and s.entry_event_id like ${`${prefix}%`}`.execute(env.ctx.db);
    return { events: Number(events.rows[0]!.n), distinct: Number(distinct.rows[0]!.n), ...sessions.rows[0]! };
  };
  const insertRows = async (from: number, to: number) => {
    const rows = Array.from({ length: to - from + 1 }, (_, i) => rowOf(from + i));
    await maria.conn.query('insert into park_record (id, park_no, car_no, color, in_time, out_time, fee, pay_type) values ?', [rows.map((r) => [r.id, r.park_no, r.car_no, r.color, r.in_time, r.out_time, r.fee, r.pay_type])]);
  };

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    await createSourceWithLots(env, admin, SOURCE, [{ code: LOT, totalSpaces: 5000 }]);
    maria = await createMariaDatabase();
    await maria.conn.query(`create table park_record (
      id bigint primary key, park_no varchar(16) not null, car_no varchar(16) not null, color varchar(4),
      in_time datetime not null, out_time datetime null, fee decimal(10,2) null, pay_type int null,
      updated_at timestamp(3) not null default current_timestamp(3) on update current_timestamp(3)) character set utf8mb4`);
    feed = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      feedRequests.push({ url: req.url!, signature: req.headers['x-zhibo-signature'] as string | undefined, timestamp: req.headers['x-zhibo-timestamp'] as string | undefined });
      const expected = signFeedRequest('feed-key-123', String(req.headers['x-zhibo-timestamp']), req.url!);
      if (req.headers['x-zhibo-signature'] !== expected) {
        res.writeHead(401).end('{"error":"bad signature"}');
        return;
      }
      const after = Number(url.searchParams.get('since') ?? 0);
      const limit = Number(url.searchParams.get('size'));
      const page = feedRows.filter((r) => (r.seq as number) > after).slice(0, limit);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 0, result: { list: page } }));
    });
    await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
    feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/open/records`;
  });
  afterAll(async () => {
    await maria?.drop();
    await new Promise((resolve) => feed?.close(resolve));
    await env?.close();
  });

  const mariaConfig = (extra: Record<string, unknown> = {}) => ({
    engine: 'mysql', host: maria.host, port: maria.port, database: maria.database, user: maria.reader.user, table: 'park_record', cursorMode: 'id', idColumn: 'id', pageSize: 50, ...extra,
  });

  it('keeps the password sealed: never in an answer, the table or the audit log', async () => {
    await insertRows(1, 230);
    const created = await staff('POST', '/api/v1/connectors', {
      code: 'maria-1', name: '某道闸系统停车记录', kind: 'database', sourceCode: SOURCE, config: mariaConfig(), secrets: { password: maria.reader.password }, mapping: sessionMapping,
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ enabled: false, secretsSet: ['password'], cursor: null });
    const list = await staff('GET', '/api/v1/connectors');
    const stored = await env.ctx.db.selectFrom('connectors').select('secrets_sealed').where('code', '=', 'maria-1').executeTakeFirstOrThrow();
    const auditRows = await sql<{ detail: unknown }>`select detail from audit_log where action like 'connector.%'`.execute(env.ctx.db);
    for (const text of [created.body, list.body, stored.secrets_sealed ?? '', JSON.stringify(auditRows.rows)]) expect(text).not.toContain(maria.reader.password);
    expect(auditRows.rows.length).toBe(1);
  });

  it('refuses a connector that is not valid, naming each problem', async () => {
    const res = await staff('POST', '/api/v1/connectors', {
      code: 'bad-1', name: 'x', kind: 'database', sourceCode: SOURCE, config: mariaConfig({ cursorMode: 'time', table: 'drop table' }),
      mapping: { ...sessionMapping, valueMaps: { plateColor: { 0: 'azure' } } },
    });
    expect(res.statusCode).toBe(400);
    const at = (res.json().error.details as { at: string }[]).map((d) => d.at);
    expect(at).toContain('config.table');
    const mapping = await staff('POST', '/api/v1/connectors', { code: 'bad-2', name: 'x', kind: 'database', sourceCode: SOURCE, config: mariaConfig(), mapping: { ...sessionMapping, valueMaps: { plateColor: { 0: 'azure' } } } });
    expect(mapping.statusCode).toBe(400);
    expect(mapping.json().error.details).toEqual([expect.objectContaining({ at: 'mapping.valueMaps.plateColor.0' })]);
    const unknownSource = await staff('POST', '/api/v1/connectors', { code: 'bad-3', name: 'x', kind: 'database', sourceCode: 'NO-SUCH', config: mariaConfig(), mapping: sessionMapping });
    expect(unknownSource.json().error.code).toBe('UNKNOWN_SOURCE');
    const forbidden = await staff('POST', '/api/v1/connectors', {
      code: 'bad-4', name: 'x', kind: 'http', sourceCode: SOURCE, config: { url: 'http://10.1.2.3/feed', auth: 'none', cursorField: 'id' }, mapping: sessionMapping,
    });
    expect(forbidden.statusCode).toBe(400);
    expect(forbidden.json().error.code).toBe('OUTBOUND_TARGET_FORBIDDEN');
  });

  it('dry-runs a sample: mapped events and each record\'s verdict, nothing stored', async () => {
    const fromSource = await staff('POST', '/api/v1/connectors/maria-1/dry-run', { limit: 4 });
    expect(fromSource.statusCode, fromSource.body).toBe(200);
    const r = fromSource.json();
    expect(r.summary).toEqual({ records: 4, events: 6, accepted: 6, duplicates: 0, rejected: 0 });
    expect(r.rows[1].events).toEqual([
      { type: 'entry', eventId: 'PK-2-in', occurredAt: '2026-11-24T14:02:00.000Z', lotCode: LOT, plate: plateOf(2), plateColor: 'green' },
      { type: 'exit', eventId: 'PK-2-out', occurredAt: '2026-11-24T16:02:00.000Z', lotCode: LOT, plate: plateOf(2), entryEventId: 'PK-2-in', paidFen: 500, payChannel: 'wechat' },
    ]);
    const given = await staff('POST', '/api/v1/connectors/maria-1/dry-run', {
      records: [{ ...rowOf(3), id: 9001 }, { ...rowOf(4), id: 9002, color: '7' }, { ...rowOf(5), id: null }, { ...rowOf(6), id: 9004, park_no: 'P99' }],
    });
    const rows = given.json().rows as { verdict: string; problems: { code: string }[] }[];
    expect(rows.map((x) => [x.verdict, x.problems.map((p) => p.code)])).toEqual([
      ['accepted', []], ['rejected', ['INVALID_FIELD']], ['rejected', ['MAPPING_FAILED']], ['rejected', ['UNKNOWN_LOT', 'UNKNOWN_LOT']],
    ]);
    expect((await counts('PK-')).events).toBe(0);
  });

  it('pulls every row into sessions once, moving the cursor only past committed pages', async () => {
    expect((await staff('PATCH', '/api/v1/connectors/maria-1', { enabled: true })).statusCode).toBe(200);
    await pullDueConnectors(env.ctx);
    expect(await counts('PK-')).toEqual({ events: 345, distinct: 345, n: 230, closed: 115, paid: 115 * 500 });
    const c = (await staff('GET', '/api/v1/connectors/maria-1')).json();
    expect(c.cursor).toEqual({ id: 230 });
    expect(c.health).toMatchObject({ recordsTotal: 230, rejectedTotal: 0, consecutiveErrors: 0, recordsLastHour: 230, lastError: null });
    expect(c.health.nextPullAt).toBe(new Date(env.clock.now().getTime() + 60_000).toISOString());
    // Not due again until its interval has passed; new rows wait for it.
    await insertRows(231, 260);
    await pullDueConnectors(env.ctx);
    expect((await counts('PK-')).n).toBe(230);
    env.clock.advance(60_000);
    await pullDueConnectors(env.ctx);
    expect(await counts('PK-')).toEqual({ events: 390, distinct: 390, n: 260, closed: 130, paid: 130 * 500 });
    const events = await sql<{ via: string }>`select distinct via from ingest_events where source_code = ${SOURCE}`.execute(env.ctx.db);
    expect(events.rows).toEqual([{ via: 'connector' }]);
  });

  it('re-reads from a cursor with progress, adding nothing twice', async () => {
    const bf = await staff('POST', '/api/v1/connectors/maria-1/backfills', { from: { id: 100 } });
    expect(bf.statusCode, bf.body).toBe(201);
    expect(bf.json()).toMatchObject({ status: 'running', fromCursor: { id: 100 }, untilCursor: { id: 260 }, progress: 0 });
    expect((await staff('POST', '/api/v1/connectors/maria-1/backfills', { from: null })).statusCode).toBe(409);
    const pulled = await staff('POST', '/api/v1/connectors/maria-1/pull');
    expect(pulled.json()).toMatchObject({ records: 160, accepted: 0, duplicates: 240, rejected: 0, caughtUp: true, cursor: { id: 260 } });
    expect(await counts('PK-')).toEqual({ events: 390, distinct: 390, n: 260, closed: 130, paid: 130 * 500 });
    const list = (await staff('GET', '/api/v1/connectors/maria-1/backfills')).json().items;
    expect(list[0]).toMatchObject({ status: 'done', records: 160, accepted: 0, progress: 1, position: { id: 260 } });
  });

  it('follows an update-time column: rows changed at the source come again and close their sessions', async () => {
    const created = await staff('POST', '/api/v1/connectors', {
      code: 'maria-2', name: '按更新时间', kind: 'database', sourceCode: SOURCE, enabled: true, secrets: { password: maria.reader.password },
      config: mariaConfig({ cursorMode: 'time', timeColumn: 'updated_at', pageSize: 7 }), mapping: sessionMapping,
    });
    expect(created.statusCode, created.body).toBe(201);
    // The rows went in two statements: many rows share one update time, and pages of 7 cut through them.
    const first = (await staff('POST', '/api/v1/connectors/maria-2/pull')).json();
    expect(first).toMatchObject({ records: 70, accepted: 0, caughtUp: false });
    env.clock.advance(60_000);
    await pullDueConnectors(env.ctx);
    let c = (await staff('GET', '/api/v1/connectors/maria-2')).json();
    expect(c.health.recordsTotal).toBe(260);
    // Odd cars leave: their rows get an out time (and a new update time).
    await maria.conn.query("update park_record set out_time = date_add(in_time, interval 1 hour), fee = 3.5, pay_type = 2 where id % 2 = 1 and id <= 59");
    env.clock.advance(60_000);
    await pullDueConnectors(env.ctx);
    c = (await staff('GET', '/api/v1/connectors/maria-2')).json();
    expect(c.health.recordsTotal).toBe(290);
    expect(await counts('PK-')).toEqual({ events: 420, distinct: 420, n: 260, closed: 160, paid: 130 * 500 + 30 * 350 });
  });

  it('records a failing source with backoff, and never its password', async () => {
    await staff('POST', '/api/v1/connectors', {
      code: 'maria-bad', name: '错误密码', kind: 'database', sourceCode: SOURCE, enabled: true, secrets: { password: 'Wrong-Password-77' }, config: mariaConfig(), mapping: sessionMapping,
    });
    const r = (await staff('POST', '/api/v1/connectors/maria-bad/pull')).json();
    expect(r.error).toMatch(/cannot connect.*Access denied/);
    const h = (await staff('GET', '/api/v1/connectors/maria-bad')).json().health;
    expect(h).toMatchObject({ consecutiveErrors: 1, errorsLastHour: 1 });
    expect(h.nextPullAt).toBe(new Date(env.clock.now().getTime() + 120_000).toISOString());
    await staff('POST', '/api/v1/connectors/maria-bad/pull');
    const h2 = (await staff('GET', '/api/v1/connectors/maria-bad')).json().health;
    expect(h2.consecutiveErrors).toBe(2);
    expect(h2.nextPullAt).toBe(new Date(env.clock.now().getTime() + 240_000).toISOString());
    expect(JSON.stringify(h2)).not.toContain('Wrong-Password-77');
    await staff('PATCH', '/api/v1/connectors/maria-bad', { enabled: false });
  });

  it('polls a signed HTTP feed page by page into sessions, exactly once', async () => {
    for (let n = 1; n <= 75; n++) {
      const r = rowOf(n);
      // Plates of their own: the table's cars are parked in the same lot.
      feedRows.push({ seq: n * 2 - 1, kind: 1, sn: `${n}-a`, plate: plateOf(5000 + n), at: r.in_time });
      if (n % 3 === 0) feedRows.push({ seq: n * 2, kind: 2, sn: `${n}-b`, plate: plateOf(5000 + n), at: local(new Date(Date.UTC(2026, 10, 24, 15, n, 0))) });
    }
    feedRows.sort((a, b) => (a.seq as number) - (b.seq as number));
    const mapping = {
      events: [{ type: { path: 'kind' }, eventId: { paths: ['sn'], prefix: 'H-' }, fields: { occurredAt: { path: 'at' }, lotCode: { value: LOT }, plate: { path: 'plate' } } }],
      valueMaps: { type: { 1: 'entry', 2: 'exit' } },
    };
    const created = await staff('POST', '/api/v1/connectors', {
      code: 'feed-1', name: '接口', kind: 'http', sourceCode: SOURCE, enabled: true, secrets: { hmacKey: 'feed-key-123' }, mapping,
      config: { url: feedUrl, auth: 'hmac', cursorParam: 'since', limitParam: 'size', recordsPath: 'result.list', cursorField: 'seq', pageSize: 20, ratePerMinute: 3 },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.body).not.toContain('feed-key-123');
    env.clock.advance(60_000);
    // Three requests a minute: one run reads three pages.
    await pullDueConnectors(env.ctx);
    expect((await counts('H-')).events).toBe(60);
    expect(feedRequests.map((r) => r.url)).toEqual(['/open/records?size=20', `/open/records?since=${feedRows[19]!.seq}&size=20`, `/open/records?since=${feedRows[39]!.seq}&size=20`]);
    expect(feedRequests.every((r) => r.signature && r.timestamp === String(Math.floor(env.clock.now().getTime() / 1000)))).toBe(true);
    env.clock.advance(60_000);
    await pullDueConnectors(env.ctx);
    expect(await counts('H-')).toEqual({ events: 100, distinct: 100, n: 75, closed: 25, paid: 0 });
    // More at the feed later; nothing read twice.
    feedRows.push({ seq: 1000, kind: 1, sn: '999-a', plate: plateOf(5999), at: '2026-11-25 09:00:00' });
    env.clock.advance(60_000);
    await pullDueConnectors(env.ctx);
    expect(await counts('H-')).toEqual({ events: 101, distinct: 101, n: 76, closed: 25, paid: 0 });
    expect((await staff('GET', '/api/v1/connectors/feed-1')).json().cursor).toEqual({ c: 1000 });
  });

  it('reports a feed that refuses the signature as an error, with its status line only', async () => {
    expect((await staff('PATCH', '/api/v1/connectors/feed-1', { secrets: { hmacKey: 'other-key-456' } })).statusCode).toBe(200);
    const r = (await staff('POST', '/api/v1/connectors/feed-1/pull')).json();
    expect(r.error).toBe('接口应答 / the feed answered HTTP 401 Unauthorized');
    expect((await staff('GET', '/api/v1/connectors/feed-1')).json().health.consecutiveErrors).toBe(1);
  });
});

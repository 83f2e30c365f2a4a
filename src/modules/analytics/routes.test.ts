import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots } from '../../../test/support/ingest.js';

/* GET /api/v1/analytics/kpis as a client sees it: auth, scope, bad input as 400 codes, the OpenAPI entry. */

describeDb('analytics KPI route', (backend) => {
  let env: TestEnv;
  let admin: string;
  let tongzhou: string;
  const get = (qs: string, token: string | null = admin) =>
    env.app.inject({ method: 'GET', url: `/api/v1/analytics/kpis?${qs}`, headers: token ? bearer(token) : {} });

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    await createSourceWithLots(env, admin, 'SRC-RT', [
      { code: 'CC-1', districtCode: '320602', totalSpaces: 10 },
      { code: 'TZ-1', districtCode: '320612', totalSpaces: 20 },
    ]);
    tongzhou = await userToken(env.app, admin, { username: 'tz', role: 'district', districtCode: '320612' });
  });
  afterAll(() => env.close());

  it('needs a signed-in user', async () => {
    expect((await get('from=2026-11-01&to=2026-11-02', null)).statusCode).toBe(401);
  });

  it('answers rows, as-of and grain; before any refresh nothing is known', async () => {
    const res = await get('from=2026-11-01&to=2026-11-02&groupBy=lot');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ asOf: null, grain: 'day' });
    expect(body.rows.map((r: { lotCode: string }) => r.lotCode)).toEqual(['CC-1', 'TZ-1']);
    expect(body.rows[0]).toMatchObject({ lotName: '停车场 CC-1', entries: 0, utilisation: null, turnoverRate: null });
  });

  it('refuses bad input with 400 and a code, never a 500', async () => {
    const cases: [string, string][] = [
      ['to=2026-11-02', 'BAD_PERIOD'],
      ['from=2026-11-01', 'BAD_PERIOD'],
      ['from=2026-11-05&to=2026-11-01', 'BAD_PERIOD'],
      ['from=2026-13-01&to=2026-12-02', 'BAD_PERIOD'],
      ['from=2020-01-01&to=2026-01-01', 'RANGE_TOO_LONG'],
      ['from=2026-01-01&to=2026-12-31&groupBy=hour', 'RANGE_TOO_LONG'],
      ['from=2026-11-01&to=2026-11-02&groupBy=lot,weekday', 'BAD_GROUP_BY'],
      ['from=2026-11-01&to=2026-11-02&category=casino', 'BAD_CATEGORY'],
      ['from=2026-11-01&to=2026-11-02&district=999999', 'UNKNOWN_DISTRICT'],
      ['from=2026-11-01&to=2026-11-02&lot=CC-1,NOPE', 'UNKNOWN_LOT'],
      ['from=2026-11-01&to=2026-11-02&compare=mom', 'BAD_COMPARE'],
      ['from=2026-11-01&to=2026-11-02&top=-3', 'BAD_TOP'],
      ['from=2026-11-01&to=2026-11-02&top=1e9', 'BAD_TOP'],
      ['from=2026-11-01&to=2026-11-02&sort=money', 'BAD_SORT'],
      ['from=2026-11-01&to=2026-11-02&format=pdf', 'BAD_FORMAT'],
    ];
    for (const [qs, code] of cases) {
      const res = await get(qs);
      expect([qs, res.statusCode, res.json().error?.code]).toEqual([qs, 400, code]);
    }
  });

  it('holds a district user to their district', async () => {
    const mine = await get('from=2026-11-01&to=2026-11-02&groupBy=lot', tongzhou);
    expect(mine.json().rows.map((r: { lotCode: string }) => r.lotCode)).toEqual(['TZ-1']);
    const other = await get('from=2026-11-01&to=2026-11-02&district=320602', tongzhou);
    expect([other.statusCode, other.json().error.code]).toEqual([403, 'DISTRICT_FORBIDDEN']);
    const lot = await get('from=2026-11-01&to=2026-11-02&lot=CC-1', tongzhou);
    expect([lot.statusCode, lot.json().error.code]).toEqual([400, 'UNKNOWN_LOT']);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const op = doc.paths['/api/v1/analytics/kpis'].get;
    expect(op.tags).toEqual(['analytics']);
    expect(op.summary).toMatch(/ \/ /);
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['from', 'to', 'groupBy', 'lot', 'district', 'category', 'compare', 'top', 'sort', 'format']));
    const schema = op.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties)).toEqual(['rows', 'asOf', 'grain']);
  });

  // last: it adds lots the other cases do not expect
  it('refuses an answer that would be too big', async () => {
    await sql`insert into lots (code, name, district_code, kind, total_spaces)
      select 'BULK-' || i, 'bulk ' || i, '320602', 'off_street', 10 from generate_series(1, 100) as i`.execute(env.ctx.db);
    await sql`update analytics_state set refreshed_until = '2027-01-01T00:00:00Z' where id = 1`.execute(env.ctx.db);
    // 102 lots × 92 days × 24 hours = 225 216 rows
    const res = await get('from=2026-08-01&to=2026-10-31&groupBy=hour,lot');
    expect([res.statusCode, res.json().error?.code]).toEqual([400, 'TOO_MANY_ROWS']);
    // a day at a time is fine
    const day = await get('from=2026-10-31&to=2026-10-31&groupBy=hour,lot');
    expect(day.json().rows).toHaveLength(102 * 24);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { seedDemoThemes } from '../themes/index.js';

interface Doc { kind: string; kindName: string; title: string; period: string; state: string; downloadPath: string; formats: string[]; districtCode: string | null; generatedAt: string | null }

/** The report centre lists every kind of document the platform produces, within the reader's scope, and each link downloads (docs/巡检与报告.md §5). */
describeDb('health: the report centre', (backend) => {
  let env: TestEnv;
  let admin: string;
  let district: string;
  let viewer: string;
  const centre = async (token: string, query = '') => {
    const res = await env.app.inject({ url: `/api/v1/report-centre?limit=500${query}`, headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    return res.json() as { items: Doc[]; total: number; kinds: { kind: string; count: number }[] };
  };

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 60 * 24 * 30 });
    env.clock.set('2026-12-07T02:00:00Z');
    admin = await loginToken(env.app);
    district = await userToken(env.app, admin, { username: 'cc1', role: 'district', districtCode: '320602' });
    viewer = await userToken(env.app, admin, { username: 'viewer2', role: 'viewer' });
    await seedDemoThemes(env.ctx);
    expect((await env.app.inject({ method: 'POST', url: '/api/v1/inspections', headers: bearer(admin) })).statusCode).toBe(201);
    expect((await env.app.inject({ method: 'POST', url: '/api/v1/work-reports', headers: bearer(admin), payload: { kind: 'weekly', period: '2026-W49' } })).statusCode).toBe(201);
  });
  afterAll(() => env.close());

  it('lists every kind for the administrator, archived ones first, and each kind downloads', async () => {
    const all = await centre(admin);
    const kinds = new Set(all.items.map((d) => d.kind));
    for (const k of ['inspection', 'weekly', 'sync_monthly', 'onboarding_quarterly', 'incident_ledger', 'theme_report', 'vulnerability_report']) expect(kinds, k).toContain(k);
    expect(all.items[0]!.generatedAt).not.toBeNull();
    expect(all.items.find((d) => d.kind === 'sync_monthly' && d.period === '2026-12')).toMatchObject({ state: 'on_demand', districtCode: null });
    expect(all.kinds.find((k) => k.kind === 'sync_monthly')!.count).toBe(6);
    expect((await centre(admin, '&months=2')).kinds.find((k) => k.kind === 'sync_monthly')!.count).toBe(2);

    const only = await centre(admin, '&kind=incident_ledger');
    expect(only.items.every((d) => d.kind === 'incident_ledger')).toBe(true);
    expect(only.total).toBe(6);

    for (const kind of kinds) {
      const d = all.items.find((x) => x.kind === kind)!;
      const format = d.formats[0]!;
      const url = `${d.downloadPath}${d.downloadPath.includes('?') ? '&' : '?'}format=${format}`;
      const res = await env.app.inject({ url, headers: bearer(admin) });
      expect(res.statusCode, `${kind} ${url}`).toBe(200);
      expect(res.rawPayload.subarray(0, 2).toString('latin1'), url).toBe('PK');
    }
  });

  it('a district user sees only documents of their district, never the city-wide archive', async () => {
    const mine = await centre(district);
    const kinds = new Set(mine.items.map((d) => d.kind));
    expect(kinds).toContain('sync_monthly');
    expect(kinds).toContain('onboarding_quarterly');
    for (const k of ['inspection', 'weekly', 'vulnerability_report', 'reconciliation', 'sharing_statement', 'theme_report']) expect(kinds).not.toContain(k);
    expect(mine.items.filter((d) => d.kind === 'sync_monthly').every((d) => d.districtCode === '320602')).toBe(true);
    // A viewer reads the archive but not what needs ops (the vulnerability report).
    const v = new Set((await centre(viewer)).items.map((d) => d.kind));
    expect(v).toContain('inspection');
    expect(v).not.toContain('vulnerability_report');
  });

  it('rejects a bad query with 400', async () => {
    expect((await env.app.inject({ url: '/api/v1/report-centre?months=99', headers: bearer(admin) })).statusCode).toBe(400);
  });
});

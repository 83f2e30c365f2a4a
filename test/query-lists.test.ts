import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from './support/backends.js';
import { bearer, loginToken } from './support/http.js';

/*
 * Comma-separated query lists and far dates (security review, finding 7): `state=,,,` used to
 * reach SQL as `in ()` and `sla/calendar?from=9999-12-31` ran past the last date JavaScript
 * writes, both 500. Every list parameter goes through one reader (`platform/query-list.ts`): an
 * empty item or a value outside the vocabulary is 400 with the parameter's error code.
 */

describeDb('comma-separated query lists and date ranges', (backend) => {
  let env: TestEnv;
  let admin: string;
  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
  });
  afterAll(() => env.close());

  const get = (url: string) => env.app.inject({ method: 'GET', url, headers: bearer(admin) });
  const answer = async (url: string) => {
    const res = await get(url);
    return `${res.statusCode} ${res.statusCode >= 400 ? res.json().error.code : ''}`.trim();
  };

  const cases: [string, string[], string][] = [
    ['/api/v1/tickets', ['state', 'channel', 'category', 'priority'], 'INVALID_FILTER'],
    ['/api/v1/tickets/export', ['state', 'channel', 'category', 'priority'], 'INVALID_FILTER'],
    ['/api/v1/incidents', ['state', 'severity', 'detectionSource'], 'INVALID_FILTER'],
    ['/api/v1/incidents/kpis', ['state', 'severity', 'detectionSource'], 'INVALID_FILTER'],
    ['/api/v1/incidents/export', ['state', 'severity', 'detectionSource'], 'INVALID_FILTER'],
    ['/api/v1/onboarding/entries', ['stage'], 'INVALID_STAGE'],
  ];

  it.each(cases)('%s: a list with empty items is 400 (%j)', async (path, params, code) => {
    for (const param of params) {
      for (const bad of [',,,', ',', '%20,%20']) {
        expect(`${param}=${bad} → ${await answer(`${path}?${param}=${bad}`)}`).toBe(`${param}=${bad} → 400 ${code}`);
      }
    }
  });

  it('refuses an empty item between good values and unknown values, and takes good lists', async () => {
    expect(await answer('/api/v1/tickets?state=new,,assigned')).toBe('400 INVALID_FILTER');
    expect(await answer('/api/v1/tickets?state=new,nope')).toBe('400 INVALID_FILTER');
    expect(await answer('/api/v1/tickets?state=new,%20assigned&channel=phone')).toBe('200');
    expect(await answer('/api/v1/tickets?state=')).toBe('200');
    expect(await answer('/api/v1/incidents?severity=1,,2')).toBe('400 INVALID_FILTER');
    expect(await answer('/api/v1/incidents?severity=1,4')).toBe('400 INVALID_FILTER');
    expect(await answer('/api/v1/incidents?severity=1,2&state=open,closed&detectionSource=person')).toBe('200');
    expect(await answer('/api/v1/incidents/kpis?state=open')).toBe('200');
    expect(await answer('/api/v1/onboarding/entries?stage=not_started,,connected')).toBe('400 INVALID_STAGE');
    expect(await answer('/api/v1/onboarding/entries?stage=not_started,connected')).toBe('200');
  });

  it('refuses empty items in the analytics lists with each list\'s own code', async () => {
    const base = '/api/v1/analytics/kpis?from=2026-11-01&to=2026-11-02';
    expect(await answer(`${base}&groupBy=,`)).toBe('400 BAD_GROUP_BY');
    expect(await answer(`${base}&lot=,,,`)).toBe('400 UNKNOWN_LOT');
    expect(await answer(`${base}&district=,`)).toBe('400 UNKNOWN_DISTRICT');
    expect(await answer(`${base}&category=,`)).toBe('400 BAD_CATEGORY');
    expect(await answer(`${base}&compare=yoy,`)).toBe('400 BAD_COMPARE');
    expect(await answer(`${base}&groupBy=day`)).toBe('200');
  });

  it('refuses calendar dates outside the years it answers for, and stops the default range at their end', async () => {
    expect(await answer('/api/v1/sla/calendar?from=9999-12-31')).toBe('400 INVALID_DATE');
    expect(await answer('/api/v1/sla/calendar?from=9999-12-01&to=9999-12-31')).toBe('400 INVALID_DATE');
    expect(await answer('/api/v1/sla/calendar?from=1899-12-31&to=1900-01-05')).toBe('400 INVALID_DATE');
    const last = await get('/api/v1/sla/calendar?from=2999-12-01');
    expect(last.statusCode, last.body).toBe(200);
    expect(last.json()).toMatchObject({ from: '2999-12-01', to: '2999-12-31' });
  });
});

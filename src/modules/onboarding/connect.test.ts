import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { startJobs } from '../../jobs.js';
import { syncConnected, SYNC_JOB } from './connect.js';
import { createEntry, getEntry, setStage } from '../../../test/fixtures/onboarding/helpers.js';

// ManualClock starts at 2026-11-25T02:00Z = 2026-11-25 10:00 Shanghai.
const HOUR = 3_600_000;

describeDb('onboarding: auto-connect and coverage', (backend) => {
  let env: TestEnv;
  let admin: string;
  let cc: string;
  let source: TestSource;
  let n = 0;
  const ids = { a: 0, b: 0, s: 0, pending: 0, n: 0, c: 0, tz: 0 };

  /** One status event for the lot, occurring now. */
  const report = async (lotCode: string) => {
    const res = await postEvents(env, source, [{ type: 'status', eventId: `s-${++n}`, occurredAt: env.clock.now().toISOString(), lotCode, totalSpaces: 100, freeSpaces: 10 }]);
    expect(res.json()).toMatchObject({ accepted: 1 });
  };
  const patch = (id: number, body: Record<string, unknown>, token = admin) =>
    env.app.inject({ method: 'PATCH', url: `/api/v1/onboarding/entries/${id}`, headers: bearer(token), payload: body });
  const coverage = async (token = admin) => (await env.app.inject({ url: '/api/v1/onboarding/coverage', headers: bearer(token) })).json();

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 365 * 24 * 60 });
    admin = await loginToken(env.app);
    cc = await userToken(env.app, admin, { username: 'cc', role: 'district', districtCode: '320602' });
    source = await createSourceWithLots(env, admin, 'SRC-OB', [
      { code: 'CC-A', totalSpaces: 300 },
      { code: 'CC-B', totalSpaces: 200 },
      { code: 'CC-C', totalSpaces: 150 },
      { code: 'CC-S', totalSpaces: 50 },
      { code: 'CC-N', totalSpaces: 80 },
      { code: 'TZ-A', districtCode: '320612', totalSpaces: 100 },
    ]);
  });
  afterAll(() => env.close());

  it('connects a linked entry once its lot has received its first event, with a system note dated that day', async () => {
    ids.a = (await createEntry(env, admin, { name: 'A 商场', lotCode: 'CC-A', stage: 'docking', knownSpaces: 280 })).id;
    expect(await syncConnected(env.ctx)).toEqual({ firstDataNoted: 0, connected: [] });
    expect(await getEntry(env, admin, ids.a)).toMatchObject({ stage: 'docking', lotCode: 'CC-A', lotName: '停车场 CC-A', lotReporting: false });

    env.clock.set('2026-11-26T15:30:00Z'); // 23:30 Shanghai on the 26th
    await report('CC-A');
    env.clock.set('2026-11-26T16:05:00Z'); // the job runs after midnight: the 27th in Shanghai
    const sync = await syncConnected(env.ctx);
    expect(sync).toEqual({ firstDataNoted: 1, connected: [{ entryId: ids.a, lotCode: 'CC-A', from: 'docking', date: '2026-11-26' }] });
    const e = await getEntry(env, admin, ids.a);
    expect(e).toMatchObject({ stage: 'connected', stageDate: '2026-11-26', connectedOn: '2026-11-26', lotReporting: true });
    expect(e.history.at(-1)).toMatchObject({ fromStage: 'docking', toStage: 'connected', date: '2026-11-26', actor: 'system', system: true });
    expect(e.history.at(-1).note).toContain('CC-A');
    const audit = await env.ctx.db.selectFrom('audit_log').select(['actor', 'target_id']).where('action', '=', 'onboarding.auto_connect').execute();
    expect(audit).toEqual([{ actor: 'system:onboarding', target_id: String(ids.a) }]);
    // Nothing more to do the second time.
    expect(await syncConnected(env.ctx)).toEqual({ firstDataNoted: 0, connected: [] });
  });

  it('connects at once when an entry is linked to a lot that already reports', async () => {
    await report('CC-B');
    await report('CC-S');
    ids.b = (await createEntry(env, cc, { name: 'B 医院', stage: 'testing' })).id;
    const res = await patch(ids.b, { lotCode: 'CC-B' }, cc);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ stage: 'connected', connectedOn: '2026-11-27', lotReporting: true });
    expect(res.json().history.at(-1)).toMatchObject({ fromStage: 'testing', toStage: 'connected', system: true });
    const s = await createEntry(env, admin, { name: 'S 学校', lotCode: 'CC-S', knownSpaces: 60 });
    ids.s = s.id;
    expect(s).toMatchObject({ stage: 'connected', connectedOn: '2026-11-27' });
    expect(s.history).toEqual([expect.objectContaining({ toStage: 'not_started', system: false }), expect.objectContaining({ fromStage: 'not_started', toStage: 'connected', system: true })]);
  });

  it('leaves an entry that was connected and moved back by hand to people', async () => {
    const res = await setStage(env, admin, ids.a, { stage: 'paused', note: '运营方系统改造，暂停上报' });
    expect(res.json()).toMatchObject({ stage: 'paused', connectedOn: null });
    env.clock.advance(HOUR);
    await report('CC-A');
    expect((await syncConnected(env.ctx)).connected).toEqual([]);
    expect((await getEntry(env, admin, ids.a)).stage).toBe('paused');
  });

  it('checks links: the lot must exist in the entry’s district, be visible, and belong to one entry only', async () => {
    const cases: [number, Record<string, unknown>, string, number, string?][] = [
      [ids.b, { lotCode: 'TZ-A' }, 'LOT_DISTRICT_MISMATCH', 400],
      [ids.b, { lotCode: 'TZ-A' }, 'UNKNOWN_LOT', 400, cc], // a district user learns nothing of other districts' lots
      [ids.b, { lotCode: 'CC-A' }, 'LOT_ALREADY_LINKED', 409],
      [ids.b, { lotCode: null }, 'LOT_LINK_REQUIRED', 400], // connected entries keep their lot
    ];
    for (const [id, body, code, status, token] of cases) {
      const res = await patch(id, body, token);
      expect(res.statusCode, code).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
  });

  it('counts coverage by the documented definition', async () => {
    ids.pending = (await createEntry(env, admin, { name: 'D 小区', knownSpaces: 400 })).id;
    ids.n = (await createEntry(env, admin, { name: 'N 菜场', lotCode: 'CC-N', knownSpaces: 90, stage: 'contacting' })).id;
    ids.c = (await createEntry(env, admin, { name: 'C 公园', lotCode: 'CC-C', knownSpaces: 140, stage: 'testing' })).id;
    ids.tz = (await createEntry(env, admin, { districtCode: '320612', name: 'TZ 车站', knownSpaces: 100 })).id;
    await report('CC-C'); // reports, and the job has not run yet: C counts through its lot already
    const suspend = await env.app.inject({ method: 'PATCH', url: '/api/v1/lots/CC-S', headers: bearer(admin), payload: { status: 'suspended' } });
    expect(suspend.statusCode).toBe(200);

    const all = await coverage();
    const chongchuan = all.items.find((i: { districtCode: string }) => i.districtCode === '320602');
    // Connected: active lots that reported (A 300, B 200, C 150; S is suspended, N never reported).
    // Pending: entries not connected whose lot has not reported (D 400, N 90); A and C count through their lots.
    expect(chongchuan).toEqual({
      districtCode: '320602', districtName: '崇川区', connectedLots: 3, connectedSpaces: 650, pendingEntries: 2, pendingSpaces: 490, knownSpaces: 1140, coveragePercent: 57,
    });
    expect(all.items.find((i: { districtCode: string }) => i.districtCode === '320612')).toMatchObject({ connectedSpaces: 0, pendingSpaces: 100, knownSpaces: 100, coveragePercent: 0 });
    expect(all.items.find((i: { districtCode: string }) => i.districtCode === '320614')).toMatchObject({ knownSpaces: 0, coveragePercent: null });
    expect(all.items.map((i: { districtCode: string }) => i.districtCode)).toEqual(['320602', '320612', '320614', '320623', '320681', '320682', '320685']);
    expect(all.total).toEqual({ connectedLots: 3, connectedSpaces: 650, pendingEntries: 3, pendingSpaces: 590, knownSpaces: 1240, coveragePercent: 52.4 });
    const mine = await coverage(cc);
    expect(mine.items.map((i: { districtCode: string }) => i.districtCode)).toEqual(['320602']);
    expect(mine.total.knownSpaces).toBe(1140);
  });

  it('runs as the job onboarding.sync-connected every 10 minutes', async () => {
    const jobs = startJobs(env.ctx);
    try {
      const job = jobs.find((j) => j.name === SYNC_JOB);
      expect(job?.getPattern()).toBe('*/10 * * * *');
    } finally {
      for (const j of jobs) j.stop();
    }
    const run = await syncConnected(env.ctx);
    expect(run.connected).toEqual([{ entryId: ids.c, lotCode: 'CC-C', from: 'testing', date: '2026-11-27' }]);
  });
});

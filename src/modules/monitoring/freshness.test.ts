import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, type TestSource } from '../../../test/support/ingest.js';
import { monitoringKit } from '../../../test/support/monitoring.js';

interface Item {
  lotCode: string;
  sourceCode: string;
  state: string;
  lastOccurredAt: string | null;
  lastReceivedAt: string | null;
  lateMinutes: number | null;
  thresholdMinutes: number;
  pausedReason: string | null;
  lateDeliveries24h: number;
  districtCode: string;
}

describeDb('monitoring: freshness, thresholds, late deliveries', (backend) => {
  let env: TestEnv;
  let admin: string;
  let kit: ReturnType<typeof monitoringKit>;
  let a: TestSource;

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 60 * 24 * 365 });
    admin = await loginToken(env.app);
    kit = monitoringKit(env, () => admin);
    a = await createSourceWithLots(env, admin, 'S-A', [{ code: 'A1' }, { code: 'A2' }, { code: 'A3' }, { code: 'A-TZ', districtCode: '320612' }]);
  });
  afterAll(() => env.close());

  const freshness = async (query = '', as = admin) => (await kit.get<{ items: Item[]; counts: Record<string, number> }>(`/api/v1/monitoring/freshness${query}`, as));
  const byLot = async (query = '?sourceCode=S-A', as = admin) => Object.fromEntries((await freshness(query, as)).items.map((i) => [i.lotCode, i]));

  it('tells ok, late and never apart by the data, not the link', async () => {
    // A2 uploads data that is 200 minutes old, right now: the link is alive, the data is late.
    await kit.send(a, [kit.status('A1', 10), kit.status('A2', 200), kit.status('A-TZ', 0)]);
    const lots = await byLot();
    const now = env.clock.now().toISOString();
    expect(lots.A1).toMatchObject({ state: 'ok', lateMinutes: 10, lastReceivedAt: now, thresholdMinutes: 120 });
    expect(lots.A2).toMatchObject({ state: 'late', lateMinutes: 200, lastReceivedAt: now, lastOccurredAt: kit.minutesAgo(200) });
    expect(lots.A3).toMatchObject({ state: 'never', lateMinutes: null, lastOccurredAt: null, lastReceivedAt: null });
    for (const item of Object.values(lots)) {
      expect(Object.keys(item)).toEqual(expect.arrayContaining(['lotCode', 'sourceCode', 'state', 'lastOccurredAt', 'lastReceivedAt', 'lateMinutes']));
    }
    expect((await freshness('?sourceCode=S-A&state=late')).items.map((i) => i.lotCode)).toEqual(['A2']);
    expect((await freshness('?sourceCode=S-A')).counts).toEqual({ total: 4, ok: 2, late: 1, never: 1, paused: 0 });
    // Paged on the server, by lot code: a page, the number before paging, the counts of the whole filter.
    const all = (await freshness('?sourceCode=S-A')).items.map((i) => i.lotCode);
    const page = (await kit.get<{ items: Item[]; total: number; counts: Record<string, number> }>('/api/v1/monitoring/freshness?sourceCode=S-A&limit=2&offset=1'));
    expect([page.items.map((i) => i.lotCode), page.total, page.counts.total]).toEqual([all.slice(1, 3), 4, 4]);
    const okPage = (await kit.get<{ items: Item[]; total: number }>('/api/v1/monitoring/freshness?sourceCode=S-A&state=ok&limit=1'));
    expect([okPage.items.length, okPage.total]).toEqual([1, 2]);
    expect((await kit.call('GET', '/api/v1/monitoring/freshness?limit=0')).statusCode).toBe(400);
  });

  it('counts whole minutes down and is late only strictly past the threshold', async () => {
    kit.advance(110); // A1: 120 minutes, A-TZ: 110
    expect((await byLot()).A1).toMatchObject({ state: 'ok', lateMinutes: 120 });
    env.clock.advance(59_999);
    expect((await byLot()).A1).toMatchObject({ state: 'late', lateMinutes: 120 });
    env.clock.advance(1);
    expect((await byLot()).A1).toMatchObject({ state: 'late', lateMinutes: 121 });
  });

  it('takes the lot threshold, else the source threshold, else the default, edited through the registry', async () => {
    const patchLot = (code: string, body: object) => kit.call('PATCH', `/api/v1/lots/${code}`, body);
    const patchSource = (body: object) => kit.call('PATCH', '/api/v1/sources/S-A', body);
    expect((await patchSource({ lateThresholdMinutes: 600 })).json()).toMatchObject({ lateThresholdMinutes: 600 });
    const lot = await patchLot('A2', { lateThresholdMinutes: 180 });
    expect(lot.json()).toMatchObject({ code: 'A2', lateThresholdMinutes: 180 });
    let lots = await byLot();
    expect(lots.A1).toMatchObject({ state: 'ok', thresholdMinutes: 600 });
    expect(lots.A2).toMatchObject({ state: 'late', thresholdMinutes: 180 });
    await patchLot('A2', { lateThresholdMinutes: 10080 });
    expect((await byLot()).A2).toMatchObject({ state: 'ok', thresholdMinutes: 10080 });
    await patchLot('A2', { lateThresholdMinutes: null });
    await patchSource({ lateThresholdMinutes: null });
    lots = await byLot();
    expect([lots.A1!.thresholdMinutes, lots.A2!.thresholdMinutes]).toEqual([120, 120]);

    for (const bad of [4, 10081, 1.5, 'soon']) {
      const res = await patchLot('A2', { lateThresholdMinutes: bad });
      expect([res.statusCode, res.json().error.code]).toEqual([400, 'INVALID_LATE_THRESHOLD']);
      const src = await patchSource({ lateThresholdMinutes: bad });
      expect([src.statusCode, src.json().error.code]).toEqual([400, 'INVALID_LATE_THRESHOLD']);
    }
    const created = await kit.call('POST', '/api/v1/sources', { code: 'S-T', name: '阈值', lateThresholdMinutes: 30 });
    expect(created.json()).toMatchObject({ code: 'S-T', lateThresholdMinutes: 30 });
    const newLot = await kit.call('POST', '/api/v1/lots', { code: 'T1', name: 'T1', districtCode: '320602', kind: 'off_street', totalSpaces: 5, lng: 120.86, lat: 32.01, sourceCode: 'S-T' });
    expect(newLot.json()).toMatchObject({ lateThresholdMinutes: null });
    expect((await byLot('?sourceCode=S-T')).T1).toMatchObject({ state: 'never', thresholdMinutes: 30 });
  });

  it('shows suspended lots and lots of disabled sources as paused', async () => {
    const p = await createSourceWithLots(env, admin, 'S-P', [{ code: 'P1' }, { code: 'P2' }]);
    await kit.send(p, [kit.status('P1', 500), kit.status('P2', 0)]);
    await kit.call('PATCH', '/api/v1/lots/P1', { status: 'suspended' });
    expect((await byLot('?sourceCode=S-P')).P1).toMatchObject({ state: 'paused', pausedReason: 'lot_suspended', lateMinutes: 500 });
    await kit.call('PATCH', '/api/v1/sources/S-P', { status: 'disabled' });
    expect((await byLot('?sourceCode=S-P')).P2).toMatchObject({ state: 'paused', pausedReason: 'source_disabled' });
    const sources = await kit.get<{ items: { sourceCode: string; state: string; pausedReason: string }[] }>('/api/v1/monitoring/sources');
    expect(sources.items.find((s) => s.sourceCode === 'S-P')).toMatchObject({ state: 'paused', pausedReason: 'source_disabled' });
  });

  it('limits district users to their district', async () => {
    const tz = await userToken(env.app, admin, { username: 'tz-staff', role: 'district', districtCode: '320612' });
    const mine = await freshness('', tz);
    expect(mine.items.map((i) => i.lotCode)).toEqual(['A-TZ']);
    expect((await freshness('?districtCode=320602', tz)).items).toEqual([]);
    expect((await freshness('?districtCode=320612')).items.map((i) => i.lotCode)).toEqual(['A-TZ']);
    const sources = await kit.get<{ items: { sourceCode: string; lots: { total: number } }[] }>('/api/v1/monitoring/sources', tz);
    expect(sources.items.find((s) => s.sourceCode === 'S-A')?.lots.total).toBe(1);
    const other = await kit.call('GET', '/api/v1/monitoring/lots/A1/timeline', undefined, tz);
    expect(other.statusCode).toBe(404);
    expect((await kit.call('POST', '/api/v1/monitoring/evaluate', undefined, tz)).statusCode).toBe(403);
    expect((await kit.call('GET', '/api/v1/monitoring/freshness?state=stale')).statusCode).toBe(400);
  });

  it('judges a source by its lots, and by its own newest event (heartbeats too) when it has none monitored', async () => {
    const h = await createSourceWithLots(env, admin, 'S-H', []);
    const state = async (code: string) => (await kit.get<{ items: { sourceCode: string; state: string; lastHeartbeatAt: string | null }[] }>('/api/v1/monitoring/sources')).items.find((s) => s.sourceCode === code)!;
    expect((await state('S-H')).state).toBe('never');
    await kit.send(h, [kit.heartbeat(0)]);
    expect(await state('S-H')).toMatchObject({ state: 'ok', lastHeartbeatAt: env.clock.now().toISOString() });
    await kit.evaluate(); // the heartbeat moves from the tail into the sums: same answer
    await kit.evaluate();
    expect(await state('S-H')).toMatchObject({ state: 'ok', lastHeartbeatAt: env.clock.now().toISOString() });
    kit.advance(121);
    expect((await state('S-H')).state).toBe('late');

    await kit.send(a, [kit.status('A1', 0), kit.status('A2', 0), kit.status('A3', 0), kit.status('A-TZ', 0)]);
    kit.advance(100);
    await kit.send(a, [kit.status('A1', 0)]);
    kit.advance(30);
    const sa = await state('S-A');
    expect(sa.state).toBe('partial');
    const all = await kit.get<{ counts: Record<string, number> }>('/api/v1/monitoring/sources?state=partial');
    expect(all.counts.partial).toBeGreaterThanOrEqual(1);
  });

  it('counts late deliveries once, from the tail or the hourly sums, and draws the hourly timeline', async () => {
    const f = await createSourceWithLots(env, admin, 'S-F', [{ code: 'F1' }]);
    // Two offline uploads: one three hours late (a late delivery), one 30 minutes (on time).
    await kit.send(f, [kit.status('F1', 180), kit.status('F1', 30)]);
    const late = async () => (await byLot('?sourceCode=S-F')).F1!.lateDeliveries24h;
    expect(await late()).toBe(1);
    await kit.evaluate();
    expect(await late()).toBe(1);
    await kit.evaluate();
    expect(await late()).toBe(1);
    const sum = await env.ctx.db.selectFrom('monitoring_receipts_hourly').select(['received', 'late']).where('lot_id', '=', (await env.ctx.db.selectFrom('lots').select('id').where('code', '=', 'F1').executeTakeFirstOrThrow()).id).execute();
    expect(sum).toEqual([{ received: 2, late: 1 }]);
    const src = (await kit.get<{ items: { sourceCode: string; lateDeliveries24h: number }[] }>('/api/v1/monitoring/sources')).items.find((s) => s.sourceCode === 'S-F');
    expect(src?.lateDeliveries24h).toBe(1);

    const tl = await kit.get<{ hours: { at: string; label: string; events: number; received: number; late: number }[]; thresholdMinutes: number; gaps: { from: string; to: string; minutes: number }[] }>('/api/v1/monitoring/lots/F1/timeline?days=1');
    expect(tl.hours).toHaveLength(24);
    // The 150 silent minutes between the two reports are a gap (threshold 120); the 30 since are not.
    expect(tl.gaps).toEqual([{ from: new Date(env.clock.now().getTime() - 180 * 60_000).toISOString(), to: new Date(env.clock.now().getTime() - 30 * 60_000).toISOString(), minutes: 150 }]);
    const now = env.clock.now();
    const hourOf = (minutesAgo: number) => new Date(Math.floor((now.getTime() - minutesAgo * 60_000) / 3600_000) * 3600_000).toISOString();
    const at = (iso: string) => tl.hours.find((h) => h.at === iso)!;
    expect(at(hourOf(0))).toMatchObject({ received: 2, late: 1 });
    expect(at(hourOf(180)).events).toBe(1);
    expect(at(hourOf(30)).events).toBeGreaterThanOrEqual(1);
    expect(tl.hours.reduce((n, h) => n + h.events, 0)).toBe(2);
    expect(tl.hours.at(-1)!.label).toBe(`${new Date(Math.floor(now.getTime() / 3600_000) * 3600_000 + 8 * 3600_000).toISOString().slice(0, 13).replace('T', ' ')}:00`);
    expect((await kit.call('GET', '/api/v1/monitoring/lots/F1/timeline?days=0')).statusCode).toBe(400);
    expect((await kit.call('GET', '/api/v1/monitoring/lots/NOPE/timeline')).statusCode).toBe(404);

    kit.advance(24 * 60);
    expect(await late()).toBe(0);
  });

  describe('API document', () => {
    it('documents every monitoring route with a bilingual summary', async () => {
      const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, { summary?: string }>> };
      const ops = Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/v1/monitoring/')).flatMap(([, methods]) => Object.values(methods));
      expect(ops.length).toBeGreaterThanOrEqual(15);
      for (const op of ops) expect(op.summary).toMatch(/[\u4e00-\u9fff].* \/ [A-Za-z]/);
    });
  });
});

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { isValidPlate, maskPlate } from '../../platform/plates.js';
import { pairBatch } from '../sessions/index.js';
import { receivableFen, type Tariff } from '../simulator/index.js';
import { tariffChargeSql, validPlateSql } from './detect.js';
import { startJobs } from '../../jobs.js';
import { QUALITY_SCAN_JOB, runQualityScanJob } from './job.js';
import { qualityScores, scoreOf } from './scores.js';
import { refreshScoreDays } from './score-days.js';
import { qualityContext } from './repo.js';
import { systemActor } from '../../platform/auth/permissions.js';

/*
 * 数据清洗 end to end: the data arrives through the signed ingest API (or, for what ingest
 * refuses — invalid plates — through the sessions module's pairing), a scan finds it, people
 * fix, dismiss and revert through the API, and the rows, findings, fixes and audit show it.
 * ManualClock: 2026-11-25 10:00 Shanghai; the data is of 2026-11-24 (and 10 days before).
 */

const sh = (t: string) => new Date(`${t.replace(' ', 'T')}+08:00`);
const entry = (eventId: string, lotCode: string, plate: string, occurredAt: string) => ({ type: 'entry', eventId, occurredAt, lotCode, plate });
const exit = (eventId: string, lotCode: string, plate: string, occurredAt: string, extra: Record<string, unknown> = {}) => ({ type: 'exit', eventId, occurredAt, lotCode, plate, ...extra });
const status = (eventId: string, lotCode: string, occurredAt: string, totalSpaces: number, freeSpaces: number) => ({ type: 'status', eventId, occurredAt, lotCode, totalSpaces, freeSpaces });

const TARIFF: Tariff = { freeMinutes: 15, firstPeriodMinutes: 60, firstPeriodFen: 500, unitMinutes: 60, unitFen: 200, dailyCapFen: 3000 };

interface Finding {
  id: number; rule: string; status: string; targetType: string; targetId: number; lotCode: string; action: string;
  suggested: Record<string, unknown>; suggestion: { zh: string; en: string }; detail: Record<string, unknown>;
  session: { plate: string; receivableFen: number | null; excluded: boolean } | null; report: { excluded: boolean } | null;
  fix: { id: number; auto: boolean; before: Record<string, unknown>; after: Record<string, unknown>; revertedAt: string | null } | null;
}

describeDb('quality: data cleaning', (backend) => {
  let env: TestEnv;
  let admin: string;
  let viewer: string;
  let tzUser: string;
  let src: TestSource;
  let findings: Finding[];
  let firstScan: number;

  const req = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token = admin, payload?: object) =>
    env.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
  const ok = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, token = admin) => {
    const res = await req(method, url, token, payload);
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.statusCode === 204 ? null : res.json();
  };
  const scan = () => ok('POST', '/api/v1/quality/scan', { from: '2026-11-14', to: '2026-11-25' });
  const all = async (token = admin, qs = ''): Promise<Finding[]> => (await ok('GET', `/api/v1/quality/findings?limit=200${qs}`, undefined, token)).items;
  const of = (rule: string) => findings.filter((f) => f.rule === rule);
  const session = (id: number) => sql<{ plate: string; receivable_fen: number | null; excluded_by: number | null }>`
    select plate, receivable_fen, excluded_by from parking_sessions where id = ${id}`.execute(env.ctx.db).then((r) => r.rows[0]!);
  const sessionId = async (lot: string, eventId: string) => Number((await sql<{ id: number }>`
    select s.id from parking_sessions s join lots l on l.id = s.lot_id where l.code = ${lot} and (s.exit_event_id = ${eventId} or s.entry_event_id = ${eventId})`.execute(env.ctx.db)).rows[0]!.id);
  const audits = (action: string) => env.ctx.db.selectFrom('audit_log').select(['action', 'actor', 'target_id', 'detail']).where('action', '=', action).orderBy('id').execute();

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 365 * 24 * 60 });
    admin = await loginToken(env.app);
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    tzUser = await userToken(env.app, admin, { username: 'tz1', role: 'district', districtCode: '320612' });
    src = await createSourceWithLots(env, admin, 'QS1', [
      { code: 'L1', totalSpaces: 100 },
      { code: 'L2', totalSpaces: 50, districtCode: '320612' },
      { code: 'L3', totalSpaces: 10 },
      { code: 'L4', totalSpaces: 2 },
    ]);
    expect((await req('PUT', '/api/v1/quality/tariffs/L1', admin, TARIFF)).statusCode).toBe(200);
    const res = await postEvents(env, src, [
      // duplicate_session: two exits that carry the same car's entry 30 s apart (two sessions)
      exit('dup-a', 'L1', '苏F11111', '2026-11-24 12:00:00', { enteredAt: '2026-11-24 11:00:00' }),
      exit('dup-b', 'L1', '苏F11111', '2026-11-24 12:00:40', { enteredAt: '2026-11-24 11:00:30' }),
      // negative_duration: the exit says the car entered after it left
      exit('neg', 'L1', '苏F22222', '2026-11-24 09:00:00', { enteredAt: '2026-11-24 10:00:00' }),
      // overlong_duration: 10 days
      exit('long', 'L1', '苏F33333', '2026-11-24 08:00:00', { enteredAt: '2026-11-14 08:00:00' }),
      // fee_mismatch: 2 h at L1's tariff is 5 + 2 = 7 yuan, not 9.99
      entry('fee-in', 'L1', '苏F44444', '2026-11-24 13:00:00'),
      exit('fee-out', 'L1', '苏F44444', '2026-11-24 15:00:00', { receivableFen: 999, paidFen: 999 }),
      // fee_over_cap (and fee_mismatch): 25 h, cap 30 yuan × 2 periods = 60 yuan < 90; the tariff says 35
      entry('cap-in', 'L1', '苏F55555', '2026-11-23 10:00:00'),
      exit('cap-out', 'L1', '苏F55555', '2026-11-24 11:00:00', { receivableFen: 9000, paidFen: 0 }),
      // paid_over_receivable at L2 (通州区), beside three clean sessions the same day
      entry('pay-in', 'L2', '苏F66666', '2026-11-24 09:00:00'),
      exit('pay-out', 'L2', '苏F66666', '2026-11-24 10:00:00', { receivableFen: 500, paidFen: 800, payChannel: 'wechat' }),
      ...['苏F70001', '苏F70002', '苏F70003'].flatMap((p, i) => [entry(`ok-in-${i}`, 'L2', p, `2026-11-24 1${i}:30:00`), exit(`ok-out-${i}`, 'L2', p, `2026-11-24 1${i}:45:00`, { receivableFen: 0, paidFen: 0 })]),
      // status_out_of_capacity at L1: free < 0, free > total, total far from the registry's 100
      status('st-1', 'L1', '2026-11-24 10:00:00', 100, -1),
      status('st-2', 'L1', '2026-11-24 10:05:00', 100, 120),
      status('st-3', 'L1', '2026-11-24 10:10:00', 150, 10),
      status('st-ok', 'L1', '2026-11-24 10:15:00', 100, 40),
      // lot_capacity_contradiction at L3: its reports always say 20 spaces, the registry 10
      status('l3-1', 'L3', '2026-11-24 10:00:00', 20, 5),
      status('l3-2', 'L3', '2026-11-24 10:05:00', 20, 6),
      status('l3-3', 'L3', '2026-11-24 10:10:00', 20, 7),
      // … and at L4: 3 cars at once in 2 spaces
      entry('l4-a', 'L4', '苏F80001', '2026-11-24 08:00:00'),
      entry('l4-b', 'L4', '苏F80002', '2026-11-24 08:10:00'),
      entry('l4-c', 'L4', '苏F80003', '2026-11-24 08:20:00'),
      exit('l4-a-out', 'L4', '苏F80001', '2026-11-24 09:00:00'),
    ]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().rejected, res.body).toBe(0);
    // Ingest refuses invalid plates; older imports may hold them: through the sessions module.
    const lot = await env.ctx.db.selectFrom('lots').select('id').where('code', '=', 'L1').executeTakeFirstOrThrow();
    await env.ctx.db.transaction().execute((trx) => pairBatch(trx, [
      { kind: 'entry', lotId: lot.id, sourceCode: 'QS1', eventId: 'bad-1', plate: '苏FO1234', plateRaw: '苏FO1234', plateColor: null, berthCode: null, at: sh('2026-11-24 16:00:00') },
      { kind: 'entry', lotId: lot.id, sourceCode: 'QS1', eventId: 'bad-2', plate: 'XYZ', plateRaw: 'xyz', plateColor: null, berthCode: null, at: sh('2026-11-24 16:10:00') },
    ], env.clock.now()));
  });
  afterAll(() => env.close());

  it('finds each rule on its hand-made case, with the suggested fix', async () => {
    const r = await scan();
    firstScan = r.scanId;
    expect(r.lots).toBe(4);
    findings = await all();
    const targets = (rule: string) => of(rule).map((f) => f.targetId).sort((a, b) => a - b);

    const [dupA, dupB] = [await sessionId('L1', 'dup-a'), await sessionId('L1', 'dup-b')];
    expect(of('duplicate_session')).toHaveLength(1);
    expect(of('duplicate_session')[0]).toMatchObject({ targetId: Math.max(dupA, dupB), action: 'exclude', detail: { keepId: Math.min(dupA, dupB), secondsApart: 30 } });
    expect(of('duplicate_session')[0]!.suggestion.zh).toContain(`保留 #${Math.min(dupA, dupB)}`);

    expect(targets('negative_duration')).toEqual([await sessionId('L1', 'neg')]);
    expect(of('overlong_duration')).toEqual([expect.objectContaining({ targetId: await sessionId('L1', 'long'), action: 'exclude', detail: { days: 10, maxDays: 7 } })]);

    const fee = await sessionId('L1', 'fee-out');
    const cap = await sessionId('L1', 'cap-out');
    expect(of('fee_mismatch').map((f) => [f.targetId, f.suggested]).sort()).toEqual([[fee, { receivableFen: 700 }], [cap, { receivableFen: 3500 }]].sort());
    expect(of('fee_over_cap')).toEqual([expect.objectContaining({ targetId: cap, action: 'set_receivable', suggested: { receivableFen: 6000 }, detail: { receivableFen: 9000, dailyCapFen: 3000, periods: 2 } })]);
    expect(of('paid_over_receivable')).toEqual([expect.objectContaining({ targetId: await sessionId('L2', 'pay-out'), lotCode: 'L2', suggested: { receivableFen: 800 } })]);

    const invalid = of('invalid_plate').sort((a, b) => a.targetId - b.targetId);
    expect(invalid.map((f) => [f.action, f.suggested])).toEqual([['set_plate', { plate: '苏F01234' }], ['exclude', {}]]);

    // The three bad reports, not the good one; none of L3's (its reports disagree with the registry consistently).
    const reports = of('status_out_of_capacity');
    expect(reports.map((f) => [f.lotCode, f.detail.reason]).sort()).toEqual([['L1', 'free_negative'], ['L1', 'free_over_total'], ['L1', 'total_mismatch']]);

    const lots = of('lot_capacity_contradiction');
    expect(lots.map((f) => [f.lotCode, f.targetType, f.suggested]).sort()).toEqual([['L3', 'lot', { totalSpaces: 20 }], ['L4', 'lot', { totalSpaces: 3 }]]);
    expect(lots.find((f) => f.lotCode === 'L4')!.detail).toMatchObject({ totalSpaces: 2, peak: 3, reports: null });
    expect(lots.find((f) => f.lotCode === 'L3')!.detail).toMatchObject({ totalSpaces: 10, reports: 3, mismatchedReports: 3, reportedTotal: 20 });
    expect(findings).toHaveLength(14);
  });

  it('applies the safe rules automatically: rows set aside by their fix, audited with the scan', async () => {
    for (const f of [...of('duplicate_session'), ...of('status_out_of_capacity')]) {
      expect(f.status).toBe('fixed');
      expect(f.fix).toMatchObject({ auto: true, before: { excludedBy: null }, after: { excludedBy: f.fix!.id }, revertedAt: null });
    }
    const dup = of('duplicate_session')[0]!;
    expect((await session(dup.targetId)).excluded_by).toBe(dup.fix!.id);
    const reports = await sql<{ id: number; excluded_by: number | null }>`select id, excluded_by from lot_status_reports where lot_id = (select id from lots where code = 'L1') order by id`.execute(env.ctx.db);
    expect(reports.rows.map((r) => r.excluded_by === null)).toEqual([false, false, false, true]);
    // Not safe: left for a person.
    expect(findings.filter((f) => f.status === 'open').map((f) => f.rule).sort()).toEqual([
      'fee_mismatch', 'fee_mismatch', 'fee_over_cap', 'invalid_plate', 'invalid_plate', 'lot_capacity_contradiction', 'lot_capacity_contradiction',
      'negative_duration', 'overlong_duration', 'paid_over_receivable',
    ]);
    const [scanAudit] = await audits('quality.scan');
    expect(scanAudit!.detail).toMatchObject({ autoFixed: 4, created: 14 });
  });

  it('lists one scan\'s findings in every status (what the page shows after a scan)', async () => {
    const ofScan = await all(admin, `&scan=${firstScan}`);
    // All of them, the automatically fixed ones too: a status filter would hide those.
    expect(ofScan.map((f) => f.id).sort()).toEqual(findings.map((f) => f.id).sort());
    expect(ofScan.filter((f) => f.status === 'fixed')).toHaveLength(4);
    // A rescan finds again what is still there (the set-aside rows are not); the first scan keeps the rest.
    const again = await scan();
    const ofAgain = await all(admin, `&scan=${again.scanId}`);
    expect(ofAgain).toHaveLength(10);
    expect(ofAgain.every((f) => f.status === 'open')).toBe(true);
    expect((await all(admin, `&scan=${firstScan}`)).map((f) => f.rule).sort()).toEqual(['duplicate_session', 'status_out_of_capacity', 'status_out_of_capacity', 'status_out_of_capacity']);
    expect(await all(admin, `&scan=${again.scanId + 1}`)).toEqual([]);
    expect((await req('GET', '/api/v1/quality/findings?scan=abc')).json().error.code).toBe('INVALID_SCAN');
  });

  it('refreshes the rollups at once: a set-aside session leaves the entries, and comes back on revert', async () => {
    // dup-a and dup-b entered in the 11:00 hour of 2026-11-24 at L1, nothing else did.
    const entries = async () => Number((await sql<{ n: number }>`
      select coalesce(sum(entries), 0)::int as n from analytics_lot_hour
      where lot_id = (select id from lots where code = 'L1') and pay_channel = '*' and at = ${sh('2026-11-24 11:00:00')}`.execute(env.ctx.db)).rows[0]!.n);
    expect(await entries()).toBe(1);
    const dup = of('duplicate_session')[0]!;
    await ok('POST', `/api/v1/quality/fixes/${dup.fix!.id}/revert`);
    expect(await entries()).toBe(2);
    const again = await ok('POST', `/api/v1/quality/findings/${dup.id}/fix`);
    expect(again).toMatchObject({ action: 'exclude', auto: false });
    expect(await entries()).toBe(1);
    findings = await all();
  });

  it('does not duplicate findings on a rescan, and keeps what people decided', async () => {
    const r = await scan();
    expect(r.created).toBe(0);
    expect(r.autoFixed).toBe(0);
    const again = await all();
    expect(again.map((f) => [f.id, f.status]).sort()).toEqual(findings.map((f) => [f.id, f.status]).sort());
    const n = await env.ctx.db.selectFrom('quality_findings').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    expect(n.n).toBe(14);
  });

  it('fixes a value and reverts it: values back, finding open again, both audited', async () => {
    const f = of('fee_mismatch').find((x) => x.suggested.receivableFen === 700)!;
    const fix = await ok('POST', `/api/v1/quality/findings/${f.id}/fix`);
    expect(fix).toMatchObject({ action: 'set_receivable', before: { receivableFen: 999 }, after: { receivableFen: 700 }, auto: false, appliedBy: 'admin' });
    expect((await session(f.targetId)).receivable_fen).toBe(700);
    expect((await all(admin, '&rule=fee_mismatch&status=fixed')).map((x) => x.id)).toEqual([f.id]);
    expect((await req('POST', `/api/v1/quality/findings/${f.id}/fix`)).statusCode).toBe(409);

    const back = await ok('POST', `/api/v1/quality/fixes/${fix.id}/revert`);
    expect(back).toMatchObject({ id: fix.id, revertedBy: 'admin' });
    expect((await session(f.targetId)).receivable_fen).toBe(999);
    expect((await all(admin, '&rule=fee_mismatch')).find((x) => x.id === f.id)).toMatchObject({ status: 'open', fix: { id: fix.id, revertedAt: expect.any(String) } });
    expect((await req('POST', `/api/v1/quality/fixes/${fix.id}/revert`)).json().error.code).toBe('ALREADY_REVERTED');
    expect((await audits('quality.fix')).at(-1)).toMatchObject({ actor: 'admin', target_id: String(f.id), detail: { fixId: fix.id, before: { receivableFen: 999 }, after: { receivableFen: 700 } } });
    expect((await audits('quality.revert')).at(-1)).toMatchObject({ target_id: String(fix.id), detail: { restored: { receivableFen: 999 } } });
  });

  it('excludes and takes back a session: excluded_by set to the fix, then null', async () => {
    const f = of('negative_duration')[0]!;
    const fix = await ok('POST', `/api/v1/quality/findings/${f.id}/fix`, { note: '时间颠倒' });
    expect((await session(f.targetId)).excluded_by).toBe(fix.id);
    await ok('POST', `/api/v1/quality/fixes/${fix.id}/revert`);
    expect((await session(f.targetId)).excluded_by).toBeNull();
    // Reverting an automatic fix brings the report back and the next scan leaves it alone.
    const auto = of('status_out_of_capacity')[0]!;
    await ok('POST', `/api/v1/quality/fixes/${auto.fix!.id}/revert`);
    expect((await sql<{ excluded_by: number | null }>`select excluded_by from lot_status_reports where id = ${auto.targetId}`.execute(env.ctx.db)).rows[0]!.excluded_by).toBeNull();
    expect((await scan()).autoFixed).toBe(0);
    expect((await all(admin, '&rule=status_out_of_capacity')).find((x) => x.id === auto.id)!.status).toBe('open');
  });

  it('refuses a revert when the row changed after the fix (409 ROW_CHANGED)', async () => {
    const capSession = of('fee_over_cap')[0]!.targetId;
    const mismatch = of('fee_mismatch').find((x) => x.targetId === capSession)!;
    const first = await ok('POST', `/api/v1/quality/findings/${mismatch.id}/fix`);
    expect((await session(capSession)).receivable_fen).toBe(3500);
    // A later correction of the same value: the over-cap finding, with a person's amount.
    const second = await ok('POST', `/api/v1/quality/findings/${of('fee_over_cap')[0]!.id}/fix`, { receivableFen: 5000 });
    expect(second).toMatchObject({ before: { receivableFen: 3500 }, after: { receivableFen: 5000 } });
    const refused = await req('POST', `/api/v1/quality/fixes/${first.id}/revert`);
    expect([refused.statusCode, refused.json().error.code]).toEqual([409, 'ROW_CHANGED']);
    expect((await session(capSession)).receivable_fen).toBe(5000);
    await ok('POST', `/api/v1/quality/fixes/${second.id}/revert`);
    await ok('POST', `/api/v1/quality/fixes/${first.id}/revert`);
    expect((await session(capSession)).receivable_fen).toBe(9000);
  });

  it('corrects a plate as suggested or as given, and refuses an invalid one', async () => {
    const [misread, garbage] = of('invalid_plate').sort((a, b) => a.targetId - b.targetId);
    await ok('POST', `/api/v1/quality/findings/${misread!.id}/fix`);
    expect((await session(misread!.targetId)).plate).toBe('苏F01234');
    const bad = await req('POST', `/api/v1/quality/findings/${garbage!.id}/fix`, admin, { plate: '12345' });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'INVALID_PLATE']);
    const fix = await ok('POST', `/api/v1/quality/findings/${garbage!.id}/fix`, { plate: '苏f·12345' });
    expect(fix).toMatchObject({ action: 'set_plate', before: { plate: 'XYZ' }, after: { plate: '苏F12345' } });
    expect((await session(garbage!.targetId)).plate).toBe('苏F12345');
  });

  it('updates a lot’s capacity through the registry, and reverts it', async () => {
    const l4 = of('lot_capacity_contradiction').find((f) => f.lotCode === 'L4')!;
    const fix = await ok('POST', `/api/v1/quality/findings/${l4.id}/fix`);
    expect(fix).toMatchObject({ action: 'set_total_spaces', before: { totalSpaces: 2 }, after: { totalSpaces: 3 } });
    expect((await ok('GET', '/api/v1/lots/L4')).totalSpaces).toBe(3);
    expect((await audits('lot.update')).at(-1)).toMatchObject({ target_id: 'L4' });
    await ok('POST', `/api/v1/quality/fixes/${fix.id}/revert`);
    expect((await ok('GET', '/api/v1/lots/L4')).totalSpaces).toBe(2);
  });

  it('dismisses a finding; a rescan does not reopen it', async () => {
    const f = of('overlong_duration')[0]!;
    expect((await req('POST', `/api/v1/quality/findings/${f.id}/dismiss`, admin, { note: '长期包月车' })).statusCode).toBe(204);
    await scan();
    expect((await all(admin, '&rule=overlong_duration'))[0]).toMatchObject({ id: f.id, status: 'dismissed' });
    expect((await audits('quality.dismiss')).at(-1)).toMatchObject({ target_id: String(f.id), detail: { note: '长期包月车' } });
  });

  it('needs data:clean to change anything (viewer 403), masks plates without pii', async () => {
    const f = findings.find((x) => x.status === 'open' && x.rule === 'paid_over_receivable')!;
    for (const [method, url] of [
      ['POST', '/api/v1/quality/scan'], ['POST', `/api/v1/quality/findings/${f.id}/fix`], ['POST', `/api/v1/quality/findings/${f.id}/dismiss`],
      ['POST', '/api/v1/quality/fixes/1/revert'], ['PUT', '/api/v1/quality/rules/fee_mismatch'], ['PUT', '/api/v1/quality/tariffs/L1'],
    ] as const) {
      const res = await req(method, url, viewer, {});
      expect([url, res.statusCode]).toEqual([url, 403]);
    }
    const seen = await all(viewer, '&rule=paid_over_receivable');
    expect(seen[0]!.session!.plate).toBe(maskPlate('苏F66666'));
    expect((await all(admin, '&rule=paid_over_receivable'))[0]!.session!.plate).toBe('苏F66666');
    const fixedPlate = (await all(viewer, '&rule=invalid_plate')).find((x) => x.fix?.after.plate)!;
    expect(String(fixedPlate.fix!.after.plate)).toContain('*');
  });

  it('shows district users their district only', async () => {
    const mine = await all(tzUser);
    expect(mine.length).toBeGreaterThan(0);
    expect(new Set(mine.map((f) => f.lotCode))).toEqual(new Set(['L2']));
    const other = findings.find((f) => f.lotCode === 'L1')!;
    expect((await req('POST', `/api/v1/quality/fixes/${other.id}/revert`, tzUser)).statusCode).toBe(403);
    const scores = await ok('GET', '/api/v1/quality/scores?by=lot&from=2026-11-24&to=2026-11-24', undefined, tzUser);
    expect(scores.items.map((i: { code: string }) => i.code)).toEqual(['L2']);
  });

  it('scores each lot and source: 100 × (1 − affected ÷ rows), per day', async () => {
    // A lot finding's time is the end of its scan (now, 2026-11-25): the range takes both days.
    const res = await ok('GET', '/api/v1/quality/scores?by=lot&from=2026-11-24&to=2026-11-25');
    const l2 = res.items.find((i: { code: string }) => i.code === 'L2');
    // 4 sessions, one with an open finding (paid over receivable), none flagged.
    expect(l2).toMatchObject({ score: 75, rows: 4, sessions: 4, statusReports: 0, affected: 1, findings: { paid_over_receivable: 1 }, trend: [{ day: '2026-11-24', score: 75, rows: 4, affected: 1 }] });
    // L3: three reports, no row findings (the capacity finding is about the lot) → 100.
    expect(res.items.find((i: { code: string }) => i.code === 'L3')).toMatchObject({ score: 100, rows: 3, findings: { lot_capacity_contradiction: 1 } });
    // L4: three sessions, two still open → no flags yet (stale after 3 days) → 100.
    expect(res.items.find((i: { code: string }) => i.code === 'L4')).toMatchObject({ score: 100, rows: 3 });
    const bySource = await ok('GET', '/api/v1/quality/scores?by=source&from=2026-11-24&to=2026-11-25');
    expect(bySource.items).toHaveLength(1);
    const s = bySource.items[0];
    expect(s.code).toBe('QS1');
    expect(s.rows).toBe(res.items.reduce((a: number, i: { rows: number }) => a + i.rows, 0));
    expect(s.score).toBe(scoreOf(s.rows, s.affected));
    expect((await req('GET', '/api/v1/quality/scores?by=district')).statusCode).toBe(400);
  });

  it('checks rule settings: only safe rules auto-apply, parameters in range', async () => {
    const rules = (await ok('GET', '/api/v1/quality/rules')).items;
    expect(rules).toHaveLength(9);
    expect(rules.filter((r: { autoApply: boolean }) => r.autoApply).map((r: { code: string }) => r.code).sort()).toEqual(['duplicate_session', 'status_out_of_capacity']);
    const notSafe = await req('PUT', '/api/v1/quality/rules/fee_mismatch', admin, { autoApply: true });
    expect([notSafe.statusCode, notSafe.json().error.code]).toEqual([400, 'RULE_NOT_SAFE']);
    expect((await req('PUT', '/api/v1/quality/rules/overlong_duration', admin, { params: { maxDays: 0 } })).json().error.code).toBe('INVALID_PARAM');
    expect((await req('PUT', '/api/v1/quality/rules/nope', admin, { enabled: false })).statusCode).toBe(404);
    const changed = await ok('PUT', '/api/v1/quality/rules/fee_mismatch', { params: { ignoreZero: false, toleranceFen: 100 } });
    expect(changed).toMatchObject({ params: { ignoreZero: false, toleranceFen: 100 }, updatedBy: 'admin' });
    // Zero receivables now count: L2 has no tariff, so nothing new there; the setting is stored and audited.
    expect((await audits('quality.rule.update')).at(-1)).toMatchObject({ target_id: 'fee_mismatch' });
  });

  it('answers bad input with 4xx and a code', async () => {
    const lotFinding = of('lot_capacity_contradiction')[0]!;
    const cases: [string, 'GET' | 'POST' | 'PUT', string, object | undefined, number, string][] = [
      ['bad time', 'POST', '/api/v1/quality/scan', { from: 'yesterday' }, 400, 'INVALID_TIME'],
      ['reversed', 'POST', '/api/v1/quality/scan', { from: '2026-11-20', to: '2026-11-10' }, 400, 'INVALID_TIME_RANGE'],
      ['too long', 'POST', '/api/v1/quality/scan', { from: '2024-01-01', to: '2026-11-10' }, 400, 'RANGE_TOO_LONG'],
      ['unknown lot', 'POST', '/api/v1/quality/scan', { lotCodes: ['NOPE'] }, 400, 'UNKNOWN_LOT'],
      ['bad rule', 'GET', '/api/v1/quality/findings?rule=nope', undefined, 400, 'INVALID_RULE'],
      ['bad status', 'GET', '/api/v1/quality/findings?status=gone', undefined, 400, 'INVALID_STATUS'],
      ['bad cursor', 'GET', '/api/v1/quality/findings?cursor=abc', undefined, 400, 'INVALID_CURSOR'],
      ['bad id', 'POST', '/api/v1/quality/findings/abc/fix', {}, 400, 'INVALID_ID'],
      ['no finding', 'POST', '/api/v1/quality/findings/999999/fix', {}, 404, 'NOT_FOUND'],
      ['no fix', 'POST', '/api/v1/quality/fixes/999999/revert', {}, 404, 'NOT_FOUND'],
      ['exclude a lot', 'POST', `/api/v1/quality/findings/${lotFinding.id}/fix`, { exclude: true }, 400, 'FIX_NOT_APPLICABLE'],
      ['plate on a lot', 'POST', `/api/v1/quality/findings/${lotFinding.id}/fix`, { plate: '苏F12345' }, 400, 'FIX_NOT_APPLICABLE'],
      ['negative spaces', 'POST', `/api/v1/quality/findings/${lotFinding.id}/fix`, { totalSpaces: -1 }, 400, 'VALIDATION_FAILED'],
      ['param type', 'PUT', '/api/v1/quality/rules/overlong_duration', { params: { maxDays: 'seven' } }, 400, 'INVALID_PARAM'],
      ['unknown param', 'PUT', '/api/v1/quality/rules/overlong_duration', { params: { minDays: 1 } }, 400, 'UNKNOWN_PARAM'],
      ['by', 'GET', '/api/v1/quality/scores?by=x', undefined, 400, 'INVALID_BY'],
      ['tariff lot', 'PUT', '/api/v1/quality/tariffs/NOPE', TARIFF, 404, 'NOT_FOUND'],
      ['tariff unit', 'PUT', '/api/v1/quality/tariffs/L1', { ...TARIFF, unitMinutes: 0 }, 400, 'VALIDATION_FAILED'],
    ];
    for (const [name, method, url, body, status, code] of cases) {
      const res = await req(method, url, admin, body);
      expect([name, res.statusCode, res.json().error?.code]).toEqual([name, status, code]);
    }
  });

  it('drops open findings the rules no longer find when the data changes', async () => {
    // A tariff that makes 9.99 yuan right for the 2 h stay: the open mismatch goes away on rescan.
    const f = (await all(admin, '&rule=fee_mismatch')).find((x) => x.detail.receivableFen === 999)!;
    expect(f.status).toBe('open');
    await ok('PUT', '/api/v1/quality/tariffs/L1', { ...TARIFF, firstPeriodFen: 799 });
    await scan();
    // It had a (reverted) fix, so it stays as history; an untouched finding goes.
    expect((await all(admin, '&rule=fee_mismatch')).some((x) => x.id === f.id)).toBe(true);
    await sql`delete from quality_fixes where finding_id = ${f.id}`.execute(env.ctx.db);
    await scan();
    expect((await all(admin, '&rule=fee_mismatch')).some((x) => x.id === f.id)).toBe(false);
  });
});

describeDb('quality: the hourly job', (backend) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(backend);
  });
  afterAll(() => env.close());

  it('scans the last 2 days of every lot as the system, hourly', async () => {
    const jobs = startJobs(env.ctx);
    try {
      expect(jobs.find((j) => j.name === QUALITY_SCAN_JOB)?.getPattern()).toBe('23 * * * *');
    } finally {
      for (const j of jobs) j.stop();
    }
    const admin = await loginToken(env.app);
    const src = await createSourceWithLots(env, admin, 'QJ1', [{ code: 'J1', totalSpaces: 100 }]);
    const res = await postEvents(env, src, [status('j-1', 'J1', '2026-11-25 09:00:00', 100, -5), status('j-old', 'J1', '2026-11-20 09:00:00', 100, -5)]);
    expect(res.json().accepted).toBe(2);
    await runQualityScanJob(env.ctx);
    const scans = await env.ctx.db.selectFrom('quality_scans').selectAll().execute();
    expect(scans).toEqual([expect.objectContaining({ actor: 'quality.scan', found: 1, auto_fixed: 1 })]);
    expect(scans[0]!.to_at.getTime() - scans[0]!.from_at.getTime()).toBe(2 * 86_400_000);
  });
});

describeDb('quality: scores from day counts equal the direct count', (backend) => {
  let env: TestEnv;
  let admin: string;
  let src: TestSource;
  const post = (url: string, payload: object = {}) => env.app.inject({ method: 'POST', url, headers: bearer(admin), payload });
  /** Both computations, for several ranges (whole days, partial days, the default) and both groupings. */
  const same = async () => {
    const ctx = qualityContext(env.ctx);
    const ranges: { from?: string; to?: string }[] = [
      {}, { from: '2026-11-01', to: '2026-11-30' }, { from: '2026-11-20', to: '2026-11-24' },
      { from: '2026-11-21 13:30:00', to: '2026-11-24 06:00:00' }, { from: '2026-11-24 08:00:00', to: '2026-11-26 23:00:00' },
    ];
    for (const by of ['lot', 'source']) {
      for (const r of ranges) {
        const q = { by, ...r };
        const direct = await qualityScores(ctx, systemActor('test'), q, { direct: true });
        expect(await qualityScores(ctx, systemActor('test'), q), JSON.stringify(q)).toEqual(direct);
      }
    }
  };

  beforeAll(async () => {
    env = await createTestEnv(backend);
    env.clock.set(sh('2026-11-25 10:00'));
    admin = await loginToken(env.app);
    src = await createSourceWithLots(env, admin, 'QD1', [{ code: 'D1', totalSpaces: 10 }, { code: 'D2', totalSpaces: 50 }]);
    const res = await postEvents(env, src, [
      // Sessions across midnight (counted on their entry day), a duplicate, one out of capacity, reports on several days.
      exit('d-1', 'D1', '苏F10001', '2026-11-21 00:10:00', { enteredAt: '2026-11-20 23:50:00' }),
      exit('d-2', 'D1', '苏F10002', '2026-11-22 12:00:00', { enteredAt: '2026-11-22 11:00:00' }),
      exit('d-3', 'D1', '苏F10002', '2026-11-22 12:00:20', { enteredAt: '2026-11-22 11:00:10' }),
      exit('d-4', 'D2', '苏F10004', '2026-11-23 10:00:00', { enteredAt: '2026-11-23 11:00:00' }),
      exit('d-5', 'D2', '苏F10005', '2026-11-24 07:00:00', { enteredAt: '2026-11-24 06:00:00', receivableFen: 100, paidFen: 300 }),
      entry('d-6', 'D2', '苏F10006', '2026-11-25 08:00:00'),
      status('ds-1', 'D1', '2026-11-21 09:00:00', 10, -1),
      status('ds-2', 'D1', '2026-11-23 09:00:00', 10, 4),
      status('ds-3', 'D2', '2026-11-24 23:59:00', 50, 60),
      status('ds-4', 'D2', '2026-11-25 01:00:00', 50, 10),
    ]);
    expect(res.json().rejected, res.body).toBe(0);
    expect((await post('/api/v1/quality/scan', { from: '2026-11-01', to: '2026-11-25' })).json().created).toBeGreaterThan(0);
  });
  afterAll(() => env.close());

  it('before and after the job, when findings and rows change, and as days end', async () => {
    await same(); // nothing counted yet: every day from the rows
    const first = await refreshScoreDays(env.ctx);
    expect(first.days).toBeGreaterThan(0);
    await same();

    // A dismissed finding stops counting; a late session arrives for a counted day; a report is set aside (still counted).
    const findings = (await env.app.inject({ url: '/api/v1/quality/findings?status=open&limit=200', headers: bearer(admin) })).json().items as Finding[];
    const open = findings.find((f) => f.targetType === 'session')!;
    expect((await post(`/api/v1/quality/findings/${open.id}/dismiss`, { note: 'test' })).statusCode).toBeLessThan(300);
    await same();
    const late = await postEvents(env, src, [exit('d-late', 'D1', '苏F10009', '2026-11-22 18:00:00', { enteredAt: '2026-11-22 17:00:00' })]);
    expect(late.json().accepted).toBe(1);
    await same();
    const marks = await refreshScoreDays(env.ctx);
    expect(marks.marks).toBeGreaterThan(0);
    await same();
    // A reverted fix makes its finding open again.
    const fixed = findings.length ? (await env.app.inject({ url: '/api/v1/quality/findings?status=fixed&limit=200', headers: bearer(admin) })).json().items as Finding[] : [];
    if (fixed[0]?.fix) expect((await post(`/api/v1/quality/fixes/${fixed[0].fix.id}/revert`)).statusCode).toBeLessThan(300);
    await same();
    await refreshScoreDays(env.ctx);
    await same();

    // A deleted session and a moved status report mark their days as well.
    await sql`delete from parking_sessions where id = (select min(id) from parking_sessions)`.execute(env.ctx.db);
    await sql`update lot_status_reports set occurred_at = occurred_at - interval '2 days' where id = (select min(id) from lot_status_reports)`.execute(env.ctx.db);
    await same();
    await refreshScoreDays(env.ctx);
    await same();

    // Two days later: 11-25 and 11-26 have ended and are counted; today is read from the rows.
    env.clock.set(sh('2026-11-27 09:00'));
    await same();
    await refreshScoreDays(env.ctx);
    await same();
    const kept = await sql<{ day: string }>`select distinct to_char(day, 'YYYY-MM-DD') as day from quality_score_days_done where day >= date '2026-11-27'`.execute(env.ctx.db);
    expect(kept.rows).toEqual([]);
  });
});

describeDb('quality: a corrected capacity brings back reports set aside for it', (backend) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(backend);
  });
  afterAll(() => env.close());

  it('takes back the automatic exclusions that only the wrong registry value caused', async () => {
    const admin = await loginToken(env.app);
    const post = (url: string, payload: object = {}) => env.app.inject({ method: 'POST', url, headers: bearer(admin), payload });
    const src = await createSourceWithLots(env, admin, 'QC1', [{ code: 'C1', totalSpaces: 10 }]);
    // One report saying 20 spaces: out of capacity, set aside automatically.
    await postEvents(env, src, [status('c-1', 'C1', '2026-11-24 08:00:00', 20, 4), status('c-bad', 'C1', '2026-11-24 08:01:00', 20, -2)]);
    expect((await post('/api/v1/quality/scan', { from: '2026-11-24', to: '2026-11-24' })).json().autoFixed).toBe(2);
    // More reports keep saying 20: now the lot contradicts its capacity.
    await postEvents(env, src, [status('c-2', 'C1', '2026-11-24 09:00:00', 20, 5), status('c-3', 'C1', '2026-11-24 10:00:00', 20, 6)]);
    expect((await post('/api/v1/quality/scan', { from: '2026-11-24', to: '2026-11-24' })).json()).toMatchObject({ created: 1, autoFixed: 0 });
    const list = (await env.app.inject({ url: '/api/v1/quality/findings', headers: bearer(admin) })).json().items as Finding[];
    const lot = list.find((f) => f.rule === 'lot_capacity_contradiction')!;
    expect(lot.suggested).toEqual({ totalSpaces: 20 });
    expect((await post(`/api/v1/quality/findings/${lot.id}/fix`)).statusCode).toBe(200);
    const reports = await sql<{ free_spaces: number; excluded_by: number | null }>`select free_spaces, excluded_by from lot_status_reports order by occurred_at`.execute(env.ctx.db);
    // The good report is back; the one with negative free spaces stays aside.
    expect(reports.rows.map((r) => [r.free_spaces, r.excluded_by === null])).toEqual([[4, true], [-2, false], [5, true], [6, true]]);
    const after = (await env.app.inject({ url: '/api/v1/quality/findings?rule=status_out_of_capacity', headers: bearer(admin) })).json().items as Finding[];
    expect(after.map((f) => [f.detail.reason, f.status]).sort()).toEqual([['free_negative', 'fixed'], ['total_mismatch', 'dismissed']]);
    expect(after.find((f) => f.status === 'dismissed')!.fix!.revertedAt).not.toBeNull();
  });
});

describeDb('quality: SQL twins of the platform rules', (backend) => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv(backend);
  });
  afterAll(() => env.close());

  it('computes the tariff charge like the simulator’s receivableFen', async () => {
    const tariffs: Tariff[] = [TARIFF, { freeMinutes: 15, firstPeriodMinutes: 30, firstPeriodFen: 200, unitMinutes: 30, unitFen: 200, dailyCapFen: null },
      { freeMinutes: 0, firstPeriodMinutes: 0, firstPeriodFen: 0, unitMinutes: 45, unitFen: 150, dailyCapFen: 1000 }];
    const minutes = [0, 0.5, 10, 15, 15.01, 16, 29.99, 30, 30.5, 59, 60, 61, 119.5, 120, 121, 600, 1439.9, 1440, 1441, 1500, 2880, 3000.25, 4321, 10_080];
    for (const t of tariffs) {
      const rows = await sql<{ m: number; fen: number }>`
        select v.m, ${tariffChargeSql(sql`v.m`)} as fen
        from (select ${t.freeMinutes}::int as free_minutes, ${t.firstPeriodMinutes}::int as first_period_minutes, ${t.firstPeriodFen}::int as first_period_fen,
                     ${t.unitMinutes}::int as unit_minutes, ${t.unitFen}::int as unit_fen, ${t.dailyCapFen}::int as daily_cap_fen) t
        cross join unnest(${sql.val(minutes)}::float8[]) as v(m) order by v.m`.execute(env.ctx.db);
      expect(rows.rows.map((r) => Number(r.fen))).toEqual(minutes.map((m) => receivableFen(t, m)));
    }
  });

  it('validates plates like platform/plates.ts', async () => {
    const plates = ['苏F12345', '苏F1234学', '苏FD12345', '苏FI2345', '苏FO1234', '苏F1234', '苏F123456789', 'AF12345', '京A12B45', '粤BD1234X', '苏F12O45', '苏Ｆ12345', ''];
    const rows = await sql<{ p: string; ok: boolean }>`select p, ${validPlateSql(sql`p`)} as ok from unnest(${sql.val(plates)}::text[]) as t(p)`.execute(env.ctx.db);
    expect(rows.rows.map((r) => [r.p, r.ok])).toEqual(plates.map((p) => [p, isValidPlate(p)]));
  });
});

describe('quality: score arithmetic', () => {
  it('is 100 × (1 − affected ÷ rows) to one decimal, null without rows', () => {
    expect([scoreOf(4, 1), scoreOf(3, 1), scoreOf(0, 0), scoreOf(10, 0)]).toEqual([75, 66.7, null, 100]);
  });
});

import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { refreshAnalytics } from './refresh.js';

/*
 * KPIs end to end, computed by hand: events through the signed ingest API, the rollups refreshed
 * by the engine, the numbers read back through GET /api/v1/analytics/kpis. All times Shanghai.
 * The clock (= as-of of the refresh) stands at 2026-12-01 10:00.
 *
 * Lots: L1 320602 commercial 10 spaces · L2 320602 hospital 4 · L3 320612 commercial 20.
 * Sessions:
 *   S1 L1 11-30 10:00 → 12:00   1000 / 600 fen, alipay        (dwell 120 min)
 *   S2 L1 11-30 23:30 → 12-01 00:30  500 / 500, wechat          (crosses midnight and the month end)
 *   S3 L2 11-30 08:00 → 09:30    300 / 300, wechat              (dwell 90)
 *   S4 L2 11-30 13:00 → 14:00    100 / 0, no channel            (the exit arrives late: a correction)
 *   S5 L3 11-30 22:00 → open                                    (occupies until as-of)
 *   S6 L3 exit 11-30 15:00 without entry, 200 / 0, no channel   (flagged no_entry; no dwell, no time)
 * Status (late threshold 120 min: a report is valid up to 2 h):
 *   L1 11-30 10:00 total 10 free 5 (0.5), 11:00 free 2 (0.8) → known 10:00–13:00
 *   L2 11-30 11:30 total 4 free 1 (0.75) → known 11:30–13:30
 */

describeDb('analytics KPIs end to end', (backend) => {
  let env: TestEnv;
  let admin: string;
  let src: TestSource;

  const get = (qs: string, token = admin) => env.app.inject({ method: 'GET', url: `/api/v1/analytics/kpis?${qs}`, headers: bearer(token) });
  const rows = async (qs: string) => {
    const res = await get(qs);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().rows as Record<string, unknown>[];
  };
  const post = async (events: unknown[]) => {
    const res = await postEvents(env, src, events);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().rejected, res.body).toBe(0);
  };
  const entry = (id: string, lot: string, plate: string, t: string) => ({ type: 'entry', eventId: id, occurredAt: `${t}+08:00`, lotCode: lot, plate });
  const exit = (id: string, lot: string, plate: string, t: string, extra: Record<string, unknown> = {}) => ({ type: 'exit', eventId: id, occurredAt: `${t}+08:00`, lotCode: lot, plate, ...extra });
  const status = (id: string, lot: string, t: string, total: number, free: number) => ({ type: 'status', eventId: id, occurredAt: `${t}+08:00`, lotCode: lot, totalSpaces: total, freeSpaces: free });

  beforeAll(async () => {
    env = await createTestEnv(backend);
    env.clock.set('2026-12-01T02:00:00Z');
    admin = await loginToken(env.app);
    src = await createSourceWithLots(env, admin, 'SRC-E2E', [
      { code: 'L1', districtCode: '320602', category: 'commercial', totalSpaces: 10 },
      { code: 'L2', districtCode: '320602', category: 'hospital', totalSpaces: 4 },
      { code: 'L3', districtCode: '320612', category: 'commercial', totalSpaces: 20 },
    ]);
    await post([
      entry('s1-in', 'L1', '苏F10001', '2026-11-30T10:00:00'),
      exit('s1-out', 'L1', '苏F10001', '2026-11-30T12:00:00', { receivableFen: 1000, paidFen: 600, payChannel: 'alipay' }),
      entry('s2-in', 'L1', '苏F10002', '2026-11-30T23:30:00'),
      exit('s2-out', 'L1', '苏F10002', '2026-12-01T00:30:00', { receivableFen: 500, paidFen: 500, payChannel: 'wechat' }),
      entry('s3-in', 'L2', '苏F10003', '2026-11-30T08:00:00'),
      exit('s3-out', 'L2', '苏F10003', '2026-11-30T09:30:00', { receivableFen: 300, paidFen: 300, payChannel: 'wechat' }),
      entry('s4-in', 'L2', '苏F10004', '2026-11-30T13:00:00'),
      entry('s5-in', 'L3', '苏F10005', '2026-11-30T22:00:00'),
      exit('s6-out', 'L3', '苏F10006', '2026-11-30T15:00:00', { receivableFen: 200, paidFen: 0 }),
      status('st1', 'L1', '2026-11-30T10:00:00', 10, 5),
      status('st2', 'L1', '2026-11-30T11:00:00', 10, 2),
      status('st3', 'L2', '2026-11-30T11:30:00', 4, 1),
    ]);
    await refreshAnalytics(env.ctx);
  });
  afterAll(() => env.close());

  it('counts an open session up to as-of, then takes the late exit as a correction', async () => {
    const before = await rows('from=2026-11-30&to=2026-11-30&lot=L2');
    // S4 still open: occupies 13:00–24:00 on the 30th (11 h) → (5 400 + 39 600) ÷ (4 × 86 400) = 0.1302
    expect(before[0]).toMatchObject({ entries: 2, exits: 1, utilisation: 0.1302, avgDwellMinutes: 90, completeness: 0.5 });

    await post([exit('s4-out', 'L2', '苏F10004', '2026-11-30T14:00:00', { receivableFen: 100, paidFen: 0 })]);
    await refreshAnalytics(env.ctx);
    const after = await rows('from=2026-11-30&to=2026-11-30&lot=L2');
    // S3 1.5 h + S4 1 h = 9 000 s ÷ (4 × 86 400) = 0.026; turnover 2 ÷ 4 = 0.5; dwell (90 + 60) ÷ 2 = 75
    // revenue 300 + 100 = 400, paid 300, arrears 100; occupancy one report at 0.75 for 2 h
    expect(after[0]).toMatchObject({
      entries: 2, exits: 2, turnoverRate: 0.5, utilisation: 0.026, avgDwellMinutes: 75,
      receivableFen: 400, paidFen: 300, arrearsFen: 100, completeness: 1, flaggedShare: 0, occupancyAvg: 0.75, occupancyPeak: 0.75,
    });
  });

  it('gives hand-computed KPIs per lot for the day before the month end', async () => {
    const byLot = await rows('from=2026-11-30&to=2026-11-30&groupBy=lot');
    const lot = (c: string) => byLot.find((r) => r.lotCode === c);
    // L1: entries S1, S2 = 2 → 2 ÷ 10 = 0.2; exits S1 only (S2 leaves on 1 Dec)
    //     occupied S1 7 200 + S2 23:30–24:00 1 800 = 9 000 ÷ (10 × 86 400) = 0.0104
    //     occupancy: 0.5 for 1 h, 0.8 for 2 h → 2.1 ÷ 3 = 0.7, peak 0.8
    expect(lot('L1')).toMatchObject({
      entries: 2, exits: 1, turnoverRate: 0.2, utilisation: 0.0104, avgDwellMinutes: 120,
      receivableFen: 1000, paidFen: 600, arrearsFen: 400, occupancyAvg: 0.7, occupancyPeak: 0.8, completeness: 1, flaggedShare: 0,
    });
    // L3: entry S5 → 1 ÷ 20 = 0.05; exit S6 (no entry: no dwell); S5 occupies 22:00–24:00 = 7 200 ÷ (20 × 86 400) = 0.0042
    //     sessions of the day S5 (open) and S6 (no entry, flagged): complete 0/2, flagged 1/2; no status reports
    expect(lot('L3')).toMatchObject({
      entries: 1, exits: 1, turnoverRate: 0.05, utilisation: 0.0042, avgDwellMinutes: null,
      receivableFen: 200, paidFen: 0, arrearsFen: 200, occupancyAvg: null, occupancyPeak: null, completeness: 0, flaggedShare: 0.5,
    });
  });

  it('puts groups together: district, city, and occupancy over the lots known at each moment', async () => {
    const byDistrict = await rows('from=2026-11-30&to=2026-11-30&groupBy=district');
    // 320602 = L1 + L2: entries 4 ÷ 14 spaces = 0.2857; occupied 18 000 ÷ (14 × 86 400) = 0.0149
    // occupancy: 10–11 L1 5/10; 11–11:30 L1 8/10; 11:30–13 (8+3)/(10+4) = 11/14; 13–13:30 L2 3/4
    //   ∫ = 0.5 + 0.4 + 1.5 × 11/14 + 0.375 = 2.453571 h over 3.5 h known = 0.701; peak 0.8
    expect(byDistrict.find((r) => r.districtCode === '320602')).toMatchObject({
      entries: 4, exits: 3, turnoverRate: 0.2857, utilisation: 0.0149, avgDwellMinutes: 90,
      receivableFen: 1400, paidFen: 900, arrearsFen: 500, occupancyAvg: 0.701, occupancyPeak: 0.8,
    });
    const city = await rows('from=2026-11-30&to=2026-11-30');
    // city: 5 entries ÷ 34 spaces = 0.1471; occupied 25 200 ÷ (34 × 86 400) = 0.0086; same occupancy (only 320602 reports)
    expect(city[0]).toMatchObject({ entries: 5, exits: 4, turnoverRate: 0.1471, utilisation: 0.0086, receivableFen: 1600, arrearsFen: 700, occupancyAvg: 0.701 });
    // the two commercial lots: L1 alone is known → L1's own figures (and also the stored ('*', commercial) group)
    expect((await rows('from=2026-11-30&to=2026-11-30&category=commercial'))[0]).toMatchObject({ entries: 3, occupancyAvg: 0.7, occupancyPeak: 0.8 });
  });

  it('splits revenue by pay channel', async () => {
    const byChannel = await rows('from=2026-11-30&to=2026-11-30&groupBy=channel');
    // '' = S4 (100/0, 60 min) + S6 (200/0, no dwell); alipay S1; wechat S3 (S2 pays on 1 Dec)
    expect(byChannel.map((r) => [r.payChannel, r.exits, r.receivableFen, r.paidFen, r.arrearsFen, r.avgDwellMinutes, r.entries])).toEqual([
      ['', 2, 300, 0, 300, 60, null],
      ['alipay', 1, 1000, 600, 400, 120, null],
      ['wechat', 1, 300, 300, 0, 90, null],
    ]);
  });

  it('clips a session crossing midnight and the month end to each hour, day and month, the current one up to as-of', async () => {
    const hours = await rows('from=2026-11-30T22:00:00%2B08:00&to=2026-12-01T02:00:00%2B08:00&groupBy=hour&lot=L1');
    // S2: 23:30–24:00 in the 23 h hour, 00:00–00:30 in the next: 1 800 ÷ (10 × 3 600) = 0.05 each
    expect(hours.map((r) => [r.hour, r.entries, r.exits, r.utilisation, r.turnoverRate])).toEqual([
      ['2026-11-30T22:00:00+08:00', 0, 0, 0, null],
      ['2026-11-30T23:00:00+08:00', 1, 0, 0.05, null],
      ['2026-12-01T00:00:00+08:00', 0, 1, 0.05, null],
      ['2026-12-01T01:00:00+08:00', 0, 0, 0, null],
    ]);
    const months = await rows('from=2026-11-01&to=2026-12-01&groupBy=month');
    // November whole: 25 200 ÷ (34 × 30 × 86 400) = 0.0003; December up to as-of 10:00 (36 000 s):
    //   S2 1 800 + S5 36 000 = 37 800 ÷ (34 × 36 000) = 0.0309; entries 0, exits S2; turnover 0
    expect(months.map((r) => [r.month, r.entries, r.exits, r.utilisation, r.turnoverRate])).toEqual([
      ['2026-11', 5, 4, 0.0003, Math.round((5 / (34 * 30)) * 10_000) / 10_000],
      ['2026-12', 0, 1, 0.0309, 0],
    ]);
    const today = await rows('from=2026-12-01&to=2026-12-01&groupBy=lot&lot=L3');
    // L3 on 1 Dec: S5 still open, 10 h of 10 h elapsed: 36 000 ÷ (20 × 36 000) = 0.05
    expect(today[0]).toMatchObject({ lotCode: 'L3', utilisation: 0.05, entries: 0 });
    // today against yesterday (pop of one day): L1 on 1 Dec has S2's exit; on 30 Nov the figures above
    const vs = await rows('from=2026-12-01&to=2026-12-01&groupBy=lot&lot=L1&compare=pop,yoy');
    expect(vs[0]).toMatchObject({ lotCode: 'L1', exits: 1, receivableFen: 500, pop: { entries: 2, exits: 1, turnoverRate: 0.2, occupancyAvg: 0.7 }, yoy: { entries: 0, exits: 0 } });
  });

  it('downloads the same rows as a workbook with Chinese headers, yuan and percentages', async () => {
    const res = await get('from=2026-11-30&to=2026-11-30&groupBy=lot&compare=yoy&format=xlsx');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(res.headers['content-disposition']).toContain('analytics-kpis-2026-11-30-2026-11-30.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(String(sheet.getCell('A1').value)).toContain('2026-11-30');
    const head = (sheet.getRow(3).values as unknown[]).slice(1);
    expect(head.slice(0, 4)).toEqual(['停车场编码', '停车场名称', '驶入车次', '驶出车次']);
    const col = (h: string) => head.indexOf(h) + 1;
    const l1 = sheet.getRow(4);
    expect(l1.getCell(1).value).toBe('L1');
    // 1000 fen receivable = 10 元; utilisation 0.0104 shown as a percentage
    expect(l1.getCell(col('应收金额(元)')).value).toBe(10);
    expect(l1.getCell(col('泊位利用率')).value).toBe(0.0104);
    expect(l1.getCell(col('泊位利用率')).numFmt).toBe('0.00%');
    // the year-before columns follow; nothing then: zero entries
    expect(l1.getCell(col('同比-驶入车次')).value).toBe(0);
    // L3 has no dwell: an empty cell
    expect(sheet.getRow(6).getCell(col('平均停放时长(分钟)')).value).toBeNull();
  });
});

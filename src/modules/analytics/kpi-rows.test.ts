import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDb, createTestEnv, type TestEnv } from '../../../test/support/backends.js';
import { loginToken } from '../../../test/support/http.js';
import { createSourceWithLots } from '../../../test/support/ingest.js';
import { systemActor, type Actor } from '../../platform/auth/permissions.js';
import { AppError } from '../../platform/errors.js';
import { parseBusinessTime } from '../../platform/time.js';
import { queryKpis, type KpiQuery } from './service.js';

/*
 * Row maths of the KPI query over rollup rows written here by hand (the rollup engine is tested
 * on its own, and end to end in kpi-e2e.test.ts). Registry:
 *   A 320602 commercial 100 spaces · B 320602 hospital 50 · C 320612 commercial 200 · Z 320612 other 0
 */

type Cols = Partial<Record<'entries' | 'exits' | 'occupied_seconds' | 'dwell_seconds' | 'dwell_count' | 'receivable_fen' | 'paid_fen' | 'arrears_fen'
  | 'sessions' | 'complete_sessions' | 'flagged_sessions' | 'occ_known_seconds' | 'occ_ratio_seconds' | 'occ_peak', number>>;

const city = systemActor('test');
const districtUser = (code: string): Actor => ({ ...systemActor('d'), role: 'district', districtCode: code });
const at = (local: string) => parseBusinessTime(local)!.toISOString();

describeDb('analytics KPI rows', (backend) => {
  let env: TestEnv;
  const ids = new Map<string, number>();

  async function lotRow(grain: 'hour' | 'day' | 'month', lot: string, start: string, cols: Cols, channel = '*') {
    const names = ['lot_id', 'at', 'pay_channel', ...Object.keys(cols)];
    const values = [ids.get(lot)!, at(start), channel, ...Object.values(cols)];
    await sql`insert into ${sql.table(`analytics_lot_${grain}`)} (${sql.join(names.map((n) => sql.ref(n)))}) values (${sql.join(values)})`.execute(env.ctx.db);
  }
  async function groupRow(grain: 'hour' | 'day' | 'month', d: string, c: string, start: string, known: number, ratioSeconds: number, peak: number) {
    await sql`insert into ${sql.table(`analytics_group_${grain}`)} (district_code, category, at, occ_known_seconds, occ_ratio_seconds, occ_peak)
      values (${d}, ${c}, ${at(start)}, ${known}, ${ratioSeconds}, ${peak})`.execute(env.ctx.db);
  }
  const asOf = (local: string) => sql`update analytics_state set refreshed_until = ${at(local)} where id = 1`.execute(env.ctx.db);
  const query = (over: Partial<KpiQuery>, actor: Actor = city) => queryKpis(env.ctx, actor, { from: '2026-11-01', to: '2026-11-03', groupBy: [], ...over });
  const rejection = async (p: Promise<unknown>) => p.then(() => 'no error', (e) => (e instanceof AppError ? `${e.status} ${e.code}` : String(e)));

  beforeAll(async () => {
    env = await createTestEnv(backend);
    const token = await loginToken(env.app);
    await createSourceWithLots(env, token, 'SRC-R', [
      { code: 'AA', districtCode: '320602', category: 'commercial', totalSpaces: 100 },
      { code: 'BB', districtCode: '320602', category: 'hospital', totalSpaces: 50 },
      { code: 'CC', districtCode: '320612', category: 'commercial', totalSpaces: 200 },
      { code: 'ZZ', districtCode: '320612', category: 'other', totalSpaces: 0 },
    ]);
    for (const l of await env.ctx.db.selectFrom('lots').select(['id', 'code']).execute()) ids.set(l.code, l.id);
    await asOf('2026-12-01 00:00:00');
    // 1–3 Nov 2026 (3 days)
    await lotRow('day', 'AA', '2026-11-01 00:00', { entries: 300, exits: 280, occupied_seconds: 4_320_000, dwell_seconds: 280 * 1800, dwell_count: 280, receivable_fen: 150_000, paid_fen: 120_000, arrears_fen: 30_000, sessions: 300, complete_sessions: 270, flagged_sessions: 6 });
    await lotRow('day', 'AA', '2026-11-02 00:00', { entries: 150, exits: 160, occupied_seconds: 2_160_000 });
    await lotRow('day', 'BB', '2026-11-01 00:00', { entries: 60, exits: 60, occupied_seconds: 1_296_000 });
    await lotRow('day', 'CC', '2026-11-02 00:00', { entries: 600, exits: 590, occupied_seconds: 25_920_000 });
    await lotRow('day', 'ZZ', '2026-11-02 00:00', { entries: 10, exits: 10, occupied_seconds: 86_400 });
    // per channel rows of A on 1 Nov
    await lotRow('day', 'AA', '2026-11-01 00:00', { exits: 200, dwell_seconds: 200 * 1800, dwell_count: 200, receivable_fen: 100_000, paid_fen: 100_000 }, 'wechat');
    await lotRow('day', 'AA', '2026-11-01 00:00', { exits: 80, dwell_seconds: 80 * 1800, dwell_count: 80, receivable_fen: 50_000, paid_fen: 20_000, arrears_fen: 30_000 }, '');
  });
  afterAll(() => env.close());

  it('turnover of a lot is the mean of its daily values, of a group Σ entries ÷ Σ spaces per day', async () => {
    const byLot = await query({ groupBy: ['lot'] });
    const lot = (c: string) => byLot.rows.find((r) => r.lotCode === c)!;
    // A: (300 + 150 + 0) ÷ (100 × 3) = 1.5 — the mean of 3.0, 1.5, 0
    expect(lot('AA').turnoverRate).toBe(1.5);
    expect(lot('AA').entries).toBe(450);
    // B: 60 ÷ (50 × 3) = 0.4; C: 600 ÷ 600 = 1
    expect(lot('BB').turnoverRate).toBe(0.4);
    expect(lot('CC').turnoverRate).toBe(1);
    // Z has no spaces: null, its entries still counted
    expect(lot('ZZ')).toMatchObject({ entries: 10, turnoverRate: null, utilisation: null });
    expect(byLot.rows.map((r) => r.lotCode)).toEqual(['AA', 'BB', 'CC', 'ZZ']);
    expect(lot('AA').lotName).toBe('停车场 AA');

    const byDistrict = await query({ groupBy: ['district'] });
    const d = (c: string) => byDistrict.rows.find((r) => r.districtCode === c)!;
    // 320602: (450 + 60) ÷ ((100 + 50) × 3) = 1.1333
    expect(d('320602').turnoverRate).toBe(1.1333);
    // 320612: Z (0 spaces) contributes neither: 600 ÷ (200 × 3) = 1; entries still 610
    expect(d('320612')).toMatchObject({ turnoverRate: 1, entries: 610, districtName: '通州区' });
    // a district with no lots is not a row
    expect(byDistrict.rows).toHaveLength(2);
  });

  it('utilisation is occupied space-time over total space-time', async () => {
    const byLot = await query({ groupBy: ['lot'] });
    // A: (4 320 000 + 2 160 000) ÷ (100 × 3 × 86 400) = 0.25
    expect(byLot.rows.find((r) => r.lotCode === 'AA')!.utilisation).toBe(0.25);
    const all = await query({});
    // city: (6 480 000 + 1 296 000 + 25 920 000) ÷ (350 × 3 × 86 400) = 0.3714 (Z left out of both)
    expect(all.rows).toHaveLength(1);
    expect(all.rows[0]!.utilisation).toBe(0.3714);
    expect(all.rows[0]).toMatchObject({ entries: 1120, exits: 1100 });
    // dwell and revenue of A on 1 Nov: 280 exits of 30 minutes; completeness 270/300, flagged 6/300
    const day1 = await query({ from: '2026-11-01', to: '2026-11-01', lot: ['AA'] });
    expect(day1.rows[0]).toMatchObject({ avgDwellMinutes: 30, receivableFen: 150_000, paidFen: 120_000, arrearsFen: 30_000, completeness: 0.9, flaggedShare: 0.02, turnoverRate: 3 });
  });

  it('splits exits and revenue by pay channel, leaving the rest null', async () => {
    const r = await query({ groupBy: ['channel'], lot: ['AA'] });
    expect(r.rows).toEqual([
      expect.objectContaining({ payChannel: '', exits: 80, receivableFen: 50_000, arrearsFen: 30_000, avgDwellMinutes: 30, entries: null, utilisation: null, occupancyAvg: null }),
      expect.objectContaining({ payChannel: 'wechat', exits: 200, paidFen: 100_000, turnoverRate: null }),
    ]);
  });

  it('gives one row per day of the range up to as-of, zeros included, and counts the current day up to as-of', async () => {
    const days = await query({ groupBy: ['day'], lot: ['AA'] });
    expect(days.rows.map((r) => [r.day, r.entries, r.turnoverRate])).toEqual([['2026-11-01', 300, 3], ['2026-11-02', 150, 1.5], ['2026-11-03', 0, 0]]);
    expect(days.grain).toBe('day');
    // as-of at noon on 2 Nov: the 3rd is not there yet, the 2nd counts half a day
    await asOf('2026-11-02 12:00:00');
    try {
      const partial = await query({ groupBy: ['day'], lot: ['AA'] });
      expect(partial.asOf).toBe('2026-11-02T04:00:00.000Z');
      // 150 ÷ (100 × 0.5) = 3; utilisation 2 160 000 ÷ (100 × 43 200) = 0.5
      expect(partial.rows.map((r) => [r.day, r.turnoverRate, r.utilisation])).toEqual([['2026-11-01', 3, 0.5], ['2026-11-02', 3, 0.5]]);
    } finally {
      await asOf('2026-12-01 00:00:00');
    }
  });

  it('numbers weeks across a year boundary', async () => {
    await lotRow('day', 'AA', '2026-12-31 00:00', { entries: 70 });
    await lotRow('day', 'AA', '2027-01-04 00:00', { entries: 140 });
    await asOf('2027-02-01 00:00:00');
    try {
      const r = await query({ from: '2026-12-28', to: '2027-01-10', groupBy: ['week'], lot: ['AA'] });
      // W53 = 28 Dec – 3 Jan: 70 ÷ (100 × 7) = 0.1; W01: 140 ÷ 700 = 0.2
      expect(r.rows.map((x) => [x.week, x.entries, x.turnoverRate])).toEqual([['2026-W53', 70, 0.1], ['2027-W01', 140, 0.2]]);
    } finally {
      await asOf('2026-12-01 00:00:00');
    }
  });

  it('reads month rows for whole months and day rows otherwise', async () => {
    // October has only a month row (deliberately not the sum of day rows): it shows which table answered
    await lotRow('month', 'AA', '2026-10-01 00:00', { entries: 999 });
    await lotRow('day', 'AA', '2026-10-31 00:00', { entries: 7 });
    const month = await query({ from: '2026-10-01', to: '2026-10-31', lot: ['AA'] });
    expect(month).toMatchObject({ grain: 'month', rows: [{ entries: 999 }] });
    const byDay = await query({ from: '2026-10-01', to: '2026-10-31', lot: ['AA'], groupBy: ['week'] });
    expect(byDay.grain).toBe('day');
    expect(byDay.rows.reduce((n, r) => n + (r.entries ?? 0), 0)).toBe(7);
    // 15 Oct – 2 Nov: day rows only (not a whole month)
    const mixed = await query({ from: '2026-10-15', to: '2026-11-02', lot: ['AA'] });
    expect(mixed).toMatchObject({ grain: 'day', rows: [{ entries: 7 + 300 + 150 }] });
    // Oct – Nov as months: the October month row, then November (whole) from its month row, absent → 0
    const twoMonths = await query({ from: '2026-10-01', to: '2026-11-30', lot: ['AA'], groupBy: ['month'] });
    expect(twoMonths.rows.map((r) => [r.month, r.entries])).toEqual([['2026-10', 999], ['2026-11', 0]]);
  });

  it('keeps the top N by a KPI, nulls last', async () => {
    const r = await query({ groupBy: ['lot'], top: 2, sort: 'entries' });
    expect(r.rows.map((x) => [x.lotCode, x.entries])).toEqual([['CC', 600], ['AA', 450]]);
    const t = await query({ groupBy: ['lot'], sort: 'turnoverRate' });
    expect(t.rows.map((x) => x.lotCode)).toEqual(['AA', 'CC', 'BB', 'ZZ']);
    // top alone sorts by entries
    expect((await query({ groupBy: ['lot'], top: 1 })).rows.map((x) => x.lotCode)).toEqual(['CC']);
  });

  it('matches year-on-year and period-on-period rows by key', async () => {
    await lotRow('day', 'AA', '2025-11-01 00:00', { entries: 30 });
    await lotRow('day', 'AA', '2026-10-29 00:00', { entries: 12 });
    const r = await query({ groupBy: ['lot', 'day'], lot: ['AA', 'BB'], compare: ['yoy', 'pop'] });
    const a1 = r.rows.find((x) => x.lotCode === 'AA' && x.day === '2026-11-01')!;
    expect(a1.yoy).toMatchObject({ entries: 30, turnoverRate: 0.3 });
    // pop of 1–3 Nov is 29–31 Oct: 1 Nov ↔ 29 Oct
    expect(a1.pop).toMatchObject({ entries: 12 });
    const b3 = r.rows.find((x) => x.lotCode === 'BB' && x.day === '2026-11-03')!;
    expect(b3.yoy).toMatchObject({ entries: 0 });
    // a whole month compares with the previous whole month; no grouping: one row each
    const month = await query({ from: '2026-11-01', to: '2026-11-30', lot: ['AA'], compare: ['pop'] });
    expect(month.rows[0]!.pop).toMatchObject({ entries: 999 });
    // no as-of that far back is needed, but a period after as-of has no rows: no match
    const future = await query({ from: '2026-12-01', to: '2026-12-02', groupBy: ['day'], compare: ['pop'] });
    expect(future.rows).toEqual([]);
  });

  it('takes occupancy from lot rows for a lot, from group rows for a stored group, else null', async () => {
    // A known 10 h at 0.5 on 1 Nov; B known 5 h at 0.8; C 20 h at 0.25. Group rows as the engine would store them.
    await lotRow('hour', 'AA', '2026-11-01 08:00', { occ_known_seconds: 36_000, occ_ratio_seconds: 18_000, occ_peak: 0.6 });
    await lotRow('hour', 'BB', '2026-11-01 08:00', { occ_known_seconds: 18_000, occ_ratio_seconds: 14_400, occ_peak: 0.9 });
    await lotRow('hour', 'CC', '2026-11-01 08:00', { occ_known_seconds: 72_000, occ_ratio_seconds: 18_000, occ_peak: 0.3 });
    await groupRow('hour', '320602', '*', '2026-11-01 08:00', 36_000, 20_000, 0.7);
    await groupRow('hour', '*', 'commercial', '2026-11-01 08:00', 72_000, 25_000, 0.45);
    await groupRow('hour', '*', '*', '2026-11-01 08:00', 72_000, 24_000, 0.5);
    // a range that is not whole days reads the hour rows
    const range = { from: '2026-11-01T06:00:00+08:00', to: '2026-11-01T20:00:00+08:00' };
    const lots = await query({ ...range, groupBy: ['lot'] });
    expect(lots.rows.find((r) => r.lotCode === 'AA')).toMatchObject({ occupancyAvg: 0.5, occupancyPeak: 0.6 });
    expect(lots.rows.find((r) => r.lotCode === 'ZZ')).toMatchObject({ occupancyAvg: null, occupancyPeak: null });
    const districts = await query({ ...range, groupBy: ['district'] });
    // 320602 is a stored group: 20 000 ÷ 36 000 = 0.5556; 320612 has one known lot (C): its own 0.25
    expect(districts.rows.find((r) => r.districtCode === '320602')).toMatchObject({ occupancyAvg: 0.5556, occupancyPeak: 0.7 });
    expect(districts.rows.find((r) => r.districtCode === '320612')).toMatchObject({ occupancyAvg: 0.25, occupancyPeak: 0.3 });
    expect((await query({ ...range })).rows[0]).toMatchObject({ occupancyAvg: 0.3333, occupancyPeak: 0.5 });
    expect((await query({ ...range, category: ['commercial'] })).rows[0]).toMatchObject({ occupancyAvg: 0.3472 });
    // A and C are every commercial lot: the stored ('*', commercial) group
    expect((await query({ ...range, lot: ['AA', 'CC'] })).rows[0]).toMatchObject({ occupancyAvg: 0.3472 });
    // B and C: not a stored group, both known → null rather than a wrong mix
    expect((await query({ ...range, lot: ['BB', 'CC'] })).rows[0]).toMatchObject({ occupancyAvg: null, occupancyPeak: null });
    // A and Z: only A known → A's figures
    expect((await query({ ...range, lot: ['AA', 'ZZ'] })).rows[0]).toMatchObject({ occupancyAvg: 0.5, occupancyPeak: 0.6 });
    // two districts without district grouping = the city here (every lot): the city group
    expect((await query({ ...range, district: ['320602', '320612'] })).rows[0]).toMatchObject({ occupancyAvg: 0.3333 });
    // a district user's whole scope is their district's group
    expect((await query({ ...range }, districtUser('320602'))).rows[0]).toMatchObject({ occupancyAvg: 0.5556 });
  });

  it('holds district users to their district', async () => {
    const mine = await query({ groupBy: ['lot'] }, districtUser('320612'));
    expect(mine.rows.map((r) => r.lotCode)).toEqual(['CC', 'ZZ']);
    const total = await query({}, districtUser('320612'));
    expect(total.rows[0]).toMatchObject({ entries: 610 });
    expect(await rejection(query({ district: ['320602'] }, districtUser('320612')))).toBe('403 DISTRICT_FORBIDDEN');
    expect(await rejection(query({ lot: ['AA'] }, districtUser('320612')))).toBe('400 UNKNOWN_LOT');
    expect(await rejection(query({ lot: ['NOPE'] }))).toBe('400 UNKNOWN_LOT');
    expect(await rejection(query({ district: ['999999'] }))).toBe('400 UNKNOWN_DISTRICT');
    expect(await rejection(query({ from: '2026-11-01', to: '2026-11-30', groupBy: ['hour', 'lot'] }))).toBe('no error');
  });
});

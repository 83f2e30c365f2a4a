import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { docxText, unzip } from '../../../test/support/unzip.js';
import { findGaps } from './gaps.js';
import type { SyncLotRow, SyncReport } from './sync-report.js';

/*
 * The monthly sync report from data sent through the signed ingest API, with the test clock
 * set to when each batch is delivered (so that late deliveries are real). Expected values are
 * worked out by hand below; times are Shanghai wall time unless they end in Z.
 *
 * October 2026 in Shanghai = [2026-09-30T16:00Z, 2026-10-31T16:00Z); the report is made on
 * 2026-11-25 10:00 (Shanghai), so October is complete. Default threshold 120 minutes.
 *
 *   RA-1 (崇川, source S-A, 120 min): 09-30 23:00 | 10-01 03:00, 04:30, 06:30 | 10-31 23:30 (delivered 150 min late) | 11-01 00:40
 *   RA-2 (崇川, own threshold 30):    10-10 08:00 (delivered 45 min late), 08:30, 09:01, then silence
 *   RA-3 (通州, S-A):                 nothing, ever
 *   RA-4 (崇川, S-A, suspended):      10-05 12:00, 12:30, then silence
 *   RB-1 (通州, source S-B, 1440):    daily at 12:00 from 09-30 to 11-01 — exactly the threshold apart
 */

const sh = (t: string) => new Date(`${t.replace(' ', 'T')}+08:00`);
const iso = (t: string) => sh(t).toISOString();
const gap = (from: string, to: string, minutes: number) => ({ from: iso(from), to: iso(to), minutes });
const status = (eventId: string, lotCode: string, at: string) => ({ type: 'status', eventId, occurredAt: `${at}:00`, lotCode, totalSpaces: 100, freeSpaces: 40 });
const DAY = 1440;

describeDb('reports: monthly data sync report', (backend) => {
  let env: TestEnv;
  let admin: string;
  let tzUser: string;
  let viewer: string;
  let a: TestSource;
  let b: TestSource;
  let oct: SyncReport;

  const post = async (source: TestSource, deliveredAt: string, events: unknown[]) => {
    env.clock.set(sh(deliveredAt));
    const res = await postEvents(env, source, events);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().rejected, res.body).toBe(0);
  };
  const get = (token: string | null, qs: string) => env.app.inject({ method: 'GET', url: `/api/v1/reports/sync?${qs}`, headers: token ? bearer(token) : {} });
  const report = async (qs: string, token = admin): Promise<SyncReport> => {
    const res = await get(token, qs);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const lot = (r: SyncReport, code: string) => r.lots.find((l) => l.lotCode === code) as SyncLotRow;

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    tzUser = await userToken(env.app, admin, { username: 'tz-staff', role: 'district', districtCode: '320612' });
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    a = await createSourceWithLots(env, admin, 'S-A', [{ code: 'RA-1' }, { code: 'RA-2' }, { code: 'RA-3', districtCode: '320612' }, { code: 'RA-4' }]);
    b = await createSourceWithLots(env, admin, 'S-B', [{ code: 'RB-1', districtCode: '320612' }]);
    await env.ctx.db.updateTable('lots').set({ late_threshold_minutes: 30 }).where('code', '=', 'RA-2').execute();
    await env.ctx.db.updateTable('data_sources').set({ late_threshold_minutes: DAY }).where('code', '=', 'S-B').execute();

    // RA-1: a September event delivered in October (exactly 120 minutes late: not late).
    await post(a, '2026-10-01 01:00', [status('a1-1', 'RA-1', '2026-09-30 23:00')]);
    await post(a, '2026-10-01 04:31', [status('a1-2', 'RA-1', '2026-10-01 03:00'), status('a1-3', 'RA-1', '2026-10-01 04:30')]);
    await post(a, '2026-10-01 06:31', [status('a1-4', 'RA-1', '2026-10-01 06:30')]);
    // Heartbeats have no lot: they count for no lot.
    await post(a, '2026-10-20 12:00', [{ type: 'heartbeat', eventId: 'hb-1', occurredAt: '2026-10-20 12:00:00' }]);
    // An October event delivered in November: an October record, and late (150 > 120 minutes).
    await post(a, '2026-11-01 02:00', [status('a1-5', 'RA-1', '2026-10-31 23:30'), status('a1-6', 'RA-1', '2026-11-01 00:40')]);
    // RA-2, threshold 30: 45 minutes late is late here (it would not be with the default).
    await post(a, '2026-10-10 08:45', [status('a2-1', 'RA-2', '2026-10-10 08:00'), status('a2-2', 'RA-2', '2026-10-10 08:30')]);
    await post(a, '2026-10-10 09:02', [status('a2-3', 'RA-2', '2026-10-10 09:01')]);
    await post(a, '2026-10-05 12:31', [status('a4-1', 'RA-4', '2026-10-05 12:00'), status('a4-2', 'RA-4', '2026-10-05 12:30')]);
    await env.ctx.db.updateTable('lots').set({ status: 'suspended' }).where('code', '=', 'RA-4').execute();
    // RB-1: daily, sent in pairs when the second happens (the first exactly 1440 minutes late: not late).
    const days = Array.from({ length: 33 }, (_, i) => new Date(sh('2026-09-30 12:00').getTime() + i * DAY * 60_000));
    const day = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');
    for (let i = 0; i < days.length; i += 2) {
      const pair = days.slice(i, i + 2);
      await post(b, day(pair[pair.length - 1]!), pair.map((d, j) => status(`b1-${i + j}`, 'RB-1', day(d))));
    }

    env.clock.set(sh('2026-11-25 10:00'));
    oct = await report('month=2026-10');
  });
  afterAll(() => env.close());

  describe('JSON', () => {
    it('frames the month in Shanghai time', () => {
      expect(oct).toMatchObject({
        month: '2026-10',
        monthLabel: '2026年10月',
        generatedAt: '2026-11-25T02:00:00.000Z',
        from: '2026-09-30T16:00:00.000Z',
        to: '2026-10-31T16:00:00.000Z',
        until: '2026-10-31T16:00:00.000Z',
        complete: true,
        defaultThresholdMinutes: 120,
      });
      expect(oct.lots.map((l) => l.lotCode)).toEqual(['RA-1', 'RA-2', 'RA-4', 'RA-3', 'RB-1']); // by district, then code
    });

    it('splits the gap across the month start, and counts October data delivered in November', () => {
      expect(lot(oct, 'RA-1')).toEqual({
        lotCode: 'RA-1',
        lotName: '停车场 RA-1',
        districtCode: '320602',
        districtName: '崇川区',
        sourceCode: 'S-A',
        sourceName: '系统 S-A',
        operatorName: null,
        status: 'active',
        thresholdMinutes: 120,
        records: 4, // 10-01 ×3 and 10-31 23:30; not the September event received on 1 October
        daysWithData: 2,
        gaps: [
          gap('2026-10-01 00:00', '2026-10-01 03:00', 180), // 4 hours from 09-30 23:00, cut at Shanghai midnight
          gap('2026-10-01 06:30', '2026-10-31 23:30', 30 * DAY + 17 * 60), // 04:30→06:30 is exactly 120: no gap
        ],
        gapMinutes: 180 + 30 * DAY + 17 * 60,
        lateDeliveries: 1,
        coveragePercent: 0.5, // 240 of 44640 minutes
        firstOccurredAt: iso('2026-09-30 23:00'),
        lastOccurredAt: iso('2026-10-31 23:30'),
        state: 'ok', // 30 minutes before the month end
        abnormal: true,
        abnormalReasons: ['gaps', 'late_deliveries'],
      });
    });

    it("applies the lot's own threshold to gaps and late deliveries, and counts the silence to the month end", () => {
      expect(lot(oct, 'RA-2')).toMatchObject({
        thresholdMinutes: 30,
        records: 3,
        daysWithData: 1,
        gaps: [
          gap('2026-10-10 08:30', '2026-10-10 09:01', 31), // 08:00→08:30 is exactly 30: no gap
          gap('2026-10-10 09:01', '2026-11-01 00:00', 21 * DAY + 14 * 60 + 59),
        ],
        gapMinutes: 31 + 21 * DAY + 14 * 60 + 59,
        lateDeliveries: 1,
        coveragePercent: 0.1, // 30 of 31200 observed minutes (from its first event)
        state: 'late',
        abnormal: true,
        abnormalReasons: ['gaps', 'late_deliveries'],
      });
    });

    it('marks a lot that never reported, and a suspended one as paused', () => {
      expect(lot(oct, 'RA-3')).toMatchObject({
        districtCode: '320612', records: 0, daysWithData: 0, gaps: [], gapMinutes: 0, lateDeliveries: 0,
        coveragePercent: null, firstOccurredAt: null, lastOccurredAt: null, state: 'never', abnormal: true, abnormalReasons: ['never_reported'],
      });
      expect(lot(oct, 'RA-4')).toMatchObject({
        status: 'suspended', records: 2, gaps: [gap('2026-10-05 12:30', '2026-11-01 00:00', 26 * DAY + 11 * 60 + 30)], lateDeliveries: 0,
        coveragePercent: 0.1, state: 'paused', abnormal: true, abnormalReasons: ['gaps'],
      });
    });

    it("takes the source's threshold: data exactly a threshold apart has no gap", () => {
      expect(lot(oct, 'RB-1')).toMatchObject({
        thresholdMinutes: DAY, records: 31, daysWithData: 31, gaps: [], gapMinutes: 0, lateDeliveries: 0, coveragePercent: 100, state: 'ok', abnormal: false, abnormalReasons: [],
      });
    });

    it('agrees with the pure gap function over the raw events', async () => {
      for (const l of oct.lots) {
        const rows = await env.ctx.db.selectFrom('ingest_events').innerJoin('lots', 'lots.id', 'ingest_events.lot_id').select('ingest_events.occurred_at').where('lots.code', '=', l.lotCode).execute();
        const w = { from: new Date(oct.from), to: new Date(oct.to), now: new Date(oct.generatedAt), thresholdMinutes: l.thresholdMinutes };
        expect(l.gaps, l.lotCode).toEqual(findGaps(rows.map((r) => r.occurred_at), w));
      }
    });

    it('sums per source and per district', () => {
      const gapMinutes = lot(oct, 'RA-1').gapMinutes + lot(oct, 'RA-2').gapMinutes + lot(oct, 'RA-4').gapMinutes;
      expect(oct.summary).toMatchObject({
        lots: 5, reportingLots: 4, abnormalLots: 4, records: 40, gapCount: 5, gapMinutes, lateDeliveries: 2, sources: 2,
        states: { ok: 2, late: 1, never: 1, paused: 1 },
      });
      const districts = Object.fromEntries(oct.summary.byDistrict.map((d) => [d.districtCode, d]));
      expect(oct.summary.byDistrict.length).toBeGreaterThanOrEqual(7); // every district, with or without lots
      expect(districts['320602']).toMatchObject({ districtName: '崇川区', lots: 3, reportingLots: 3, abnormalLots: 3, records: 9, gapCount: 5, gapMinutes, lateDeliveries: 2 });
      expect(districts['320612']).toMatchObject({ lots: 2, reportingLots: 1, abnormalLots: 1, records: 31, gapCount: 0, gapMinutes: 0, lateDeliveries: 0 });
      expect(districts['320614']).toMatchObject({ lots: 0, records: 0 });
      expect(oct.sources).toEqual([
        {
          sourceCode: 'S-A', sourceName: '系统 S-A', operatorName: null, lots: 4, reportingLots: 3, abnormalLots: 4, records: 9, gapCount: 5, gapMinutes, lateDeliveries: 2,
          states: { ok: 1, late: 1, never: 1, paused: 1 }, coveragePercent: 0.3, // 300 of 114000 observed minutes
        },
        {
          sourceCode: 'S-B', sourceName: '系统 S-B', operatorName: null, lots: 1, reportingLots: 1, abnormalLots: 0, records: 31, gapCount: 0, gapMinutes: 0, lateDeliveries: 0,
          states: { ok: 1, late: 0, never: 0, paused: 0 }, coveragePercent: 100,
        },
      ]);
    });

    it('reports the running month up to now', async () => {
      const nov = await report('month=2026-11');
      expect(nov).toMatchObject({ month: '2026-11', complete: false, until: '2026-11-25T02:00:00.000Z' });
      expect(lot(nov, 'RA-1')).toMatchObject({
        records: 1, lateDeliveries: 0, // 11-01 00:40 came 80 minutes later
        gaps: [gap('2026-11-01 00:40', '2026-11-25 10:00', 24 * DAY + 9 * 60 + 20)], // 23:30→00:40 is 70 minutes: none
        coveragePercent: 0.1, state: 'late',
      });
      expect(lot(nov, 'RB-1')).toMatchObject({ records: 1, gaps: [gap('2026-11-01 12:00', '2026-11-25 10:00', 23 * DAY + 22 * 60)], coveragePercent: 2, state: 'late' });
      expect(lot(nov, 'RA-3').coveragePercent).toBeNull();
    });

    it('gives district users their district only', async () => {
      const r = await report('month=2026-10', tzUser);
      expect(r.lots.map((l) => l.lotCode)).toEqual(['RA-3', 'RB-1']);
      expect(r.summary).toMatchObject({ lots: 2, reportingLots: 1, abnormalLots: 1, records: 31, gapMinutes: 0, sources: 2 });
      expect(r.summary.byDistrict.map((d) => d.districtCode)).toEqual(['320612']);
      expect(r.sources.map((s) => [s.sourceCode, s.lots, s.abnormalLots])).toEqual([['S-A', 1, 1], ['S-B', 1, 0]]);
      // A viewer (city-wide, read only) sees everything.
      expect((await report('month=2026-10', viewer)).summary.lots).toBe(5);
    });

    it('refuses a bad month or format with 400 and a code, and anonymous callers with 401', async () => {
      for (const [qs, code] of [
        ['month=2026-13', 'INVALID_MONTH'],
        ['month=2026-1', 'INVALID_MONTH'],
        ['month=abc', 'INVALID_MONTH'],
        ['', 'INVALID_MONTH'],
        ['month=2026-12', 'MONTH_NOT_STARTED'],
        ['month=2026-10&format=pdf', 'INVALID_FORMAT'],
      ] as const) {
        const res = await get(admin, qs);
        expect(res.statusCode, qs).toBe(400);
        expect(res.json().error.code, qs).toBe(code);
      }
      expect((await get(null, 'month=2026-10')).statusCode).toBe(401);
    });

    it('is in the OpenAPI document with its summary and parameters', async () => {
      const doc = (await env.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
      const op = doc.paths['/api/v1/reports/sync'].get;
      expect(op.summary).toContain('数据同步监控报告');
      expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(['month', 'format']);
    });

    it('audits every download', async () => {
      const before = await env.ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'report.sync.download').execute();
      await report('month=2026-10&format=json', tzUser);
      const rows = await env.ctx.db.selectFrom('audit_log').select(['actor', 'target_id', 'detail']).where('action', '=', 'report.sync.download').orderBy('id', 'desc').execute();
      expect(rows.length).toBe(before.length + 1);
      expect(rows[0]).toMatchObject({ actor: 'tz-staff', target_id: 'sync:2026-10', detail: { month: '2026-10', format: 'json', via: 'api', lots: 2, abnormalLots: 1, districtCode: '320612' } });
    });
  });

  describe('files', () => {
    it('downloads an .xlsx with summary, lots (abnormal highlighted), sources and every gap', async () => {
      const res = await get(admin, 'month=2026-10&format=xlsx');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="sync-report-2026-10.xlsx"; filename*=UTF-8''${encodeURIComponent('数据同步监控报告-2026-10.xlsx')}`);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      expect(wb.worksheets.map((s) => s.name)).toEqual(['概况', '停车场', '接入系统', '数据断档']);

      const values = (name: string) => {
        const rows: unknown[][] = [];
        wb.getWorksheet(name)!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
        return rows;
      };
      const summary = values('概况');
      expect(summary[0]![0]).toBe('数据同步监控报告（2026年10月）');
      const count = (label: string) => summary.find((r) => r[0] === label)?.[1];
      expect([count('停车场数'), count('有数据停车场数'), count('异常停车场数'), count('数据条数'), count('断档时长(分钟)'), count('迟报条数')]).toEqual([5, 4, 4, 40, oct.summary.gapMinutes, 2]);
      expect(summary.find((r) => r[0] === '320612')).toEqual(['320612', '通州区', 2, 1, 1, 31, 0, 0, 0]);

      const lots = values('停车场');
      expect(lots[0]!.slice(0, 3)).toEqual(['停车场编码', '停车场名称', '县市区']);
      expect(lots.slice(1).map((r) => r[0])).toEqual(['RA-1', 'RA-2', 'RA-4', 'RA-3', 'RB-1']);
      expect(lots[1]).toEqual(['RA-1', '停车场 RA-1', '崇川区', 'S-A', '系统 S-A', 120, 4, 2, 2, oct.lots[0]!.gapMinutes, 1, 0.5, '正常', '是', '数据断档、迟报']);
      expect(lots[5]!.slice(12)).toEqual(['正常', '否', '']);
      const fill = (r: number) => (wb.getWorksheet('停车场')!.getRow(r).getCell(1).fill as ExcelJS.FillPattern | undefined)?.fgColor?.argb;
      expect(fill(2)).toBe('FFFDE2E2'); // RA-1, abnormal
      expect(fill(6)).not.toBe('FFFDE2E2'); // RB-1

      expect(values('接入系统').slice(1).map((r) => [r[0], r[3], r[5], r[6]])).toEqual([['S-A', 4, 4, 9], ['S-B', 1, 0, 31]]);
      const gaps = values('数据断档');
      expect(gaps).toHaveLength(1 + 5);
      expect(gaps[1]).toEqual(['RA-1', '停车场 RA-1', '崇川区', 'S-A', '2026-10-01 00:00:00', '2026-10-01 03:00:00', 180]);
    });

    it('downloads a .docx: title with the month in Chinese, summary, chart (SVG with a PNG fallback), abnormal lots and every lot', async () => {
      const res = await get(admin, 'month=2026-10&format=docx');
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
      expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('数据同步监控报告-2026-10.docx')}`);
      const files = unzip(res.rawPayload);
      const xml = files.get('word/document.xml')!.toString('utf8');
      const lines = docxText(xml).split('\n');
      expect(lines[0]).toBe('数据同步监控报告');
      expect(lines[1]).toBe('（2026年10月）');
      for (const h of ['一、总体情况', '二、异常停车场', '三、各停车场数据同步情况', '四、各接入系统情况', '五、口径说明']) expect(lines).toContain(h);
      expect(lines).toContain('本月纳入监控的停车场共 5 个，分属 2 个接入系统，其中有数据上报的 4 个；共接收发生在本月的数据 40 条。');
      expect(lines).toContain('本月共有 4 个停车场数据同步异常，请相关运营单位核查整改：');
      // Tables: one cell a paragraph, so each value is a line of its own.
      const abnormalTable = lines.slice(lines.indexOf('二、异常停车场'), lines.indexOf('三、各停车场数据同步情况'));
      expect(abnormalTable.filter((l) => /^R[AB]-\d$/.test(l))).toEqual(['RA-1', 'RA-2', 'RA-4', 'RA-3']);
      expect(abnormalTable).toContain('从未上报');
      const lotTable = lines.slice(lines.indexOf('三、各停车场数据同步情况'), lines.indexOf('四、各接入系统情况'));
      expect(lotTable.filter((l) => /^R[AB]-\d$/.test(l))).toEqual(['RA-1', 'RA-2', 'RA-4', 'RA-3', 'RB-1']);
      expect(lotTable).toContain('100.0%');
      // The chart: an SVG picture with its PNG fallback, both in the package.
      expect(xml).toContain('svgBlip');
      const media = [...files.keys()].filter((k) => k.startsWith('word/media/'));
      expect(media.some((k) => k.endsWith('.svg'))).toBe(true);
      expect(media.some((k) => k.endsWith('.png'))).toBe(true);
      const svg = files.get(media.find((k) => k.endsWith('.svg'))!)!.toString('utf8');
      expect(svg).toContain('<svg');
      expect(svg).toContain('各县市区数据断档时长（分钟）');
      expect(svg).toContain('崇川区');
      const png = files.get(media.find((k) => k.endsWith('.png'))!)!;
      expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
      // Chinese text in 宋体 through the East Asian font slot.
      expect(files.get('word/styles.xml')!.toString('utf8')).toMatch(/w:eastAsia="宋体"/);
    });
  });
});

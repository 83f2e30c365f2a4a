import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';
import { syncConnected } from './connect.js';
import { asOfQuarter, currentQuarter, parseQuarter } from './quarter.js';
import { createEntry, setStage } from '../../../test/fixtures/onboarding/helpers.js';

describe('quarters', () => {
  it('are Shanghai calendar quarters', () => {
    const q4 = parseQuarter('2026Q4');
    expect([q4.start.toISOString(), q4.end.toISOString(), q4.firstDay, q4.lastDay, q4.label]).toEqual([
      '2026-09-30T16:00:00.000Z', '2026-12-31T16:00:00.000Z', '2026-10-01', '2026-12-31', '2026年第4季度',
    ]);
    expect(parseQuarter(' 2027-q1 ')).toMatchObject({ quarter: '2027Q1', firstDay: '2027-01-01', lastDay: '2027-03-31' });
    expect(parseQuarter('2028Q1').lastDay).toBe('2028-03-31');
    expect(currentQuarter(new Date('2026-09-30T15:59:59Z')).quarter).toBe('2026Q3');
    expect(currentQuarter(new Date('2026-09-30T16:00:00Z')).quarter).toBe('2026Q4');
    expect(currentQuarter(new Date('2026-12-31T16:00:00Z')).quarter).toBe('2027Q1');
  });

  it('refuse other spellings, and quarters that have not begun', () => {
    for (const bad of ['2026Q5', 'Q4-2026', '2026-4', '1999Q1', '', '2026Q4x']) {
      expect(() => parseQuarter(bad), bad).toThrow(expect.objectContaining({ code: 'INVALID_QUARTER', status: 400 }));
    }
    const q4 = parseQuarter('2026Q4');
    expect(() => asOfQuarter(q4, new Date('2026-09-30T15:59:59Z'))).toThrow(expect.objectContaining({ code: 'QUARTER_NOT_STARTED' }));
    expect(asOfQuarter(q4, new Date('2026-11-25T02:00:00Z'))).toEqual({ at: new Date('2026-11-25T02:00:00Z'), day: '2026-11-25' });
    expect(asOfQuarter(q4, new Date('2027-02-01T00:00:00Z'))).toEqual({ at: q4.end, day: '2026-12-31' });
  });
});

describeDb('onboarding: quarterly list', (backend) => {
  let env: TestEnv;
  let admin: string;
  let cc: string;
  let source: TestSource;
  let n = 0;

  const report = async (lotCode: string, at: string) => {
    env.clock.set(at);
    const res = await postEvents(env, source, [{ type: 'status', eventId: `s-${++n}`, occurredAt: at, lotCode, totalSpaces: 100, freeSpaces: 1 }]);
    expect(res.json()).toMatchObject({ accepted: 1 });
  };
  const get = (query: string, token = admin) => env.app.inject({ url: `/api/v1/onboarding/report${query}`, headers: bearer(token) });

  beforeAll(async () => {
    env = await createTestEnv(backend);
    env.clock.set('2026-06-01T02:00:00Z');
    admin = await loginToken(env.app);
    cc = await userToken(env.app, admin, { username: 'cc', role: 'district', districtCode: '320602' });
    source = await createSourceWithLots(env, admin, 'SRC-Q', [
      { code: 'OLD', totalSpaces: 500 },
      { code: 'Q-END', totalSpaces: 300 },
      { code: 'Q-NEXT', totalSpaces: 200 },
      { code: 'TZ-1', districtCode: '320612', totalSpaces: 100 },
    ]);
    await report('OLD', '2026-06-15T01:00:00Z');
    env.clock.set('2026-09-10T02:00:00Z');
    admin = await loginToken(env.app); // tokens live for hours: sign in again at each step in time
    await createEntry(env, admin, { name: '季末接入的商场', lotCode: 'Q-END', stage: 'docking', knownSpaces: 290, targetDate: '2026-09-20', keyArea: true });
    await createEntry(env, admin, { name: '下季度接入的医院', lotCode: 'Q-NEXT', stage: 'testing', knownSpaces: 210, targetDate: '2026-10-15', note: '联调中' });
    const stuck = await createEntry(env, admin, {
      name: '停滞的小区', stage: 'contacting', knownSpaces: 120, targetDate: '2026-09-01', operatorName: '某物业', contactName: '李经理', contactPhone: '13800000000', note: '已发函',
    });
    await createEntry(env, admin, { districtCode: '320612', name: '通州车站', knownSpaces: 100 });
    // 23:59 and 00:00 Shanghai on either side of the quarter's end.
    await report('Q-END', '2026-09-30T15:59:00Z');
    await report('Q-NEXT', '2026-09-30T16:00:00Z');
    env.clock.set('2026-09-30T16:10:00Z');
    await syncConnected(env.ctx);
    env.clock.set('2026-10-05T02:00:00Z');
    admin = await loginToken(env.app);
    expect((await setStage(env, admin, stuck.id, { stage: 'docking', note: '运营方开始接口开发' })).statusCode).toBe(200);
    env.clock.set('2026-11-25T02:00:00Z');
    admin = await loginToken(env.app);
    cc = await loginToken(env.app, 'cc', 'User-Pass-1');
  });
  afterAll(() => env.close());

  it('lists a past quarter as it stood at its end, in Shanghai time', async () => {
    const res = await get('?quarter=2026Q3');
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({ quarter: '2026Q3', label: '2026年第3季度', from: '2026-07-01', to: '2026-09-30', asOf: '2026-09-30T16:00:00.000Z', asOfDay: '2026-09-30' });
    const cc = r.districts.find((d: { districtCode: string }) => d.districtCode === '320602');
    expect(cc.connected).toEqual([
      { lotCode: 'OLD', name: '停车场 OLD', kind: 'off_street', category: 'other', spaces: 500, connectedOn: '2026-06-15', newThisQuarter: false, entryName: null },
      { lotCode: 'Q-END', name: '停车场 Q-END', kind: 'off_street', category: 'other', spaces: 300, connectedOn: '2026-09-30', newThisQuarter: true, entryName: '季末接入的商场' },
    ]);
    // Q-NEXT first reported at 00:00 on 1 October: still in progress at the end of Q3, at its stage then.
    expect(cc.inProgress.map((i: { name: string; stage: string; overdue: boolean; overdueDays: number }) => [i.name, i.stage, i.overdue, i.overdueDays])).toEqual([
      ['下季度接入的医院', 'testing', false, 0],
      ['停滞的小区', 'contacting', true, 29],
    ]);
    expect(cc.inProgress[1]).toMatchObject({ operatorName: '某物业', contactName: '李经理', contactPhone: '13800000000', notes: [{ date: '2026-09-10', stage: 'contacting', note: '已发函' }] });
    expect(cc.coverage).toEqual({ connectedLots: 2, connectedSpaces: 800, pendingEntries: 2, pendingSpaces: 330, knownSpaces: 1130, coveragePercent: 70.8 });
    expect(r.totals).toMatchObject({ connectedSpaces: 800, pendingSpaces: 430, knownSpaces: 1230, connectedThisQuarter: 1, inProgress: 3, overdue: 1 });
  });

  it('lists the running quarter as of now, by default', async () => {
    const r = (await get('')).json();
    expect(r).toMatchObject({ quarter: '2026Q4', asOf: '2026-11-25T02:00:00.000Z', asOfDay: '2026-11-25' });
    const cc = r.districts.find((d: { districtCode: string }) => d.districtCode === '320602');
    expect(cc.connected.map((i: { lotCode: string; connectedOn: string; newThisQuarter: boolean }) => [i.lotCode, i.connectedOn, i.newThisQuarter])).toEqual([
      ['OLD', '2026-06-15', false],
      ['Q-END', '2026-09-30', false],
      ['Q-NEXT', '2026-10-01', true],
    ]);
    expect(cc.inProgress).toHaveLength(1);
    expect(cc.inProgress[0]).toMatchObject({ name: '停滞的小区', stage: 'docking', stageDate: '2026-10-05', overdue: true, overdueDays: 85 });
    expect(cc.inProgress[0].notes.map((x: { note: string }) => x.note)).toEqual(['运营方开始接口开发', '已发函']);
    expect(cc.coverage).toMatchObject({ connectedSpaces: 1000, pendingSpaces: 120, coveragePercent: 89.3 });
  });

  it('refuses bad quarters and formats, and shows a district user only its district', async () => {
    for (const [q, code] of [['?quarter=2026Q5', 'INVALID_QUARTER'], ['?quarter=2027Q1', 'QUARTER_NOT_STARTED'], ['?quarter=2026Q4&format=pdf', 'INVALID_FORMAT']]) {
      const res = await get(q!);
      expect(res.statusCode, code).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    const mine = (await get('?quarter=2026Q3', cc)).json();
    expect(mine.districts.map((d: { districtCode: string }) => d.districtCode)).toEqual(['320602']);
    expect(mine.totals.knownSpaces).toBe(1130);
    const downloads = await env.ctx.db.selectFrom('audit_log').select(['actor', 'target_id', 'detail']).where('action', '=', 'onboarding.report.download').orderBy('id').execute();
    expect(downloads.at(-1)).toMatchObject({ actor: 'cc', target_id: '2026Q3', detail: { format: 'json' } });
  });

  it('writes an .xlsx that reads back: a summary and a sheet per district with both sections', async () => {
    const res = await get('?quarter=2026Q3&format=xlsx');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="onboarding-progress-2026Q3.xlsx"; filename*=UTF-8''${encodeURIComponent('县市区停车场接入进展清单-2026Q3.xlsx')}`,
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ExcelJS.Buffer);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['汇总', '崇川区', '通州区', '海门区', '如东县', '启东市', '如皋市', '海安市']);
    const rows = (name: string) => {
      const out: unknown[][] = [];
      wb.getWorksheet(name)!.eachRow((row) => out.push((row.values as unknown[]).slice(1)));
      return out;
    };
    const summary = rows('汇总');
    expect(summary[0]![0]).toBe('县市区停车场接入进展清单（2026年第3季度）');
    expect(summary.find((r) => r[0] === '崇川区')).toEqual(['崇川区', 2, 1, 800, 2, 1, 330, 1130, '70.8%']);
    expect(summary.find((r) => r[0] === '合计')).toEqual(['合计', 2, 1, 800, 3, 1, 430, 1230, '65.0%']);
    const cc = rows('崇川区');
    const at = (label: string) => cc.findIndex((r) => r[0] === label);
    expect(at('已接入（2）')).toBeGreaterThan(0);
    expect(cc[at('已接入（2）') + 2]).toEqual([1, 'OLD', '停车场 OLD', '场库', '其他', 500, '2026-06-15', '', '']);
    expect(cc[at('已接入（2）') + 3]).toEqual([2, 'Q-END', '停车场 Q-END', '场库', '其他', 300, '2026-09-30', '是', '季末接入的商场']);
    const progress = at('正在对接（2）');
    expect(cc[progress + 1]![1]).toBe('名称');
    const stuck = cc[progress + 3]!;
    expect(stuck.slice(0, 2)).toEqual([2, '停滞的小区']);
    expect(stuck).toContain('逾期 29 天');
    expect(stuck.at(-1)).toBe('2026-09-10 联系中：已发函');
    expect(rows('海门区').some((r) => r.includes('（无）'))).toBe(true);
  });

  it('writes a .docx with a title, a table per district section and an East Asian font', async () => {
    const res = await get('?quarter=2026Q3&format=docx');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('wordprocessingml');
    expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('县市区停车场接入进展清单-2026Q3.docx')}`);
    const zip = await JSZip.loadAsync(res.rawPayload);
    const xml = await zip.file('word/document.xml')!.async('string');
    const text = [...xml.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('|');
    for (const s of ['县市区停车场接入进展清单', '2026年第3季度（2026-07-01 至 2026-09-30）', '崇川区', '已接入（2）', '正在对接（2）', 'Q-END', '季末接入的商场', '停滞的小区', '逾期 29 天', '通州车站']) {
      expect(text, s).toContain(s);
    }
    // Summary table, then per district one table per non-empty section (崇川区 2, 通州区 1).
    expect(xml.match(/<w:tbl>/g)).toHaveLength(4);
    const styles = await zip.file('word/styles.xml')!.async('string');
    expect(styles).toMatch(/w:eastAsia="宋体"/);
    expect(styles).toMatch(/w:eastAsia="黑体"/);
  });
});

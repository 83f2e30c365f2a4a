import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots } from '../../../test/support/ingest.js';
import { parseBusinessTime } from '../../platform/time.js';
import { LEDGER_HEADERS } from './ledger.js';

const MIN = 60_000;
const t = (text: string) => parseBusinessTime(text)!;

describeDb('incident ledger: district scope, filters, KPIs and exports', (backend) => {
  let env: TestEnv;
  let admin: string;
  let cc: string;
  let bureau: string;
  const ids: Record<string, number> = {};
  const codes: Record<string, string> = {};

  const call = (method: 'GET' | 'POST', url: string, token = admin, payload?: unknown) =>
    env.app.inject({ method, url, headers: bearer(token), ...(payload === undefined ? {} : { payload: payload as object }) });
  const ok = async (method: 'GET' | 'POST', url: string, payload?: unknown, token = admin) => {
    const res = await call(method, url, token, payload);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const list = async (query: string, token = admin) => (await ok('GET', `/api/v1/incidents?${query}`, undefined, token)) as { items: { code: string }[]; total: number };
  const codesOf = (page: { items: { code: string }[] }) => page.items.map((i) => i.code).sort();
  const download = async (format: string, token = admin, query = '') => {
    const res = await call('GET', `/api/v1/incidents/export?format=${format}${query}`, token);
    expect(res.statusCode, res.body).toBe(200);
    return res;
  };
  const sheetOf = async (body: Buffer) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(body as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const rows: string[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => (v === null || v === undefined ? '' : String(v)))));
    return rows;
  };

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 365 * 24 * 60 });
    admin = await loginToken(env.app);
    cc = await userToken(env.app, admin, { username: 'cc', role: 'district', districtCode: '320602' });
    bureau = await userToken(env.app, admin, { username: 'bureau1', role: 'bureau' });
    await createSourceWithLots(env, admin, 'SRC-TZ', [{ code: 'TZ-9', districtCode: '320612' }]);

    env.clock.set(t('2026-11-25 09:00'));
    const make = async (key: string, body: Record<string, unknown>) => {
      const i = await ok('POST', '/api/v1/incidents', { occurredAt: '2026-11-25 09:00:00', ...body });
      ids[key] = i.id;
      codes[key] = i.code;
    };
    await make('A', { title: '崇川余位服务中断', severity: 1, scope: { districts: ['320602'], modules: ['public'], affectedUsers: 1200, description: '崇川区余位查询无数据' } });
    await make('B', { title: '通州停车场数据延迟', severity: 2, scope: { lots: ['TZ-9'] } });
    await make('C', { title: '平台登录缓慢', severity: 3 });
    await make('D', { title: '两区接入中断', severity: 1, scope: { districts: ['崇川区', '320612'] } });

    // A: acknowledged after 10 min, recovered at 10:00, told the users at 10:20, reviewed and closed with a done follow-up.
    env.clock.set(t('2026-11-25 09:10'));
    await ok('POST', `/api/v1/incidents/${ids.A}/transitions`, { to: 'acknowledged', note: '值班工程师响应' });
    env.clock.set(t('2026-11-25 10:00'));
    await ok('POST', `/api/v1/incidents/${ids.A}/timeline`, { text: '重启余位服务', at: '2026-11-25 09:40:00' });
    await ok('POST', `/api/v1/incidents/${ids.A}/transitions`, { to: 'mitigated', resolution: '回滚到上一版本' });
    env.clock.set(t('2026-11-25 10:20'));
    await ok('POST', `/api/v1/incidents/${ids.A}/feedback`, { note: '服务已恢复', channel: 'phone', recipient: '市城管局' });
    await ok('POST', `/api/v1/incidents/${ids.A}/transitions`, { to: 'resolved' });
    await ok('POST', `/api/v1/incidents/${ids.A}/transitions`, { to: 'reviewed', rootCause: '新版本缓存配置错误', rootCauseCategory: 'change' });
    const withAction = await ok('POST', `/api/v1/incidents/${ids.A}/actions`, { type: 'bug_fix', description: '修正缓存配置校验', owner: 'admin', plannedDate: '2026-11-27' });
    await ok('POST', `/api/v1/incidents/${ids.A}/actions/${withAction.actions[0].id}/complete`, { note: '已上线' });
    await ok('POST', `/api/v1/incidents/${ids.A}/transitions`, { to: 'closed' });
    // D: acknowledged 20 minutes after detection (response due at 15).
    env.clock.set(t('2026-11-25 09:20'));
    await ok('POST', `/api/v1/incidents/${ids.D}/transitions`, { to: 'acknowledged' });
    env.clock.set(t('2026-11-25 11:00'));
  });
  afterAll(() => env.close());

  it('shows a district user the incidents touching their district only (a lot counts for its district)', async () => {
    expect(codesOf(await list('', cc))).toEqual([codes.A, codes.D].sort());
    expect((await list('', cc)).total).toBe(2);
    for (const key of ['B', 'C']) expect((await call('GET', `/api/v1/incidents/${ids[key]}`, cc)).statusCode, key).toBe(404);
    expect((await ok('GET', `/api/v1/incidents/${ids.B}`)).scope).toMatchObject({ lots: ['TZ-9'], districts: ['320612'] });
    expect((await ok('GET', `/api/v1/incidents/${ids.D}`)).scope.districts).toEqual(['320602', '320612']);
    expect((await list('', bureau)).total).toBe(4);
    // Reading is every role's; changing is ops' only.
    expect((await call('POST', `/api/v1/incidents/${ids.D}/timeline`, cc, { text: 'x' })).statusCode).toBe(403);
    expect((await call('POST', '/api/v1/incidents', bureau, { title: 'x', severity: 3 })).statusCode).toBe(403);
  });

  it('filters the list', async () => {
    expect(codesOf(await list('severity=1'))).toEqual([codes.A, codes.D].sort());
    expect(codesOf(await list('state=closed'))).toEqual([codes.A]);
    expect(codesOf(await list('state=open,acknowledged'))).toEqual([codes.B, codes.C, codes.D].sort());
    expect(codesOf(await list('open=true&severity=1'))).toEqual([codes.D]);
    expect(codesOf(await list('districtCode=320612'))).toEqual([codes.B, codes.D].sort());
    expect(codesOf(await list(`q=${encodeURIComponent('登录')}`))).toEqual([codes.C]);
    expect(codesOf(await list('detectionSource=person'))).toHaveLength(4);
    expect((await list('from=2026-11-26')).total).toBe(0);
    expect((await list('from=2026-11-25&to=2026-11-25')).total).toBe(4);
    const page = await list('limit=1&offset=1');
    expect([page.items.length, page.total]).toEqual([1, 4]);
    const item = (await list(`q=${codes.A}`)).items[0] as unknown as Record<string, unknown>;
    expect(item).toMatchObject({ state: 'closed', openActions: 0, feedbackCount: 1 });
    for (const bad of ['severity=9', 'state=lost', 'open=maybe', 'from=tomorrow', 'limit=x']) {
      const res = await call('GET', `/api/v1/incidents?${bad}`);
      expect([res.statusCode, bad]).toEqual([400, bad]);
    }
  });

  it('reports KPIs for the period: counts by severity, mean times, SLA rates, follow-ups', async () => {
    const k = await ok('GET', '/api/v1/incidents/kpis?from=2026-11-25&to=2026-11-25');
    expect(k).toMatchObject({
      from: '2026-11-25', to: '2026-11-25', total: 4, open: 3,
      bySeverity: { 1: 2, 2: 1, 3: 1 },
      byState: { closed: 1, acknowledged: 1, open: 2 },
      meanTimeToAcknowledgeMinutes: 15,
      meanTimeToRestoreMinutes: 60,
      followUps: { total: 1, open: 0, overdue: 0, done: 1, waived: 0 },
    });
    // Response: A on time, D late; B (二级, due 09:30) open and past due at 11:00, C (三级) not yet due.
    expect(k.sla.response).toEqual({ decided: 3, onTime: 1, late: 2, pending: 1, rate: 0.3333 });
    expect(k.sla.feedback).toEqual({ decided: 1, onTime: 1, late: 0, pending: 0, rate: 1 });
    const mine = await ok('GET', '/api/v1/incidents/kpis?from=2026-11-25&to=2026-11-25', undefined, cc);
    expect([mine.total, mine.bySeverity]).toEqual([2, { 1: 2, 2: 0, 3: 0 }]);
    expect((await ok('GET', '/api/v1/incidents/kpis?from=2026-11-01&to=2026-11-24')).total).toBe(0);
  });

  it('exports the ledger as .xlsx in the city\'s columns', async () => {
    const res = await download('xlsx');
    expect(res.headers['content-type']).toContain('spreadsheetml');
    expect(res.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('系统事件台账-20261125.xlsx')}`);
    const rows = await sheetOf(res.rawPayload);
    expect(rows[0]![0]).toBe('系统事件台账');
    expect(rows[1]![0]).toContain('共 4 起');
    expect(rows[2]).toEqual([...LEDGER_HEADERS]);
    const data = rows.slice(3);
    expect(data.map((r) => r[1])).toEqual([codes.A, codes.B, codes.C, codes.D]);
    const a = Object.fromEntries(LEDGER_HEADERS.map((h, n) => [h, data[0]![n] ?? '']));
    expect(a).toMatchObject({
      序号: '1', 事件名称: '崇川余位服务中断', 发生时间: '2026-11-25 09:00:00', 发现方式: '人工发现', 事件等级: '一级',
      恢复时间: '2026-11-25 10:00:00', 处置时长: '1 小时', 原因分析: '[变更引起] 新版本缓存配置错误', 状态: '已关闭',
    });
    expect(a.影响范围).toContain('崇川区余位查询无数据');
    expect(a.影响范围).toContain('区域：崇川区');
    expect(a.影响范围).toContain('约 1200 人');
    expect(a.处理过程).toContain('11-25 09:10 待响应 → 处置中：值班工程师响应（admin）');
    expect(a.处理过程).toContain('11-25 09:40 重启余位服务（admin）');
    expect(a.后续措施).toContain('[BUG 修复] 修正缓存配置校验（负责人 admin，计划 2026-11-27，已完成 2026-11-25）');
    expect(a.反馈情况).toContain('恢复后反馈（电话，市城管局，按时）：服务已恢复');
    expect(a.反馈情况).toContain('待整改后反馈');
    const c = data[2]!;
    expect([c[6], c[7], c[9], c[14]]).toEqual(['三级', '区域：全市', '', '待响应']);
    // A district user's export holds their incidents only.
    const theirs = (await sheetOf((await download('xlsx', cc)).rawPayload)).slice(3).map((r) => r[1]);
    expect(theirs).toEqual([codes.A, codes.D]);
    const filtered = (await sheetOf((await download('xlsx', admin, '&severity=2')).rawPayload)).slice(3).map((r) => r[1]);
    expect(filtered).toEqual([codes.B]);
  });

  it('exports the ledger as a landscape .docx with an East Asian font', async () => {
    const res = await download('docx');
    expect(res.headers['content-type']).toContain('wordprocessingml');
    const zip = await JSZip.loadAsync(res.rawPayload);
    const xml = await zip.file('word/document.xml')!.async('string');
    const styles = await zip.file('word/styles.xml')!.async('string');
    expect(xml).toContain('w:orient="landscape"');
    expect(styles).toContain('w:eastAsia="宋体"');
    const text = xml.replace(/<[^>]+>/g, '');
    expect(text).toContain('系统事件台账');
    for (const h of LEDGER_HEADERS) expect(text).toContain(h);
    for (const key of ['A', 'B', 'C', 'D']) expect(text).toContain(codes[key]);
    expect(text).toContain('新版本缓存配置错误');
    expect((await call('GET', '/api/v1/incidents/export?format=pdf')).json().error.code).toBe('INVALID_FORMAT');
    env.clock.advance(MIN);
  });
});

import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots } from '../../../test/support/ingest.js';
import { move, newTicket, walk } from '../../../test/support/tickets.js';
import { LEDGER_COLUMNS } from './export.js';

/*
 * A hand-computed set. Period: 2026-11-25 (Shanghai) = [2026-11-24T16:00Z, 2026-11-25T16:00Z).
 *   X  created Tue 23:59:59                          outside
 *   A  phone  fee_dispute  320602  normal  created Wed 00:00, resolved 10:00 on time, confirmed   (600 min)
 *   B  12345  wrong_charge 320612  urgent  created 10:00, resolved 15:00 (due 14:00: late), closed (300 min)
 *   C  wechat fee_dispute  —       normal  created 10:00, resolved 11:00 on time, reopened
 *   D  12345  facility     320602  normal  assigned
 *   E  phone  other        320612  low     new
 *   F  cancelled, G merged into D: left out
 *   Y  created Thu 00:00                             outside
 * total 5, closed 2 (A, B), resolved 3 (A, B, C), on time 2 (A, C), reopened 1 (C),
 * handling over A and B (C is back in work): (600 + 300) / 2 = 450, open 3 (C, D, E).
 */
describeDb('ticket KPIs and ledger export', (backend) => {
  let env: TestEnv;
  let admin: string;
  let ops: string;
  let viewer: string;
  const t: Record<string, { id: number; no: string }> = {};

  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 60 * 24 * 7 });
    admin = await loginToken(env.app);
    ops = await userToken(env.app, admin, { username: 'ops1', role: 'ops' });
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    await createSourceWithLots(env, admin, 'S-K', [{ code: 'L-CC', districtCode: '320602' }, { code: 'L-TZ', districtCode: '320612' }]);

    const at = (iso: string) => env.clock.set(iso);
    const assignWork = [{ to: 'assigned', assignee: 'ops1' }, { to: 'in_progress' }];
    at('2026-11-24T15:59:59Z');
    t.X = await newTicket(env, ops, { title: 'X' });
    at('2026-11-24T16:00:00Z');
    t.A = await newTicket(env, ops, { title: 'A', lotCode: 'L-CC', citizenPhone: '13812341234' });
    at('2026-11-25T02:00:00Z');
    t.B = await newTicket(env, ops, { title: 'B', channel: 'hotline_12345', category: 'wrong_charge', lotCode: 'L-TZ', priority: 'urgent' });
    t.C = await newTicket(env, ops, { title: 'C', channel: 'wechat' });
    t.D = await newTicket(env, ops, { title: 'D', channel: 'hotline_12345', category: 'facility_fault', lotCode: 'L-CC' });
    t.E = await newTicket(env, ops, { title: 'E', category: 'other', lotCode: 'L-TZ', priority: 'low' });
    t.F = await newTicket(env, ops, { title: 'F', category: 'other' });
    t.G = await newTicket(env, ops, { title: 'G' });
    await walk(env, ops, t.A.id, [...assignWork, { to: 'resolved' }, { to: 'feedback_given' }, { to: 'confirmed' }]);
    await walk(env, ops, t.B.id, assignWork);
    await walk(env, ops, t.C.id, assignWork);
    await walk(env, ops, t.D.id, [{ to: 'assigned', assignee: 'ops1' }]);
    await walk(env, admin, t.F.id, [{ to: 'cancelled', reason: '非停车问题' }]);
    const merged = await env.app.inject({ method: 'POST', url: `/api/v1/tickets/${t.G.id}/merge`, headers: bearer(ops), payload: { into: t.D.id } });
    if (merged.statusCode !== 200) throw new Error(merged.body);
    at('2026-11-25T03:00:00Z');
    await walk(env, ops, t.C.id, [{ to: 'resolved' }, { to: 'feedback_given' }, { to: 'reopened' }]);
    at('2026-11-25T07:00:00Z');
    await walk(env, ops, t.B.id, [{ to: 'resolved', note: '已退款' }, { to: 'feedback_given' }, { to: 'confirmed' }, { to: 'closed' }]);
    at('2026-11-25T16:00:00Z');
    t.Y = await newTicket(env, ops, { title: 'Y' });
  });
  afterAll(() => env.close());

  const kpis = async (query: string, token = admin) => {
    const res = await env.app.inject({ method: 'GET', url: `/api/v1/tickets/kpis?${query}`, headers: bearer(token) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it('computes closure, on-time, handling and reopen figures over the tickets created in the period', async () => {
    const { internal, ...citizens } = await kpis('from=2026-11-25&to=2026-11-25');
    expect(internal).toMatchObject({ total: 0, byCategory: [{ key: 'phone_consult', total: 0 }, { key: 'remote_assist', total: 0 }, { key: 'onsite_guidance', total: 0 }] });
    expect(citizens).toEqual({
      from: '2026-11-25', to: '2026-11-25',
      total: 5, closed: 2, closureRate: 0.4, resolved: 3, onTime: 2, onTimeRate: 0.6667, avgHandlingMinutes: 450, reopened: 1, reopenRate: 0.3333, open: 3,
      cancelled: 1, merged: 1, groupBy: null, groups: [],
    });
    const wider = await kpis('from=2026-11-24&to=2026-11-26');
    expect(wider).toMatchObject({ total: 7, closed: 2, open: 5 });
  });

  it('groups by channel, category and district', async () => {
    const byChannel = await kpis('from=2026-11-25&to=2026-11-25&groupBy=channel');
    const ch = Object.fromEntries(byChannel.groups.map((g: { key: string }) => [g.key, g]));
    expect(Object.keys(ch)).toEqual(['hotline_12345', 'wechat', 'alipay', 'phone', 'web', 'onsite']);
    expect(ch.phone).toMatchObject({ label: '电话', total: 2, closed: 1, closureRate: 0.5, resolved: 1, onTimeRate: 1, avgHandlingMinutes: 600, reopenRate: 0, open: 1 });
    expect(ch.hotline_12345).toMatchObject({ total: 2, closed: 1, closureRate: 0.5, resolved: 1, onTime: 0, onTimeRate: 0, avgHandlingMinutes: 300 });
    expect(ch.wechat).toMatchObject({ total: 1, closed: 0, closureRate: 0, resolved: 1, onTimeRate: 1, avgHandlingMinutes: null, reopenRate: 1 });
    expect(ch.alipay).toMatchObject({ total: 0, closureRate: null, onTimeRate: null, avgHandlingMinutes: null });
    const byDistrict = await kpis('from=2026-11-25&to=2026-11-25&groupBy=district');
    const d = Object.fromEntries(byDistrict.groups.map((g: { key: string | null }) => [String(g.key), g]));
    expect(d['320602']).toMatchObject({ label: '崇川区', total: 2, closed: 1 });
    expect(d['320612']).toMatchObject({ label: '通州区', total: 2, closed: 1, onTimeRate: 0 });
    expect(d.null).toMatchObject({ label: '未指定县市区', total: 1 });
    const byCategory = await kpis('from=2026-11-25&to=2026-11-25&groupBy=category');
    expect(byCategory.groups.find((g: { key: string }) => g.key === 'fee_dispute')).toMatchObject({ label: '收费争议', total: 2, closed: 1 });
    const tz = await userToken(env.app, admin, { username: 'tz-staff', role: 'district', districtCode: '320612' });
    expect(await kpis('from=2026-11-25&to=2026-11-25&groupBy=district', tz)).toMatchObject({ total: 2, closed: 1, groups: [{ key: '320612', total: 2 }] });
  });

  it('refuses bad periods', async () => {
    for (const q of ['from=2026-13-01&to=2026-13-02', 'from=2026-11-26&to=2026-11-25', 'from=20261125', 'groupBy=weather']) {
      expect((await env.app.inject({ method: 'GET', url: `/api/v1/tickets/kpis?${q}`, headers: bearer(admin) })).statusCode, q).toBe(400);
    }
  });

  it('exports the ledger as .xlsx with Chinese headers, masked without pii', async () => {
    const res = await env.app.inject({ method: 'GET', url: '/api/v1/tickets/export?from=2026-11-25&to=2026-11-25', headers: bearer(viewer) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('工单台账')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(LEDGER_COLUMNS.map((c) => c.header));
    expect(sheet.rowCount).toBe(8); // A–G
    const rows = new Map<string, Record<string, unknown>>();
    sheet.eachRow((row, n) => {
      if (n === 1) return;
      const values = (row.values as unknown[]).slice(1);
      rows.set(String(values[0]), Object.fromEntries(header.map((h, i) => [String(h), values[i]])));
    });
    expect(rows.get(t.B!.no)).toMatchObject({ 来源渠道: '12345热线', 诉求分类: '错误扣费', 优先级: '紧急', 县市区: '通州区', 状态: '已关闭', 是否超时: '是', 办结结果: '已退款', 办结时间: '2026-11-25 15:00:00', 受理时间: '2026-11-25 10:00:00' });
    expect(rows.get(t.A!.no)).toMatchObject({ 联系电话: '138****1234', 状态: '市民已确认', 是否超时: '否' });
    expect(rows.get(t.G!.no)).toMatchObject({ 状态: '已关闭', 合并至: t.D!.no });
    expect(rows.get(t.F!.no)).toMatchObject({ 状态: '已撤销', 撤销原因: '非停车问题' });
    const audits = async () => Number((await env.ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).where('action', '=', 'ticket.read_pii').executeTakeFirstOrThrow()).n);
    const before = await audits();
    const plain = await env.app.inject({ method: 'GET', url: '/api/v1/tickets/export?from=2026-11-25&to=2026-11-25', headers: bearer(admin) });
    const wb2 = new ExcelJS.Workbook();
    await wb2.xlsx.load(plain.rawPayload as unknown as ArrayBuffer);
    let phones = '';
    wb2.getWorksheet('工单台账')!.eachRow((row) => (phones += JSON.stringify(row.values)));
    expect(phones).toContain('13812341234');
    expect(await audits()).toBe(before + 1);
  });

  it('filters the ledger like the list', async () => {
    const list = async (q: string) => (await env.app.inject({ method: 'GET', url: `/api/v1/tickets?${q}`, headers: bearer(admin) })).json();
    expect((await list('channel=hotline_12345&from=2026-11-25&to=2026-11-25')).total).toBe(2);
    expect((await list('state=new,assigned&from=2026-11-25&to=2026-11-25')).items.map((i: { no: string }) => i.no).sort()).toEqual([t.D!.no, t.E!.no].sort());
    expect((await list('open=true&from=2026-11-25&to=2026-11-25')).total).toBe(3);
    expect((await list('assignee=ops1&priority=urgent')).items.map((i: { no: string }) => i.no)).toEqual([t.B!.no]);
    expect((await list(`q=${t.C!.no}`)).items.map((i: { no: string }) => i.no)).toEqual([t.C!.no]);
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/tickets?state=lost', headers: bearer(admin) })).statusCode).toBe(400);
    expect((await move(env, ops, t.E!.id, { to: 'resolved' })).statusCode).toBe(409);
  });
});

import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { checkVulnerabilityDeadlines } from './check.js';
import { REGISTER_HEADERS } from './register-xlsx.js';

describeDb('security: vulnerability register', (backend) => {
  let env: TestEnv;
  let admin: string;
  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
  });
  afterAll(() => env.close());

  const post = (payload: unknown, token = admin) => env.app.inject({ method: 'POST', url: '/api/v1/security/vulnerabilities', headers: bearer(token), payload: payload as object });
  const step = (id: number, payload: unknown) => env.app.inject({ method: 'POST', url: `/api/v1/security/vulnerabilities/${id}/transition`, headers: bearer(admin), payload: payload as object });
  const list = async (query = '') => {
    const res = await env.app.inject({ url: `/api/v1/security/vulnerabilities${query}`, headers: bearer(admin) });
    expect(res.statusCode).toBe(200);
    return res.json() as { items: { id: number; title: string; overdue: boolean; state: string; severity: string; closedAt: string | null }[]; total: number };
  };
  const notices = (kind: string) => env.ctx.db.selectFrom('notifications').selectAll().where('kind', '=', kind).orderBy('id').execute();
  const audits = (id: number) => env.ctx.db.selectFrom('audit_log').selectAll().where('target_type', '=', 'vulnerability').where('target_id', '=', String(id)).orderBy('id').execute();

  it('gives a high finding before National Day 2026 its plan deadline on the fifth working day, make-up Saturday counted', async () => {
    const res = await post({ title: 'OpenSSL 远程代码执行', severity: 'high', foundAt: '2026-09-30T16:00:00+08:00', source: 'Trivy', component: 'openssl 3.0.2' });
    expect(res.statusCode).toBe(201);
    const v = res.json();
    expect(v.id).toEqual(expect.any(Number));
    // 10-08 (1), 10-09 (2), 10-10 调休上班 (3), 10-12 (4), 10-13 (5); 17:30 Shanghai.
    expect(v.fixPlanDueAt).toBe('2026-10-13T09:30:00.000Z');
    expect(v.fixPlanDueDate).toBe('2026-10-13');
    expect(v).toMatchObject({ severity: 'high', state: 'found', planWorkingDays: 5, source: 'Trivy', component: 'openssl 3.0.2', overdue: true });
  });

  it('counts the Spring Festival 2026 make-up Saturdays, and takes Shanghai wall time without an offset', async () => {
    const a = (await post({ title: 'Spring 1', severity: 'critical', foundAt: '2026-02-12 10:00:00' })).json();
    expect(a.fixPlanDueDate).toBe('2026-02-26');
    const b = (await post({ title: 'Spring 2', severity: 'high', foundAt: '2026-02-24' })).json();
    expect(b.fixPlanDueDate).toBe('2026-03-02');
  });

  it('uses the configured working days for medium and low, and refuses to configure critical/high', async () => {
    const m = (await post({ title: 'medium default', severity: 'medium', foundAt: '2026-11-16T10:00:00+08:00' })).json();
    expect(m.planWorkingDays).toBe(10);
    expect(m.fixPlanDueDate).toBe('2026-11-30');
    const put = await env.app.inject({ method: 'PUT', url: '/api/v1/security/deadlines/low', headers: bearer(admin), payload: { workingDays: 3 } });
    expect(put.statusCode).toBe(200);
    expect(put.json().items).toContainEqual({ severity: 'low', workingDays: 3, configurable: true });
    const l = (await post({ title: 'low configured', severity: 'low', foundAt: '2026-11-16T10:00:00+08:00' })).json();
    expect(l.fixPlanDueDate).toBe('2026-11-19');
    const fixed = await env.app.inject({ method: 'PUT', url: '/api/v1/security/deadlines/high', headers: bearer(admin), payload: { workingDays: 9 } });
    expect(fixed.statusCode).toBe(409);
    expect(fixed.json().error.code).toBe('DEADLINE_FIXED');
  });

  it('rejects bad input with 400 and a code, and non-ops users with 403', async () => {
    expect((await post({ title: 'x', severity: 'urgent', foundAt: '2026-11-16T10:00:00+08:00' })).json().error.code).toBe('INVALID_SEVERITY');
    const badTime = await post({ title: 'x', severity: 'low', foundAt: 'yesterday' });
    expect(badTime.statusCode).toBe(400);
    expect(badTime.json().error.code).toBe('INVALID_TIME');
    expect((await post({ severity: 'low', foundAt: '2026-11-16' })).statusCode).toBe(400);
    const viewer = await userToken(env.app, admin, { username: 'sec-viewer', role: 'viewer' });
    expect((await post({ title: 'x', severity: 'low', foundAt: '2026-11-16' }, viewer)).statusCode).toBe(403);
  });

  it('walks the lifecycle, each step audited, and refuses illegal steps with 409', async () => {
    const v = (await post({ title: 'SQL 注入', severity: 'high', foundAt: '2026-11-24T09:00:00+08:00' })).json();
    const skip = await step(v.id, { to: 'fixed' });
    expect(skip.statusCode).toBe(409);
    expect(skip.json().error.code).toBe('INVALID_TRANSITION');
    expect((await step(v.id, { to: 'plan_submitted' })).json().error.code).toBe('PLAN_REQUIRED');
    const planned = await step(v.id, { to: 'plan_submitted', planText: '升级 ORM 并参数化查询', plannedFixDate: '2026-12-10' });
    expect(planned.statusCode).toBe(200);
    expect(planned.json()).toMatchObject({ state: 'plan_submitted', planLate: false, overdue: false, plannedFixDate: '2026-12-10' });
    expect((await step(v.id, { to: 'fixing' })).statusCode).toBe(200);
    expect((await step(v.id, { to: 'fixed' })).statusCode).toBe(200);
    const done = await step(v.id, { to: 'verified', verification: '复扫通过' });
    expect(done.json()).toMatchObject({ state: 'verified', verification: '复扫通过', nextStates: [] });
    expect(done.json().history.map((h: { toState: string }) => h.toState)).toEqual(['found', 'plan_submitted', 'fixing', 'fixed', 'verified']);
    const trail = await audits(v.id);
    expect(trail.map((a) => a.action)).toEqual(['security.vulnerability.create', ...Array(4).fill('security.vulnerability.transition')]);
    expect((await step(v.id, { to: 'fixing' })).statusCode).toBe(409);
  });

  it('accepts a risk only with reason, approver and a future expiry; false positives need a reason', async () => {
    const v = (await post({ title: 'TLS 1.0 enabled', severity: 'medium', foundAt: '2026-11-20' })).json();
    const incomplete = await step(v.id, { to: 'accepted_risk', reason: 'legacy terminals' });
    expect(incomplete.json().error.code).toBe('RISK_ACCEPTANCE_INCOMPLETE');
    const ok = await step(v.id, { to: 'accepted_risk', reason: 'legacy terminals', approver: '张局', expiresAt: '2027-03-31' });
    expect(ok.json()).toMatchObject({ state: 'accepted_risk', riskReason: 'legacy terminals', riskApprover: '张局', riskExpiresAt: '2027-03-30T16:00:00.000Z' });
    const last = (await audits(v.id)).at(-1)!;
    expect(last.detail).toMatchObject({ from: 'found', to: 'accepted_risk', approver: '张局' });
    const w = (await post({ title: 'scanner noise', severity: 'low', foundAt: '2026-11-20' })).json();
    expect((await step(w.id, { to: 'false_positive' })).json().error.code).toBe('REASON_REQUIRED');
    expect((await step(w.id, { to: 'false_positive', reason: '版本号误判' })).json().state).toBe('false_positive');
    expect((await env.app.inject({ method: 'POST', url: '/api/v1/security/vulnerabilities/999999/transition', headers: bearer(admin), payload: { to: 'fixing' } })).statusCode).toBe(404);
  });

  it('warns at 80 % and raises the breach once, through notifications, on a manual clock', async () => {
    // Found Mon 2026-11-30 after hours: due Mon 12-07 17:30, warning Fri 12-04 17:30.
    const v = (await post({ title: 'Deadline probe', severity: 'critical', foundAt: '2026-11-30T18:00:00+08:00' })).json();
    expect(v.fixPlanDueAt).toBe('2026-12-07T09:30:00.000Z');
    expect(v.fixPlanWarnAt).toBe('2026-12-04T09:30:00.000Z');
    env.clock.set('2026-12-04T09:00:00Z');
    const before = (await notices('security.plan.warning')).length;
    await checkVulnerabilityDeadlines(env.ctx);
    expect((await notices('security.plan.warning')).length).toBe(before);
    env.clock.set('2026-12-04T09:31:00Z');
    await checkVulnerabilityDeadlines(env.ctx);
    await checkVulnerabilityDeadlines(env.ctx);
    const warnings = (await notices('security.plan.warning')).filter((n) => n.title.includes('Deadline probe'));
    expect(warnings).toHaveLength(1);
    env.clock.set('2026-12-07T09:31:00Z');
    await checkVulnerabilityDeadlines(env.ctx);
    await checkVulnerabilityDeadlines(env.ctx);
    const breaches = (await notices('security.plan.breached')).filter((n) => n.title.includes('Deadline probe'));
    expect(breaches).toHaveLength(1);
    expect(breaches[0]!.severity).toBe('critical');
    admin = await loginToken(env.app);
    const got = (await env.app.inject({ url: `/api/v1/security/vulnerabilities/${v.id}`, headers: bearer(admin) })).json();
    expect(got).toMatchObject({ overdue: true, breachedAt: '2026-12-07T09:31:00.000Z' });
    // A late plan stops the clock and is marked late.
    const late = await step(v.id, { to: 'plan_submitted', planText: 'patch' });
    expect(late.json()).toMatchObject({ overdue: false, planLate: true });
  });

  it('lists overdue first, filters, and exports the register as .xlsx', async () => {
    const all = await list('?limit=500');
    const firstNotOverdue = all.items.findIndex((i) => !i.overdue);
    expect(firstNotOverdue).toBeGreaterThan(0);
    expect(all.items.slice(firstNotOverdue).every((i) => !i.overdue)).toBe(true);
    const overdue = await list('?overdue=true');
    expect(overdue.items.every((i) => i.overdue)).toBe(true);
    expect(overdue.total).toBeGreaterThan(0);
    expect((await list('?severity=medium,low&state=accepted_risk')).items.map((i) => i.title)).toEqual(['TLS 1.0 enabled']);
    expect((await list('?q=openssl')).total).toBe(1);
    const bad = await env.app.inject({ url: '/api/v1/security/vulnerabilities?severity=urgent', headers: bearer(admin) });
    expect(bad.statusCode).toBe(400);
    // The summary (概要 tab) counts what the register's own filters list.
    const summary = (await env.app.inject({ url: '/api/v1/security/summary', headers: bearer(admin) })).json();
    const open = all.items.filter((i) => !i.closedAt);
    expect(summary.vulnerabilities).toEqual({
      openCritical: open.filter((i) => i.severity === 'critical').length, openHigh: open.filter((i) => i.severity === 'high').length,
      overdue: overdue.total, overdueHighCritical: overdue.items.filter((i) => i.severity === 'critical' || i.severity === 'high').length, open: open.length,
    });
    expect(summary.vulnerabilities.overdueHighCritical).toBeGreaterThan(0);

    const res = await env.app.inject({ url: '/api/v1/security/vulnerabilities/export', headers: bearer(admin) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain('filename*=UTF-8');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.getRow(3).values).toEqual([undefined, ...REGISTER_HEADERS]);
    expect(sheet.rowCount).toBe(3 + all.total);
    expect(sheet.getRow(4).getCell(9).value).toBe('超期');
  });
});

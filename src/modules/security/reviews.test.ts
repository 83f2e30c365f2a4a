import ExcelJS from 'exceljs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { docxText, unzip } from '../../../test/support/unzip.js';
import { findingsOf, openQuarterReviewIfDue, quarterOf } from './reviews.js';

describeDb('security: quarterly permission review', (backend) => {
  let env: TestEnv;
  let admin: string;
  let bureau: string;
  beforeAll(async () => {
    env = await createTestEnv(backend, { tokenTtlMinutes: 60 * 24 * 365 });
    admin = await loginToken(env.app);
    bureau = await userToken(env.app, admin, { username: 'rv-bureau', role: 'bureau' });
    await userToken(env.app, admin, { username: 'rv-ops', role: 'ops' });
    const created = await env.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload: { username: 'rv-ghost', password: 'Ghost-Pass-1', role: 'viewer' } });
    expect(created.statusCode).toBe(201);
  });
  afterAll(() => env.close());

  const call = (method: 'GET' | 'POST', url: string, payload?: object, token = admin) => env.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

  it('finds what each account needs looked at (pure)', () => {
    const now = new Date('2026-12-07T00:00:00Z');
    expect(findingsOf({ role: 'viewer', district_code: null, status: 'active', last_login_at: null, last_activity_at: null }, now)).toEqual(['never_logged_in']);
    expect(findingsOf({ role: 'ops', district_code: null, status: 'active', last_login_at: new Date('2026-08-01T00:00:00Z'), last_activity_at: null }, now)).toEqual(['inactive_90d', 'pii']);
    expect(findingsOf({ role: 'district', district_code: null, status: 'active', last_login_at: now, last_activity_at: now }, now)).toEqual(['district_without_district']);
    expect(quarterOf(new Date('2026-09-30T16:30:00Z'))).toBe('2026Q4'); // 10-01 00:30 Shanghai
  });

  it('lists a never-logged-in account and disables it with one click, audited; the user can no longer sign in', async () => {
    const open = await call('POST', '/api/v1/security/reviews', { quarter: '2026Q4' });
    expect(open.statusCode).toBe(201);
    const review = open.json();
    expect(review).toMatchObject({ quarter: '2026Q4', frozen: false, counts: { accounts: 4 } });
    const ghost = review.items.find((i: { username: string }) => i.username === 'rv-ghost');
    expect(ghost.findings).toEqual(['never_logged_in']);
    expect(review.items.find((i: { username: string }) => i.username === 'admin').findings).toContain('admin');
    expect(review.items.find((i: { username: string }) => i.username === 'rv-bureau').findings).toEqual(['pii']);
    expect((await call('POST', '/api/v1/security/reviews', { quarter: '2026Q4' })).json().error.code).toBe('REVIEW_EXISTS');

    const res = await call('POST', `/api/v1/security/reviews/${review.id}/items/${ghost.id}/decision`, { decision: 'disable', note: '从未登录，外包人员已离场' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ decision: 'disable', decisionAfter: { status: 'disabled' }, decidedBy: 'admin' });
    const actions = await env.ctx.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', 'in', ['user.update', 'security.review.decide']).orderBy('id').execute();
    expect(actions).toEqual([{ action: 'user.update', target_id: 'rv-ghost' }, { action: 'security.review.decide', target_id: '2026Q4' }]);
    const login = await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'rv-ghost', password: 'Ghost-Pass-1' } });
    expect(login.statusCode).toBe(403);
  });

  it('changes a role through the review, keeps the last admin, signs off when complete and is then frozen', async () => {
    const review = (await call('GET', '/api/v1/security/reviews/2026Q4')).json();
    const item = (name: string) => review.items.find((i: { username: string }) => i.username === name);
    const adminItem = item('admin');
    const last = await call('POST', `/api/v1/security/reviews/${review.id}/items/${adminItem.id}/decision`, { decision: 'change_role', role: 'viewer' });
    expect(last.statusCode).toBe(409);
    expect(last.json().error.code).toBe('LAST_ADMIN');
    const ops = await call('POST', `/api/v1/security/reviews/${review.id}/items/${item('rv-ops').id}/decision`, { decision: 'restrict_district', districtCode: '320612' });
    expect(ops.json()).toMatchObject({ decision: 'restrict_district', decisionAfter: { role: 'district', districtCode: '320612' } });
    expect((await call('POST', `/api/v1/security/reviews/${review.id}/sign-off`, {}, bureau)).json().error.code).toBe('REVIEW_INCOMPLETE');
    const draft = docxText(unzip((await call('GET', `/api/v1/security/reviews/${review.id}/report`)).rawPayload).get('word/document.xml')!.toString('utf8'));
    expect(draft).toContain('未签署（本报告为审查进行中的当前状态）');
    for (const name of ['admin', 'rv-bureau']) {
      expect((await call('POST', `/api/v1/security/reviews/${review.id}/items/${item(name).id}/decision`, { decision: 'keep' })).statusCode).toBe(200);
    }
    const signed = await call('POST', `/api/v1/security/reviews/${review.id}/sign-off`, { note: '本季度审查完成' }, bureau);
    expect(signed.statusCode).toBe(200);
    expect(signed.json()).toMatchObject({ frozen: true, signedOffBy: 'rv-bureau', counts: { accounts: 4, decided: 4 } });
    const again = await call('POST', `/api/v1/security/reviews/${review.id}/items/${adminItem.id}/decision`, { decision: 'keep' });
    expect(again.json().error.code).toBe('REVIEW_SIGNED_OFF');

    const file = await call('GET', `/api/v1/security/reviews/${review.id}/export`);
    expect(file.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).value).toBe('用户权限审查报告（2026Q4）');
    const rows: unknown[][] = [];
    sheet.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    expect(rows.find((r) => r[0] === 'rv-ghost')?.[9]).toBe('停用');
    expect(String(rows.at(-1)?.[0])).toContain('签署：rv-bureau');

    // 《用户权限审查报告》 .docx: rendered at sign-off and kept; every account with its decision and who applied it.
    const report = await call('GET', `/api/v1/security/reviews/${review.id}/report`);
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toContain('wordprocessingml');
    const text = docxText(unzip(report.rawPayload).get('word/document.xml')!.toString('utf8'));
    expect(text).toContain('用户权限审查报告（2026Q4）');
    expect(text).toContain('审查期间 2026-10-01 至 2026-12-31');
    expect(text).toContain('账号 4 个');
    const ghostLine = text.split('\n').indexOf('rv-ghost');
    expect(ghostLine).toBeGreaterThan(0);
    // The cells of rv-ghost's row follow its name, one paragraph each.
    expect(text.split('\n').slice(ghostLine, ghostLine + 11).join('|')).toBe('rv-ghost| |只读| |启用|—|—|从未登录|停用：从未登录，外包人员已离场|已停用|admin');
    expect(text).toContain('由 rv-bureau 签署，审查结果冻结。签署意见：本季度审查完成');
    const stored = await env.ctx.db.selectFrom('security_reviews').select(['report_generated_at']).where('id', '=', review.id).executeTakeFirstOrThrow();
    expect(stored.report_generated_at).not.toBeNull();
    // The kept file is served again, byte for byte.
    expect(Buffer.compare((await call('GET', `/api/v1/security/reviews/${review.id}/report`)).rawPayload, report.rawPayload)).toBe(0);
  });

  it('opens the quarter by itself in its first week, once, and tells the admins', async () => {
    // Five look-alike accounts made in one go, and a bureau account old enough to judge its use of its permissions.
    for (let n = 1; n <= 5; n++) await userToken(env.app, admin, { username: `temp0${n}`, role: 'viewer' });
    await env.ctx.db.updateTable('users').set({ created_at: new Date('2026-01-05T00:00:00Z') }).where('username', '=', 'rv-bureau').execute();
    await env.ctx.db.updateTable('users').set({ created_at: new Date('2026-02-05T00:00:00Z') }).where('username', 'in', ['rv-ops', 'rv-ghost']).execute();
    env.clock.set('2027-01-04T02:00:00Z'); // Monday 2027-01-04 10:00 Shanghai
    expect(await openQuarterReviewIfDue(env.ctx)).toBe('2027Q1');
    const q1 = (await call('GET', '/api/v1/security/reviews/2027Q1')).json();
    const temp = q1.items.find((i: { username: string }) => i.username === 'temp03');
    expect(temp.findings).toEqual(expect.arrayContaining(['bulk_created', 'shared_name_pattern']));
    expect(temp.findingDetails.bulk_created).toMatch(/与另外 4 个账号在 \d+ 分钟内由 admin 批量创建（temp01 … temp05）/);
    const bureauItem = q1.items.find((i: { username: string }) => i.username === 'rv-bureau');
    expect(bureauItem.findings).toContain('unused_permissions');
    expect(bureauItem.findingDetails.unused_permissions).toBe('近 90 天未使用：资源登记修改、查看个人信息、数据清洗、共享停车审批');
    expect(q1.items.find((i: { username: string }) => i.username === 'rv-ghost').findings).not.toContain('bulk_created');
    expect(await openQuarterReviewIfDue(env.ctx)).toBeNull();
    env.clock.set('2027-02-10T02:00:00Z');
    expect(await openQuarterReviewIfDue(env.ctx)).toBeNull();
    const notices = await env.ctx.db.selectFrom('notifications').select('title').where('kind', '=', 'security.review.opened').execute();
    expect(notices).toHaveLength(1);
  });
});

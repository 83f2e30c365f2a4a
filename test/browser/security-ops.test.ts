import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { checkBrowserPrerequisites, closeAll, DESKTOP, download, expectText, field, launchBrowser, listen, openPage, signIn, WEB_DIR } from '../support/browser.js';
import { bearer, loginToken } from '../support/http.js';

/*
 * 安全运维 in a real browser against the real server (PGlite, manual clock at 2026-11-25 10:00
 * Shanghai). Two findings exist: a high one found before National Day 2026 (plan overdue since
 * 2026-10-13 17:30) and a low one. An ops engineer opens the page from the menu, sees the overdue
 * finding first and marked, records a new high finding through the dialog (its deadline on the
 * fifth working day), submits its fix plan from the drawer, and exports the register. Needs the
 * built console (`npm run build:web`) and Debian's chromium.
 */

const OPS_PASSWORD = 'Ops-Pass-1';

describe('安全运维 in the browser', () => {
  let env: TestEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let tmp: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    tmp = mkdtempSync(join(tmpdir(), 'zhibo-browser-security-'));
    env = await createTestEnv('pglite', { webDir: WEB_DIR, tokenTtlMinutes: 7 * 24 * 60, backupDir: join(tmp, 'backups') });
    const admin = await loginToken(env.app);
    const post = (url: string, payload: object) => env.app.inject({ method: 'POST', url, headers: bearer(admin), payload });
    expect((await post('/api/v1/users', { username: 'ops1', password: OPS_PASSWORD, role: 'ops' })).statusCode).toBe(201);
    expect((await post('/api/v1/users', { username: 'never1', password: 'Never-Pass-1', role: 'viewer' })).statusCode).toBe(201);
    expect((await post('/api/v1/security/vulnerabilities', { title: '低危：响应头缺失', severity: 'low', foundAt: '2026-11-20 09:00:00' })).statusCode).toBe(201);
    expect((await post('/api/v1/security/vulnerabilities', { title: '高危：节前发现的注入', severity: 'high', foundAt: '2026-09-30 16:00:00', component: 'api' })).statusCode).toBe(201);
    base = await listen(env);
    browser = await launchBrowser();
    context = await browser.newContext({ ...DESKTOP, acceptDownloads: true });
    page = await openPage(context, pageErrors);
  });

  afterAll(() => closeAll(browser, env, tmp));

  const rows = () => page.locator('[data-testid=vuln-table] .el-table__body tr');

  it('opens from the menu with the overdue finding first and marked', async () => {
    await signIn(page, base, 'ops1', OPS_PASSWORD, '/overview');
    await page.locator('[data-testid=menu-security]').click();
    await page.waitForURL(/\/security$/);
    await expect.poll(() => rows().count()).toBe(2);
    await expectText(rows().nth(0)).toContainText('节前发现的注入');
    await expectText(rows().nth(0).locator('[data-testid=vuln-row-overdue]')).toContainText('已超期');
    await expectText(rows().nth(0).locator('[data-testid=vuln-row-due]')).toContainText('2026-10-13 17:30');
    await expectText(page.locator('[data-testid=security-deadlines]')).toContainText('高危 5 个工作日');
  });

  it('records a high finding: its fix plan is due on the fifth working day', async () => {
    await page.locator('[data-testid=vuln-new]').click();
    await field(page, 'vuln-title').fill('高危：OpenSSL 升级');
    const foundAt = page.locator('.el-dialog .el-date-editor input').first();
    await foundAt.fill('2026-11-25 09:00:00');
    await foundAt.press('Enter');
    await field(page, 'vuln-component').fill('openssl');
    await page.locator('[data-testid=vuln-create-submit]').click();
    // Wed 11-25 → Thu 26, Fri 27, Mon 30, Tue 12-01, Wed 12-02.
    await expectText(page.locator('[data-testid=vuln-detail-due]')).toContainText('2026-12-02 17:30');
    await expect.poll(() => rows().count()).toBe(3);
  });

  it('submits the fix plan from the drawer; the state and history follow', async () => {
    await page.locator('[data-testid=vuln-step-plan_submitted]').click();
    await field(page, 'vuln-plan-text').fill('升级至 3.0.15 并复扫');
    await page.locator('[data-testid=vuln-step-submit]').click();
    await expectText(page.locator('[data-testid=vuln-detail-state]')).toContainText('已提交计划');
    await expectText(page.locator('[data-testid=vuln-detail]')).toContainText('升级至 3.0.15 并复扫');
    const audit = await env.ctx.db.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', 'security.vulnerability.transition').execute();
    expect(audit).toEqual([expect.objectContaining({ actor: 'ops1' })]);
  });

  it('exports the register as .xlsx with the overdue finding marked', async () => {
    await page.keyboard.press('Escape');
    const file = await download(page, '[data-testid=security-export]', join(tmp, 'register.xlsx'));
    expect(file.name).toMatch(/安全漏洞台账.*\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file.path);
    const sheet = wb.worksheets[0]!;
    expect(sheet.getRow(4).getCell(2).value).toBe('高危：节前发现的注入');
    expect(sheet.getRow(4).getCell(9).value).toBe('超期');
    expect(sheet.rowCount).toBe(6);
    expect(pageErrors).toEqual([]);
  });

  it('an admin opens the quarter\'s permission review and disables a never-signed-in account with one click', async () => {
    const adminPage = await openPage(await browser.newContext(DESKTOP), pageErrors);
    await signIn(adminPage, base, 'admin', ADMIN_PASSWORD, '/security');
    await adminPage.locator('.el-tabs__item', { hasText: '权限审查' }).click();
    await adminPage.locator('[data-testid=review-open]').click();
    const never = adminPage.locator('[data-testid=review-table] .el-table__body tr', { hasText: 'never1' });
    await expectText(never.locator('[data-testid=review-finding]')).toContainText('从未登录');
    await never.locator('[data-testid=review-disable-never1]').click();
    await adminPage.locator('.el-message-box .el-button--primary').click();
    await expectText(never.locator('[data-testid=review-decision]')).toContainText('停用');
    const user = await env.ctx.db.selectFrom('users').select('status').where('username', '=', 'never1').executeTakeFirstOrThrow();
    expect(user.status).toBe('disabled');
    const audit = await env.ctx.db.selectFrom('audit_log').select('action').where('action', 'in', ['user.update', 'security.review.decide']).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['security.review.decide', 'user.update']);

    // 用户管理: a role changes in place (PATCH), no recreating the account.
    await adminPage.goto(`${base}/system/users`);
    await adminPage.locator('[data-testid=user-edit-ops1]').click();
    await adminPage.locator('[data-testid=user-edit-role]').click();
    await adminPage.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: '市城管局' }).click();
    await adminPage.locator('[data-testid=user-edit-save]').click();
    await expectText(adminPage.locator('[data-testid=users-table] .el-table__body tr', { hasText: 'ops1' })).toContainText('市城管局');
    const ops1 = await env.ctx.db.selectFrom('users').select('role').where('username', '=', 'ops1').executeTakeFirstOrThrow();
    expect(ops1.role).toBe('bureau');
    expect(pageErrors).toEqual([]);
  });

  it('an admin backs up now and restore-tests it from the 数据备份 tab; the row shows size, checksum and the result', async () => {
    const adminPage = await openPage(await browser.newContext({ ...DESKTOP, acceptDownloads: true }), pageErrors);
    await signIn(adminPage, base, 'admin', ADMIN_PASSWORD, '/security');
    await adminPage.locator('.el-tabs__item', { hasText: '数据备份' }).click();
    await expectText(adminPage.locator('[data-testid=backup-settings]')).toContainText('每日 02:30');
    await expectText(adminPage.locator('[data-testid=backup-last-verified]')).toContainText('尚无通过的恢复测试');
    await adminPage.locator('[data-testid=backup-run]').click();
    const row = adminPage.locator('[data-testid=backup-table] .el-table__body tr').first();
    await expectText(row.locator('[data-testid=backup-state]')).toContainText('成功');
    await expectText(row.locator('[data-testid=backup-sha]')).toContainText('…');
    await expectText(row.locator('[data-testid=verify-state]')).toContainText('未测试');
    await row.locator('[data-testid=backup-verify]').click();
    await expectText(row.locator('[data-testid=verify-state]')).toContainText('通过');
    await expectText(adminPage.locator('[data-testid=backup-last-verified]')).toContainText('最近一次恢复测试通过');
    const saved = await download(adminPage, '[data-testid=backup-table] .el-table__body tr:first-child [data-testid=backup-report]', join(tmp, 'report.docx'));
    expect(saved.name).toMatch(/^backup-test-report-\d+\.docx$|备份恢复测试报告/);
    const backups = await env.ctx.db.selectFrom('security_backups').select(['state', 'trigger']).execute();
    expect(backups).toEqual([{ state: 'ok', trigger: 'manual' }]);
    expect(pageErrors).toEqual([]);
  });
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billForPlate, sandboxPayBill } from '../../src/modules/arrears/index.js';
import type { Actor } from '../../src/platform/auth/permissions.js';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import {
  apiCaller, apiToken, checkBrowserPrerequisites, closeAll, DESKTOP, download, englishFragments, expectText, field, launchBrowser, listen, openPage, screenshot, signIn, WEB_DIR, type ApiCall,
} from '../support/browser.js';
import { postEvents } from '../support/ingest.js';

/*
 * 欠费追缴, the staff side (docs/用户手册.md 第 24 章): the admin sees the KPIs in yuan and the
 * ledger with masked plates, narrows it by amount, exports it (.xlsx parsed back), opens a plate
 * (whole plate with pii; its sessions, the payment that settled part of it), and asks to write off
 * one session; the requester cannot approve it, a bureau user approves it on 核销审批, and the
 * ledger and KPIs change. Arrears come through the real ingest; one citizen payment goes through
 * the module's bill and the sandbox channel. The test clock stands at 2026-11-25 10:00 Shanghai.
 * Needs the built console (`npm run build:web`) and chromium.
 */

const BUREAU_PASSWORD = 'Bureau-Pass-1';
const CITIZEN: Actor = { userId: null, username: 'citizen:test', role: 'system', districtCode: null, permissions: new Set(), ip: null };

describe('arrears console: ledger, detail, write-off requested by one user and approved by another', () => {
  let env: TestEnv;
  let browser: Browser;
  let base: string;
  let call: ApiCall;
  let tmp: string;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    tmp = mkdtempSync(join(tmpdir(), 'zhibo-browser-arrears-'));
    env = await createTestEnv('pglite', { webDir: WEB_DIR });
    base = await listen(env);
    browser = await launchBrowser();
    call = apiCaller(base, await apiToken(base, 'admin', ADMIN_PASSWORD));
    await call('POST', '/api/v1/users', { username: 'bureau1', password: BUREAU_PASSWORD, role: 'bureau' });
    await call('POST', '/api/v1/payments/channels', { code: 'SANDBOX', kind: 'sandbox' });
    const source = await call('POST', '/api/v1/sources', { code: 'SRC', name: '路内系统' });
    await call('POST', '/api/v1/lots', { code: 'RD', name: '人民路路内', districtCode: '320602', kind: 'on_street', totalSpaces: 40, lng: 120.86, lat: 32.01, sourceCode: 'SRC' });
    await call('POST', '/api/v1/lots', { code: 'TZ', name: '通州金沙路路内', districtCode: '320612', kind: 'on_street', totalSpaces: 30, lng: 121.07, lat: 32.08, sourceCode: 'SRC' });
    const src = { code: 'SRC', secret: source.secret as string };
    const at = (s: string) => `2026-${s}:00+08:00`;
    const post = async (events: object[]) => {
      const res = await postEvents(env, src, events);
      expect(res.statusCode, res.body).toBe(200);
    };
    // 苏F12345 owed ¥10.00 in October and paid it through the sandbox channel (recovered this month) …
    await post([
      { type: 'entry', eventId: 'e1', occurredAt: at('10-01T08:00'), lotCode: 'RD', plate: '苏F12345' },
      { type: 'exit', eventId: 'x1', occurredAt: at('10-01T10:00'), lotCode: 'RD', plate: '苏F12345', entryEventId: 'e1', receivableFen: 1200, paidFen: 200 },
    ]);
    const bill = await billForPlate(env.ctx, CITIZEN, '苏F12345');
    expect((await sandboxPayBill(env.ctx, CITIZEN, '苏F12345', bill.billNo)).status).toBe('paid');
    // … then left ¥15.00 in 通州 and ¥20.00 in 崇川 unpaid; 苏A00001 owes ¥300.00 (listed: ≥ ¥200); 苏B00002 paid all.
    await post([
      { type: 'entry', eventId: 'e2', occurredAt: at('11-20T09:00'), lotCode: 'TZ', plate: '苏F12345' },
      { type: 'exit', eventId: 'x2', occurredAt: at('11-20T12:00'), lotCode: 'TZ', plate: '苏F12345', entryEventId: 'e2', receivableFen: 1500, paidFen: 0 },
      { type: 'entry', eventId: 'e3', occurredAt: at('11-22T09:00'), lotCode: 'RD', plate: '苏F12345' },
      { type: 'exit', eventId: 'x3', occurredAt: at('11-22T11:00'), lotCode: 'RD', plate: '苏F12345', entryEventId: 'e3', receivableFen: 2000, paidFen: 0 },
      { type: 'entry', eventId: 'e4', occurredAt: at('11-21T09:00'), lotCode: 'RD', plate: '苏A00001' },
      { type: 'exit', eventId: 'x4', occurredAt: at('11-21T10:00'), lotCode: 'RD', plate: '苏A00001', entryEventId: 'e4', receivableFen: 30000, paidFen: 0 },
      { type: 'entry', eventId: 'e5', occurredAt: at('11-22T09:00'), lotCode: 'RD', plate: '苏B00002' },
      { type: 'exit', eventId: 'x5', occurredAt: at('11-22T10:00'), lotCode: 'RD', plate: '苏B00002', entryEventId: 'e5', receivableFen: 800, paidFen: 800 },
    ]);
    page = await openPage(await browser.newContext({ ...DESKTOP, acceptDownloads: true }), pageErrors);
  });

  afterAll(() => closeAll(browser, env, tmp));

  let other: Page;
  const rows = (p: Page) => p.locator('[data-testid=arrears-table] .el-table__body tr');

  it('shows the KPIs in yuan and the ledger with masked plates, in Chinese only; filters by amount; exports .xlsx', async () => {
    await signIn(page, base, 'admin', ADMIN_PASSWORD, '/overview');
    await page.locator('[data-testid=menu-arrears]').click();
    await page.waitForURL(/\/arrears$/);
    await expectText(page.locator('[data-testid=arrears-page] h2')).toContainText('欠费追缴');
    await expectText(page.locator('[data-testid=arrears-kpi-outstanding]')).toContainText('¥335.00');
    await expectText(page.locator('[data-testid=arrears-kpi-recovered]')).toContainText('¥10.00');
    await expectText(page.locator('[data-testid=arrears-kpi-rate]')).toContainText('2.9%'); // 10 ÷ (10 + 335)
    await expectText(page.locator('[data-testid=arrears-kpi-enforcement]')).toContainText('列入执法 1 个车牌');

    await expect.poll(() => rows(page).count()).toBe(2);
    expect(await page.locator('[data-testid=arrears-row-plate]').allInnerTexts()).toEqual(['苏A0**01', '苏F1**45']); // largest first, masked
    expect(await page.locator('[data-testid=arrears-row-total]').allInnerTexts()).toEqual(['¥300.00', '¥35.00']);
    await expectText(rows(page).first()).toContainText('列入执法');
    await expectText(rows(page).nth(1)).toContainText('待追缴');
    await expectText(page.locator('[data-testid=arrears-sum]')).toContainText('¥335.00');
    expect(await englishFragments(page)).toEqual([]);
    await screenshot(page, 'arrears-console-ledger.png');

    await field(page, 'arrears-filter-min').fill('10');
    await field(page, 'arrears-filter-max').fill('50.5');
    await page.locator('[data-testid=arrears-search]').click();
    await page.waitForURL(/minYuan=10&maxYuan=50.5|maxYuan=50.5.*minYuan=10/);
    await expect.poll(() => rows(page).count()).toBe(1);
    expect(await page.locator('[data-testid=arrears-row-plate]').allInnerTexts()).toEqual(['苏F1**45']);
    await page.locator('[data-testid=filter-reset]').click();
    await expect.poll(() => rows(page).count()).toBe(2);
    await page.goto(`${base}/arrears?order=oldest`); // a shared link: oldest first (苏F12345 since 11-20)
    await expect.poll(() => page.locator('[data-testid=arrears-row-plate]').allInnerTexts()).toEqual(['苏F1**45', '苏A0**01']);
    await page.goto(`${base}/arrears`);
    await expect.poll(() => page.locator('[data-testid=arrears-row-plate]').allInnerTexts()).toEqual(['苏A0**01', '苏F1**45']);

    const file = await download(page, '[data-testid=arrears-export]', join(tmp, 'ledger.xlsx'));
    expect(file.name).toMatch(/^欠费台账-2026-11-25\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file.path);
    const sheet = wb.getWorksheet('欠费台账')!;
    const data = [2, 3].map((r) => (sheet.getRow(r).values as unknown[]).slice(1, 5));
    expect(data).toEqual([['苏A00001', 1, 1, 300], ['苏F12345', 2, 2, 35]]); // the admin holds pii: whole plates, audited
    expect(pageErrors).toEqual([]);
  });

  it('opens a plate: whole plate, its sessions in Shanghai time and yuan, the payment that settled part of it; requests a write-off', async () => {
    await rows(page).filter({ hasText: '苏F1**45' }).click();
    const drawer = page.locator('[data-testid=arrears-drawer]');
    await expectText(drawer.locator('[data-testid=arrears-detail-plate]')).toContainText('苏F12345');
    await expectText(drawer.locator('[data-testid=arrears-detail-total]')).toContainText('¥35.00');
    const sessions = drawer.locator('[data-testid=arrears-sessions] .el-table__body tr');
    await expect.poll(() => sessions.count()).toBe(2);
    await expectText(sessions.first()).toContainText('通州金沙路路内');
    await expectText(sessions.first()).toContainText('2026-11-20 12:00:00');
    await expectText(sessions.first()).toContainText('¥15.00');
    const settled = drawer.locator('[data-testid=arrears-settlements] .el-table__body tr');
    await expect.poll(() => settled.count()).toBe(1);
    await expectText(settled.first()).toContainText('缴费');
    await expectText(settled.first()).toContainText('¥10.00');
    expect(await englishFragments(page)).toEqual([]);

    // A reason is required; then 通州's ¥15.00 is asked for.
    await sessions.first().locator('.el-checkbox').click();
    await expectText(drawer.locator('[data-testid=arrears-writeoff-form]')).toContainText('已选 1 笔，合计 ¥15.00');
    await drawer.locator('[data-testid=arrears-writeoff-request]').click();
    await expectText(page.locator('.el-message')).toContainText('请填写核销原因');
    await field(drawer, 'arrears-writeoff-reason').fill('车辆已报废，车主无法联系');
    await drawer.locator('[data-testid=arrears-writeoff-request]').click();
    const requests = drawer.locator('[data-testid=arrears-detail-writeoffs] .el-table__body tr');
    await expectText(requests.first()).toContainText('待审批');
    await expectText(requests.first()).toContainText('本人申请，须由他人审批'); // no approve button for the requester
    expect(await drawer.locator('[data-testid=arrears-detail-approve]').count()).toBe(0);
    await screenshot(page, 'arrears-console-detail.png');
    expect(pageErrors).toEqual([]);
  });

  it('a bureau user approves it on 核销审批: the session leaves the ledger, the KPIs count the write-off, the requester sees who decided', async () => {
    other = await openPage(await browser.newContext(DESKTOP), pageErrors);
    await signIn(other, base, 'bureau1', BUREAU_PASSWORD, '/arrears');
    await other.locator('.el-tabs__item', { hasText: '核销审批' }).click();
    const queue = other.locator('[data-testid=arrears-writeoffs-table] .el-table__body tr');
    await expect.poll(() => queue.count()).toBe(1);
    await expectText(queue.first()).toContainText('苏F1**45');
    await expectText(queue.first()).toContainText('¥15.00');
    await expectText(queue.first()).toContainText('admin');
    await queue.first().locator('[data-testid=arrears-writeoffs-approve]').click();
    await field(other, 'arrears-decide-note').fill('情况属实');
    await other.locator('[data-testid=arrears-decide-submit]').click();
    await expectText(other.locator('.el-message')).toContainText('已批准');
    await expect.poll(() => queue.count()).toBe(0); // the pending queue is empty
    await expectText(other.locator('[data-testid=arrears-kpi-outstanding]')).toContainText('¥320.00');
    await expectText(other.locator('[data-testid=arrears-kpi-written-off]')).toContainText('本月核销 ¥15.00');
    await expectText(other.locator('[data-testid=arrears-kpi-recovered]')).toContainText('¥10.00'); // write-offs are not recovered
    expect(await englishFragments(other)).toEqual([]);

    const ledger = await call('GET', '/api/v1/arrears/ledger');
    expect((ledger.items as { plate: string; totalFen: number; sessions: number }[]).map((r) => [r.plate, r.totalFen, r.sessions])).toEqual([['苏A0**01', 30000, 1], ['苏F1**45', 2000, 1]]);

    await page.keyboard.press('Escape'); // the drawer closes; the list again
    await page.locator('[data-testid=arrears-page] .page-header button', { hasText: '刷新' }).click();
    await expectText(page.locator('[data-testid=arrears-row-total]').nth(1)).toContainText('¥20.00');
    await rows(page).filter({ hasText: '苏F1**45' }).click();
    const drawer = page.locator('[data-testid=arrears-drawer]');
    await expectText(drawer.locator('[data-testid=arrears-detail-total]')).toContainText('¥20.00');
    const requests = drawer.locator('[data-testid=arrears-detail-writeoffs] .el-table__body tr');
    await expectText(requests.first()).toContainText('已批准');
    await expectText(requests.first()).toContainText('bureau1');
    await expectText(requests.first()).toContainText('情况属实');
    await expectText(drawer.locator('[data-testid=arrears-settlements]')).toContainText('核销');
    await screenshot(page, 'arrears-console-approved.png');
    expect(pageErrors).toEqual([]);
  });

  it('changes the escalation settings in yuan and days: 苏F12345 is listed once ¥20.00 reaches the amount', async () => {
    await other.locator('.el-tabs__item', { hasText: '追缴设置' }).click();
    await expect.poll(() => field(other, 'arrears-settings-days').inputValue()).toBe('30');
    expect(await field(other, 'arrears-settings-yuan').inputValue()).toBe('200.00');
    await field(other, 'arrears-settings-days').fill('');
    await field(other, 'arrears-settings-yuan').fill('20');
    await other.locator('[data-testid=arrears-settings-save]').click();
    await expectText(other.locator('.el-message')).toContainText('追缴设置已保存');
    await expectText(other.locator('[data-testid=arrears-settings]')).toContainText('bureau1');
    expect(await englishFragments(other)).toEqual([]);
    expect(await call('GET', '/api/v1/arrears/settings')).toMatchObject({ enforceAfterDays: null, enforceAboveFen: 2000, updatedBy: 'bureau1' });
    await expectText(other.locator('[data-testid=arrears-kpi-enforcement]')).toContainText('列入执法 2 个车牌');
    await other.locator('.el-tabs__item', { hasText: '欠费台账' }).click();
    await expectText(rows(other).filter({ hasText: '苏F1**45' })).toContainText('列入执法');
    await screenshot(other, 'arrears-console-settings.png');
    expect(pageErrors).toEqual([]);
  });
});

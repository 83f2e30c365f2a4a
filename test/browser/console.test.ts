import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '../../src/platform/signing.js';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { apiCaller, apiToken, checkBrowserPrerequisites, closeAll, DESKTOP, download, englishFragments, expectText, field, launchBrowser, listen, openPage, screenshot, signIn, WEB_DIR } from '../support/browser.js';

/*
 * The console in a real browser against the real server (PGlite): sign in, the lots list, a
 * bulk import with a dry run and a bad row, the imported lot in the list, then signed events
 * for that lot and the parking records (停车流水) they make: search, detail, export. Then every page
 * of the menu, an incident and the audit log, each scanned for English fragments (a zh-CN screen
 * shows Chinese only, issue 15 §4: `englishFragments`). Needs the built console
 * (`npm run build:web` → dist/web) and Debian's chromium; builds nothing itself.
 */

/** Every page of the menu (in its order), as an admin sees it; /api/docs is Swagger's own. */
const MENU_PAGES = [
  '/overview', '/registry/lots', '/registry/sources', '/registry/operators', '/registry/districts', '/registry/import',
  '/ingest/import', '/ingest/quarantine', '/analysis', '/quality', '/public-service', '/sharing', '/payments', '/arrears', '/themes',
  '/sessions', '/monitoring', '/onboarding', '/tickets', '/incidents', '/security', '/inspections',
  '/system/users', '/system/audit', '/system/channels', '/help',
];

const GOOD = [
  { code: 'BT-CC-001', name: '浏览器测试·南大街停车场', district: '崇川区', kind: '场库', category: '商业', spaces: 320, address: '崇川区南大街 1 号', lng: 120.8642, lat: 32.0108 },
  { code: 'BT-HM-002', name: '浏览器测试·海门人民医院停车场', district: '海门区', kind: '场库', category: '医院', spaces: 180, address: '海门区北京中路 1500 号', lng: 121.1717, lat: 31.8939 },
];
const SOURCE = 'BT-SRC';
// Shanghai times on the test clock's day (it stands at 2026-11-25 10:00 Shanghai).
const EVENTS = [
  { type: 'entry', eventId: 'bt-entry-1', occurredAt: '2026-11-25 08:00:00', lotCode: GOOD[0]!.code, plate: '苏F·12345', plateColor: 'blue' },
  { type: 'exit', eventId: 'bt-exit-1', occurredAt: '2026-11-25 09:15:30', lotCode: GOOD[0]!.code, plate: '苏F12345', receivableFen: 1500, paidFen: 1500, payChannel: 'wechat' },
  { type: 'entry', eventId: 'bt-entry-2', occurredAt: '2026-11-25 09:30:00', lotCode: GOOD[0]!.code, plate: '苏FD66666', plateColor: 'green' },
  { type: 'exit', eventId: 'bt-exit-3', occurredAt: '2026-11-25 09:40:00', lotCode: GOOD[0]!.code, plate: '苏A88888', receivableFen: 500, paidFen: 0 },
];
const BAD = { code: 'BT-BAD-003', name: '浏览器测试·泊位为负', district: '崇川区', kind: '场库', category: '商业', spaces: -5, address: '', lng: 120.87, lat: 32.02 };

async function writeLotSheet(path: string): Promise<void> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('停车场');
  sheet.addRow(['编码', '名称', '县市区', '类型', '类别', '总泊位', '地址', '经度', '纬度']);
  for (const r of [...GOOD, BAD]) sheet.addRow([r.code, r.name, r.district, r.kind, r.category, r.spaces, r.address, r.lng, r.lat]);
  await wb.xlsx.writeFile(path);
}

describe('console in the browser', () => {
  let env: TestEnv;
  let browser: Browser;
  let page: Page;
  let base: string;
  let tmp: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    tmp = mkdtempSync(join(tmpdir(), 'zhibo-browser-'));
    env = await createTestEnv('pglite', { webDir: WEB_DIR });
    base = await listen(env);
    browser = await launchBrowser();
    page = await openPage(await browser.newContext(DESKTOP), pageErrors);
  });

  afterAll(() => closeAll(browser, env, tmp));

  it('sends an anonymous visitor to the login page, signs in as admin and returns to the lots list', async () => {
    // Not signed in: sent to the login page, then back to where we were going.
    await signIn(page, base, 'admin', ADMIN_PASSWORD, '/registry/lots');
    await expectText(page.locator('header')).toContainText('南通市智慧停车平台');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
  });

  it('shows the menu in order, and the (empty) lots list', async () => {
    const menu = page.locator('[data-testid=side-menu]');
    const labels = (await menu.locator(':scope > li > .el-sub-menu__title, :scope > li.el-menu-item').allInnerTexts()).map((s) => s.trim());
    expect(labels).toEqual(['全局概览', '数据资源', '数据分析', '数据清洗', '公众服务', '共享停车', '支付通道', '欠费追缴', '市域专题', '停车流水', '同步监控', '县市区接入', '工单', '事件台账', '安全运维', '巡检与报告', '系统管理', '帮助']);
    await page.locator('[data-testid=lots-table]').waitFor();
    await expectText(page.locator('[data-testid=lots-pager]')).toContainText('共 0 条');
  });

  it('imports a sheet: dry run first, then created ×2 and rejected ×1 per row', async () => {
    const file = join(tmp, 'lots.xlsx');
    await writeLotSheet(file);
    await page.locator('[data-testid=menu-import]').click();
    await page.waitForURL(/\/registry\/import/);
    await page.locator('[data-testid=import-file] input[type=file]').setInputFiles(file);

    await page.locator('[data-testid=import-dry-run]').click();
    await page.locator('[data-testid=import-result][data-dry-run=true]').waitFor();
    expect(await statusCounts(page)).toEqual({ created: 2, rejected: 1 });

    await page.locator('[data-testid=import-run]').click();
    await page.locator('[data-testid=import-result][data-dry-run=false]').waitFor();
    expect(await statusCounts(page)).toEqual({ created: 2, rejected: 1 });
    await expectText(page.locator('[data-testid=import-summary-created]')).toContainText('2');
    await expectText(page.locator('[data-testid=import-summary-rejected]')).toContainText('1');
    const badRow = page.locator('[data-testid=import-rows] .el-table__body tr', { hasText: BAD.code });
    await expectText(badRow).toContainText('总泊位');
    await screenshot(page, 'console-import.png');
  });

  it('lists the imported lots', async () => {
    await page.locator('[data-testid=menu-lots]').click();
    await page.waitForURL(/\/registry\/lots/);
    const body = page.locator('[data-testid=lots-table] .el-table__body');
    await body.getByText(GOOD[0]!.name).waitFor();
    await body.getByText(GOOD[1]!.name).waitFor();
    expect(await body.getByText(BAD.name).count()).toBe(0);
    await expectText(page.locator('[data-testid=lots-pager]')).toContainText('共 2 条');
    await screenshot(page, 'console-lots.png');

    await body.getByText(GOOD[0]!.code).click(); // the lot's page
    await page.waitForURL(new RegExp(`/registry/lots/${GOOD[0]!.code}$`));
    const nameInput = field(page, 'lot-name');
    await expect.poll(() => nameInput.inputValue(), { timeout: 15_000 }).toBe(GOOD[0]!.name);
    expect(pageErrors).toEqual([]);
  });

  it('receives signed events for an imported lot through the API', async () => {
    // As a lot system would: a data source, the lot bound to it, then a signed batch.
    const call = apiCaller(base, await apiToken(base, 'admin', ADMIN_PASSWORD));
    const source = await call('POST', '/api/v1/sources', { code: SOURCE, name: '浏览器测试·接入系统' });
    await call('PATCH', `/api/v1/lots/${GOOD[0]!.code}`, { sourceCode: SOURCE });
    const body = JSON.stringify({ events: EVENTS });
    const res = await fetch(`${base}/api/v1/ingest/events`, { method: 'POST', headers: signedHeaders(SOURCE, source.secret as string, body, env.clock.now()), body });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ accepted: EVENTS.length, rejected: 0 });
  });

  it('finds a plate in 停车流水, shows its events and exports the list as .xlsx', async () => {
    await page.locator('[data-testid=menu-sessions]').click();
    await page.waitForURL(/\/sessions/);
    const body = page.locator('[data-testid=records-table] .el-table__body');
    await body.locator('[data-testid=records-row-plate]').first().waitFor();
    expect(await body.locator('tr').count()).toBe(3); // three sessions: closed, open, exit without entry

    await field(page, 'records-filter-plate').fill('苏F·12345');
    await page.locator('[data-testid=records-search]').click();
    await page.waitForURL(/plate=/);
    await expect.poll(() => body.locator('tr').count(), { timeout: 15_000 }).toBe(1);
    const row = body.locator('tr').first();
    await expectText(row).toContainText('苏F12345');
    await expectText(row).toContainText('2026-11-25 08:00:00'); // Shanghai time
    await expectText(row).toContainText('¥15.00');
    await expectText(row).toContainText(GOOD[0]!.code);
    await screenshot(page, 'console-records.png');

    await row.click(); // the record's events
    const drawer = page.locator('[data-testid=records-drawer]');
    await expectText(drawer.locator('[data-testid=records-detail-plate]')).toContainText('苏F12345');
    await expect.poll(() => drawer.locator('[data-testid=records-event]').count(), { timeout: 15_000 }).toBe(2);
    await expectText(drawer.locator('[data-testid=records-events]')).toContainText('bt-exit-1');
    await screenshot(page, 'console-record-detail.png');
    await page.keyboard.press('Escape');
    await drawer.locator('[data-testid=records-detail]').waitFor({ state: 'hidden' });

    const file = await download(page, '[data-testid=records-export-xlsx]', join(tmp, 'records.xlsx'));
    expect(file.name).toMatch(/^停车流水-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file.path);
    const sheet = wb.worksheets[0]!;
    expect(sheet.getRow(1).getCell(1).value).toBe('车场编码');
    expect(sheet.getRow(1).getCell(4).value).toBe('车牌');
    expect(sheet.rowCount).toBe(2); // the header and the one record the filter found
    expect(sheet.getRow(2).getCell(1).value).toBe(GOOD[0]!.code);
    expect(sheet.getRow(2).getCell(4).value).toBe('苏F12345');
    expect(sheet.getRow(2).getCell(5).value).toBe('2026-11-25 08:00:00');
    expect(sheet.getRow(2).getCell(8).value).toBe(15);
    expect(pageErrors).toEqual([]);
  });

  it('隔离区: replays all entries of a reason in bulk after the correction, with progress and a result per entry', async () => {
    // Three requests for the second lot, not yet bound to the source: refused (LOT_NOT_BOUND).
    const call = apiCaller(base, await apiToken(base, 'admin', ADMIN_PASSWORD));
    const rotated = await call('POST', `/api/v1/sources/${SOURCE}/rotate-secret`, {});
    const send = async (events: object[]) => {
      const body = JSON.stringify({ events });
      const res = await fetch(`${base}/api/v1/ingest/events`, { method: 'POST', headers: signedHeaders(SOURCE, rotated.secret as string, body, env.clock.now()), body });
      return (await res.json()) as { accepted: number; rejected: number };
    };
    for (const n of [1, 2, 3]) {
      expect(await send([{ type: 'entry', eventId: `bt-late-${n}`, occurredAt: '2026-11-25 09:0' + n + ':00', lotCode: GOOD[1]!.code, plate: `苏F5000${n}` }])).toMatchObject({ rejected: 1 });
    }
    await openSettled(page, `${base}/ingest/quarantine`);
    await page.locator('[data-testid=quarantine-code]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '停车场未绑定该数据源' }).click();
    const table = page.locator('[data-testid=quarantine-table] .el-table__body');
    await expect.poll(() => table.locator('tr').count(), { timeout: 15_000 }).toBe(3);
    await expectText(table).toContainText('停车场未绑定该数据源');

    // The correction, then everything the filter matches, replayed as kept.
    await call('PATCH', `/api/v1/lots/${GOOD[1]!.code}`, { sourceCode: SOURCE });
    await page.locator('[data-testid=quarantine-bulk-filter]').click();
    const dialog = page.locator('[data-testid=quarantine-bulk]');
    await expect.poll(() => dialog.locator('[data-testid=quarantine-bulk-scope]').getAttribute('data-count'), { timeout: 15_000 }).toBe('3');
    await expectText(dialog.locator('[data-testid=quarantine-bulk-scope]')).toContainText('筛选命中 3 条待处理记录');
    await dialog.locator('[data-testid=quarantine-bulk-start]').click();
    await expect.poll(() => dialog.locator('[data-testid=quarantine-bulk-progress]').getAttribute('data-done'), { timeout: 15_000 }).toBe('3');
    await expectText(dialog.locator('[data-testid=quarantine-bulk-summary]')).toContainText('成功 3 条，失败 0 条；共接收 3 个事件');
    expect(await dialog.locator('[data-testid=quarantine-bulk-row][data-ok=true]').count()).toBe(3);
    await screenshot(page, 'console-quarantine-bulk.png');
    await page.keyboard.press('Escape');
    // The list (open entries) is empty now; the sessions are there.
    await expect.poll(() => table.locator('tr').count(), { timeout: 15_000 }).toBe(0);
    const records = await call('GET', `/api/v1/sessions?lotCode=${GOOD[1]!.code}`);
    expect((records.items as unknown[]).length).toBe(3);

    // A 无牌车 in and out on the lot system's ticket: one record, shown as 无牌车 with its ticket.
    expect(await send([
      { type: 'entry', eventId: 'bt-np-1', occurredAt: '2026-11-25 09:20:00', lotCode: GOOD[0]!.code, plate: '无牌车', ticketId: 'Q-7781' },
      { type: 'exit', eventId: 'bt-np-2', occurredAt: '2026-11-25 09:50:00', lotCode: GOOD[0]!.code, ticketId: 'Q-7781', receivableFen: 300, paidFen: 300, payChannel: 'cash' },
    ])).toMatchObject({ accepted: 2, rejected: 0 });
    await openSettled(page, `${base}/sessions?lotCode=${GOOD[0]!.code}`);
    const noPlate = page.locator('[data-testid=records-table] [data-testid=records-row-plate][data-no-plate=true]');
    await expect.poll(() => noPlate.count(), { timeout: 15_000 }).toBe(1);
    await expectText(noPlate).toContainText('无牌车');
    await expectText(noPlate).toContainText('票号 Q7781');
    expect(pageErrors).toEqual([]);
  });

  it('shows Chinese only on every page of the menu, an incident and the audit log (no English fragments)', async () => {
    const call = apiCaller(base, await apiToken(base, 'admin', ADMIN_PASSWORD));
    const incident = await call('POST', '/api/v1/incidents', { title: '浏览器测试·支付接口中断', severity: 2, detectionSource: 'person' });
    const found: string[] = [];
    for (const path of [...MENU_PAGES, `/incidents/${String(incident.id)}`]) {
      await openSettled(page, `${base}${path}`);
      for (const f of await englishFragments(page)) found.push(`${path}: ${f}`);
    }
    expect(found).toEqual([]);

    // 审计日志: actions by name, the lot's target with its name and code, details as fields.
    await openSettled(page, `${base}/system/audit`);
    const rows = page.locator('[data-testid=audit-table] .el-table__body tr');
    // One row per imported lot, newest first: take the first lot's own row.
    const created = rows.filter({ has: page.locator('[data-testid=audit-action][data-action="lot.import.create"]') }).filter({ hasText: GOOD[0]!.code }).first();
    await expectText(created.locator('[data-testid=audit-action]')).toContainText('导入新建停车场');
    await expectText(created.locator('[data-testid=audit-target]')).toContainText(`停车场 ${GOOD[0]!.name}（${GOOD[0]!.code}）`);
    await expectText(page.locator('[data-testid=audit-action][data-action="incident.create"]')).toContainText('登记事件');
    expect(pageErrors).toEqual([]);
  }, 300_000); // some 26 pages, each until its data is in
});

/** Opens `path` and waits until its data is in: no request in flight, no loading mask. */
async function openSettled(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForLoadState('networkidle');
  await page.locator('.el-loading-mask:visible').first().waitFor({ state: 'detached' }).catch(() => undefined);
}

async function statusCounts(page: Page): Promise<Record<string, number>> {
  const statuses = await page.locator('[data-testid=import-row-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status') ?? ''));
  const counts: Record<string, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { checkBrowserPrerequisites, closeAll, DESKTOP, download, expectText, field, launchBrowser, listen, openPage, screenshot, signIn, WEB_DIR } from '../support/browser.js';
import { docxText, unzip } from '../support/unzip.js';

/*
 * 巡检与报告 in a real browser against the real server (PGlite, manual clock): the admin runs an
 * inspection, fills in a manual item, downloads the report (.docx, parsed back), generates the
 * weekly report, submits and approves it, and finds both in the report centre. Needs the built
 * console (`npm run build:web`) and Debian's chromium.
 */
describe('巡检与报告 in the browser', () => {
  let env: TestEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let tmp: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    tmp = mkdtempSync(join(tmpdir(), 'zhibo-browser-inspections-'));
    env = await createTestEnv('pglite', { webDir: WEB_DIR, tokenTtlMinutes: 7 * 24 * 60 });
    env.clock.set('2026-12-07T02:00:00Z');
    base = await listen(env);
    browser = await launchBrowser();
    context = await browser.newContext({ ...DESKTOP, acceptDownloads: true });
    page = await openPage(context, pageErrors);
  });
  afterAll(() => closeAll(browser, env, tmp));

  it('runs an inspection, fills in a manual item and downloads the report', async () => {
    await signIn(page, base, 'admin', ADMIN_PASSWORD, '/inspections');
    await page.locator('[data-testid=inspection-run]').click();
    await expectText(page.locator('[data-testid=inspection-detail]')).toContainText('数据库容量与增长');
    await expectText(page.locator('[data-testid=item-status-manual_network]')).toContainText('告警');
    await page.locator('[data-testid=item-edit-manual_network]').click();
    await page.locator('.el-dialog .el-radio-button', { hasText: '正常' }).click();
    await page.locator('.el-dialog textarea').fill('专线正常');
    await page.locator('[data-testid=item-save]').click();
    await expectText(page.locator('[data-testid=item-status-manual_network]')).toContainText('正常');
    const file = await download(page, '[data-testid=inspection-download-1-docx]', join(tmp, 'inspection.docx'));
    expect(file.name).toContain('系统巡检报告');
    const text = docxText(unzip(readFileSync(file.path)).get('word/document.xml')!.toString('utf8'));
    expect(text).toContain('专线正常');
    await screenshot(page, 'inspections.png');
  });

  it('generates the weekly report, submits and approves it; the report centre lists both documents', async () => {
    await page.locator('.el-tabs__item', { hasText: '周报/月报' }).click();
    await field(page, 'report-period').fill('2026-W49');
    await page.locator('[data-testid=report-generate]').click();
    await expectText(page.locator('[data-testid=report-detail]')).toContainText('草稿');
    await page.locator('[data-testid=report-submit]').click();
    await expectText(page.locator('[data-testid=report-detail]')).toContainText('待审核');
    await page.locator('[data-testid=report-approve]').click();
    await expectText(page.locator('[data-testid=report-detail]')).toContainText('已认可');
    await page.locator('.el-tabs__item', { hasText: '报告中心' }).click();
    await expectText(page.locator('[data-testid=report-centre]')).toContainText('运维周报 2026-W49');
    await expectText(page.locator('[data-testid=report-centre]')).toContainText('系统巡检报告 #1');
    expect(pageErrors).toEqual([]);
  });
});

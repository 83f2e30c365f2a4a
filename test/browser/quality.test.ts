import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { checkBrowserPrerequisites, closeAll, DESKTOP, expectText, launchBrowser, listen, openPage, signIn, WEB_DIR } from '../support/browser.js';
import { loginToken } from '../support/http.js';
import { createSourceWithLots, postEvents } from '../support/ingest.js';

/*
 * 数据清洗 in a real browser against the real server (PGlite): yesterday (Shanghai, by the
 * browser's own date, which the page's scan range starts from) a lot sent a duplicate session
 * (a safe rule: fixed automatically by the scan) and one that left before it entered (left for a
 * person). After 立即扫描 the list shows both of that scan's findings — the fixed one too, which
 * the default 未处理 filter would hide — until the scan's tag is closed. The rules' parameters
 * read as labelled values with units. Needs the built console (`npm run build:web`) and chromium.
 */

const DAY = 86_400_000;
/** 'YYYY-MM-DD HH:mm:ss' of yesterday in Shanghai at the given time. */
const yesterdayAt = (hm: string) => `${new Date(Date.now() + 8 * 3600_000 - DAY).toISOString().slice(0, 10)} ${hm}:00`;

describe('数据清洗 in the browser', () => {
  let env: TestEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let tmp: string;
  const pageErrors: string[] = [];
  const rows = () => page.locator('[data-testid=quality-findings] .el-table__body tr');

  beforeAll(async () => {
    checkBrowserPrerequisites();
    tmp = mkdtempSync(join(tmpdir(), 'zhibo-browser-quality-'));
    env = await createTestEnv('pglite', { webDir: WEB_DIR });
    env.clock.set(new Date());
    const admin = await loginToken(env.app);
    const src = await createSourceWithLots(env, admin, 'BQ-SRC', [{ code: 'BQ-1', totalSpaces: 100 }]);
    const exit = (eventId: string, plate: string, at: string, enteredAt: string) => ({ type: 'exit', eventId, occurredAt: yesterdayAt(at), lotCode: 'BQ-1', plate, enteredAt: yesterdayAt(enteredAt) });
    const res = await postEvents(env, src, [
      exit('dup-a', '苏F11111', '12:00', '11:00'),
      exit('dup-b', '苏F11111', '12:00', '11:00'),
      exit('neg', '苏F22222', '09:00', '10:00'),
    ]);
    expect(res.json().rejected, res.body).toBe(0);
    base = await listen(env);
    browser = await launchBrowser();
    context = await browser.newContext(DESKTOP);
    page = await openPage(context, pageErrors);
  });

  afterAll(() => closeAll(browser, env, tmp));

  it('shows the scan\'s findings, fixed ones included, after 立即扫描; closing its tag returns to the open ones', async () => {
    await signIn(page, base, 'admin', ADMIN_PASSWORD, '/quality');
    await expectText(page.locator('[data-testid=quality-page] h2')).toContainText('数据清洗');
    await page.locator('[data-testid=quality-scan]').click();
    await page.locator('[data-testid=quality-scan-filter]').waitFor();
    await expect.poll(() => rows().count()).toBe(2);
    const statuses = await page.locator('[data-testid=quality-findings] [data-testid=quality-row-status]').allInnerTexts();
    expect(statuses.map((s) => s.trim()).sort()).toEqual(['已修正', '未处理']);
    await expectText(page.locator('[data-testid=quality-scan-filter]')).toContainText('发现的问题（2 个');

    await page.locator('[data-testid=quality-scan-filter] .el-tag__close').click();
    await expect.poll(() => page.locator('[data-testid=quality-scan-filter]').count()).toBe(0);
    await expect.poll(() => rows().count()).toBe(1);
    await expectText(rows().first().locator('[data-testid=quality-row-status]')).toContainText('未处理');
  });

  it('shows the rules\' parameters as labelled values with units', async () => {
    const params = await page.locator('[data-testid=quality-rule-param]').allInnerTexts();
    expect(params).toEqual(expect.arrayContaining(['入场时间窗口：60 秒', '最长天数：7 天', '容差：0.00 元']));
    expect(pageErrors).toEqual([]);
  });
});

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { checkBrowserPrerequisites, closeAll, DESKTOP, expectText, field, launchBrowser, listen, openPage, screenshot, signIn, WEB_DIR } from '../support/browser.js';

/*
 * 帮助 in the console (PGlite): the 帮助 link in the 工单管理 page's header opens the manual at
 * its chapter (第 9 章 工单管理, docs/用户手册.md); the search box keeps the matching chapters.
 * Needs the built console and Debian's chromium.
 */

describe('help in the browser', () => {
  let env: TestEnv;
  let browser: Browser;
  let page: Page;
  let base: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    env = await createTestEnv('pglite', { webDir: WEB_DIR });
    base = await listen(env);
    browser = await launchBrowser();
  });

  afterAll(() => closeAll(browser, env, undefined));

  it('opens a page\'s chapter from its 帮助 link', async () => {
    page = await openPage(await browser.newContext(DESKTOP), pageErrors);
    await signIn(page, base, 'admin', ADMIN_PASSWORD, '/tickets');
    await page.locator('.page-header [data-testid=page-help]').click();
    await page.waitForURL((url) => url.pathname === '/help' && url.hash === '#ch-9');
    const chapter = page.locator('#ch-9');
    await expectText(chapter.locator('h2').first()).toContainText('第 9 章 工单管理');
    // The chapter is scrolled to: its heading is in the viewport.
    await expect.poll(async () => (await chapter.locator('h2').first().boundingBox())?.y ?? -1).toBeLessThan(900);
    await expect.poll(async () => (await chapter.locator('h2').first().boundingBox())?.y ?? -1).toBeGreaterThanOrEqual(0);
    await screenshot(page, 'help-chapter.png');
  });

  it('the search box keeps only the matching chapters', async () => {
    await field(page, 'help-search').fill('对账');
    await expectText(page.locator('[data-testid=help-toc]')).toContainText('支付通道与对账');
    const titles = await page.locator('[data-testid=help-toc] a').allInnerTexts();
    expect(titles.length).toBeGreaterThan(0);
    expect(titles.length).toBeLessThan(10);
    expect(titles).toContain('第 17 章 支付通道与对账');
    expect(pageErrors).toEqual([]);
  });
});

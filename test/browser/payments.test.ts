import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { checkBrowserPrerequisites, closeAll, DESKTOP, expectText, field, launchBrowser, listen, openPage, screenshot, signIn, WEB_DIR } from '../support/browser.js';
import { bearer, loginToken } from '../support/http.js';

/*
 * 支付通道 in a real browser: the admin makes a sandbox channel, an arrears order of 8.50 yuan,
 * pays it through the sandbox (which signs and encrypts a notification like WeChat Pay and
 * delivers it to the notification path), and sees the order settled and the payment listed.
 * Needs the built console (`npm run build:web`) and Debian's chromium.
 */

describe('支付通道 in the browser: order → sandbox pay → notify → settled', () => {
  let env: TestEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    env = await createTestEnv('pglite', { webDir: WEB_DIR, tokenTtlMinutes: 7 * 24 * 60 });
    base = await listen(env);
    browser = await launchBrowser();
    context = await browser.newContext(DESKTOP);
    page = await openPage(context, pageErrors);
    await signIn(page, base, 'admin', ADMIN_PASSWORD, '/payments');
  });
  afterAll(() => closeAll(browser, env, undefined));

  it('creates a sandbox channel and an order, pays it in the sandbox, lists the payment', async () => {
    await page.locator('.el-tabs__item', { hasText: '支付通道' }).click();
    await page.locator('[data-testid=payments-new-channel]').click();
    await page.locator('.el-dialog .el-radio-button', { hasText: '沙箱' }).click();
    await field(page, 'payments-channel-code').fill('SANDBOX');
    await page.locator('[data-testid=payments-channel-save]').click();
    await expectText(page.locator('.el-table')).toContainText('/api/v1/public/payments/SANDBOX/notify');

    await page.locator('.el-tabs__item', { hasText: '支付订单' }).click();
    await page.locator('[data-testid=payments-new-order]').click();
    await field(page, 'payments-order-ref').fill('session:42');
    await field(page, 'payments-order-amount').fill('8.50');
    await page.locator('[data-testid=payments-order-save]').click();
    await expectText(page.locator('[data-testid=payments-orders]')).toContainText('待支付');
    await page.locator('[data-testid=payments-sandbox-pay]').click();
    await expectText(page.locator('[data-testid=payments-orders]')).toContainText('已支付');

    const admin = await loginToken(env.app);
    const orders = (await env.app.inject({ url: '/api/v1/payments/orders?ref=session:42', headers: bearer(admin) })).json().items;
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ status: 'paid', paidFen: 850, kind: 'arrears' });

    await page.locator('.el-tabs__item', { hasText: '支付记录' }).click();
    await field(page, 'payments-order-no').fill(orders[0].orderNo);
    await page.locator('.el-tab-pane button', { hasText: '查询' }).click();
    await expectText(page.locator('[data-testid=payments-table]')).toContainText('8.50');
    await expectText(page.locator('[data-testid=payments-table]')).toContainText(orders[0].orderNo);
    await screenshot(page, 'payments.png');
    expect(pageErrors).toEqual([]);
  });
});

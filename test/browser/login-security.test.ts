import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import * as OTPAuth from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newCaptcha } from '../../src/modules/accounts/index.js';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { checkBrowserPrerequisites, closeAll, DESKTOP, download, expectText, field, launchBrowser, listen, MOBILE, openPage, WEB_DIR } from '../support/browser.js';

/*
 * Sign-in security in a real browser (docs/用户手册.md chapter 22, decision 0023), every page
 * under the Content Security Policy with nothing refused: the captcha after a failed sign-in (a
 * data: picture), enrolling a second factor on 账号安全 (the QR code drawn by the server), signing
 * in with a code, the idle sign-out (the page's clock moved, no sleeping), the audit export, and
 * a citizen H5 page. Needs the built console (`npm run build:web`) and Debian's chromium.
 */

describe('sign-in security in the browser, under the CSP', () => {
  let env: TestEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let tmp: string;
  const pageErrors: string[] = [];
  let captchaAnswer = '';

  beforeAll(async () => {
    checkBrowserPrerequisites();
    tmp = mkdtempSync(join(tmpdir(), 'zhibo-login-security-'));
    env = await createTestEnv('pglite', { webDir: WEB_DIR, loginCaptchaAfter: 1, sessionIdleMinutes: 30, tokenTtlMinutes: 24 * 60 });
    base = await listen(env);
    browser = await launchBrowser();
    context = await browser.newContext({ ...DESKTOP, acceptDownloads: true });
    page = await openPage(context, pageErrors);
    // The test knows each captcha's answer: it hands the page a challenge made as the route makes it.
    await page.route('**/api/v1/auth/captcha', async (route) => {
      let answer = '';
      const c = await newCaptcha(env.ctx.db, '127.0.0.1', env.clock.now(), (text) => { answer = text; });
      captchaAnswer = answer;
      await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(c) });
    });
  });

  afterAll(() => closeAll(browser, env, tmp));

  const codeAt = (secret: string) => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: env.clock.now().getTime() });

  it('asks for a captcha after a failed sign-in, and signs in with it', async () => {
    await page.goto(`${base}/login`);
    await field(page, 'login-username').fill('admin');
    await field(page, 'login-password').fill('Wrong-Pass-1');
    await page.locator('[data-testid=login-submit]').click();
    await page.locator('[data-testid=login-error]').waitFor();
    const image = page.locator('[data-testid=login-captcha-image]');
    await image.waitFor();
    // The picture is a data: URL the policy allows: it has drawn.
    expect(await image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    await field(page, 'login-password').fill(ADMIN_PASSWORD);
    await field(page, 'login-captcha').fill(captchaAnswer);
    await page.locator('[data-testid=login-submit]').click();
    await page.waitForURL((url) => url.pathname === '/overview');
    expect(pageErrors).toEqual([]);
  });

  it('enrols a second factor on 账号安全 with a QR code, then signs in with a code', async () => {
    await page.goto(`${base}/account/security`);
    await page.locator('[data-testid=totp-start]').click();
    const qr = page.locator('[data-testid=totp-qr]');
    await qr.waitFor();
    expect(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const secret = (await page.locator('[data-testid=totp-secret]').innerText()).trim();
    await field(page, 'totp-code').fill(codeAt(secret));
    await page.locator('[data-testid=totp-confirm]').click();
    await page.locator('[data-testid=totp-recovery-codes] li').nth(9).waitFor();
    await expectText(page.locator('[data-testid=totp-status]')).toContainText('已启用');

    // Signed out, the password alone is not enough: the page asks for the code.
    await page.evaluate(() => sessionStorage.clear());
    env.clock.advance(30_000);
    await page.goto(`${base}/login`);
    await field(page, 'login-username').fill('admin');
    await field(page, 'login-password').fill(ADMIN_PASSWORD);
    await page.locator('[data-testid=login-submit]').click();
    await field(page, 'login-otp').waitFor();
    await field(page, 'login-otp').fill(codeAt(secret));
    await page.locator('[data-testid=login-submit]').click();
    await page.waitForURL((url) => url.pathname === '/overview');
    expect(pageErrors).toEqual([]);
  });

  it('exports the audit log as .xlsx from 审计日志', async () => {
    await page.goto(`${base}/system/audit`);
    const file = await download(page, '[data-testid=audit-export]', join(tmp, 'audit.xlsx'));
    expect(file.name).toMatch(/^审计日志-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file.path);
    const actions: string[] = [];
    wb.getWorksheet('审计日志')!.eachRow((row, i) => {
      if (i > 1) actions.push(String(row.getCell(5).value));
    });
    expect(actions).toEqual(expect.arrayContaining(['auth.login', 'auth.totp_enable']));
    expect(pageErrors).toEqual([]);
  });

  it('signs out by itself after the idle minutes without a click or a key', async () => {
    await page.clock.install();
    await page.goto(`${base}/overview`);
    await page.waitForURL((url) => url.pathname === '/overview');
    await page.clock.fastForward('29:00');
    expect(new URL(page.url()).pathname).toBe('/overview');
    await page.clock.fastForward('02:00');
    await page.waitForURL(/\/login/);
    await expectText(page.locator('.el-message')).toContainText('长时间未操作');
    expect(pageErrors).toEqual([]);
  });

  it('a citizen H5 page runs under the same policy with nothing refused', async () => {
    const phone = await openPage(await browser.newContext(MOBILE), pageErrors);
    await phone.goto(`${base}/h5/`);
    await phone.locator('[data-testid=h5-link-me]').waitFor();
    await phone.locator('[data-testid=h5-link-me]').click();
    await phone.waitForURL(/\/h5\/me$/);
    await field(phone, 'h5-me-plate').waitFor();
    expect(pageErrors).toEqual([]);
  });
});

import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { apiCaller, apiToken, checkBrowserPrerequisites, closeAll, DESKTOP, field, launchBrowser, listen, openPage, signIn, WEB_DIR } from '../support/browser.js';

/*
 * The login page in a real browser against the real server (PGlite, manual clock): a locked
 * sign-in reads exactly like a wrong password (docs/用户手册.md 1.2), and works again once the
 * lock has ended. Needs the built console (`npm run build:web`) and Debian's chromium.
 */

describe('login page in the browser', () => {
  let env: TestEnv;
  let browser: Browser;
  let page: Page;
  let base: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    env = await createTestEnv('pglite', { webDir: WEB_DIR, loginMaxFailures: 3 });
    base = await listen(env);
    browser = await launchBrowser();
    page = await openPage(await browser.newContext(DESKTOP), pageErrors);
  });

  afterAll(() => closeAll(browser, env, undefined));

  /** Submits the form on a fresh login page; the error shown, or null once signed in. */
  async function submit(username: string, password: string): Promise<string | null> {
    await page.goto(`${base}/login`);
    await field(page, 'login-username').fill(username);
    await field(page, 'login-password').fill(password);
    await page.locator('[data-testid=login-submit]').click();
    const error = page.locator('[data-testid=login-error]');
    await Promise.race([error.waitFor(), page.waitForURL((url) => url.pathname === '/overview')]);
    return (await error.count()) ? (await error.innerText()).trim() : null;
  }

  it('answers a locked account exactly like a wrong password, until the lock ends', async () => {
    const api = apiCaller(base, await apiToken(base, 'admin', ADMIN_PASSWORD));
    await api('POST', '/api/v1/users', { username: 'lockedout', password: 'User-Pass-1', role: 'viewer' });

    const wrong = await submit('lockedout', 'Wrong-Pass-1');
    expect(wrong).toContain('用户名或密码错误');
    expect(wrong).toContain('连续输错多次后将暂时无法登录');
    expect(await submit('nobody-here', 'Wrong-Pass-1')).toBe(wrong);
    await submit('lockedout', 'Wrong-Pass-2');
    await submit('lockedout', 'Wrong-Pass-3'); // the third locks this address

    expect(await submit('lockedout', 'User-Pass-1')).toBe(wrong);
    expect(new URL(page.url()).pathname).toBe('/login');

    env.clock.advance(16 * 60_000);
    expect(await submit('lockedout', 'User-Pass-1')).toBeNull();
    expect(pageErrors).toEqual([]);
  });

  it('keeps the user signed in when the old password is wrong on change-password, and says so', async () => {
    const api = apiCaller(base, await apiToken(base, 'admin', ADMIN_PASSWORD));
    await api('POST', '/api/v1/users', { username: 'changer', password: 'User-Pass-1', role: 'viewer' });
    const own = await openPage(await browser.newContext(DESKTOP), pageErrors);
    await signIn(own, base, 'changer', 'User-Pass-1', '/overview');
    await own.locator('[data-testid=user-menu]').click();
    await own.locator('[data-testid=change-password]').click();
    await field(own, 'password-old').fill('Not-My-Pass-1');
    await field(own, 'password-new').fill('Newer-Pass-9');
    await field(own, 'password-confirm').fill('Newer-Pass-9');
    await own.locator('[data-testid=password-save]').click();
    // 400 WRONG_PASSWORD: the message is shown, and the console does not sign the user out (a 401 would).
    await own.locator('.el-message--error').filter({ hasText: '原密码不正确' }).waitFor();
    expect(new URL(own.url()).pathname).toBe('/overview');
    expect(await field(own, 'password-old').isVisible()).toBe(true);
    await own.reload();
    await own.locator('[data-testid=user-menu]').filter({ hasText: 'changer' }).waitFor();
    expect(new URL(own.url()).pathname).toBe('/overview');
    expect(pageErrors).toEqual([]);
  });
});

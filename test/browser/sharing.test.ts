import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { apiCaller, apiToken, checkBrowserPrerequisites, closeAll, DESKTOP, expectText, field, launchBrowser, listen, MOBILE, openPage, screenshot, signIn, WEB_DIR, type ApiCall } from '../support/browser.js';

/*
 * 共享停车 in the console (PGlite): an owner's submitted offer is approved from the offers list,
 * a citizen's booking (made through the public API) shows in the bookings list and is cancelled
 * there, and the month's KPIs show; a citizen on a phone finds the space, books it, sees the
 * booking by its link and cancels it (H5). Needs the built console and Debian's chromium.
 */

describe('shared parking in the browser', () => {
  let env: TestEnv;
  let browser: Browser;
  let page: Page;
  let base: string;
  let call: ApiCall;
  let bookingId = 0;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    env = await createTestEnv('pglite', { webDir: WEB_DIR });
    base = await listen(env);
    browser = await launchBrowser();
    call = apiCaller(base, await apiToken(base, 'admin', ADMIN_PASSWORD));
    await call('POST', '/api/v1/sources', { code: 'SRC', name: '系统' });
    await call('POST', '/api/v1/lots', { code: 'GOV1', name: '市政府东院', districtCode: '320602', kind: 'off_street', totalSpaces: 80, lng: 120.86, lat: 32.01, sourceCode: 'SRC' });
    await call('POST', '/api/v1/users', { username: 'gov1', password: 'User-Pass-1', role: 'share_owner' });
    await call('POST', '/api/v1/sharing/owners', { code: 'GOV', name: '市政府机关事务局', lotCodes: ['GOV1'], usernames: ['gov1'] });
    const owner = apiCaller(base, await apiToken(base, 'gov1', 'User-Pass-1'));
    const offer = await owner('POST', '/api/v1/sharing/offers', { lotCode: 'GOV1', name: '夜间与周末共享', spaces: 5, windows: [{ days: [1, 2, 3, 4, 5], start: '18:00', end: '08:00' }, { days: [6, 7], start: '08:00', end: '20:00' }], priceFenPerHour: 200 });
    expect(offer.status).toBe('submitted');
  });

  afterAll(() => closeAll(browser, env, undefined));

  it('approves a submitted offer from the offers list', async () => {
    page = await openPage(await browser.newContext(DESKTOP), pageErrors);
    await signIn(page, base, 'admin', ADMIN_PASSWORD, '/sharing');
    const row = page.locator('[data-testid=sharing-offers-table] .el-table__body tr', { hasText: '夜间与周末共享' });
    await expectText(row.locator('[data-testid=sharing-offer-row-status]')).toContainText('待审核');
    await expectText(row).toContainText('周一、二、三、四、五 18:00–次日 08:00');
    await row.locator('[data-testid=sharing-offer-approve]').click();
    await page.locator('.el-message-box').getByRole('button', { name: '确定' }).click();
    await expectText(row.locator('[data-testid=sharing-offer-row-status]')).toContainText('可预约');
    await screenshot(page, 'sharing-offers.png');
  });

  it('lists a citizen\'s booking and cancels it', async () => {
    const offers = await call('GET', '/api/v1/sharing/offers');
    const offerId = (offers.items as { id: number }[])[0]!.id;
    const res = await fetch(`${base}/api/v1/public/sharing/bookings`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ offerId, plate: '苏F·A8888', phone: '13812345678', start: '2026-11-25T19:00:00+08:00', end: '2026-11-25T22:00:00+08:00' }),
    });
    expect(res.status).toBe(201);
    bookingId = ((await res.json()) as { id: number }).id;
    await page.getByRole('tab', { name: '预约' }).click();
    const row = page.locator('[data-testid=sharing-bookings-table] .el-table__body tr', { hasText: '夜间与周末共享' });
    await expectText(row).toContainText('已预约');
    await expectText(row).toContainText('苏FA8888');
    await row.getByRole('button', { name: '取消预约' }).click();
    await page.locator('.el-message-box').getByRole('button', { name: '确定' }).click();
    await expectText(row).toContainText('已取消');
    const booking = await call('GET', `/api/v1/sharing/bookings/${bookingId}`);
    expect(booking.status).toBe('cancelled');
  });

  it('shows the month\'s KPIs', async () => {
    await page.getByRole('tab', { name: '指标与结算' }).click();
    const table = page.locator('[data-testid=sharing-kpis-table]');
    await expectText(table).toContainText('市政府机关事务局');
    await expectText(table).toContainText('合计');
    await screenshot(page, 'sharing-kpis.png');
    expect(pageErrors).toEqual([]);
  });

  it('H5 at phone size: find a shared space for a slot, book it, see the booking by its link, cancel it', async () => {
    const context = await browser.newContext({ ...MOBILE, geolocation: { longitude: 120.8605, latitude: 32.0102 }, permissions: ['geolocation'] });
    const h5 = await openPage(context, pageErrors);
    await h5.goto(`${base}/h5/sharing`);
    await h5.locator('[data-testid=h5-sharing-page]').waitFor();
    expect(h5.url()).toContain('/h5/sharing'); // no sign-in
    await h5.locator('[data-testid=h5-sharing-date]').fill('2026-11-25');
    await h5.locator('[data-testid=h5-sharing-start]').fill('20:00');
    await h5.locator('[data-testid=h5-sharing-end]').fill('23:00');
    await h5.locator('[data-testid=h5-sharing-search]').click();
    const offers = await call('GET', '/api/v1/sharing/offers');
    const offerId = (offers.items as { id: number }[])[0]!.id;
    const item = h5.locator(`[data-testid=h5-sharing-offer-${offerId}]`);
    await expectText(item).toContainText('夜间与周末共享');
    await expectText(item).toContainText('5');
    await item.click();
    await field(h5, 'h5-sharing-plate').fill('苏F·B6666');
    await field(h5, 'h5-sharing-phone').fill('13912345678');
    await h5.locator('[data-testid=h5-sharing-book]').click();
    await expectText(h5.locator('[data-testid=h5-booking-status]')).toContainText('已预约');
    const link = (await h5.locator('[data-testid=h5-booking-link]').innerText()).trim();
    expect(link).toMatch(new RegExp(`^${base}/h5/sharing/b/\\d+\\?code=[A-Za-z0-9_-]+$`));
    await screenshot(h5, 'h5-sharing-booking.png');
    await context.close();

    // The personal link in a fresh browser: the booking, and cancelling it.
    const again = await openPage(await browser.newContext(MOBILE), pageErrors);
    await again.goto(link);
    await expectText(again.locator('[data-testid=h5-booking-status]')).toContainText('已预约');
    await again.locator('[data-testid=h5-booking-cancel]').click();
    await expectText(again.locator('[data-testid=h5-booking-status]')).toContainText('已取消');
    const id = Number(await again.locator('[data-testid=h5-booking-id]').innerText());
    expect((await call('GET', `/api/v1/sharing/bookings/${id}`)).status).toBe('cancelled');
    expect(pageErrors).toEqual([]);
  });
  it('registers an owner and creates an offer through the forms; the week view draws its windows', async () => {
    await call('POST', '/api/v1/lots', { code: 'SCH1', name: '通州实验小学', districtCode: '320612', kind: 'off_street', totalSpaces: 60, lng: 121.07, lat: 32.08, sourceCode: 'SRC' });
    await page.getByRole('tab', { name: '共享方案' }).click();
    await page.locator('[data-testid=sharing-new-owner]').click();
    await field(page, 'sharing-owner-code').fill('SCH');
    await field(page, 'sharing-owner-name').fill('通州实验小学');
    await field(page, 'sharing-owner-lots').fill('SCH1');
    await page.locator('[data-testid=sharing-owner-save]').click();
    await page.locator('[data-testid=sharing-owner-dialog]').waitFor({ state: 'hidden' });
    const owners = (await call('GET', '/api/v1/sharing/owners')).items as { code: string; lotCodes: string[] }[];
    expect(owners.find((o) => o.code === 'SCH')?.lotCodes).toEqual(['SCH1']);

    await page.locator('[data-testid=sharing-new-offer]').click();
    await field(page, 'sharing-offer-lot').fill('SCH1');
    await field(page, 'sharing-offer-name').fill('放学后共享');
    await page.locator('[data-testid=sharing-offer-window-0-day-5]').click(); // Mon–Thu
    await field(page, 'sharing-offer-price').fill('3.5');
    await expect.poll(() => page.locator('[data-testid=sharing-offer-dialog] [data-testid=sharing-week-block]').count()).toBe(8);
    await page.locator('[data-testid=sharing-offer-save]').click();
    await page.locator('[data-testid=sharing-offer-dialog]').waitFor({ state: 'hidden' });
    const row = page.locator('[data-testid=sharing-offers-table] .el-table__body tr', { hasText: '放学后共享' });
    await expectText(row).toContainText('周一、二、三、四 18:00–次日 08:00');
    await expectText(row).toContainText('3.50 元/小时');
    await expectText(row).toContainText('通州实验小学');
    const offer = ((await call('GET', '/api/v1/sharing/offers?lotCode=SCH1')).items as { priceFenPerHour: number; status: string }[])[0]!;
    expect(offer).toMatchObject({ priceFenPerHour: 350, status: 'approved' });
    await row.locator('.el-table__expand-icon').click();
    const week = page.locator('[data-testid=sharing-offers-table] [data-testid=sharing-week]');
    await expect.poll(() => week.locator('[data-testid=sharing-week-block]').count()).toBe(8); // 4 evenings, 4 mornings after
    await expectText(week.locator('[data-testid=sharing-week-day-5]')).toContainText('00:00–08:00');
    await screenshot(page, 'sharing-offer-week.png');
    expect(pageErrors).toEqual([]);
  });
});

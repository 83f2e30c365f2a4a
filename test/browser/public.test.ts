import gcoordModule from 'gcoord';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { apiCaller, apiToken, checkBrowserPrerequisites, closeAll, expectText, field, launchBrowser, listen, MOBILE, openPage, screenshot, WEB_DIR, type ApiCall } from '../support/browser.js';
import { postEvents } from '../support/ingest.js';

type Gcoord = typeof gcoordModule.default;
const gcoord: Gcoord = (gcoordModule as unknown as { default?: Gcoord }).default ?? (gcoordModule as unknown as Gcoord);

/*
 * The public H5 pages on a phone (390×844, docs/公众服务接口.md): the citizen allows the location,
 * finds the nearest car park with its free spaces, opens it, and the navigation links carry the
 * lot's coordinates (AMap GCJ-02, Baidu BD-09); the fee estimate answers by the tariff. Refusing
 * the location offers the districts instead. Needs the built console (dist/web) and chromium.
 */

const C: [number, number] = [120.8643, 32.0146]; // GCJ-02
const N1: [number, number] = [C[0], C[1] + 0.0027]; // ~300 m
const N2: [number, number] = [C[0] + 0.0074, C[1]]; // ~700 m

describe('public service H5 in the browser', () => {
  let env: TestEnv;
  let browser: Browser;
  let base: string;
  let call: ApiCall;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    env = await createTestEnv('pglite', { webDir: WEB_DIR });
    base = await listen(env);
    browser = await launchBrowser();
    call = apiCaller(base, await apiToken(base, 'admin', ADMIN_PASSWORD));
    const source = await call('POST', '/api/v1/sources', { code: 'SRC', name: '系统' });
    for (const [code, name, at] of [['N1', '文峰停车场', N1], ['N2', '南大街停车场', N2]] as const) {
      await call('POST', '/api/v1/lots', { code, name, districtCode: '320602', kind: 'off_street', totalSpaces: 100, lng: at[0], lat: at[1], sourceCode: 'SRC', address: `崇川区 ${name}` });
    }
    await call('PUT', '/api/v1/quality/tariffs/N1', { freeMinutes: 15, firstPeriodMinutes: 60, firstPeriodFen: 500, unitMinutes: 60, unitFen: 200, dailyCapFen: 3000 });
    const at = new Date(env.clock.now().getTime() - 5 * 60_000).toISOString();
    const res = await postEvents(env, { code: 'SRC', secret: source.secret as string }, [{ type: 'status', eventId: 's1', occurredAt: at, lotCode: 'N1', totalSpaces: 100, freeSpaces: 37 }]);
    expect(res.statusCode).toBe(200);
  });

  afterAll(() => closeAll(browser, env, undefined));

  async function phone(geolocation: boolean): Promise<Page> {
    const [lng, lat] = gcoord.transform(C, gcoord.GCJ02, gcoord.WGS84); // a phone's GPS speaks WGS-84
    const context = await browser.newContext(geolocation ? { ...MOBILE, geolocation: { longitude: lng, latitude: lat }, permissions: ['geolocation'] } : MOBILE);
    return openPage(context, pageErrors);
  }

  it('finds the nearest car park, opens it, and navigates to its coordinates', async () => {
    const page = await phone(true);
    await page.goto(`${base}/h5/`);
    await page.locator('[data-testid=h5-lot-N1]').waitFor();
    expect(page.url()).toMatch(/\/h5\/$/); // no login
    const order = await page.locator('[data-testid^=h5-lot-]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
    expect(order).toEqual(['h5-lot-N1', 'h5-lot-N2']);
    await expectText(page.locator('[data-testid=h5-free-N1]')).toContainText('37');
    await expectText(page.locator('[data-testid=h5-free-N2]')).toContainText('暂无数据');
    await expectText(page.locator('[data-testid=h5-lot-N1]')).toContainText('米');
    await screenshot(page, 'public-h5-home.png');

    await page.locator('[data-testid=h5-lot-N1]').click();
    await page.waitForURL(/\/h5\/lots\/N1$/);
    await expectText(page.locator('[data-testid=h5-lot-name]')).toContainText('文峰停车场');
    await expectText(page.locator('[data-testid=h5-lot-free]')).toContainText('37');
    const amap = await page.locator('[data-testid=h5-nav-amap]').getAttribute('href');
    expect(amap).toContain(`https://uri.amap.com/navigation?to=${N1[0]},${N1[1]},`);
    expect(amap).toContain('coordinate=gaode');
    const baidu = (await page.locator('[data-testid=h5-nav-baidu]').getAttribute('href'))!;
    const m = /latlng:([\d.]+),([\d.]+)/.exec(baidu)!;
    const [bx, by] = gcoord.transform(N1, gcoord.GCJ02, gcoord.BD09);
    expect(Number(m[2])).toBeCloseTo(bx, 5);
    expect(Number(m[1])).toBeCloseTo(by, 5);

    await page.locator('[data-testid=h5-est-from]').fill('2026-11-25T08:00');
    await page.locator('[data-testid=h5-est-to]').fill('2026-11-25T10:00');
    await page.locator('[data-testid=h5-est-submit]').click();
    await expectText(page.locator('[data-testid=h5-est-fee]')).toContainText('预计 7 元');
    await screenshot(page, 'public-h5-lot.png');
    expect(pageErrors).toEqual([]);
  });

  it('offers the districts when the location is refused', async () => {
    const page = await phone(false);
    await page.goto(`${base}/h5/`);
    await page.locator('[data-testid=h5-denied]').waitFor();
    await page.locator('[data-testid=h5-district]').click();
    await page.locator('[data-testid=h5-district-320602]').click();
    await page.locator('[data-testid=h5-lot-N1]').waitFor();
    await field(page, 'h5-place').fill('南大街');
    await page.locator('[data-testid=h5-lot-N1]').waitFor({ state: 'detached' });
    expect(await page.locator('[data-testid^=h5-lot-]').count()).toBe(1);
    await page.locator('[data-testid=h5-lot-N2]').waitFor();
    expect(pageErrors).toEqual([]);
  });
});

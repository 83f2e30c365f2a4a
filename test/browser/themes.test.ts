import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { docxText, unzip } from '../support/unzip.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { apiCaller, apiToken, checkBrowserPrerequisites, closeAll, DESKTOP, download, expectText, field, launchBrowser, listen, openPage, screenshot, signIn, WEB_DIR, type ApiCall } from '../support/browser.js';
import { postEvents } from '../support/ingest.js';

/*
 * 市域专题 in a real browser against the real server (PGlite, manual clock at 2026-11-25 10:00
 * Shanghai): two hospital lots sent status reports this morning; a theme made through the API
 * shows as a tile with today's pressure index, a theme made in the dialog by a point and radius
 * appears beside it, and the theme page shows the occupancy now, the curve and the members ranked.
 * Needs the built console (`npm run build:web`) and Debian's chromium.
 */

const C: [number, number] = [120.8643, 32.0146]; // GCJ-02
const POLL = { timeout: 15_000 };

describe('市域专题 in the browser', () => {
  let env: TestEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let call: ApiCall;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    env = await createTestEnv('pglite', { webDir: WEB_DIR, tokenTtlMinutes: 7 * 24 * 60 });
    env.clock.set('2026-11-25T10:00:00+08:00');
    base = await listen(env);
    call = apiCaller(base, await apiToken(base, 'admin', ADMIN_PASSWORD));
    const source = await call('POST', '/api/v1/sources', { code: 'BT-SRC', name: '系统' });
    for (const [code, name, at] of [['BT-H1', '第一人民医院停车场', [C[0], C[1] + 0.002]], ['BT-H2', '妇幼保健院停车场', [C[0] + 0.003, C[1]]]] as const) {
      await call('POST', '/api/v1/lots', { code, name, districtCode: '320602', kind: 'off_street', category: 'hospital', totalSpaces: 100, lng: at[0], lat: at[1], sourceCode: 'BT-SRC' });
    }
    const sent = await postEvents(env, { code: 'BT-SRC', secret: source.secret as string }, [
      { type: 'status', eventId: 'b1', occurredAt: '2026-11-25T08:00:00+08:00', lotCode: 'BT-H1', totalSpaces: 100, freeSpaces: 20 },
      { type: 'status', eventId: 'b2', occurredAt: '2026-11-25T09:00:00+08:00', lotCode: 'BT-H1', totalSpaces: 100, freeSpaces: 4 },
      { type: 'status', eventId: 'b3', occurredAt: '2026-11-25T09:30:00+08:00', lotCode: 'BT-H2', totalSpaces: 100, freeSpaces: 50 },
    ]);
    expect(sent.statusCode).toBe(200);
    await call('POST', '/api/v1/themes', { code: 'BT-HOSP', name: '第一人民医院周边', kind: 'hospital', lotCodes: ['BT-H1', 'BT-H2'] });
    browser = await launchBrowser();
    context = await browser.newContext({ ...DESKTOP, acceptDownloads: true });
    page = await openPage(context, pageErrors);
  });

  const tmp = mkdtempSync(join(tmpdir(), 'zhibo-browser-themes-'));
  afterAll(() => closeAll(browser, env, tmp));

  it('lists the themes as tiles with today\'s pressure index, and makes one by a point and radius', async () => {
    await signIn(page, base, 'admin', ADMIN_PASSWORD, '/overview');
    await page.locator('[data-testid=menu-themes]').click();
    await page.waitForURL((url) => url.pathname === '/themes');
    const kpis = await call('GET', '/api/v1/themes/BT-HOSP/kpis');
    expect(kpis.pressureIndex).toEqual(expect.any(Number));
    await expectText(page.locator('[data-testid=theme-tile-BT-HOSP]')).toContainText(String(kpis.pressureIndex));
    await expectText(page.locator('[data-testid=theme-tile-BT-HOSP]')).toContainText('医院周边');

    await page.locator('[data-testid=theme-create]').click();
    await field(page, 'theme-code').fill('BT-AREA');
    await field(page, 'theme-name').fill('医院片区');
    await field(page, 'theme-point').fill(`${C[0]},${C[1]}`);
    await page.locator('[data-testid=theme-save]').click();
    await page.locator('[data-testid=theme-tile-BT-AREA]').waitFor();
    expect((await call('GET', '/api/v1/themes/BT-AREA')).memberCount).toBe(2);
    await screenshot(page, 'themes.png');
    expect(pageErrors).toEqual([]);
  });

  it('opens a theme: occupancy now, the curve, the members ranked by occupancy', async () => {
    await page.locator('[data-testid=theme-tile-BT-HOSP]').click();
    await page.waitForURL((url) => url.pathname === '/themes/BT-HOSP');
    // Now: H1 96/100, H2 50/100 → 146/200.
    await expectText(page.locator('[data-testid=theme-occupancy-now]')).toContainText('73.0%');
    const rows = page.locator('[data-testid=theme-members] .el-table__body tr');
    await expect.poll(() => rows.count(), POLL).toBe(2);
    expect(await rows.first().innerText()).toContain('BT-H1');
    await page.locator('[data-testid=theme-chart] canvas').first().waitFor();
    await screenshot(page, 'theme-detail.png');
    const file = await download(page, '[data-testid=theme-report]', join(tmp, 'report.docx'));
    expect(file.name).toBe('市域专题报告-第一人民医院周边-2026-11-19-2026-11-25.docx');
    expect(docxText(unzip(readFileSync(file.path)).get('word/document.xml')!.toString('utf8'))).toContain('BT-H1');
    expect(pageErrors).toEqual([]);
  });

  it('puts the members on a scatter and compares the latest holiday with last year\'s and with ordinary days', async () => {
    await expect.poll(() => page.locator('[data-testid=theme-scatter]').getAttribute('data-points'), POLL).toBe('2');
    await page.locator('[data-testid=theme-scatter] canvas').first().waitFor();
    // The clock's day is 2026-11-25: the latest holiday so far is 国庆节, 10-01 … 10-07, one row a day.
    const rows = page.locator('[data-testid=theme-holiday-table] .el-table__body tr');
    await expect.poll(() => rows.count(), POLL).toBe(7);
    expect(await rows.first().innerText()).toContain('2026-10-01');
    expect(await rows.first().innerText()).toContain('2025-10-01'); // the same day of 国庆节 2025
    await page.locator('[data-testid=theme-holiday-chart] canvas').first().waitFor();
    await screenshot(page, 'theme-holiday-compare.png');
    expect(pageErrors).toEqual([]);
  });

  it('shows an event theme before and after', async () => {
    await call('POST', '/api/v1/themes', { code: 'BT-EV', name: '演唱会', kind: 'event', lotCodes: ['BT-H1', 'BT-H2'], eventFrom: '2026-11-25', eventTo: '2026-11-25' });
    await page.goto(`${base}/themes/BT-EV`);
    const ev = page.locator('[data-testid=theme-event-compare]');
    await ev.locator('canvas').first().waitFor();
    // The event day, the 4 same weekdays before it and their mean.
    await expect.poll(() => ev.locator('.el-table__body tr').count(), POLL).toBe(6);
    expect(await ev.locator('.el-table__body tr').first().innerText()).toContain('2026-11-25');
    expect(pageErrors).toEqual([]);
  });
});

import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshAnalytics } from '../../src/modules/analytics/index.js';
import { evaluateMonitoring } from '../../src/modules/monitoring/index.js';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { checkBrowserPrerequisites, closeAll, DESKTOP, expectText, launchBrowser, listen, openPage, signIn, WEB_DIR } from '../support/browser.js';
import { bearer, loginToken, userToken } from '../support/http.js';
import { createSourceWithLots, postEvents } from '../support/ingest.js';

/*
 * Stored names are text, never markup, and the Content Security Policy (decision 0006) refuses
 * nothing the console or the API docs do (docs/architecture.md, cross-cutting rules). A district user
 * renames a lot to an <img onerror> payload that would read the admin's token; a city-level user
 * names a district, a data source and an operator the same way. The admin then opens every page
 * that shows these names — 全局概览 (map and ranking tooltips, busiest lots), 数据分析 (chart tooltip,
 * top lots), 停车流水, 同步监控 (board, overflow tooltips, a lot's timeline) and the registry — and
 * hovers the charts. No payload may run (each would set `window.__xss` and open a dialog), each
 * name must be shown as the text it is, and the Content Security Policy must not have reported
 * anything. PGlite, manual clock at 2026-11-25 10:00 Shanghai. Needs the built console
 * (`npm run build:web`) and Debian's chromium.
 */

const NOW = new Date('2026-11-25T02:00:00Z'); // 10:00 Shanghai
const TODAY = '2026-11-25';
const SOURCE = 'XS-SRC';
/** Runs in the page if a name is ever parsed as HTML: marks the window and opens a dialog. */
const payload = (tag: string) => `<img src=x onerror=__xss='${tag}:'+sessionStorage.getItem('zhibo.token');alert('${tag}')>`;
const LOT_NAME = `南大街${payload('lot')}`;
const DISTRICT_NAME = `区<img src=x onerror=__xss='d';alert('d')>`; // districts take at most 50 characters
const SOURCE_NAME = `系统${payload('source')}`;
const OPERATOR_NAME = `公司${payload('operator')}`;
const LOT = { code: 'XS-LOT-1', lng: 120.86, lat: 32.01 };
const OTHER = { code: 'XS-LOT-2', lng: 120.96, lat: 32.05, districtCode: '320699' };

describe('stored names are shown as text, never run (XSS); the console runs under its CSP', () => {
  let env: TestEnv;
  let browser: Browser;
  let page: Page;
  let base: string;
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  const cspReports: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    env = await createTestEnv('pglite', { webDir: WEB_DIR, tokenTtlMinutes: 7 * 24 * 60 });
    await seed(env);
    base = await listen(env);
    browser = await launchBrowser();
    page = await openPage(await browser.newContext(DESKTOP), pageErrors);
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspReports.push(m.text());
    });
    await signIn(page, base, 'admin', ADMIN_PASSWORD, '/overview');
  });

  afterAll(() => closeAll(browser, env, undefined));

  /** Nothing ran, no dialog opened, the policy reported nothing, the page threw nothing. */
  async function expectNothingRan(): Promise<void> {
    expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(cspReports).toEqual([]);
    expect(pageErrors).toEqual([]);
  }

  it('全局概览: the map tooltip shows the lot name as text', async () => {
    const map = page.locator('[data-testid=overview-map]');
    await expect.poll(() => map.getAttribute('data-points')).toBe('2');
    await expect.poll(() => map.getAttribute('data-rendered')).toBe('true');
    const chart = map.locator('.chart');
    await chart.locator('canvas').first().waitFor();
    // Where the map drew the lot (LotMap.vue writes the first lots' pixels after each render); the
    // mouse over it and a pixel beside (a move to the same place fires no event).
    await expect.poll(async () => JSON.parse((await map.getAttribute('data-pixels')) ?? '{}')[LOT.code]).toBeTruthy();
    const [x, y] = JSON.parse((await map.getAttribute('data-pixels'))!)[LOT.code] as [number, number];
    const tip = await hoverUntil(page, chart, [[x, y], [x + 1, y], [x, y + 1], [x - 1, y], [x, y - 1]], LOT.code);
    expect(tip).toContain(LOT_NAME);
    expect(await chart.locator('img').count()).toBe(0);
    await expectNothingRan();
  });

  it('全局概览: the district ranking tooltip and the busiest lots show names as text', async () => {
    const ranking = page.locator('[data-testid=overview-ranking]');
    const chart = ranking.locator('[data-testid=overview-ranking-chart]');
    await chart.locator('canvas').first().waitFor();
    const codes = await ranking.locator('[data-testid=overview-ranking-list] li').evaluateAll((els) => els.map((e) => e.getAttribute('data-district')));
    const i = codes.indexOf(OTHER.districtCode);
    expect(i).toBeGreaterThanOrEqual(0);
    // One band per district top-down (inverse category axis), inside a grid 4 px from the top and
    // bottom; the names take the left, the grid ends 56 px from the right.
    const box = (await chart.boundingBox())!;
    const band = (box.height - 8) / codes.length;
    // Along that district's band from the middle to the right edge: how wide the names column is
    // depends on the longest name, and the bar starts where it ends.
    const y = 4 + (i + 0.5) * band;
    const along = Array.from({ length: 30 }, (_, k): [number, number] => [box.width * (0.4 + (0.58 * k) / 29), y]);
    const tip = await hoverUntil(page, chart, [[box.width - 64, y], ...along], DISTRICT_NAME);
    expect(tip).toContain(DISTRICT_NAME);
    expect(await chart.locator('img').count()).toBe(0);

    const busiest = page.locator(`[data-testid=overview-busiest] li[data-lot=${LOT.code}]`);
    await expectText(busiest).toContainText(LOT_NAME);
    await expectNothingRan();
  });

  it('数据分析: the chart tooltip and the top lots show lot names as text', async () => {
    await page.goto(`${base}/analysis?from=${TODAY}&to=${TODAY}&grain=&dim=lot&kpi=entries`);
    const top = page.locator(`[data-testid=analysis-top] [data-testid=analysis-top-lot][data-key=${LOT.code}]`);
    await expectText(top).toContainText(LOT_NAME);
    const chart = page.locator('[data-testid=analysis-chart]');
    await chart.locator('canvas').first().waitFor();
    const box = (await chart.boundingBox())!;
    const across = Array.from({ length: 40 }, (_, k): [number, number] => [box.width * (0.05 + (0.9 * k) / 39), box.height * 0.6]);
    const tip = await hoverUntil(page, chart, across, LOT_NAME);
    expect(tip).toContain(LOT_NAME);
    expect(await chart.locator('img').count()).toBe(0);
    await expectNothingRan();
  });

  it('停车流水: the records show the lot name as text', async () => {
    await page.goto(`${base}/sessions`);
    const row = page.locator('[data-testid=records-table] .el-table__body tr', { hasText: LOT.code }).first();
    await expectText(row).toContainText(LOT_NAME);
    await expectNothingRan();
  });

  it("同步监控: the board, its overflow tooltips and a lot's timeline show names as text", async () => {
    await page.goto(`${base}/monitoring`);
    const lotRow = page.locator('[data-testid=monitoring-lots] .el-table__body tr', { hasText: LOT.code });
    await expectText(lotRow).toContainText(LOT_NAME);
    const sourceRow = page.locator('[data-testid=monitoring-sources] .el-table__body tr', { hasText: SOURCE });
    await expectText(sourceRow).toContainText(SOURCE_NAME);
    await expectText(sourceRow).toContainText(OPERATOR_NAME);
    // The cells are too narrow for these names: hovering shows Element Plus's overflow tooltip.
    for (const cell of [sourceRow.locator('td').nth(0), sourceRow.locator('td').nth(1)]) {
      await cell.locator('.cell').hover();
      await page.locator('.el-popper:visible', { hasText: 'onerror' }).first().waitFor();
      expect(await page.locator('.el-popper img').count()).toBe(0);
    }

    await lotRow.locator('[data-testid=monitoring-lot-timeline]').click();
    const drawer = page.locator('[data-testid=monitoring-timeline]');
    await expectText(drawer.locator('.el-drawer__title, .el-drawer__header')).toContainText(LOT_NAME);
    const chart = drawer.locator('[data-testid=monitoring-timeline-chart]');
    await chart.locator('canvas').first().waitFor();
    const box = (await chart.boundingBox())!;
    await hoverUntil(page, chart, Array.from({ length: 20 }, (_, k): [number, number] => [box.width * (0.1 + (0.85 * k) / 19), box.height * 0.5]), ':00');
    expect(await drawer.locator('img').count()).toBe(0);
    await page.keyboard.press('Escape');
    await expectNothingRan();
  });

  it('数据资源: the lots, sources, operators and districts lists show names as text', async () => {
    await page.goto(`${base}/registry/lots`);
    await expectText(page.locator('[data-testid=lots-table] .el-table__body tr', { hasText: LOT.code })).toContainText(LOT_NAME);
    for (const [path, name] of [['/registry/sources', SOURCE_NAME], ['/registry/operators', OPERATOR_NAME], ['/registry/districts', DISTRICT_NAME]] as const) {
      await page.goto(`${base}${path}`);
      await expectText(page.locator('.el-table__body')).toContainText(name);
    }
    expect(await page.locator('main img, .el-table img').count()).toBe(0);
    await expectNothingRan();
  });

  it('the API docs (Swagger UI) run under the same Content Security Policy', async () => {
    const res = await page.goto(`${base}/api/docs/`);
    expect(res?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expectText(page.locator('.swagger-ui .info')).toContainText('智泊 Zhibo API');
    await page.locator('.swagger-ui .opblock').first().waitFor();
    await expectNothingRan();
  });
});

/**
 * Moves the mouse over `chart` to each point (px from its top left) in turn until its text (the
 * ECharts tooltip is a div inside the chart) contains `want`, or a payload ran; returns that text.
 */
async function hoverUntil(page: Page, chart: Locator, points: [number, number][], want: string): Promise<string> {
  // The mouse only reaches what is inside the viewport: a chart below the fold is scrolled to first.
  await chart.scrollIntoViewIfNeeded();
  const box = (await chart.boundingBox())!;
  let text = '';
  for (const [x, y] of points) {
    await page.mouse.move(box.x + x, box.y + y);
    try {
      await expect.poll(async () => (text = await chart.innerText()), { timeout: points.length > 1 ? 300 : 5_000 }).toContain(want);
      return text;
    } catch {
      if (await page.evaluate(() => (window as { __xss?: unknown }).__xss !== undefined)) return text;
    }
  }
  throw new Error(`no tooltip with ${JSON.stringify(want)} over ${points.length} points; last text ${JSON.stringify(text)}`);
}

async function seed(env: TestEnv): Promise<void> {
  env.clock.set(NOW);
  const admin = await loginToken(env.app);
  const call = async (token: string, method: 'POST' | 'PATCH', url: string, payload: object) => {
    const res = await env.app.inject({ method, url, headers: bearer(token), payload });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  await call(admin, 'POST', '/api/v1/districts', { code: OTHER.districtCode, name: DISTRICT_NAME });
  const lots = [LOT, OTHER]; // the helper's defaults, these coordinates (and district)
  const source = await createSourceWithLots(env, admin, SOURCE, lots);
  const operator = await call(admin, 'POST', '/api/v1/operators', { name: OPERATOR_NAME });
  await call(admin, 'PATCH', `/api/v1/sources/${SOURCE}`, { name: SOURCE_NAME, operatorId: operator.id });
  // The attack of the review: a district user renames a lot of their district.
  const district = await userToken(env.app, admin, { username: 'cc1', role: 'district', districtCode: '320602' });
  await call(district, 'PATCH', `/api/v1/lots/${LOT.code}`, { name: LOT_NAME });

  // This morning: sessions in both lots (the hostile district on the ranking, the lot in the top
  // lots and the records), and a status report each, so that the map has live occupancy.
  let seq = 0;
  const events: unknown[] = [];
  const at = (minutes: number) => new Date(Date.parse(`${TODAY}T08:00:00+08:00`) + minutes * 60_000).toISOString();
  for (const [lot, count] of [[LOT.code, 4], [OTHER.code, 2]] as const) {
    for (let i = 0; i < count; i++) {
      const plate = `苏F${String(20000 + seq)}`;
      const entryId = `xs-${++seq}`;
      events.push({ type: 'entry', eventId: entryId, occurredAt: at(i * 10), lotCode: lot, plate });
      events.push({ type: 'exit', eventId: `xs-${++seq}`, occurredAt: at(i * 10 + 45), lotCode: lot, plate, entryEventId: entryId, receivableFen: 500, paidFen: 500, payChannel: 'wechat' });
    }
    events.push({ type: 'status', eventId: `xs-${++seq}`, occurredAt: at(110), lotCode: lot, totalSpaces: 100, freeSpaces: 60 });
  }
  const res = await postEvents(env, source, events);
  if (res.statusCode !== 200 || res.json().accepted !== events.length) throw new Error(`ingest: ${res.statusCode} ${res.body}`);
  await refreshAnalytics(env.ctx);
  await evaluateMonitoring(env.ctx);
}

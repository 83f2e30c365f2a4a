import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshAnalytics } from '../../src/modules/analytics/index.js';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { checkBrowserPrerequisites, closeAll, DESKTOP, download, expectText, launchBrowser, listen, openPage, screenshot, signIn, WEB_DIR } from '../support/browser.js';
import { loginToken } from '../support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../support/ingest.js';

/*
 * 全局概览 and 数据分析 in a real browser against the real server (PGlite, manual clock at
 * 2026-11-25 10:00 Shanghai). One source with three lots in two districts (崇川区, 通州区) sent
 * three whole days of sessions and hourly status reports, and this morning's sessions, through
 * the signed ingest API; the rollups are refreshed once. The overview shows today's figures and
 * the lots on its district map (a click opens a lot's card, the card the lot page with today's
 * figures and the map picker), and the wall screen; 数据分析 opened from the menu, then through a
 * shared link, shows one day's entries as seeded, regroups by district when the dimension changes (the fees beside
 * the channels' payments below it), and exports the
 * same view as .xlsx, whose figures match the table. Needs the built console (`npm run
 * build:web`) and Debian's chromium.
 */

const SOURCE = 'BA-SRC';
const NOW = new Date('2026-11-25T02:00:00Z'); // 10:00 Shanghai
const DAYS = ['2026-11-22', '2026-11-23', '2026-11-24'];
const TODAY = '2026-11-25';
const CHECK_DAY = '2026-11-23';
const DISTRICTS = { '320602': '崇川区', '320612': '通州区' } as const;
type DistrictCode = keyof typeof DISTRICTS;

interface SeedLot {
  code: string;
  districtCode: DistrictCode;
  category: string;
  totalSpaces: number;
  lng: number;
  lat: number;
  /** Sessions entering on the first seeded day; one more each following day. */
  perDay: number;
}

const LOTS: SeedLot[] = [
  { code: 'BA-CC-1', districtCode: '320602', category: 'commercial', totalSpaces: 100, lng: 120.87, lat: 32.01, perDay: 12 },
  { code: 'BA-CC-2', districtCode: '320602', category: 'hospital', totalSpaces: 50, lng: 120.9, lat: 32.03, perDay: 7 },
  { code: 'BA-TZ-1', districtCode: '320612', category: 'commercial', totalSpaces: 80, lng: 121.07, lat: 32.06, perDay: 5 },
];
const TODAY_PER_LOT = 3;
/** As long as the page's own timeout: the machine may be busy. */
const POLL = { timeout: 15_000 };
const RECEIVABLE_FEN = 600;

/** A session as sent: entry and exit, both inside one Shanghai day. */
interface SeedSession {
  lot: SeedLot;
  day: string;
  enteredAt: Date;
  exitedAt: Date;
  paidFen: number;
}

/** Entries from 08:00 every 20 minutes, 90 minutes' stay (60 this morning, so that all have left by now); every 4th unpaid. */
function sessions(): SeedSession[] {
  const out: SeedSession[] = [];
  const at = (day: string, minutes: number) => new Date(Date.parse(`${day}T08:00:00+08:00`) + minutes * 60_000);
  for (const lot of LOTS) {
    DAYS.forEach((day, d) => {
      for (let i = 0; i < lot.perDay + d; i++) out.push({ lot, day, enteredAt: at(day, i * 20), exitedAt: at(day, i * 20 + 90), paidFen: i % 4 === 3 ? 0 : RECEIVABLE_FEN });
    });
    for (let i = 0; i < TODAY_PER_LOT; i++) out.push({ lot, day: TODAY, enteredAt: at(TODAY, i * 20), exitedAt: at(TODAY, i * 20 + 60), paidFen: RECEIVABLE_FEN });
  }
  return out;
}

const SESSIONS = sessions();
const entriesOf = (day: string, district?: DistrictCode) => SESSIONS.filter((s) => s.day === day && (!district || s.lot.districtCode === district)).length;
const yuan = (fen: number) => (fen / 100).toFixed(2);

describe('全局概览 and 数据分析 in the browser', () => {
  let env: TestEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let tmp: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    tmp = mkdtempSync(join(tmpdir(), 'zhibo-browser-analytics-'));
    env = await createTestEnv('pglite', { webDir: WEB_DIR, tokenTtlMinutes: 7 * 24 * 60 });
    await seed(env);
    base = await listen(env);
    browser = await launchBrowser();
    context = await browser.newContext({ ...DESKTOP, acceptDownloads: true });
    page = await openPage(context, pageErrors);
  });

  afterAll(() => closeAll(browser, env, tmp));

  it("opens 全局概览: today's figures in the tiles, the lots on the map", async () => {
    await signIn(page, base, 'admin', ADMIN_PASSWORD, '/overview');
    const screen = page.locator('[data-testid=overview-screen]');
    await expectText(screen.locator('[data-testid=overview-tile-lots] [data-testid=overview-tile-value]')).toContainText(String(LOTS.length));
    await expectText(screen.locator('[data-testid=overview-tile-entries] [data-testid=overview-tile-value]')).toContainText(String(entriesOf(TODAY)));
    await expectText(screen.locator('[data-testid=overview-tile-exits] [data-testid=overview-tile-value]')).toContainText(String(entriesOf(TODAY)));
    const map = screen.locator('[data-testid=overview-map]');
    await expect.poll(() => map.getAttribute('data-points'), POLL).toBe(String(LOTS.length));
    await map.locator('canvas').first().waitFor();
    await screen.locator('[data-testid=overview-ranking-chart] canvas').first().waitFor();
    await screenshot(page, 'overview.png');
    expect(pageErrors).toEqual([]);
  });

  it('draws the map of Nantong: seven districts, a click on a lot opens its card, the card opens the lot page with today', async () => {
    const screen = page.locator('[data-testid=overview-screen]');
    const map = screen.locator('[data-testid=overview-map]');
    await expect.poll(() => map.getAttribute('data-rendered'), POLL).toBe('true');
    expect(await map.getAttribute('data-regions')).toBe('7');
    // The panels next to the map: the 24-hour curve, 场库/路内, pay channels (all exits paid or unpaid by wechat), the ticker.
    await screen.locator('[data-testid=overview-hourly] canvas').first().waitFor();
    await screen.locator('[data-testid=overview-pay-mix] canvas').first().waitFor();
    await expectText(screen.locator('[data-testid=overview-kinds] [data-kind=off_street]')).toContainText('场库');
    await expectText(screen.locator('[data-testid=overview-ticker]')).toContainText('动态');

    const lot = LOTS[0]!;
    await expect.poll(async () => JSON.parse((await map.getAttribute('data-pixels')) ?? '{}')[lot.code], POLL).toBeTruthy();
    const [x, y] = JSON.parse((await map.getAttribute('data-pixels'))!)[lot.code] as [number, number];
    await map.locator('.chart').click({ position: { x, y } });
    const card = screen.locator('[data-testid=overview-lot-card]');
    await expect.poll(() => card.getAttribute('data-lot'), POLL).toBe(lot.code);
    await expectText(card).toContainText('今日入场');
    await expectText(card).toContainText(String(TODAY_PER_LOT));
    await screenshot(page, 'overview-map-card.png');

    await card.locator('[data-testid=overview-lot-card-link]').click();
    await page.waitForURL((url) => url.pathname === `/registry/lots/${lot.code}`);
    const today = page.locator('[data-testid=lot-today]');
    await expect.poll(() => today.locator('[data-testid=lot-today-entries]').innerText(), POLL).toBe(String(TODAY_PER_LOT));
    await today.locator('[data-testid=lot-today-curve] canvas').first().waitFor();
    // The newest records with masked plates (苏A1**… never whole), the tariff line.
    await expect.poll(() => today.locator('[data-testid=lot-today-records] tbody tr').count(), POLL).toBe(10);
    const plates = await today.locator('[data-testid=lot-today-records] tbody tr td:first-child').allInnerTexts();
    expect(plates.every((p) => p.includes('*'))).toBe(true);
    await expectText(today.locator('[data-testid=lot-today-tariff]')).toContainText('未登记收费标准');
    await screenshot(page, 'lot-today.png');

    // The map picker: a click on the map sets GCJ-02 coordinates into the form.
    await page.locator('[data-testid=lot-pick-on-map]').click();
    const picker = page.locator('[data-testid=coord-picker]');
    await picker.locator('canvas').first().waitFor();
    const box = (await picker.boundingBox())!;
    await picker.click({ position: { x: box.width / 2, y: box.height / 2 } });
    await expectText(page.locator('[data-testid=coord-picker-value]')).toContainText('GCJ-02');
    await page.locator('[data-testid=coord-picker-ok]').click();
    const lng = Number(await page.locator('[data-testid=lot-lng] input').inputValue());
    expect(lng).toBeGreaterThan(120.3);
    expect(lng).toBeLessThan(122);
    expect(pageErrors).toEqual([]);
  });

  it('shows the wall screen at 1920×1080 without the console frame', async () => {
    await page.goto(`${base}/screen`);
    const wall = page.locator('[data-testid=wall-screen] [data-testid=overview-screen]');
    const map = wall.locator('[data-testid=overview-map]');
    await expect.poll(() => map.getAttribute('data-rendered'), POLL).toBe('true');
    expect(await page.locator('[data-testid=menu-analysis]').count()).toBe(0);
    expect(await wall.evaluate((el) => [(el as HTMLElement).offsetWidth, (el as HTMLElement).offsetHeight])).toEqual([1920, 1080]);
    await screenshot(page, 'overview-wall.png');
    expect(pageErrors).toEqual([]);
  });

  it('opens 数据分析 from the menu, then a shared link: the entries of a seeded day per day', async () => {
    await page.goto(`${base}/overview`);
    await page.locator('[data-testid=menu-analysis]').click();
    await page.waitForURL((url) => url.pathname === '/analysis' && url.searchParams.get('grain') === 'day'); // the default view, written into the URL
    await expectText(page.locator('[data-testid=analysis-page] h2')).toContainText('数据分析');

    await page.goto(`${base}/analysis?from=${DAYS[0]}&to=${DAYS[2]}&grain=day&kpi=entries`);
    await expect.poll(() => tableRows(page).count(), POLL).toBe(DAYS.length);
    for (const day of DAYS) expect(await cell(rowOf(page, day), 'entries')).toBe(String(entriesOf(day)));
    await page.locator('[data-testid=analysis-chart] canvas').first().waitFor();
    // The lot ranking by entries: the busiest lot first.
    const top = page.locator('[data-testid=analysis-top] [data-testid=analysis-top-lot]');
    await expect.poll(() => top.count(), POLL).toBe(LOTS.length);
    expect(await top.first().getAttribute('data-key')).toBe('BA-CC-1');
  });

  it('regroups the table by 县市区 when the dimension changes, money in yuan and ratios in %', async () => {
    await page.locator('[data-testid=analysis-dim]').getByText('县市区', { exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('dim') === 'district');
    await expect.poll(() => tableRows(page).count(), POLL).toBe(DAYS.length * 2);
    for (const [code, name] of Object.entries(DISTRICTS) as [DistrictCode, string][]) {
      const row = rowOf(page, CHECK_DAY, name);
      expect(await cell(row, 'entries')).toBe(String(entriesOf(CHECK_DAY, code)));
      const receivable = SESSIONS.filter((s) => s.day === CHECK_DAY && s.lot.districtCode === code).length * RECEIVABLE_FEN;
      expect(await cell(row, 'receivableFen')).toBe(Number(yuan(receivable)).toLocaleString('zh-CN', { minimumFractionDigits: 2 }));
      expect(await cell(row, 'utilisation')).toMatch(/^\d+\.\d%$/);
    }
    // 收费与渠道对账 below the table: the lot systems' paid of the whole period in yuan; no channel payments were made.
    const shown = new URL(page.url()).searchParams;
    const paidTotal = SESSIONS.filter((x) => x.day >= shown.get('from')! && x.day <= shown.get('to')!).reduce((a, x) => a + x.paidFen, 0);
    await expect.poll(() => page.locator('[data-testid=revenue-paid] strong').textContent(), POLL).toBe(Number(yuan(paidTotal)).toLocaleString('zh-CN', { minimumFractionDigits: 2 }));
    expect(await page.locator('[data-testid=revenue-channel-paid] strong').textContent()).toBe('0.00');
    expect(await page.locator('[data-testid=revenue-table]').isVisible()).toBe(true);
    // The console scrolls inside its layout: a tall window, so that the screenshot has the table too.
    await page.setViewportSize({ width: 1440, height: 1400 });
    await screenshot(page, 'analysis.png');
    await page.setViewportSize(DESKTOP.viewport!);
  });

  it('exports the view as .xlsx with the same figures as the table', async () => {
    const file = await download(page, '[data-testid=analysis-export]', join(tmp, 'analysis.xlsx'));
    expect(file.name).toMatch(/\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file.path);
    const ws = wb.worksheets[0]!;
    // Sheet rows as text, holes (exceljs leaves index 0 and empty cells unset) as ''.
    const rows = (ws.getSheetValues() as unknown[]).filter(Array.isArray).map((r) => Array.from(r as unknown[], (v) => (v === null || v === undefined ? '' : String(v))));
    const header = rows.find((r) => r.some((v) => v.includes('驶入')));
    expect(header, 'a header row with an entries column').toBeDefined();
    const entriesCol = header!.findIndex((v) => v.includes('驶入'));
    for (const [code, name] of Object.entries(DISTRICTS) as [DistrictCode, string][]) {
      const row = rows.find((r) => r.includes(CHECK_DAY) && r.some((v) => v === name || v === code));
      expect(row, `a row for ${CHECK_DAY} ${name}`).toBeDefined();
      const shown = await cell(rowOf(page, CHECK_DAY, name), 'entries');
      expect(row![entriesCol]).toBe(shown);
      expect(Number(row![entriesCol])).toBe(entriesOf(CHECK_DAY, code));
    }
    expect(pageErrors).toEqual([]);
  });

  it('compares with the period before (环比) and ranks the lots by the KPI picked for the chart', async () => {
    const [, second, third] = DAYS as [string, string, string];
    await page.goto(`${base}/analysis?from=${second}&to=${third}&grain=day&dim=district&compare=pop&kpi=entries`);
    // 11-23..11-24 against 11-21..11-22: the 24th against the 22nd.
    const now = entriesOf(third, '320602');
    const before = entriesOf(DAYS[0]!, '320602');
    const row = rowOf(page, third, DISTRICTS['320602']);
    const delta = row.locator('[data-testid=analysis-delta]').first();
    await expectText(delta).toContainText(`+${(((now - before) / before) * 100).toFixed(1)}%`);
    expect(await delta.getAttribute('title')).toBe(`环比期：${before}`);

    await page.locator('[data-testid=analysis-kpi]').click();
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: /^泊位利用率$/ }).click();
    await page.waitForURL((url) => url.searchParams.get('kpi') === 'utilisation');
    // Utilisation: BA-CC-2 has the fewest spaces for its sessions, so it leads now.
    const top = page.locator('[data-testid=analysis-top] [data-testid=analysis-top-lot]');
    await expect.poll(() => top.first().getAttribute('data-key'), POLL).toBe('BA-CC-2');
    await expectText(page.locator('[data-testid=analysis-top] [data-testid=analysis-top-value]').first()).toContainText('%');
    await page.setViewportSize({ width: 1440, height: 1400 });
    await screenshot(page, 'analysis-compare.png');
    await page.setViewportSize(DESKTOP.viewport!);
    expect(pageErrors).toEqual([]);
  });

  it('groups by pay channel: the chart KPI falls back to exits, which the channel rows carry', async () => {
    await page.locator('[data-testid=analysis-dim]').getByText('支付方式', { exact: true }).click();
    await page.waitForURL((url) => url.searchParams.get('dim') === 'channel' && url.searchParams.get('kpi') === 'exits');
    const day = DAYS[2]!;
    for (const [channel, name] of [['wechat', '微信'], ['alipay', '支付宝']] as const) {
      const exits = SESSIONS.filter((s, n) => s.day === day && (n % 2 ? 'wechat' : 'alipay') === channel).length;
      expect(await cell(rowOf(page, day, name), 'exits')).toBe(String(exits));
    }
    // Channel rows have no entries column: only exits, dwell and revenue.
    expect(await tableRows(page).first().locator('[data-testid=analysis-cell][data-kpi=entries]').count()).toBe(0);

    // English second: the same view, its labels in English.
    await page.locator('[data-testid=lang-switch]').getByText('EN', { exact: true }).click();
    await expectText(page.locator('[data-testid=analysis-page] h2')).toContainText('Analysis');
    await expectText(page.locator('[data-testid=analysis-table] .el-table__header')).toContainText('Exits');
    await expectText(rowOf(page, day).locator('[data-testid=analysis-row-dim]')).toContainText('WeChat');
    await page.locator('[data-testid=lang-switch]').getByText('中文', { exact: true }).click();
    expect(pageErrors).toEqual([]);
  });
});

/** The source and lots, then every event sent at now (late deliveries are accepted as such), then one refresh. */
async function seed(env: TestEnv): Promise<void> {
  env.clock.set(NOW);
  const admin = await loginToken(env.app);
  const source: TestSource = await createSourceWithLots(env, admin, SOURCE, LOTS.map(({ perDay: _perDay, ...lot }) => ({ ...lot, name: `停车场 ${lot.code}` })));

  let seq = 0;
  const events: unknown[] = [];
  SESSIONS.forEach((s, n) => {
    const plate = `苏F${String(10000 + n)}`;
    const entryId = `ba-${++seq}`;
    events.push({ type: 'entry', eventId: entryId, occurredAt: s.enteredAt.toISOString(), lotCode: s.lot.code, plate });
    events.push({
      type: 'exit', eventId: `ba-${++seq}`, occurredAt: s.exitedAt.toISOString(), lotCode: s.lot.code, plate, entryEventId: entryId,
      receivableFen: RECEIVABLE_FEN, paidFen: s.paidFen, payChannel: n % 2 ? 'wechat' : 'alipay',
    });
  });
  // Hourly status reports from the first day to now: busy 08:00–20:00, quiet at night.
  for (const lot of LOTS) {
    for (let t = Date.parse(`${DAYS[0]}T00:00:00+08:00`); t <= NOW.getTime(); t += 3600_000) {
      const hour = new Date(t + 8 * 3600_000).getUTCHours();
      const occupied = Math.round(lot.totalSpaces * (hour >= 8 && hour < 20 ? 0.7 : 0.2));
      events.push({ type: 'status', eventId: `ba-${++seq}`, occurredAt: new Date(t).toISOString(), lotCode: lot.code, totalSpaces: lot.totalSpaces, freeSpaces: lot.totalSpaces - occupied });
    }
  }
  for (let i = 0; i < events.length; i += 500) {
    const batch = events.slice(i, i + 500);
    const res = await postEvents(env, source, batch);
    if (res.statusCode !== 200 || res.json().accepted !== batch.length) throw new Error(`ingest: ${res.statusCode} ${res.body.slice(0, 500)}`);
  }
  await refreshAnalytics(env.ctx);
}

const tableRows = (page: Page) => page.locator('[data-testid=analysis-table] .el-table__body tr');
/** The table row of a day (and a dimension value's name). */
const rowOf = (page: Page, day: string, name?: string): Locator => {
  const rows = tableRows(page).filter({ has: page.locator('[data-testid=analysis-row-time]', { hasText: day }) });
  return name ? rows.filter({ has: page.locator('[data-testid=analysis-row-dim]', { hasText: name }) }) : rows;
};
const cell = async (row: Locator, kpi: string) => (await row.locator(`[data-testid=analysis-cell][data-kpi=${kpi}]`).innerText()).trim();

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateMonitoring } from '../../src/modules/monitoring/index.js';
import { createTestEnv, type TestEnv } from '../support/backends.js';
import { checkBrowserPrerequisites, closeAll, DESKTOP, download, expectText, field, launchBrowser, listen, openPage, screenshot, signIn, WEB_DIR } from '../support/browser.js';
import { bearer, loginToken } from '../support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../support/ingest.js';

/*
 * 同步监控 in a real browser against the real server (PGlite, manual clock): a source with three
 * lots that reported hour by hour as it happened (so no late deliveries), one of which fell
 * silent 3 h 30 min ago and had a 5-hour gap the day before. The page filters late lots, shows
 * the late lot's timeline with its gaps, acknowledges its alert with a note, and downloads the
 * monthly report as .xlsx and .docx, which are parsed back. An ops user signs in; a viewer sees
 * no write buttons. Needs the built console (`npm run build:web`) and Debian's chromium.
 */

const SOURCE = 'BM-SRC';
const OK_LOTS = ['BM-OK-1', 'BM-OK-2'];
const LATE_LOT = 'BM-LATE-1';
const HOUR = 3600_000;
// Now is 2026-11-25 10:00 Shanghai. Data from 2026-11-24 00:30 Shanghai, on the half hour.
const NOW = new Date('2026-11-25T02:00:00Z');
const FIRST = new Date('2026-11-23T16:30:00Z');
const LATE_LAST = new Date('2026-11-24T22:30:00Z'); // 06:30 Shanghai: 210 minutes before now
// The late lot is silent 12:30–15:30 Shanghai on the 24th: events at 11:30 and 16:30, a 5-hour gap.
const LATE_SILENT = (t: Date) => t >= new Date('2026-11-24T04:30:00Z') && t <= new Date('2026-11-24T07:30:00Z');
const NOTE = '已电话联系运营单位张工，对方正在重启前置机';
const OPS_PASSWORD = 'Ops-Pass-1';
const VIEWER_PASSWORD = 'Viewer-Pass-1';

describe('同步监控 in the browser', () => {
  let env: TestEnv;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let base: string;
  let tmp: string;
  let alertId: number;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    tmp = mkdtempSync(join(tmpdir(), 'zhibo-browser-monitoring-'));
    env = await createTestEnv('pglite', { webDir: WEB_DIR, tokenTtlMinutes: 7 * 24 * 60 });
    await seed(env);
    const admin = await loginToken(env.app);
    const alerts = await env.app.inject({ method: 'GET', url: `/api/v1/monitoring/alerts?lotCode=${LATE_LOT}`, headers: bearer(admin) });
    expect(alerts.json().items).toHaveLength(1); // the evaluator opened exactly the late lot's alert
    alertId = alerts.json().items[0].id;

    base = await listen(env);
    browser = await launchBrowser();
    context = await browser.newContext({ ...DESKTOP, acceptDownloads: true });
    page = await openPage(context, pageErrors);
  });

  afterAll(() => closeAll(browser, env, tmp));

  it('opens 同步监控 from the menu after signing in as an ops engineer', async () => {
    await signIn(page, base, 'ops1', OPS_PASSWORD, '/overview');
    await page.locator('[data-testid=menu-monitoring]').click();
    await page.waitForURL(/\/monitoring$/);
    await expectText(page.locator('[data-testid=monitoring-page] h2')).toContainText('数据同步监控');
    await expect.poll(() => lotRows(page).count()).toBe(3);
    expect(await countOf(page, 'total')).toBe('3');
    expect(await countOf(page, 'ok')).toBe('2');
    expect(await countOf(page, 'late')).toBe('1');
    const source = page.locator('[data-testid=monitoring-sources] .el-table__body tr', { hasText: SOURCE });
    await expectText(source.locator('[data-testid=monitoring-source-state]')).toContainText('部分延迟');
  });

  it('filters the late lots: the late lot with its lateness and times in Shanghai time, no ok lot', async () => {
    await page.locator('[data-testid=monitoring-filter-state]').click();
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: /^延迟$/ }).click();
    await expect.poll(() => lotRows(page).count()).toBe(1);
    const row = lotRows(page).first();
    await expectText(row.locator('[data-testid=monitoring-lot-code]')).toContainText(LATE_LOT);
    expect(await row.locator('[data-testid=monitoring-lot-state]').getAttribute('data-state')).toBe('late');
    await expectText(row.locator('[data-testid=monitoring-lot-late]')).toContainText('3 小时 30 分');
    await expectText(row).toContainText('2026-11-25 06:30:00'); // newest data, Shanghai time
    for (const ok of OK_LOTS) expect(await lotRows(page).filter({ hasText: ok }).count()).toBe(0);
    await screenshot(page, 'monitoring-late.png');
  });

  it("shows the late lot's timeline with its gaps", async () => {
    await lotRows(page).first().click();
    const drawer = page.locator('[data-testid=monitoring-timeline]');
    await drawer.locator('[data-testid=monitoring-timeline-chart] canvas').first().waitFor();
    const gaps = drawer.locator('[data-testid=monitoring-timeline-gaps] .el-table__body tr');
    await expect.poll(() => gaps.count()).toBe(2);
    // The day before: no event 11:30–16:30, a 5-hour gap (exact, computed by the server).
    await expectText(gaps.nth(0)).toContainText('2026-11-24 11:30:00');
    await expectText(gaps.nth(0)).toContainText('2026-11-24 16:30:00');
    await expectText(gaps.nth(0)).toContainText('5 小时');
    // Since the newest event, to now.
    await expectText(gaps.nth(1)).toContainText('2026-11-25 06:30:00');
    await expectText(gaps.nth(1)).toContainText('3 小时 30 分');
    await screenshot(page, 'monitoring-timeline.png');
    await page.keyboard.press('Escape');
    await drawer.locator('[data-testid=monitoring-timeline-chart]').waitFor({ state: 'hidden' });
  });

  it('acknowledges the alert with a note; the follow-up task carries the operator contacts', async () => {
    await page.locator('#tab-alerts').click();
    await page.waitForURL(/tab=alerts/);
    const row = page.locator('[data-testid=monitoring-alerts] .el-table__body tr', { hasText: LATE_LOT });
    await expectText(row.locator('[data-testid=monitoring-alert-state]')).toContainText('未确认');
    const followup = page.locator('[data-testid=monitoring-followups] .el-table__body tr', { hasText: LATE_LOT });
    await expectText(followup).toContainText('13800001111');
    await expectText(followup).toContainText('张工');

    await row.locator('[data-testid=monitoring-alert-ack-button]').click();
    const dialog = page.locator('.el-dialog', { hasText: `确认告警 #${alertId}` });
    await dialog.locator('textarea').fill(NOTE);
    await dialog.locator('[data-testid=monitoring-note-submit]').click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => row.locator('[data-testid=monitoring-alert-state]').getAttribute('data-state')).toBe('acknowledged');
    await expectText(row.locator('[data-testid=monitoring-alert-state]')).toContainText('已确认');
    await expectText(row.locator('[data-testid=monitoring-alert-ack]')).toContainText(NOTE);
    await expectText(row.locator('[data-testid=monitoring-alert-ack]')).toContainText('ops1');
    expect(await row.locator('[data-testid=monitoring-alert-ack-button]').count()).toBe(0);

    const stored = await env.ctx.db.selectFrom('monitoring_alerts').select(['state', 'ack_note']).where('id', '=', alertId).executeTakeFirstOrThrow();
    expect(stored).toMatchObject({ state: 'acknowledged', ack_note: NOTE });
    await screenshot(page, 'monitoring-alerts.png');
  });

  it('shows the monthly report and downloads it as .xlsx and .docx', async () => {
    await page.locator('#tab-report').click();
    await page.waitForURL(/tab=report/);
    const month = field(page, 'monitoring-report-month');
    await month.fill('2026-11');
    await month.press('Enter');
    await page.locator('[data-testid=monitoring-report-view]').click();
    await page.locator('[data-testid=monitoring-report-summary][data-month="2026-11"]').waitFor();
    await expect.poll(() => page.locator('[data-testid=monitoring-report-abnormal]').innerText()).toBe('1');
    const abnormal = page.locator('[data-testid=monitoring-report-lots] .el-table__body tr');
    await expect.poll(() => abnormal.count()).toBe(1);
    await expectText(abnormal.first()).toContainText(LATE_LOT);
    await screenshot(page, 'monitoring-report.png');

    const xlsx = await download(page, '[data-testid=monitoring-report-xlsx]', join(tmp, 'report.xlsx'));
    expect(xlsx.name).toBe('数据同步监控报告-2026-11.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx.path);
    expect(wb.worksheets[0]!.getRow(1).getCell(1).value).toBe('数据同步监控报告（2026年11月）');
    const cells = wb.worksheets.flatMap((ws) => ws.getSheetValues().flatMap((r) => (Array.isArray(r) ? r.map(String) : [])));
    for (const lot of [LATE_LOT, ...OK_LOTS]) expect(cells).toContain(lot);

    const docx = await download(page, '[data-testid=monitoring-report-docx]', join(tmp, 'report.docx'));
    expect(docx.name).toBe('数据同步监控报告-2026-11.docx');
    const zip = await JSZip.loadAsync(readFileSync(docx.path));
    const xml = await zip.file('word/document.xml')!.async('string');
    const text = xml.replace(/<[^>]+>/g, '');
    expect(text).toContain('数据同步监控报告');
    expect(text).toContain('2026年11月');
    expect(text).toContain(LATE_LOT);
    expect(pageErrors).toEqual([]);
  });

  it('adds a weekly maintenance window that pauses the lots now, and deletes it', async () => {
    await page.locator('#tab-windows').click();
    await page.waitForURL(/tab=windows/);
    await page.locator('[data-testid=monitoring-window-new]').click();
    const dialog = page.locator('[data-testid=monitoring-window-dialog]');
    await dialog.locator('[data-testid=monitoring-window-scope]').getByText('全市').click();
    await dialog.locator('[data-testid=monitoring-window-kind]').getByText('每周重复').click();
    await dialog.locator('[data-testid=monitoring-window-days]').getByText('周三').click(); // 2026-11-25 is a Wednesday
    await pickTime(page, dialog.locator('[data-testid=monitoring-window-start]'), '09:00');
    await pickTime(page, dialog.locator('[data-testid=monitoring-window-end]'), '11:00');
    await field(dialog, 'monitoring-window-reason').fill('平台网络割接');
    await dialog.locator('[data-testid=monitoring-window-save]').click();
    await dialog.waitFor({ state: 'hidden' });
    const row = page.locator('[data-testid=monitoring-windows] .el-table__body tr', { hasText: '平台网络割接' });
    await expectText(row).toContainText('周三 09:00–11:00');
    await expectText(row).toContainText('生效中');

    const admin = await loginToken(env.app);
    const paused = await env.app.inject({ method: 'GET', url: '/api/v1/monitoring/freshness', headers: bearer(admin) });
    expect(paused.json().items.map((i: { state: string; pausedReason: string }) => `${i.state}:${i.pausedReason}`)).toEqual(['paused:maintenance', 'paused:maintenance', 'paused:maintenance']);

    await row.locator('[data-testid=monitoring-window-delete]').click();
    await page.locator('.el-message-box').getByRole('button', { name: '确定' }).click();
    await row.waitFor({ state: 'detached' });
    const after = await env.app.inject({ method: 'GET', url: '/api/v1/monitoring/freshness?state=paused', headers: bearer(admin) });
    expect(after.json().items).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('opens an alert from a notice link for a viewer, without the write buttons', async () => {
    const viewer = await context.browser()!.newContext(DESKTOP);
    try {
      const p = await openPage(viewer);
      await signIn(p, base, 'viewer1', VIEWER_PASSWORD, `/monitoring?alert=${alertId}`); // as a notice links it
      const drawer = p.locator('[data-testid=monitoring-alert-drawer]');
      await expectText(drawer.locator('[data-testid=monitoring-alert-detail]')).toContainText(NOTE);
      await expectText(drawer.locator('.el-timeline')).toContainText('确认');
      await p.keyboard.press('Escape');
      await p.waitForURL((url) => url.search === '?tab=alerts');
      const row = p.locator('[data-testid=monitoring-alerts] .el-table__body tr', { hasText: LATE_LOT });
      await expectText(row.locator('[data-testid=monitoring-alert-state]')).toContainText('已确认');
      expect(await p.locator('[data-testid=monitoring-alert-ack-button], [data-testid=monitoring-followup-complete]').count()).toBe(0);
      await p.locator('#tab-windows').click();
      await p.locator('[data-testid=monitoring-windows]').waitFor();
      expect(await p.locator('[data-testid=monitoring-window-new]').count()).toBe(0);
    } finally {
      await viewer.close();
    }
  });
});

/**
 * The source, its operator and lots, and their data as it arrived: the clock walks hour by hour
 * from the first event to now, each batch sent at the time its events happened. Then users, and
 * one evaluation at now.
 */
async function seed(env: TestEnv): Promise<void> {
  env.clock.set(FIRST);
  const admin = await loginToken(env.app);
  const call = async (method: 'POST' | 'PATCH', url: string, payload: object) => {
    const res = await env.app.inject({ method, url, headers: bearer(admin), payload });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const operator = await call('POST', '/api/v1/operators', { name: '南通静态交通运营公司', contactName: '张工', contactPhone: '13800001111', contactEmail: 'zhang@example.com' });
  const source: TestSource = await createSourceWithLots(env, admin, SOURCE, [
    { code: OK_LOTS[0]! },
    { code: OK_LOTS[1]!, districtCode: '320612' },
    { code: LATE_LOT },
  ]);
  await call('PATCH', `/api/v1/sources/${SOURCE}`, { operatorId: operator.id });

  let seq = 0;
  const status = (lotCode: string, at: Date) => ({ type: 'status', eventId: `bm-${++seq}`, occurredAt: at.toISOString(), lotCode, totalSpaces: 100, freeSpaces: 40 });
  for (let t = FIRST; t < NOW; t = new Date(t.getTime() + HOUR)) {
    const events = OK_LOTS.map((code) => status(code, t));
    if (t <= LATE_LAST && !LATE_SILENT(t)) events.push(status(LATE_LOT, t));
    await send(env, source, events, t);
  }
  const last = new Date(NOW.getTime() - 5 * 60_000); // the ok lots report once more at 09:55
  await send(env, source, OK_LOTS.map((code) => status(code, last)), last);

  env.clock.set(NOW);
  await call('POST', '/api/v1/users', { username: 'ops1', password: OPS_PASSWORD, role: 'ops' });
  await call('POST', '/api/v1/users', { username: 'viewer1', password: VIEWER_PASSWORD, role: 'viewer' });
  await evaluateMonitoring(env.ctx);
}

async function send(env: TestEnv, source: TestSource, events: unknown[], at: Date): Promise<void> {
  env.clock.set(at);
  const res = await postEvents(env, source, events);
  if (res.statusCode !== 200 || res.json().accepted !== events.length) throw new Error(`ingest at ${at.toISOString()}: ${res.statusCode} ${res.body}`);
}

/** Picks a time from an el-time-select (a select of half hours). */
async function pickTime(page: Page, select: Locator, time: string): Promise<void> {
  await select.click();
  await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: new RegExp(`^${time}$`) }).click();
  await expect.poll(() => page.locator('.el-select-dropdown:visible').count()).toBe(0); // closed, so the next pick finds its own list
}

const lotRows = (page: Page) => page.locator('[data-testid=monitoring-lots] .el-table__body tr');
const countOf = async (page: Page, state: string) => (await page.locator(`[data-testid=monitoring-count-${state}] .count`).innerText()).trim();

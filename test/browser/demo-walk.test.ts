import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller, apiToken, checkBrowserPrerequisites, DESKTOP, englishFragments, expectText, field, launchBrowser, MOBILE, openPage, screenshot, signIn, type ApiCall,
} from '../support/browser.js';
import { assertBuilt, startDemo, stopServer } from '../support/cli.js';

/*
 * The demo walked right after it starts (issue 15, "Done when"): the real `zhibo demo` on a
 * fresh data directory with a small city (40 lots at 10 % size, 2 days of history), then in a browser: 全局概览
 * with today's figures and the district map, 停车流水 with the simulator's 无牌车 on their
 * tickets and a record with its snapshot, 审计日志 in Chinese, the quarantine the simulator's faults left and a bulk discard by
 * filter, and the H5 status page of a complaint opened directly by its link. Each zh-CN page is
 * checked for English fragments. Needs the built program (`npm run build`), the built console
 * (`npm run build:web`) and Debian's chromium; builds nothing itself.
 */

const PASSWORD = 'Zhibo-Demo-2026';
const POLL = { timeout: 30_000 };

describe('the demo, walked right after it starts', () => {
  let demo: { proc: ChildProcess; url: string; output: () => string } | undefined;
  let browser: Browser;
  let page: Page;
  let base: string;
  let tmp: string;
  let call: ApiCall;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    assertBuilt();
    tmp = mkdtempSync(join(tmpdir(), 'zhibo-demo-walk-'));
    // Lots at a tenth of real size (the demo's default is 3 %): enough traffic in a small city for the
    // last day's faults to have left something in the quarantine.
    demo = await startDemo(['--data-dir', join(tmp, 'demo'), '--lots', '40', '--days', '2', '--scale', '0.1'], { ZHIBO_ADMIN_PASSWORD: PASSWORD });
    base = demo.url;
    browser = await launchBrowser();
    page = await openPage(await browser.newContext(DESKTOP), pageErrors);
    call = apiCaller(base, await apiToken(base, 'admin', PASSWORD));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (demo) await stopServer(demo.proc);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("全局概览: today's entries and the map of the seven districts with the lots on it", async () => {
    await signIn(page, base, 'admin', PASSWORD, '/overview');
    const screen = page.locator('[data-testid=overview-screen]');
    const tile = screen.locator('[data-testid=overview-tile-entries]');
    const entries = tile.locator('[data-testid=overview-tile-value]');
    // The demo runs on the real clock: in the first hour after midnight (Shanghai) today may have no
    // car yet, and the tile's comparison with yesterday's whole day is what shows the history.
    const hour = (new Date().getUTCHours() + 8) % 24;
    if (hour >= 1) await expect.poll(async () => Number((await entries.innerText()).replace(/[^\d]/g, '') || 0), POLL).toBeGreaterThan(0);
    else await expect.poll(async () => Number(/昨日全天\s*([\d,]+)/.exec(await tile.innerText())?.[1]?.replace(/,/g, '') ?? 0), POLL).toBeGreaterThan(0);
    const map = screen.locator('[data-testid=overview-map]');
    await expect.poll(() => map.getAttribute('data-rendered'), POLL).toBe('true');
    expect(await map.getAttribute('data-regions')).toBe('7');
    await expect.poll(async () => Number(await map.getAttribute('data-points')), POLL).toBeGreaterThan(0);
    await map.locator('canvas').first().waitFor();
    await screenshot(page, 'demo-walk-overview.png');
    expect(await englishFragments(page)).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('停车流水: the records, among them cars without a plate on their ticket', async () => {
    await page.goto(`${base}/sessions`);
    const rows = page.locator('[data-testid=records-table] .el-table__body tr');
    await expect.poll(() => rows.count(), POLL).toBeGreaterThan(0);
    // The simulator's 无牌车 (about 1.5 % of the cars): searched by the word, shown with the tag and ticket.
    const some = (await call('GET', `/api/v1/sessions?plate=${encodeURIComponent('无牌车')}&pageSize=5`)) as { items: { plate: string }[] };
    expect(some.items.length).toBeGreaterThan(0);
    expect(some.items.every((s) => s.plate.startsWith('无牌车#'))).toBe(true);
    await page.goto(`${base}/sessions?plate=${encodeURIComponent('无牌车')}`);
    const noPlate = page.locator('[data-testid=records-table] [data-testid=records-row-plate][data-no-plate=true]');
    await noPlate.first().waitFor();
    await expectText(noPlate.first()).toContainText('票号');
    await screenshot(page, 'demo-walk-records.png');
    expect(await englishFragments(page)).toEqual([]);
  });

  it('停车流水: a record of the last day shows its snapshot', async () => {
    // The demo gives a fifth of the last day's entries and exits a stored snapshot (decision 0036):
    // among the newest records, the first whose entry has one.
    const list = (await call('GET', '/api/v1/sessions?pageSize=50')) as { items: { id: number; plate: string }[] };
    let found: { id: number; plate: string } | undefined;
    for (const s of list.items) {
      const detail = (await call('GET', `/api/v1/sessions/${s.id}`)) as { entryPhoto: { kind: string } | null };
      if (detail.entryPhoto?.kind === 'stored') {
        found = s;
        break;
      }
    }
    expect(found).toBeDefined();
    // The plate may have parked more than once: open its rows in turn until the drawer shows this one.
    await page.goto(`${base}/sessions?plate=${encodeURIComponent(found!.plate)}`);
    const body = page.locator('[data-testid=records-table] .el-table__body');
    await body.locator('[data-testid=records-row-plate]').first().waitFor();
    const drawer = page.locator('[data-testid=records-drawer]');
    const img = drawer.locator('[data-testid=session-photo-entry] [data-testid=session-photo-image] img');
    const entrySide = drawer.locator('[data-testid=session-photo-entry]');
    // What the drawer's entry side settles on: the image, or no photo (the thumbnail loads as a blob).
    const settled = async () => ((await img.count()) ? 'image' : (await entrySide.count()) && !(await entrySide.locator('.placeholder').count()) ? 'none' : 'loading');
    const rows = await body.locator('tr').count();
    for (let i = 0; i < rows; i++) {
      await body.locator('tr').nth(i).click();
      await drawer.waitFor();
      await expect.poll(settled, POLL).not.toBe('loading');
      if (await img.count()) break;
      await page.keyboard.press('Escape');
      await drawer.waitFor({ state: 'hidden' });
    }
    await img.waitFor();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth > 0), POLL).toBe(true);
    await screenshot(page, 'demo-walk-photo.png');
    expect(await englishFragments(page)).toEqual([]);
  });

  it('审计日志: the demo set-up and sign-in, with Chinese action names', async () => {
    await page.goto(`${base}/system/audit`);
    const actions = page.locator('[data-testid=audit-table] [data-testid=audit-action]');
    await expect.poll(() => actions.count(), POLL).toBeGreaterThan(0);
    const texts = await actions.allInnerTexts();
    // Every action shown by its Chinese name, none as its code (auth.login, demo.history …).
    expect(texts.filter((t) => !/[\u4e00-\u9fff]/.test(t))).toEqual([]);
    await screenshot(page, 'demo-walk-audit.png');
    expect(await englishFragments(page)).toEqual([]);
  });

  it("隔离区: what the simulator's faults left, discarded in bulk by filter after a preview count", async () => {
    const open = (await call('GET', '/api/v1/ingest/quarantine?status=open&pageSize=100')) as { items: { id: number }[]; total?: number };
    expect(open.items.length).toBeGreaterThan(0);
    await page.goto(`${base}/ingest/quarantine`);
    const table = page.locator('[data-testid=quarantine-table] .el-table__body');
    await expect.poll(() => table.locator('tr').count(), POLL).toBeGreaterThan(0);
    await expectText(table).toContainText('车牌无效');
    expect(await englishFragments(page)).toEqual([]);
    await page.locator('[data-testid=quarantine-code]').click();
    await page.locator('.el-select-dropdown__item:visible', { hasText: '车牌无效' }).click();
    await page.locator('[data-testid=quarantine-bulk-filter]').click();
    const dialog = page.locator('[data-testid=quarantine-bulk]');
    const scope = dialog.locator('[data-testid=quarantine-bulk-scope]');
    await expect.poll(async () => Number(await scope.getAttribute('data-count')), POLL).toBeGreaterThan(0);
    const count = Number(await scope.getAttribute('data-count'));
    await expectText(scope).toContainText(`筛选命中 ${count} 条待处理记录`);
    // The plates are not plates: nothing to correct, so discarded with a note.
    await dialog.locator('[data-testid=quarantine-bulk-action] label', { hasText: '作废' }).click();
    await field(dialog, 'quarantine-bulk-note').fill('模拟的车牌识别故障，无需处理');
    await dialog.locator('[data-testid=quarantine-bulk-start]').click();
    await expect.poll(() => dialog.locator('[data-testid=quarantine-bulk-progress]').getAttribute('data-done'), POLL).toBe(String(count));
    await expectText(dialog.locator('[data-testid=quarantine-bulk-summary]')).toContainText(`成功 ${count} 条，失败 0 条`);
    await screenshot(page, 'demo-walk-quarantine-bulk.png');
    await page.keyboard.press('Escape');
    const left = (await call('GET', `/api/v1/ingest/quarantine?status=open&code=INVALID_PLATE&pageSize=100`)) as { items: unknown[] };
    expect(left.items).toEqual([]);
  });

  it('H5: the status page of a complaint, opened directly by its link, has its full layout', async () => {
    const res = await fetch(`${base}/api/v1/public/complaints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ category: 'fee_dispute', description: '演示：出场时多收了 5 元', citizenPhone: '13812345678', citizenName: '张三' }),
    });
    expect(res.status).toBe(201);
    const receipt = (await res.json()) as { ticketNo: string; token: string };
    const link = `${base}/h5/t/${receipt.token}`;
    const h5 = await openPage(await browser.newContext(MOBILE), pageErrors); // no cookies, no token: just the link
    await h5.goto(link);
    const status = h5.locator('[data-testid=h5-status-page]');
    await status.waitFor();
    await expectText(h5.locator('[data-testid=h5-status-no]')).toContainText(receipt.ticketNo);
    await expectText(h5.locator('[data-testid=h5-status-state]')).toContainText('新建');
    // Styled, not bare HTML: the console's stylesheet and Element Plus are loaded on a direct visit.
    const styled = await status.evaluate((el) => {
      const s = getComputedStyle(el);
      const tag = el.querySelector('[data-testid=h5-status-state]');
      return { sheets: document.styleSheets.length, font: s.fontFamily, tagRadius: tag ? getComputedStyle(tag).borderTopLeftRadius : '' };
    });
    expect(styled.sheets).toBeGreaterThan(0);
    expect(styled.tagRadius).not.toBe('0px');
    await screenshot(h5, 'demo-walk-h5-status.png');
    expect(await englishFragments(h5)).toEqual([]);
    await h5.context().close();
    expect(pageErrors).toEqual([]);
  });
});

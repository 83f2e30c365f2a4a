import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedHeaders } from '../../src/platform/signing.js';
import { snapshotPng } from '../../src/modules/simulator/index.js';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { loginToken } from '../support/http.js';
import { createSourceWithLots, postEvents } from '../support/ingest.js';
import { newTicket } from '../support/tickets.js';
import { checkBrowserPrerequisites, closeAll, DESKTOP, launchBrowser, listen, openPage, screenshot, signIn } from '../support/browser.js';

/*
 * Records with photos (docs/decisions/0036-photo-store.md) in a real browser: a lot system uploads
 * an entry snapshot through the signed upload and sends an exit with an external https snapshot;
 * the records drawer shows the stored one as a thumbnail (fetched with the token as a blob, allowed
 * by the CSP) that enlarges on a click, and links the external one; the fee-dispute work order
 * linked to the record shows the same. Every image served is audited. Needs the built console.
 */
describe('snapshots in the console', () => {
  let env: TestEnv;
  let browser: Browser;
  let page: Page;
  let base: string;
  let tmp: string;
  let ticketId: number;
  const pageErrors: string[] = [];
  const PLATE = '苏F66688';

  beforeAll(async () => {
    checkBrowserPrerequisites();
    tmp = mkdtempSync(join(tmpdir(), 'zhibo-photos-browser-'));
    env = await createTestEnv('pglite', { webDir: join(process.cwd(), 'dist', 'web'), photoDir: join(tmp, 'photos') });
    base = await listen(env);
    const admin = await loginToken(env.app);
    const src = await createSourceWithLots(env, admin, 'BT-CAM', [{ code: 'BT-PHOTO-1' }]);
    const png = snapshotPng([0x1f, 0x4e, 0x9c], 320, 200);
    const up = await fetch(`${base}/api/v1/ingest/photos`, { method: 'POST', headers: signedHeaders(src.code, src.secret, png, env.clock.now(), 'image/png'), body: new Uint8Array(png) });
    expect(up.status).toBe(201);
    const ref = ((await up.json()) as { ref: string }).ref;
    const t = (min: number) => new Date(env.clock.now().getTime() - min * 60_000).toISOString();
    const res = await postEvents(env, src, [
      { type: 'entry', eventId: 'ph-in', occurredAt: t(90), lotCode: 'BT-PHOTO-1', plate: PLATE, photoUrl: ref },
      { type: 'exit', eventId: 'ph-out', occurredAt: t(20), lotCode: 'BT-PHOTO-1', plate: PLATE, receivableFen: 800, paidFen: 800, payChannel: 'wechat', photoUrl: 'https://cam.example.cn/out/ph-out.jpg' },
    ]);
    expect(res.json()).toMatchObject({ accepted: 2 });
    const session = await env.ctx.db.selectFrom('parking_sessions').select('id').where('plate', '=', PLATE).executeTakeFirstOrThrow();
    ticketId = (await newTicket(env, admin, { sessionId: Number(session.id), lotCode: 'BT-PHOTO-1', plate: PLATE })).id;
    browser = await launchBrowser();
    page = await openPage(await browser.newContext(DESKTOP), pageErrors);
  });

  afterAll(() => closeAll(browser, env, tmp));

  const photoReads = () => env.ctx.db.selectFrom('audit_log').select('id').where('action', '=', 'session.read_photo').execute();

  it('shows the entry snapshot in the records drawer, enlarges it, and links the external exit snapshot', async () => {
    await signIn(page, base, 'admin', ADMIN_PASSWORD, `/sessions?plate=${encodeURIComponent(PLATE)}`);
    const body = page.locator('[data-testid=records-table] .el-table__body');
    await body.locator('[data-testid=records-row-plate]').first().waitFor();
    await body.locator('tr').first().click();
    const drawer = page.locator('[data-testid=records-drawer]');
    const img = drawer.locator('[data-testid=session-photo-entry] [data-testid=session-photo-image] img');
    await img.waitFor();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth), { timeout: 15_000 }).toBe(320);
    expect(await img.getAttribute('src')).toMatch(/^blob:/);
    const external = drawer.locator('[data-testid=session-photo-exit] [data-testid=session-photo-external]');
    expect(await external.getAttribute('href')).toBe('https://cam.example.cn/out/ph-out.jpg');
    expect(await external.getAttribute('rel')).toBe('noopener noreferrer');
    await screenshot(page, 'photos-record-drawer.png');

    await img.click(); // enlarge
    const viewer = page.locator('.el-image-viewer__wrapper');
    await viewer.waitFor();
    await expect.poll(() => viewer.locator('img.el-image-viewer__img').evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 15_000 }).toBe(320);
    await screenshot(page, 'photos-enlarged.png');
    await page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
    expect((await photoReads()).length).toBeGreaterThanOrEqual(1);
  });

  it('shows the snapshots on the fee-dispute work order linked to the record', async () => {
    const before = (await photoReads()).length;
    await page.goto(`${base}/tickets/${ticketId}`);
    const card = page.locator('[data-testid=ticket-session-photos]');
    const img = card.locator('[data-testid=session-photo-entry] [data-testid=session-photo-image] img');
    await img.waitFor();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth), { timeout: 15_000 }).toBe(320);
    await card.locator('[data-testid=session-photo-external]').waitFor();
    await screenshot(page, 'photos-ticket.png');
    expect((await photoReads()).length).toBe(before + 1);
    expect(pageErrors).toEqual([]);
  });
});

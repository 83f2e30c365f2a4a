import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { apiCaller, apiToken, checkBrowserPrerequisites, closeAll, expectText, field, launchBrowser, listen, MOBILE, openPage, screenshot, WEB_DIR, type ApiCall } from '../support/browser.js';
import { postEvents } from '../support/ingest.js';

/*
 * 欠费追缴 done-when (docs/用户手册.md 第 24 章): on a phone (390×844) a citizen verifies the plate
 * in 我的停车, sees the arrears, pays through the sandbox channel (signed, encrypted notification →
 * order paid → settled) and the arrears are gone — from the page and from the staff ledger.
 * The test clock stands at 2026-11-25 10:00 Shanghai. Needs the built console and chromium.
 */

interface Sms { params: { code: string } }

describe('arrears in the browser: a citizen pays through the sandbox and the ledger no longer lists the plate', () => {
  let env: TestEnv;
  let browser: Browser;
  let base: string;
  let call: ApiCall;
  let gateway: http.Server;
  const sent: Sms[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    checkBrowserPrerequisites();
    gateway = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        sent.push(JSON.parse(body) as Sms);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    env = await createTestEnv('pglite', { webDir: WEB_DIR, smsUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`, outboundAllow: ['127.0.0.1'] });
    base = await listen(env);
    browser = await launchBrowser();
    call = apiCaller(base, await apiToken(base, 'admin', ADMIN_PASSWORD));
    await call('POST', '/api/v1/payments/channels', { code: 'SANDBOX', kind: 'sandbox' });
    const source = await call('POST', '/api/v1/sources', { code: 'SRC', name: '系统' });
    await call('POST', '/api/v1/lots', { code: 'RD', name: '人民路路内', districtCode: '320602', kind: 'on_street', totalSpaces: 40, lng: 120.86, lat: 32.01, sourceCode: 'SRC' });
    const at = (s: string) => `2026-${s}:00+08:00`;
    const res = await postEvents(env, { code: 'SRC', secret: source.secret as string }, [
      { type: 'entry', eventId: 'e1', occurredAt: at('11-20T08:00'), lotCode: 'RD', plate: '苏F12345' },
      { type: 'exit', eventId: 'x1', occurredAt: at('11-20T10:00'), lotCode: 'RD', plate: '苏F12345', entryEventId: 'e1', receivableFen: 1800, paidFen: 0 },
    ]);
    expect(res.statusCode, res.body).toBe(200);
  });

  afterAll(async () => {
    await closeAll(browser, env, undefined);
    await new Promise((resolve) => gateway?.close(resolve));
  });

  it('on a phone: 我的停车 → arrears ¥18.00 → 缴纳欠费 → 确认支付（沙箱）→ no arrears; the ledger is empty', async () => {
    expect(((await call('GET', '/api/v1/arrears/ledger')).items as unknown[]).length).toBe(1);
    const page = await openPage(await browser.newContext(MOBILE), pageErrors);
    await page.goto(`${base}/h5/me`);
    await field(page, 'h5-me-plate').fill('苏F12345');
    await field(page, 'h5-me-phone').fill('13800001111');
    await page.locator('[data-testid=h5-me-send]').click();
    await expectText(page.locator('[data-testid=h5-me-sent]')).toContainText('138****1111');
    await field(page, 'h5-me-code').fill(sent.at(-1)!.params.code);
    await page.locator('[data-testid=h5-me-query]').click();
    await expectText(page.locator('[data-testid=h5-me-total]')).toContainText('¥18.00');

    await page.locator('[data-testid=h5-me-pay]').click();
    await expectText(page.locator('[data-testid=h5-me-bill]')).toContainText('18.00');
    await screenshot(page, 'arrears-h5-bill.png');
    await page.locator('[data-testid=h5-me-sandbox-pay]').click();
    await expectText(page.locator('[data-testid=h5-me-paid]')).toContainText('欠费已结清');
    await expectText(page.locator('[data-testid=h5-me-total]')).toContainText('暂无欠费');
    expect(await page.locator('[data-testid=h5-me-pay]').count()).toBe(0);
    await screenshot(page, 'arrears-h5-paid.png');

    const ledger = await call('GET', '/api/v1/arrears/ledger');
    expect(ledger.items).toEqual([]);
    const kpis = await call('GET', '/api/v1/arrears/kpis?month=2026-11');
    expect(kpis).toMatchObject({ outstandingFen: 0, recoveredFen: 1800, recoveryRate: 1 });
    expect(pageErrors).toEqual([]);
  });
});

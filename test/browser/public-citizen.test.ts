import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, createTestEnv, type TestEnv } from '../support/backends.js';
import { apiCaller, apiToken, checkBrowserPrerequisites, closeAll, DESKTOP, expectText, field, launchBrowser, listen, MOBILE, openPage, screenshot, signIn, WEB_DIR, type ApiCall } from '../support/browser.js';
import { postEvents } from '../support/ingest.js';

/*
 * 公众服务 in the browser (docs/公众服务接口.md, docs/用户手册.md “公众服务”). On a phone (390×844):
 * the home page shows the announcement in force → 我的停车 → the code arrives at an SMS gateway
 * stand-in on 127.0.0.1 → the plate's records with its arrears → 对这笔停车有异议 → the complaint
 * is submitted about that parking record (sessionId). In the console: the 公众服务 page shows the
 * usage and publishes an announcement the public feed then carries. The test clock stands at
 * 2026-11-25 10:00 Shanghai. Needs the built console (dist/web) and chromium.
 */

interface Sms { phone: string; params: { code: string } }

describe('public service in the browser: my parking, complaint about a record, console page', () => {
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
    const smsUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/sms`;
    env = await createTestEnv('pglite', { webDir: WEB_DIR, smsUrl, outboundAllow: ['127.0.0.1'] });
    base = await listen(env);
    browser = await launchBrowser();
    call = apiCaller(base, await apiToken(base, 'admin', ADMIN_PASSWORD));
    const source = await call('POST', '/api/v1/sources', { code: 'SRC', name: '系统' });
    await call('POST', '/api/v1/lots', { code: 'WF', name: '文峰停车场', districtCode: '320602', kind: 'off_street', totalSpaces: 100, lng: 120.8643, lat: 32.0173, sourceCode: 'SRC' });
    const at = (s: string) => `2026-${s}:00+08:00`;
    const res = await postEvents(env, { code: 'SRC', secret: source.secret as string }, [
      { type: 'entry', eventId: 'e1', occurredAt: at('11-20T08:00'), lotCode: 'WF', plate: '苏F12345' },
      { type: 'exit', eventId: 'x1', occurredAt: at('11-20T10:30'), lotCode: 'WF', plate: '苏F12345', entryEventId: 'e1', receivableFen: 1500, paidFen: 500, payChannel: 'wechat' },
    ]);
    expect(res.statusCode, res.body).toBe(200);
    await call('POST', '/api/v1/public-admin/announcements', { kind: 'closure', title: '崇川路封闭施工', body: '请绕行青年路', startsAt: at('11-25T08:00') });
  });

  afterAll(async () => {
    await closeAll(browser, env, undefined);
    await new Promise((resolve) => gateway?.close(resolve));
  });

  it('on a phone: announcement → 我的停车 with the SMS code → arrears → a complaint about that parking', async () => {
    const page = await openPage(await browser.newContext(MOBILE), pageErrors);
    await page.goto(`${base}/h5/`);
    await expectText(page.locator('[data-testid=h5-announcements]')).toContainText('崇川路封闭施工');
    await page.locator('[data-testid=h5-link-me]').click();
    await page.waitForURL(/\/h5\/me$/);

    await field(page, 'h5-me-plate').fill('苏F12345');
    await field(page, 'h5-me-phone').fill('13800001111');
    await page.locator('[data-testid=h5-me-send]').click();
    await expectText(page.locator('[data-testid=h5-me-sent]')).toContainText('138****1111');
    await expectText(page.locator('[data-testid=h5-me-send]')).toContainText('秒后可重发'); // 60 s countdown
    expect(await page.locator('[data-testid=h5-me-send]').isDisabled()).toBe(true);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.phone).toBe('13800001111');

    const code = sent[0]!.params.code;
    await field(page, 'h5-me-code').fill(code === '000000' ? '000001' : '000000');
    await page.locator('[data-testid=h5-me-query]').click();
    await expectText(page.locator('[data-testid=h5-me-error]')).toContainText('验证码错误，还可尝试 4 次');
    await field(page, 'h5-me-code').fill(code);
    await page.locator('[data-testid=h5-me-query]').click();

    await expectText(page.locator('[data-testid=h5-me-total]')).toContainText('¥10.00');
    const session = await env.ctx.db.selectFrom('parking_sessions').select('id').where('entry_event_id', '=', 'e1').executeTakeFirstOrThrow();
    const sessionId = Number(session.id);
    const record = page.locator(`[data-testid=h5-me-records-${sessionId}]`);
    await expectText(record).toContainText('文峰停车场');
    await expectText(record).toContainText('2026-11-20 08:00'); // Shanghai time
    await expectText(record).toContainText('2 小时 30 分');
    await expectText(record).toContainText('¥15.00');
    await expectText(record.locator('[data-testid=h5-me-arrears]')).toContainText('¥10.00');
    expect(await record.getAttribute('class')).toContain('me-owed');
    // The token is the tab's only: sessionStorage, not localStorage.
    expect(await page.evaluate(() => sessionStorage.getItem('zhibo.citizen'))).toContain('token');
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    await screenshot(page, 'public-h5-me.png');

    await record.locator(`[data-testid=h5-me-dispute-${sessionId}]`).click();
    await page.waitForURL(/\/h5\/complaint\?/);
    expect(decodeURIComponent(page.url())).not.toContain('F12345'); // the plate stays out of the URL
    await expectText(page.locator('[data-testid=h5-about-session]')).toContainText('文峰停车场');
    await field(page, 'h5-description').fill('已用微信支付 15 元，仍显示欠费 10 元');
    await field(page, 'h5-phone').fill('13800001111');
    await page.locator('[data-testid=h5-consent]').click();
    await page.locator('[data-testid=h5-submit]').click();
    const ticketNo = (await page.locator('[data-testid=h5-ticket-no]').innerText()).trim();
    await screenshot(page, 'public-h5-me-complaint.png');

    const list = await call('GET', `/api/v1/tickets?q=${ticketNo}`);
    const id = (list.items as { id: number; no: string }[]).find((t) => t.no === ticketNo)!.id;
    const ticket = await call('GET', `/api/v1/tickets/${id}`);
    expect(ticket).toMatchObject({ channel: 'web', category: 'fee_dispute', lotCode: 'WF', sessionId, plate: '苏F12345' });

    // Back at 我的停车 in the same tab: still signed in; once the server refuses the token, asked again.
    await page.goto(`${base}/h5/me`);
    await page.locator(`[data-testid=h5-me-records-${sessionId}]`).waitFor();
    env.clock.advance(31 * 60_000);
    await page.reload();
    await expectText(page.locator('[data-testid=h5-me-error]')).toContainText('查询已超时');
    expect(await page.evaluate(() => sessionStorage.getItem('zhibo.citizen'))).toBeNull();
    env.clock.advance(-31 * 60_000);
    expect(pageErrors).toEqual([]);
  });

  it('on a phone: the complaint page picks the lot by name among the nearby ones, takes a photo and consent; the lost link is found again by number and code', async () => {
    const context = await browser.newContext({ ...MOBILE, geolocation: { longitude: 120.8600, latitude: 32.0150 }, permissions: ['geolocation'] });
    const page = await openPage(context, pageErrors);
    await page.goto(`${base}/h5/complaint`);
    await page.locator('[data-testid=h5-lot]').click();
    await field(page, 'h5-lot').fill('文峰');
    await page.locator('[data-testid=h5-lot-option-WF]').click();
    await page.locator('[data-testid=h5-category]').click();
    await page.locator('[data-testid=h5-category-facility_fault]').click();
    await field(page, 'h5-description').fill('出口道闸抬杆很慢');
    await field(page, 'h5-phone').fill('13900002222');
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 1)]);
    await page.locator('[data-testid=h5-photo-input]').setInputFiles({ name: '道闸.png', mimeType: 'image/png', buffer: png });
    await expectText(page.locator('[data-testid=h5-photo]')).toContainText('道闸.png');
    await expectText(page.locator('[data-testid=h5-consent-text]')).toContainText('仅承办部门的工作人员可见');
    // Without the consent ticked nothing is sent.
    await page.locator('[data-testid=h5-submit]').click();
    await expectText(page.locator('.el-message')).toContainText('请先阅读并同意');
    await page.locator('[data-testid=h5-consent]').click();
    await page.locator('[data-testid=h5-submit]').click();
    const ticketNo = (await page.locator('[data-testid=h5-ticket-no]').innerText()).trim();
    const list = await call('GET', `/api/v1/tickets?q=${ticketNo}`);
    const id = (list.items as { id: number; no: string }[]).find((t) => t.no === ticketNo)!.id;
    const ticket = await call('GET', `/api/v1/tickets/${id}`);
    expect(ticket).toMatchObject({ lotCode: 'WF', sessionId: null, category: 'facility_fault' });
    expect((ticket.attachments as { fileName: string }[]).map((a) => a.fileName)).toEqual(['市民照片-1.png']);

    // The link is lost: a fresh phone finds the ticket by its number and a code to the complaint's phone.
    const lookup = await openPage(await browser.newContext(MOBILE), pageErrors);
    await lookup.goto(`${base}/h5/lookup`);
    await field(lookup, 'h5-lookup-no').fill(ticketNo);
    await field(lookup, 'h5-lookup-phone').fill('13900002222');
    const before = sent.length;
    await lookup.locator('[data-testid=h5-lookup-send]').click();
    await expectText(lookup.locator('[data-testid=h5-lookup-sent]')).toContainText('139****2222');
    await expect.poll(() => sent.length).toBe(before + 1); // the code goes out in the background
    await field(lookup, 'h5-lookup-code').fill(sent.at(-1)!.params.code);
    await lookup.locator('[data-testid=h5-lookup-confirm]').click();
    await lookup.waitForURL(/\/h5\/t\/[A-Za-z0-9_-]{32}$/);
    await expectText(lookup.locator('[data-testid=h5-status-no]')).toContainText(ticketNo);
    await screenshot(lookup, 'h5-lookup-status.png');

    // The new link opened directly, in a browser that never saw another page, has the full H5 layout.
    const direct = await openPage(await browser.newContext(MOBILE), pageErrors);
    await direct.goto(lookup.url());
    await expectText(direct.locator('[data-testid=h5-status-no]')).toContainText(ticketNo);
    const layout = await direct.evaluate(() => {
      const brand = getComputedStyle(document.querySelector('.h5-brand')!);
      const main = getComputedStyle(document.querySelector('.h5-main')!);
      return { brand: brand.backgroundColor, padding: main.paddingLeft, width: document.documentElement.scrollWidth };
    });
    expect(layout).toEqual({ brand: 'rgb(31, 95, 191)', padding: '16px', width: 390 });
    // Read-only facts are a list of label and value, not form fields.
    expect(await direct.locator('[data-testid=h5-status-page] input, [data-testid=h5-status-page] label').count()).toBe(0);
    await screenshot(direct, 'h5-status-direct.png');
    expect(pageErrors).toEqual([]);
  });

  it('in the console: 公众服务 shows the usage, publishes an announcement, groups a sign and hides a lot', async () => {
    const page = await openPage(await browser.newContext(DESKTOP), pageErrors);
    await signIn(page, base, 'admin', ADMIN_PASSWORD, '/public-service');
    await page.locator('[data-testid=public-usage-daily] canvas').waitFor();
    await expectText(page.locator('[data-testid=public-usage-rate]')).toContainText('%');
    await page.locator('[data-testid=public-usage-xlsx]').waitFor();
    await screenshot(page, 'public-service-usage.png');

    await page.locator('[data-testid=public-service-tab-announcements]').click();
    await expectText(page.locator('[data-testid=announcements-table]')).toContainText('崇川路封闭施工');
    await page.locator('[data-testid=announcement-new]').click();
    await page.locator('[data-testid=announcement-kind-holiday]').click();
    await page.locator('[data-testid=announcement-save]').click(); // no title: refused by the form
    await page.locator('[data-testid=announcement-dialog] .el-form-item__error').waitFor();
    await field(page, 'announcement-title').fill('元旦假期濠河景区停车提示');
    await field(page, 'announcement-body').fill('建议公共交通出行');
    // The form starts at the browser's now; the test clock is earlier, so the start is typed in.
    await field(page, 'announcement-starts').fill('2026-11-25 09:00:00');
    await field(page, 'announcement-starts').press('Enter');
    await page.locator('[data-testid=announcement-save]').click();
    await expectText(page.locator('[data-testid=announcements-table]')).toContainText('元旦假期濠河景区停车提示');
    await screenshot(page, 'public-service-announcements.png');

    const feed = await (await fetch(`${base}/api/v1/public/announcements`)).json() as { items: { title: string; kind: string }[] };
    expect(feed.items.find((a) => a.title === '元旦假期濠河景区停车提示')).toMatchObject({ kind: 'holiday' });

    // 诱导屏分组: a sign group of the lot, which the guidance feed then answers for.
    await page.locator('[data-testid=public-service-tab-signGroups]').click();
    await page.locator('[data-testid=sign-group-new]').click();
    await field(page, 'sign-group-code').fill('SIGN-1');
    await field(page, 'sign-group-name').fill('文峰诱导屏');
    await field(page, 'sign-group-lots').fill('WF');
    await page.locator('[data-testid=sign-group-lot-WF]').click();
    await page.locator('[data-testid=sign-group-dialog] .el-dialog__title').click(); // closes the multiple select's list
    await page.locator('[data-testid=sign-group-save]').click();
    await expectText(page.locator('[data-testid=sign-groups-table]')).toContainText('文峰诱导屏');
    expect((await fetch(`${base}/api/v1/public/guidance?area=SIGN-1`)).status).toBe(200);

    // 公众可见性: hiding the lot takes it out of the public pages.
    expect((await fetch(`${base}/api/v1/public/lots/WF`)).status).toBe(200);
    await page.locator('[data-testid=public-service-tab-visibility]').click();
    await field(page, 'visibility-lot').fill('WF');
    await page.locator('[data-testid=visibility-load]').click();
    await field(page, 'visibility-hours').fill('全天');
    await page.locator('[data-testid=visibility-hidden]').click();
    await page.locator('[data-testid=visibility-save]').click();
    await expectText(page.locator('[data-testid=public-visibility]')).toContainText('最后修改：admin');
    expect((await fetch(`${base}/api/v1/public/lots/WF`)).status).toBe(404);
    expect(await call('GET', '/api/v1/public-admin/lots/WF/settings')).toMatchObject({ hidden: true, openingHours: '全天' });
    await screenshot(page, 'public-service-visibility.png');
    expect(pageErrors).toEqual([]);
  });
});

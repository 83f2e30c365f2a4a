import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { startRobotReceiver, startSmtpReceiver, type RobotReceiver, type SmtpReceiver } from '../../../test/support/notification-receivers.js';
import { deliverPending, MAX_ATTEMPTS } from './delivery.js';
import { recordNotice, type Notice } from './service.js';

const WECOM_KEY = 'c0ffee00-7aoc-4bc4-97a0-0ec2sifa5bbb';
const DING_TOKEN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const DING_SECRET = 'SEC0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f';
const SMTP_PASSWORD = 'mail-Pass-7x';
const MINUTE = 60_000;

describeDb('notification delivery', (backend) => {
  let env: TestEnv;
  let admin: string;
  let wecom: RobotReceiver;
  let ding: RobotReceiver;
  let smtp: SmtpReceiver;
  const channel: Record<string, number> = {};

  beforeAll(async () => {
    env = await createTestEnv(backend, { publicUrl: 'https://zhibo.example.cn', tokenTtlMinutes: 30 * 24 * 60 }); // the clock moves by days
    admin = await loginToken(env.app);
    wecom = await startRobotReceiver({ kind: 'wecom', token: WECOM_KEY, now: () => env.clock.now() });
    ding = await startRobotReceiver({ kind: 'dingtalk', token: DING_TOKEN, secret: DING_SECRET, now: () => env.clock.now() });
    smtp = await startSmtpReceiver({ username: 'alerts', password: SMTP_PASSWORD });
    const add = async (body: object) => {
      const res = await env.app.inject({ method: 'POST', url: '/api/v1/notification-channels', headers: bearer(admin), payload: body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as number;
    };
    channel.wecom = await add({ name: '企业微信·监控', type: 'wecom', minSeverity: 'warning', kinds: ['monitoring.'], settings: { webhookUrl: wecom.url } });
    channel.ding = await add({ name: '钉钉·崇川', type: 'dingtalk', minSeverity: 'info', districtCode: '320602', settings: { webhookUrl: ding.url, secret: DING_SECRET } });
    channel.email = await add({ name: '邮件·严重', type: 'email', minSeverity: 'critical', settings: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'alerts', password: SMTP_PASSWORD, from: '智泊 <alerts@example.cn>', to: ['duty@example.cn', 'lead@example.cn'] } });
    channel.off = await add({ name: '已停用', type: 'wecom', enabled: false, minSeverity: 'info', settings: { webhookUrl: wecom.url } });
  });
  afterAll(async () => {
    await Promise.all([wecom.close(), ding.close(), smtp.close()]);
    await env.close();
  });

  /** By default a Haimen warning about monitoring: only the WeCom channel relays it. */
  const raise = (n: Partial<Notice> & { title: string }) =>
    env.ctx.db.transaction().execute((trx) => recordNotice(env.ctx, trx, { kind: 'monitoring.alert.opened', severity: 'warning', body: '正文 / body', districtCode: '320614', ...n }));
  const deliveries = (notificationId: number) =>
    env.ctx.db.selectFrom('notification_deliveries').selectAll().where('notification_id', '=', notificationId).orderBy('channel_id').execute();
  const channelsOf = async (notificationId: number) => (await deliveries(notificationId)).map((d) => d.channel_id);
  /** Sends what is due, then clears the receivers' logs so each test sees only its own requests. */
  const drain = async () => {
    await deliverPending(env.ctx);
    wecom.requests.length = 0;
    ding.requests.length = 0;
    smtp.mails.length = 0;
  };

  it('queues one delivery per matching enabled channel, in the caller’s transaction', async () => {
    const a = await raise({ title: 'A', districtCode: '320602' });
    expect(await channelsOf(a)).toEqual([channel.wecom, channel.ding]);
    const b = await raise({ title: 'B', kind: 'tickets.assigned', severity: 'info', districtCode: '320614' });
    expect(await channelsOf(b)).toEqual([]); // wrong kind for WeCom, other district for DingTalk, below critical for mail
    const c = await raise({ title: 'C', kind: 'sla.breached', severity: 'critical', districtCode: null });
    expect(await channelsOf(c)).toEqual([channel.ding, channel.email]); // a district's channel relays city-wide notices too
    const d = await raise({ title: 'D', severity: 'critical', external: false });
    expect(await channelsOf(d)).toEqual([]);

    await env.ctx.db.transaction().execute(async (trx) => {
      await recordNotice(env.ctx, trx, { kind: 'monitoring.alert.opened', severity: 'critical', title: 'rolled back', body: '' });
      await trx.selectFrom('users').select('id').execute();
      throw new Error('rollback');
    }).catch(() => undefined);
    const rows = await env.ctx.db.selectFrom('notifications').select('title').execute();
    expect(rows.map((r) => r.title)).not.toContain('rolled back');
    await drain();
  });

  it('sends each channel its recipients’ language: English where the channel reads English and the notice has it', async () => {
    const patch = (language: string) => env.app.inject({ method: 'PATCH', url: `/api/v1/notification-channels/${channel.ding}`, headers: bearer(admin), payload: { language } });
    expect((await patch('fr')).statusCode).toBe(400);
    const res = await patch('en');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().language).toBe('en');
    try {
      await raise({ title: '停车场 P002 数据延迟', body: '延迟：30 分钟', en: { title: 'Lot P002 late', body: 'Late by: 30 min' }, districtCode: '320602' });
      expect(await deliverPending(env.ctx)).toMatchObject({ sent: 2 });
      const wecomText = (wecom.requests[0]!.body as { markdown: { content: string } }).markdown.content;
      expect(wecomText).toContain('停车场 P002 数据延迟');
      expect(wecomText).not.toContain('Lot P002');
      const dingText = (ding.requests[0]!.body as { markdown: { title: string; text: string } }).markdown;
      expect(dingText.title).toBe('[智泊][Warning] Lot P002 late');
      expect(dingText.text).toContain('Late by: 30 min');
      expect(dingText.text).not.toContain('数据延迟');
      await drain();
      // A notice without an English version goes out in Chinese to an English channel too.
      await raise({ title: '停车场 P003 数据延迟', districtCode: '320602' });
      await deliverPending(env.ctx);
      expect((ding.requests[0]!.body as { markdown: { title: string } }).markdown.title).toBe('[智泊][Warning] 停车场 P003 数据延迟');
    } finally {
      await drain();
      expect((await patch('zh-CN')).statusCode).toBe(200);
    }
  });

  it('sends the WeCom markdown and the signed DingTalk markdown after commit', async () => {
    const id = await raise({ title: '停车场 P001 数据超过 2 小时未更新', body: '最后数据：10:00\n运营单位：通州停车', link: '/monitoring?alert=7', districtCode: '320602' });
    expect(wecom.requests).toEqual([]); // nothing leaves before the worker runs
    const report = await deliverPending(env.ctx);
    expect(report).toEqual({ claimed: 2, sent: 2, retrying: 0, failed: 0, cancelled: 0 });

    expect(wecom.requests).toHaveLength(1);
    const w = wecom.requests[0]!;
    expect(w.headers['content-type']).toMatch(/^application\/json/);
    expect(w.query.get('key')).toBe(WECOM_KEY);
    const content = (w.body as { msgtype: string; markdown: { content: string } }).markdown.content;
    expect((w.body as { msgtype: string }).msgtype).toBe('markdown');
    expect(Object.keys(w.body as object)).toEqual(['msgtype', 'markdown']);
    expect(content).toContain('【警告】</font>停车场 P001 数据超过 2 小时未更新');
    expect(content).toContain('最后数据：10:00');
    expect(content).toContain('[查看详情](https://zhibo.example.cn/monitoring?alert=7)');

    expect(ding.requests).toHaveLength(1);
    const d = ding.requests[0]!;
    // The receiver answered errcode 0, so it accepted the signature; check the parts too.
    expect(d.query.get('access_token')).toBe(DING_TOKEN);
    expect(d.query.get('timestamp')).toBe(String(env.clock.now().getTime()));
    const body = d.body as { msgtype: string; markdown: { title: string; text: string } };
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe('[智泊][警告] 停车场 P001 数据超过 2 小时未更新');
    expect(body.markdown.text).toContain('#### 【警告】停车场 P001 数据超过 2 小时未更新');
    expect(body.markdown.text).toContain('最后数据：10:00\n\n运营单位：通州停车');

    const rows = await deliveries(id);
    expect(rows.map((r) => [r.status, r.attempts, r.sent_at?.toISOString()])).toEqual([
      ['sent', 1, env.clock.now().toISOString()],
      ['sent', 1, env.clock.now().toISOString()],
    ]);
    expect(await deliverPending(env.ctx)).toMatchObject({ claimed: 0 });
    await drain();
  });

  it('retries after a failure (HTTP 500, errcode ≠ 0) with backoff, then succeeds', async () => {
    const id = await raise({ title: '重试 / retry' });
    wecom.replies.push({ status: 500, body: { message: 'internal error' } });
    expect(await deliverPending(env.ctx)).toMatchObject({ claimed: 1, retrying: 1 });
    let [row] = await deliveries(id);
    expect(row).toMatchObject({ status: 'pending', attempts: 1, last_error: 'HTTP 500' });
    expect(row!.next_attempt_at.getTime() - env.clock.now().getTime()).toBe(1 * MINUTE);

    expect(await deliverPending(env.ctx)).toMatchObject({ claimed: 0 }); // not yet due
    env.clock.advance(1 * MINUTE);
    wecom.replies.push({ body: { errcode: 45009, errmsg: `api freq out of limit, key=${WECOM_KEY}` } });
    expect(await deliverPending(env.ctx)).toMatchObject({ claimed: 1, retrying: 1 });
    [row] = await deliveries(id);
    expect(row).toMatchObject({ status: 'pending', attempts: 2 });
    expect(row!.last_error).toBe('errcode 45009'); // the robot's errcode; its text (here echoing the key) never lands in the table
    expect(row!.next_attempt_at.getTime() - env.clock.now().getTime()).toBe(5 * MINUTE);

    env.clock.advance(5 * MINUTE);
    expect(await deliverPending(env.ctx)).toMatchObject({ claimed: 1, sent: 1 });
    [row] = await deliveries(id);
    expect(row).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
    expect(wecom.requests).toHaveLength(3);
    await drain();
  });

  it('gives up after five failed attempts, spaced 1, 5, 15 and 60 minutes', async () => {
    const id = await raise({ title: '放弃 / give up' });
    const gaps: number[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      wecom.replies.push({ status: 502, body: {} });
      expect(await deliverPending(env.ctx)).toMatchObject({ claimed: 1 });
      const [row] = await deliveries(id);
      if (row!.status === 'pending') {
        const gap = row!.next_attempt_at.getTime() - env.clock.now().getTime();
        gaps.push(gap / MINUTE);
        env.clock.advance(gap);
      }
    }
    expect(gaps).toEqual([1, 5, 15, 60]);
    const [row] = await deliveries(id);
    expect(row).toMatchObject({ status: 'failed', attempts: 5, last_error: 'HTTP 502' });
    env.clock.advance(24 * 60 * MINUTE);
    expect(await deliverPending(env.ctx)).toMatchObject({ claimed: 0 });
    await drain();
  });

  it('never sends a delivery twice when two runs race', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await raise({ title: `并发 ${i} / race ${i}` }));
    const [a, b] = await Promise.all([deliverPending(env.ctx, { limit: 8 }), deliverPending(env.ctx, { limit: 8 })]);
    expect(a.sent + b.sent).toBe(12);
    const titles = wecom.requests.map((r) => (r.body as { markdown: { content: string } }).markdown.content.match(/并发 \d+/)![0]);
    expect(titles.sort()).toEqual(ids.map((_, i) => `并发 ${i}`).sort());
    expect(new Set(titles).size).toBe(12);
    await drain();
  });

  it('leaves rows claimed by another node alone until its lease runs out', async () => {
    const id = await raise({ title: '租约 / lease' });
    await env.ctx.db.updateTable('notification_deliveries').set({ claimed_by: 'other-node', claimed_until: new Date(env.clock.now().getTime() + 5 * MINUTE) }).where('notification_id', '=', id).execute();
    expect(await deliverPending(env.ctx)).toMatchObject({ claimed: 0 });
    env.clock.advance(5 * MINUTE);
    expect(await deliverPending(env.ctx)).toMatchObject({ claimed: 1, sent: 1 });
    await drain();
  });

  it('delivers e-mail over SMTP with its Chinese subject to every recipient', async () => {
    const id = await raise({ kind: 'incidents.opened', severity: 'critical', title: '一级事件：支付通道中断', body: '影响范围：全市\n请立即响应。', link: '/incidents/3', districtCode: null });
    expect(await deliverPending(env.ctx)).toMatchObject({ sent: 2 }); // DingTalk (city-wide) and e-mail
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail.subject).toBe('[智泊][严重] 一级事件：支付通道中断');
    expect(mail.to).toEqual(['duty@example.cn', 'lead@example.cn']);
    expect(mail.from).toBe('alerts@example.cn');
    expect(smtp.logins).toContainEqual({ username: 'alerts', password: SMTP_PASSWORD });
    expect(mail.raw).toMatch(/charset=utf-8/i);
    expect((await deliveries(id)).map((d) => d.status)).toEqual(['sent', 'sent']);
    await drain();
  });

  it('cancels pending deliveries of a channel disabled meanwhile', async () => {
    const id = await raise({ title: '停用 / disabled', severity: 'info', districtCode: '320602' });
    expect(await channelsOf(id)).toEqual([channel.ding]);
    await env.app.inject({ method: 'PATCH', url: `/api/v1/notification-channels/${channel.ding}`, headers: bearer(admin), payload: { enabled: false } });
    expect(await deliverPending(env.ctx)).toMatchObject({ claimed: 1, cancelled: 1 });
    expect(ding.requests).toEqual([]);
    expect((await deliveries(id))[0]).toMatchObject({ status: 'cancelled' });
    await env.app.inject({ method: 'PATCH', url: `/api/v1/notification-channels/${channel.ding}`, headers: bearer(admin), payload: { enabled: true } });
  });

  it('records an unreachable or hanging robot as a failed attempt, without disturbing anyone', async () => {
    // A port nobody listens on, and a server that never answers.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const hanging: Server = createServer(() => undefined);
    await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
    const hangPort = (hanging.address() as AddressInfo).port;
    try {
      const dead = await env.app.inject({ method: 'PATCH', url: `/api/v1/notification-channels/${channel.wecom}`, headers: bearer(admin), payload: { settings: { webhookUrl: `http://127.0.0.1:${deadPort}/cgi-bin/webhook/send?key=${WECOM_KEY}` } } });
      expect(dead.statusCode).toBe(200);
      const id = await raise({ title: '不可达 / unreachable' });
      expect(await deliverPending(env.ctx, { timeoutMs: 2000 })).toMatchObject({ retrying: 1 });
      expect((await deliveries(id))[0]!.last_error).toMatch(/ECONNREFUSED/);

      await env.app.inject({ method: 'PATCH', url: `/api/v1/notification-channels/${channel.wecom}`, headers: bearer(admin), payload: { settings: { webhookUrl: `http://127.0.0.1:${hangPort}/cgi-bin/webhook/send?key=${WECOM_KEY}` } } });
      env.clock.advance(MINUTE);
      expect(await deliverPending(env.ctx, { timeoutMs: 200 })).toMatchObject({ retrying: 1 });
      const [row] = await deliveries(id);
      expect(row).toMatchObject({ attempts: 2, status: 'pending' });
      expect(row!.last_error).toMatch(/timed out/);
      expect(row!.last_error).not.toContain(WECOM_KEY);
    } finally {
      hanging.closeAllConnections();
      await new Promise<void>((r) => hanging.close(() => r()));
      await env.app.inject({ method: 'PATCH', url: `/api/v1/notification-channels/${channel.wecom}`, headers: bearer(admin), payload: { settings: { webhookUrl: wecom.url } } });
    }
  });

  it('lists a channel’s deliveries and counts them in the channel view', async () => {
    const res = await env.app.inject({ url: `/api/v1/notification-channels/${channel.wecom}/deliveries?limit=5`, headers: bearer(admin) });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as { title: string; status: string; attempts: number; lastError: string | null }[];
    expect(items[0]).toMatchObject({ title: '不可达 / unreachable', status: 'pending', attempts: 2 });
    const view = await env.app.inject({ url: `/api/v1/notification-channels/${channel.wecom}`, headers: bearer(admin) });
    expect(view.json().stats).toMatchObject({ pending: 1, failed7d: 1, lastError: expect.stringMatching(/timed out/) });
    expect(view.json().stats.sent7d).toBeGreaterThan(10);
  });
});

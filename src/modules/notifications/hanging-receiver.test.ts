import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { startRobotReceiver, startSmtpReceiver, type RobotReceiver, type SmtpReceiver } from '../../../test/support/notification-receivers.js';
import { deliverPending } from './delivery.js';
import { recordNotice } from './service.js';

/*
 * Issue 22 §6: a webhook receiver that hangs must not hold up the outbox. Two receivers hang —
 * one never answers, one sends its headers and stalls in the middle of the body — and their
 * channels come first in the queue; with one send at a time, every delivery to the healthy robot
 * and mail server still goes out in the same run, because each send has its own timeout
 * (docs/architecture.md, notifications; src/modules/notifications/delivery.ts).
 */

const WECOM_KEY = 'c0ffee00-7aoc-4bc4-97a0-0ec2sifa5bbb';
const SMTP_PASSWORD = 'mail-Pass-7x';

describeDb('notification outbox with a hanging receiver', (backend) => {
  let env: TestEnv;
  let admin: string;
  let robot: RobotReceiver;
  let smtp: SmtpReceiver;
  let silent: Server;
  let stalling: Server;
  const hits = { silent: 0, stalling: 0 };

  const listen = async (s: Server) => {
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}/cgi-bin/webhook/send?key=${WECOM_KEY}`;
  };

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    robot = await startRobotReceiver({ kind: 'wecom', token: WECOM_KEY, now: () => env.clock.now() });
    smtp = await startSmtpReceiver({ username: 'alerts', password: SMTP_PASSWORD });
    silent = createServer(() => void hits.silent++); // reads the request, never answers
    stalling = createServer((_req, res) => {
      hits.stalling++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"errcode":'); // … and nothing more
    });
    const add = async (body: object) => {
      const res = await env.app.inject({ method: 'POST', url: '/api/v1/notification-channels', headers: bearer(admin), payload: body });
      expect(res.statusCode, res.body).toBe(201);
    };
    // Created first, so their deliveries are first in the queue.
    await add({ name: '不应答的机器人', type: 'wecom', minSeverity: 'info', settings: { webhookUrl: await listen(silent) } });
    await add({ name: '半截应答的机器人', type: 'wecom', minSeverity: 'info', settings: { webhookUrl: await listen(stalling) } });
    await add({ name: '正常的机器人', type: 'wecom', minSeverity: 'info', settings: { webhookUrl: robot.url } });
    await add({ name: '值班邮箱', type: 'email', minSeverity: 'info', settings: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'alerts', password: SMTP_PASSWORD, from: '智泊 <alerts@example.cn>', to: ['duty@example.cn'] } });
  });
  afterAll(async () => {
    for (const s of [silent, stalling]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
    await Promise.all([robot.close(), smtp.close()]);
    await env.close();
  });

  it('times out the hanging sends one by one and delivers everything else in the same run', async () => {
    for (const title of ['第一条', '第二条']) {
      await env.ctx.db.transaction().execute((trx) => recordNotice(env.ctx, trx, { kind: 'monitoring.alert.opened', severity: 'warning', title, body: '正文', districtCode: null }));
    }
    const queued = await env.ctx.db.selectFrom('notification_deliveries').select('id').where('status', '=', 'pending').execute();
    expect(queued).toHaveLength(8);

    const report = await deliverPending(env.ctx, { timeoutMs: 300, concurrency: 1 });
    expect(report).toMatchObject({ claimed: 8, sent: 4, retrying: 4, failed: 0 });
    expect(hits.silent).toBeGreaterThanOrEqual(1);
    expect(hits.stalling).toBeGreaterThanOrEqual(1);
    expect(robot.requests).toHaveLength(2);
    expect(smtp.mails).toHaveLength(2);

    const rows = await env.ctx.db.selectFrom('notification_deliveries as d').innerJoin('notification_channels as c', 'c.id', 'd.channel_id')
      .select(['c.name', 'd.status', 'd.attempts', 'd.last_error', 'd.claimed_by']).orderBy('d.id').execute();
    for (const r of rows) {
      expect(r.claimed_by, r.name).toBeNull(); // nothing left claimed: the next run may try again
      if (r.name === '正常的机器人' || r.name === '值班邮箱') expect(r).toMatchObject({ status: 'sent', attempts: 1 });
      else expect(r, r.name).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.any(String) });
    }
    expect(rows.filter((r) => r.name === '不应答的机器人').every((r) => /timed out/.test(r.last_error ?? ''))).toBe(true);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deliverPending, recordNotice } from '../src/modules/notifications/index.js';
import { deliverCallbacks } from '../src/modules/tickets/index.js';
import { createTestEnv, describeDb, type TestEnv } from './support/backends.js';
import { bearer, loginToken } from './support/http.js';
import { startRobotReceiver, startSmtpReceiver, type RobotReceiver, type SmtpReceiver } from './support/notification-receivers.js';
import { createChannelClient, inbound, walk } from './support/tickets.js';

/*
 * Outbound requests to addresses users configure (security review, finding 12): an ops user
 * pointed a robot webhook or a ticket callback at 127.0.0.1 or 169.254.169.254 and read the
 * answer through the channel test. Loopback, link-local and private targets — the literal host
 * or what the name resolves to — are refused when saved and when sent, unless
 * ZHIBO_OUTBOUND_ALLOW lists them; a test reports a status line, never the target's body.
 * This suite runs with production's empty allow-list, then lists the local receivers.
 */

const KEY = 'k-5f0c2a7e-guard';
const LEAK = 'INSTANCE-METADATA-SECRET-7731';

/** An internal service that answers every request with a secret in its body. */
function leakyService() {
  const received: string[] = [];
  const statuses: number[] = [];
  const server: Server = createServer((req, res) => {
    received.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      res.writeHead(statuses.shift() ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errcode: 40001, errmsg: LEAK, token: LEAK }));
    });
  });
  return {
    received,
    statuses,
    start: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port))),
    stop: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describeDb('outbound guard', (backend) => {
  let env: TestEnv;
  let admin: string;
  let robot: RobotReceiver;
  let smtp: SmtpReceiver;
  const leaky = leakyService();
  let port: number;

  beforeAll(async () => {
    env = await createTestEnv(backend, { outboundAllow: [] }); // production's default
    admin = await loginToken(env.app);
    robot = await startRobotReceiver({ kind: 'wecom', token: KEY, now: () => env.clock.now() });
    smtp = await startSmtpReceiver({ username: 'alerts', password: 'mail-Pass-1' });
    port = await leaky.start();
  });
  afterAll(async () => {
    await Promise.all([robot.close(), smtp.close(), leaky.stop()]);
    await env.close();
  });

  const call = (method: 'POST' | 'PATCH', url: string, payload: object) => env.app.inject({ method, url, headers: bearer(admin), payload });
  const wecomChannel = (name: string, webhookUrl: string) => call('POST', '/api/v1/notification-channels', { name, type: 'wecom', minSeverity: 'info', settings: { webhookUrl } });
  /** Points a stored channel somewhere else behind the API's back: a row saved before the guard existed. */
  const repoint = async (id: number, webhookUrl: string) => {
    await env.ctx.db.updateTable('notification_channels').set({ secrets_sealed: env.ctx.secrets.seal(JSON.stringify({ webhookUrl })) }).where('id', '=', id).execute();
  };
  const code = (res: { statusCode: number; json: () => { error?: { code?: string } } }) => `${res.statusCode} ${res.json().error?.code ?? ''}`.trim();

  it('refuses to save robot webhooks and SMTP servers on internal addresses', async () => {
    const internal = [
      `http://127.0.0.1:${port}/cgi-bin/webhook/send?key=x`,
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      `http://localhost:${port}/`, // a name: its resolved addresses are checked
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::ffff:a9fe:a9fe]/`, // 169.254.169.254, IPv4-mapped
      'http://10.1.2.3/', 'http://172.16.0.1/', 'http://192.168.1.1/', 'http://100.64.0.1/', 'http://0.0.0.0/',
      'http://[fe80::1]/', 'http://[fd00::1]/',
    ];
    for (const url of internal) expect(`${url} → ${code(await wecomChannel(`guard ${url}`, url))}`).toBe(`${url} → 400 OUTBOUND_TARGET_FORBIDDEN`);
    const ding = await call('POST', '/api/v1/notification-channels', { name: 'ding', type: 'dingtalk', settings: { webhookUrl: 'http://169.254.169.254/robot/send', secret: 'S' } });
    expect(code(ding)).toBe('400 OUTBOUND_TARGET_FORBIDDEN');
    const mail = await call('POST', '/api/v1/notification-channels', {
      name: 'mail', type: 'email', settings: { host: '127.0.0.1', port: smtp.port, secure: false, from: 'a@example.cn', to: ['b@example.cn'] },
    });
    expect(code(mail)).toBe('400 OUTBOUND_TARGET_FORBIDDEN');
    // A public address passes; changing it to an internal one does not.
    const ok = await wecomChannel('public robot', 'https://robot.invalid/cgi-bin/webhook/send?key=x');
    expect(ok.statusCode, ok.body).toBe(201);
    const moved = await call('PATCH', `/api/v1/notification-channels/${ok.json().id}`, { settings: { webhookUrl: 'http://169.254.169.254/' } });
    expect(code(moved)).toBe('400 OUTBOUND_TARGET_FORBIDDEN');
    expect(leaky.received).toEqual([]);
  });

  it('refuses to test or deliver to an internal address stored earlier, sending nothing', async () => {
    const created = await wecomChannel('legacy robot', 'https://legacy.invalid/cgi-bin/webhook/send?key=x');
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as number;
    for (const url of [`http://127.0.0.1:${port}/hook`, 'http://169.254.169.254/latest/meta-data/', `http://localhost:${port}/hook`]) {
      await repoint(id, url);
      const res = await call('POST', `/api/v1/notification-channels/${id}/test`, {});
      expect(`${url} → ${code(res)}`).toBe(`${url} → 400 OUTBOUND_TARGET_FORBIDDEN`);
    }
    // The outbox job refuses at connect time too: a name is checked inside the connection's own lookup.
    for (const url of [`http://localhost:${port}/hook`, `http://127.0.0.1:${port}/hook`]) {
      await repoint(id, url);
      const noticeId = await env.ctx.db.transaction().execute((trx) => recordNotice(env.ctx, trx, { kind: 'monitoring.alert.opened', severity: 'warning', title: `via ${url}`, body: '' }));
      await deliverPending(env.ctx);
      const row = await env.ctx.db.selectFrom('notification_deliveries').select(['status', 'last_error']).where('notification_id', '=', noticeId).where('channel_id', '=', id).executeTakeFirstOrThrow();
      expect(row.status).toBe('pending');
      expect(row.last_error).toContain('OUTBOUND_TARGET_FORBIDDEN');
    }
    expect(leaky.received).toEqual([]);
    await env.ctx.db.updateTable('notification_channels').set({ enabled: false }).where('id', '=', id).execute();
  });

  it('refuses ticket callback URLs on internal addresses, when saved and when sent', async () => {
    for (const url of [`http://127.0.0.1:${port}/cb`, 'http://169.254.169.254/cb', `http://localhost:${port}/cb`]) {
      const res = await call('POST', '/api/v1/tickets/channel-clients', { code: `c-${Math.abs(url.length)}`, name: 'x', channel: 'hotline_12345', callbackUrl: url });
      expect(`${url} → ${code(res)}`).toBe(`${url} → 400 OUTBOUND_TARGET_FORBIDDEN`);
    }
    const client = await createChannelClient(env, admin, { code: 'hotline', channel: 'hotline_12345', callbackUrl: 'https://cb.invalid/zhibo' });
    expect(code(await call('PATCH', '/api/v1/tickets/channel-clients/hotline', { callbackUrl: `http://127.0.0.1:${port}/cb` }))).toBe('400 OUTBOUND_TARGET_FORBIDDEN');
    // Stored before the guard: the job refuses it at every attempt.
    await env.ctx.db.updateTable('ticket_channel_clients').set({ callback_url: `http://127.0.0.1:${port}/cb` }).where('code', '=', 'hotline').execute();
    const ticket = (await inbound(env, client, { externalNo: 'G-1', category: 'fee_dispute', title: '收费争议', description: '多收' })).json();
    await walk(env, admin, ticket.id, [{ to: 'assigned', assignee: 'admin' }]);
    expect(await deliverCallbacks(env.ctx)).toMatchObject({ claimed: 1, sent: 0, retrying: 1 });
    const [row] = await env.ctx.db.selectFrom('ticket_callbacks').select(['last_error']).where('ticket_id', '=', ticket.id).execute();
    expect(row!.last_error).toContain('OUTBOUND_TARGET_FORBIDDEN');
    expect(leaky.received).toEqual([]);
  });

  it('reaches what ZHIBO_OUTBOUND_ALLOW lists, and reports a status line, never the answer\'s body', async () => {
    env.ctx.config.outboundAllow = ['127.0.0.1', 'localhost'];
    try {
      const good = await wecomChannel('allowed robot', robot.url);
      expect(good.statusCode, good.body).toBe(201);
      const sent = await call('POST', `/api/v1/notification-channels/${good.json().id}/test`, {});
      expect(sent.json()).toEqual({ ok: true, httpStatus: 200, answer: 'HTTP 200 OK' });
      expect(robot.requests).toHaveLength(1);

      const byName = await wecomChannel('allowed by name', `http://localhost:${port}/hook?key=x`);
      expect(byName.statusCode, byName.body).toBe(201);
      for (const status of [200, 500]) {
        leaky.statuses.push(status);
        const res = await call('POST', `/api/v1/notification-channels/${byName.json().id}/test`, {});
        expect(res.statusCode).toBe(200);
        expect(res.body).not.toContain(LEAK);
        expect(res.json()).toEqual(status === 200
          ? { ok: false, httpStatus: 200, answer: 'HTTP 200 OK', error: 'errcode 40001' }
          : { ok: false, httpStatus: 500, answer: 'HTTP 500 Internal Server Error', error: 'HTTP 500' });
      }
      const deliveries = await call('POST', '/api/v1/notification-channels', {
        name: 'allowed mail', type: 'email', settings: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'alerts', password: 'mail-Pass-1', from: 'a@example.cn', to: ['b@example.cn'] },
      });
      expect(deliveries.statusCode, deliveries.body).toBe(201);
      const mail = await call('POST', `/api/v1/notification-channels/${deliveries.json().id}/test`, {});
      expect(mail.json()).toMatchObject({ ok: true, answer: expect.stringMatching(/^250 /) });

      // A callback receiver on an allowed address; what it answered is kept as a status line only.
      const client = await createChannelClient(env, admin, { code: 'allowed-cb', channel: 'hotline_12345', callbackUrl: `http://127.0.0.1:${port}/cb` });
      const ticket = (await inbound(env, client, { externalNo: 'G-2', category: 'fee_dispute', title: '收费争议', description: '多收' })).json();
      await walk(env, admin, ticket.id, [{ to: 'assigned', assignee: 'admin' }]);
      leaky.statuses.push(500);
      await deliverCallbacks(env.ctx);
      const log = await env.app.inject({ url: '/api/v1/tickets/channel-clients/allowed-cb/callbacks', headers: bearer(admin) });
      expect(log.json().items[0]).toMatchObject({ lastHttpStatus: 500, lastError: 'HTTP 500 Internal Server Error' });
      expect(log.body).not.toContain(LEAK);
      expect(leaky.received).toContain('/cb');
    } finally {
      env.ctx.config.outboundAllow = [];
    }
  });
});

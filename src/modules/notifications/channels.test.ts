import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { startRobotReceiver, startSmtpReceiver, type RobotReceiver, type SmtpReceiver } from '../../../test/support/notification-receivers.js';

const WECOM_KEY = '693a91f6-7aoc-4bc4-97a0-0ec2sifa5aaa';
const DING_TOKEN = 'b8f7c2d94e1a6f3057c8e2d1a9b4f6e3c7d2a1b8e9f4c3d6a7b2e1f8c9d4a3b6';
const DING_SECRET = 'SECa3f9d27c41e8b06f5d2c9e7a1b4f8d3c6e9a2b5f8c1d4e7a0b3f6c9d2e5a8b1';
const SMTP_PASSWORD = 'smtp-Pass-9f3k2';

describeDb('notification channels', (backend) => {
  let env: TestEnv;
  let admin: string;
  let ops: string;
  let viewer: string;
  let wecom: RobotReceiver;
  let ding: RobotReceiver;
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    ops = await userToken(env.app, admin, { username: 'ops1', role: 'ops' });
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'bureau' });
    wecom = await startRobotReceiver({ kind: 'wecom', token: WECOM_KEY, now: () => env.clock.now() });
    ding = await startRobotReceiver({ kind: 'dingtalk', token: DING_TOKEN, secret: DING_SECRET, now: () => env.clock.now() });
    smtp = await startSmtpReceiver({ username: 'zhibo@example.cn', password: SMTP_PASSWORD });
  });
  afterAll(async () => {
    await Promise.all([wecom.close(), ding.close(), smtp.close()]);
    await env.close();
  });

  const post = (url: string, payload: unknown, token = ops) => env.app.inject({ method: 'POST', url, headers: bearer(token), payload: payload as object });
  const patch = (url: string, payload: unknown, token = ops) => env.app.inject({ method: 'PATCH', url, headers: bearer(token), payload: payload as object });
  const ids: Record<string, number> = {};

  it('creates channels of each type and shows their secrets masked or as set, never in full', async () => {
    const w = await post('/api/v1/notification-channels', { name: '运维群（企业微信）', type: 'wecom', minSeverity: 'warning', kinds: ['monitoring.'], settings: { webhookUrl: wecom.url } });
    expect(w.statusCode).toBe(201);
    ids.wecom = w.json().id;
    expect(w.json()).toMatchObject({ name: '运维群（企业微信）', type: 'wecom', enabled: true, minSeverity: 'warning', kinds: ['monitoring.'], districtCode: null, createdBy: 'ops1' });
    expect(w.json().settings.webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/cgi-bin\/webhook\/send\?key=\*\*\*\*5aaa$/);

    const d = await post('/api/v1/notification-channels', { name: '钉钉值班群', type: 'dingtalk', minSeverity: 'info', districtCode: '320602', settings: { webhookUrl: ding.url, secret: DING_SECRET } });
    expect(d.statusCode).toBe(201);
    ids.ding = d.json().id;
    expect(d.json().settings).toEqual({ webhookUrl: expect.stringContaining('access_token=****'), secretSet: true });

    const e = await post('/api/v1/notification-channels', {
      name: '值班邮箱', type: 'email',
      settings: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'zhibo@example.cn', password: SMTP_PASSWORD, from: '智泊平台 <zhibo@example.cn>', to: ['duty@example.cn', 'lead@example.cn'] },
    });
    expect(e.statusCode).toBe(201);
    ids.email = e.json().id;
    expect(e.json().settings).toEqual({ host: '127.0.0.1', port: smtp.port, secure: false, user: 'zhibo@example.cn', from: '智泊平台 <zhibo@example.cn>', to: ['duty@example.cn', 'lead@example.cn'], passwordSet: true });

    const list = await env.app.inject({ url: '/api/v1/notification-channels', headers: bearer(ops) });
    const text = list.body;
    for (const secret of [WECOM_KEY, DING_TOKEN, DING_SECRET, SMTP_PASSWORD]) expect(text).not.toContain(secret);
    expect(list.json().items.map((c: { name: string }) => c.name)).toEqual(['运维群（企业微信）', '钉钉值班群', '值班邮箱']);
  });

  it('keeps secrets sealed at rest', async () => {
    const rows = await env.ctx.db.selectFrom('notification_channels').selectAll().execute();
    const stored = JSON.stringify(rows);
    for (const secret of [WECOM_KEY, DING_TOKEN, DING_SECRET, SMTP_PASSWORD]) expect(stored).not.toContain(secret);
  });

  it('updates a channel: absent secrets (and an empty address) keep the stored ones, null clears, new ones replace', async () => {
    const kept = await patch(`/api/v1/notification-channels/${ids.ding}`, { minSeverity: 'warning', settings: { webhookUrl: '' } });
    expect(kept.statusCode).toBe(200);
    expect(kept.json()).toMatchObject({ minSeverity: 'warning', settings: { secretSet: true } });
    const test = await post(`/api/v1/notification-channels/${ids.ding}/test`, {});
    expect(test.json()).toMatchObject({ ok: true }); // still signs with the kept secret

    const cleared = await patch(`/api/v1/notification-channels/${ids.ding}`, { settings: { secret: null } });
    expect(cleared.json().settings.secretSet).toBe(false);
    const unsigned = await post(`/api/v1/notification-channels/${ids.ding}/test`, {});
    expect(unsigned.json()).toMatchObject({ ok: false, error: expect.stringContaining('310000') });

    const restored = await patch(`/api/v1/notification-channels/${ids.ding}`, { settings: { secret: DING_SECRET } });
    expect(restored.json().settings.secretSet).toBe(true);
    const email = await patch(`/api/v1/notification-channels/${ids.email}`, { settings: { to: ['duty@example.cn'] } });
    expect(email.json().settings).toMatchObject({ to: ['duty@example.cn'], passwordSet: true });
  });

  it('sends a test message on demand and reports each channel’s answer', async () => {
    const w = await post(`/api/v1/notification-channels/${ids.wecom}/test`, {});
    expect(w.statusCode).toBe(200);
    expect(w.json()).toEqual({ ok: true, httpStatus: 200, answer: 'HTTP 200 OK' }); // the status line, never the body
    const sent = wecom.requests.at(-1)!;
    expect(sent.body).toMatchObject({ msgtype: 'markdown', markdown: { content: expect.stringContaining('智泊通知渠道测试') } });

    const d = await post(`/api/v1/notification-channels/${ids.ding}/test`, {});
    expect(d.json()).toMatchObject({ ok: true, answer: 'HTTP 200 OK' });

    const e = await post(`/api/v1/notification-channels/${ids.email}/test`, {});
    expect(e.json()).toMatchObject({ ok: true, answer: expect.stringMatching(/^250/) });
    expect(smtp.mails.at(-1)!.subject).toBe('[智泊][通知] 智泊通知渠道测试 / Zhibo channel test');

    wecom.replies.push({ body: { errcode: 45009, errmsg: 'api freq out of limit' } });
    const limited = await post(`/api/v1/notification-channels/${ids.wecom}/test`, {});
    expect(limited.json()).toEqual({ ok: false, httpStatus: 200, answer: 'HTTP 200 OK', error: 'errcode 45009' });
  });

  it('reports a wrong SMTP password as the server’s refusal, without the password', async () => {
    await patch(`/api/v1/notification-channels/${ids.email}`, { settings: { password: 'wrong-password-77' } });
    const res = await post(`/api/v1/notification-channels/${ids.email}/test`, {});
    expect(res.json().ok).toBe(false);
    expect(res.json().error).toMatch(/535|Invalid/i);
    expect(res.body).not.toContain('wrong-password-77');
    await patch(`/api/v1/notification-channels/${ids.email}`, { settings: { password: SMTP_PASSWORD } });
  });

  it('writes audit rows for every change and test, with no secret in them', async () => {
    const rows = await env.ctx.db.selectFrom('audit_log').selectAll().where('target_type', '=', 'notification_channel').orderBy('id').execute();
    expect(rows.map((r) => r.action)).toEqual(expect.arrayContaining(['notification_channel.create', 'notification_channel.update', 'notification_channel.test']));
    const text = JSON.stringify(rows);
    for (const secret of [WECOM_KEY, DING_TOKEN, DING_SECRET, SMTP_PASSWORD, 'wrong-password-77']) expect(text).not.toContain(secret);
    const secretChange = rows.find((r) => r.action === 'notification_channel.update' && (r.detail as { secretsChanged?: string[] } | null)?.secretsChanged?.includes('secret'));
    expect(secretChange).toBeTruthy();
    const created = rows.find((r) => r.action === 'notification_channel.create' && r.target_id === String(ids.wecom))!;
    expect((created.detail as { after: { settings: unknown } }).after.settings).toEqual({ webhookTarget: expect.stringMatching(/\/cgi-bin\/webhook\/send$/) });
  });

  it('refuses bad input with the field’s code, duplicates with 409', async () => {
    const cases: [unknown, string][] = [
      [{ name: 'x', type: 'sms', settings: {} }, 'INVALID_TYPE'],
      [{ name: '', type: 'wecom', settings: { webhookUrl: wecom.url } }, 'INVALID_NAME'],
      [{ name: 'x', type: 'wecom', settings: { webhookUrl: 'ftp://example.com/x' } }, 'INVALID_WEBHOOK_URL'],
      [{ name: 'x', type: 'dingtalk', settings: {} }, 'INVALID_WEBHOOK_URL'],
      [{ name: 'x', type: 'email', settings: { host: 'smtp.example.cn', port: 465, from: 'a@example.cn', to: ['not-an-address'] } }, 'INVALID_EMAIL'],
      [{ name: 'x', type: 'email', settings: { host: 'smtp.example.cn', port: 70000, from: 'a@example.cn', to: ['b@example.cn'] } }, 'INVALID_PORT'],
      [{ name: 'x', type: 'wecom', kinds: ['monitoring alerts'], settings: { webhookUrl: wecom.url } }, 'INVALID_KINDS'],
      [{ name: 'x', type: 'wecom', minSeverity: 'urgent', settings: { webhookUrl: wecom.url } }, 'INVALID_SEVERITY'],
      [{ name: 'x', type: 'wecom', districtCode: '999999', settings: { webhookUrl: wecom.url } }, 'UNKNOWN_DISTRICT'],
    ];
    for (const [body, code] of cases) {
      const res = await post('/api/v1/notification-channels', body);
      expect([res.statusCode, res.json().error.code], JSON.stringify(body)).toEqual([400, code]);
    }
    const dup = await post('/api/v1/notification-channels', { name: '值班邮箱', type: 'wecom', settings: { webhookUrl: wecom.url } });
    expect([dup.statusCode, dup.json().error.code]).toEqual([409, 'DUPLICATE']);
    const typeChange = await patch(`/api/v1/notification-channels/${ids.wecom}`, { type: 'email' });
    expect(typeChange.statusCode).toBe(400);
    const missing = await patch('/api/v1/notification-channels/99999', { enabled: false });
    expect(missing.statusCode).toBe(404);
  });

  it('documents every route in the OpenAPI document with a bilingual summary', async () => {
    const doc = (await env.app.inject({ url: '/api/openapi.json' })).json() as { paths: Record<string, Record<string, { summary?: string }>> };
    const ours = Object.entries(doc.paths).filter(([path]) => path.startsWith('/api/v1/notification'));
    expect(ours.map(([path]) => path).sort()).toEqual([
      '/api/v1/notification-channels', '/api/v1/notification-channels/{id}', '/api/v1/notification-channels/{id}/deliveries', '/api/v1/notification-channels/{id}/test',
      '/api/v1/notifications', '/api/v1/notifications/read-all', '/api/v1/notifications/{id}/read',
    ]);
    for (const [, methods] of ours) for (const op of Object.values(methods)) expect(op.summary).toMatch(/[\u4e00-\u9fa5].* \/ [A-Za-z]/);
  });

  it('is for ops only', async () => {
    expect((await env.app.inject({ url: '/api/v1/notification-channels', headers: bearer(viewer) })).statusCode).toBe(403);
    expect((await post(`/api/v1/notification-channels/${ids.wecom}/test`, {}, viewer)).statusCode).toBe(403);
    expect((await env.app.inject({ url: '/api/v1/notification-channels' })).statusCode).toBe(401);
  });

  it('disables and deletes a channel, with audit', async () => {
    const off = await patch(`/api/v1/notification-channels/${ids.wecom}`, { enabled: false });
    expect(off.json().enabled).toBe(false);
    const del = await env.app.inject({ method: 'DELETE', url: `/api/v1/notification-channels/${ids.wecom}`, headers: bearer(ops) });
    expect(del.statusCode).toBe(204);
    expect((await env.app.inject({ url: `/api/v1/notification-channels/${ids.wecom}`, headers: bearer(ops) })).statusCode).toBe(404);
    const audit = await env.ctx.db.selectFrom('audit_log').select('action').where('target_type', '=', 'notification_channel').where('target_id', '=', String(ids.wecom)).orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(audit.action).toBe('notification_channel.delete');
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { notify, recordNotice, type Notice } from './service.js';

describeDb('notifications inbox', (backend) => {
  let env: TestEnv;
  let admin: string;
  const tokens: Record<string, string> = {};
  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    tokens.ops1 = await userToken(env.app, admin, { username: 'ops1', role: 'ops' });
    tokens.ops2 = await userToken(env.app, admin, { username: 'ops2', role: 'ops' });
    tokens.viewer1 = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
    tokens.bureau1 = await userToken(env.app, admin, { username: 'bureau1', role: 'bureau' });
    tokens.chongchuan = await userToken(env.app, admin, { username: 'chongchuan', role: 'district', districtCode: '320602' });
    tokens.haimen = await userToken(env.app, admin, { username: 'haimen', role: 'district', districtCode: '320614' });
  });
  afterAll(() => env.close());

  const inbox = async (who: string, query = '') => {
    const res = await env.app.inject({ url: `/api/v1/notifications${query}`, headers: bearer(tokens[who] ?? admin) });
    expect(res.statusCode).toBe(200);
    return res.json() as { items: { id: number; title: string; readAt: string | null; link: string | null; severity: string }[]; nextCursor: string | null; unreadCount: number };
  };
  const titles = async (who: string) => (await inbox(who)).items.map((i) => i.title);
  const notice = (title: string, extra: Partial<Notice> = {}): Notice => ({ kind: 'test.event', severity: 'warning', title, body: '正文 / body', ...extra });
  const raise = (n: Notice) => env.ctx.db.transaction().execute((trx) => notify(env.ctx, trx, n));

  it('keeps nothing of a notice raised in a transaction that rolls back', async () => {
    await expect(
      env.ctx.db.transaction().execute(async (trx) => {
        await notify(env.ctx, trx, notice('回滚的通知 / rolled back'));
        throw new Error('the caller’s change failed');
      }),
    ).rejects.toThrow('the caller’s change failed');
    const count = await env.ctx.db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(0);
    expect(await titles('ops1')).toEqual([]);
  });

  it('goes to holders of the permission, ops by default', async () => {
    await raise(notice('默认受众 / default audience'));
    expect(await titles('ops1')).toEqual(['默认受众 / default audience']);
    expect(await titles('ops2')).toEqual(['默认受众 / default audience']);
    expect(await titles('admin')).toEqual(['默认受众 / default audience']); // admin holds every permission
    expect(await titles('viewer1')).toEqual([]);
    expect(await titles('bureau1')).toEqual([]);
  });

  it('goes to named users only when only usernames are given, and to both when both are', async () => {
    await raise(notice('指派给 viewer1 / assigned', { audience: { usernames: ['viewer1', 'nobody-such'] } }));
    expect(await titles('viewer1')).toEqual(['指派给 viewer1 / assigned']);
    expect((await titles('ops1'))[0]).toBe('默认受众 / default audience');
    await raise(notice('pii 与 viewer1 / pii and viewer1', { audience: { permission: 'pii', usernames: ['viewer1'] } }));
    expect((await titles('bureau1'))[0]).toBe('pii 与 viewer1 / pii and viewer1');
    expect((await titles('viewer1'))[0]).toBe('pii 与 viewer1 / pii and viewer1');
    expect((await titles('ops1'))[0]).toBe('pii 与 viewer1 / pii and viewer1'); // ops holds pii
  });

  it('shows district users their district’s and city-wide notices only, even when named', async () => {
    const everyone = { permission: 'registry:read' as const };
    await raise(notice('崇川 / Chongchuan', { districtCode: '320602', audience: { ...everyone, usernames: ['haimen'] } }));
    await raise(notice('全市 / city-wide', { districtCode: null, audience: everyone }));
    expect((await titles('chongchuan')).slice(0, 2)).toEqual(['全市 / city-wide', '崇川 / Chongchuan']);
    expect(await titles('haimen')).toEqual(['全市 / city-wide']);
    expect((await titles('ops1')).slice(0, 2)).toEqual(['全市 / city-wide', '崇川 / Chongchuan']);
  });

  it('does not reach disabled users', async () => {
    await userToken(env.app, admin, { username: 'gone', role: 'ops' });
    await env.app.inject({ method: 'POST', url: '/api/v1/users/gone/disable', headers: bearer(admin) });
    const id = await env.ctx.db.transaction().execute((trx) => recordNotice(env.ctx, trx, notice('停用用户 / disabled user')));
    const rows = await env.ctx.db.selectFrom('notification_recipients').innerJoin('users', 'users.id', 'notification_recipients.user_id').select('users.username').where('notification_id', '=', id).execute();
    expect(rows.map((r) => r.username).sort()).toEqual(['admin', 'ops1', 'ops2']);
  });

  it('keeps read state per user, with unread counts, unread filter and read-all', async () => {
    const before = await inbox('ops1');
    expect(before.unreadCount).toBe(before.items.length);
    const target = before.items[0]!;
    env.clock.advance(60_000);
    const read = await env.app.inject({ method: 'POST', url: `/api/v1/notifications/${target.id}/read`, headers: bearer(tokens.ops1!) });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual({ id: target.id, readAt: env.clock.now().toISOString(), unreadCount: before.unreadCount - 1 });
    // Reading again keeps the first time.
    env.clock.advance(60_000);
    const again = await env.app.inject({ method: 'POST', url: `/api/v1/notifications/${target.id}/read`, headers: bearer(tokens.ops1!) });
    expect(again.json().readAt).toBe(read.json().readAt);

    const unread = await inbox('ops1', '?unread=true');
    expect(unread.items.map((i) => i.id)).not.toContain(target.id);
    expect(unread.items.length).toBe(before.unreadCount - 1);
    // ops2 is untouched by ops1's reading.
    expect((await inbox('ops2')).unreadCount).toBe(before.unreadCount);

    const all = await env.app.inject({ method: 'POST', url: '/api/v1/notifications/read-all', headers: bearer(tokens.ops1!) });
    expect(all.json()).toEqual({ marked: before.unreadCount - 1, unreadCount: 0 });
    expect((await inbox('ops1', '?unread=true')).items).toEqual([]);
    expect((await inbox('ops2')).unreadCount).toBe(before.unreadCount);
  });

  it('refuses to mark a notice that is not the user’s (404) and bad ids (400)', async () => {
    const mine = (await inbox('chongchuan')).items;
    const others = (await inbox('ops1')).items.filter((i) => !mine.some((m) => m.id === i.id));
    const res = await env.app.inject({ method: 'POST', url: `/api/v1/notifications/${others[0]!.id}/read`, headers: bearer(tokens.chongchuan!) });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('NOT_FOUND');
    const bad = await env.app.inject({ method: 'POST', url: '/api/v1/notifications/abc/read', headers: bearer(tokens.chongchuan!) });
    expect(bad.statusCode).toBe(400);
    expect((await env.app.inject({ url: '/api/v1/notifications?cursor=x', headers: bearer(admin) })).statusCode).toBe(400);
    expect((await env.app.inject({ url: '/api/v1/notifications' })).statusCode).toBe(401);
  });

  it('pages newest first with a cursor', async () => {
    for (let i = 1; i <= 5; i++) await raise(notice(`第 ${i} 条 / no. ${i}`, { link: `/monitoring?alert=${i}`, severity: 'critical' }));
    const first = await inbox('ops2', '?limit=3');
    expect(first.items.map((i) => i.title)).toEqual(['第 5 条 / no. 5', '第 4 条 / no. 4', '第 3 条 / no. 3']);
    expect(first.items[0]).toMatchObject({ link: '/monitoring?alert=5', severity: 'critical', readAt: null });
    const second = await inbox('ops2', `?limit=3&cursor=${first.nextCursor}`);
    expect(second.items.map((i) => i.title)).toEqual(['第 2 条 / no. 2', '第 1 条 / no. 1', '停用用户 / disabled user']);
    const ids = [...first.items, ...second.items].map((i) => i.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it('cuts over-long texts instead of failing the caller', async () => {
    const id = await env.ctx.db.transaction().execute((trx) => recordNotice(env.ctx, trx, notice('长'.repeat(500), { body: 'x'.repeat(10_000) })));
    const row = await env.ctx.db.selectFrom('notifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.title.length).toBe(200);
    expect(row.body.length).toBe(4000);
  });
});

import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';

describeDb('accounts: PATCH /api/v1/users/{username}', (backend) => {
  let env: TestEnv;
  let admin: string;
  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
  });
  afterAll(() => env.close());

  const patch = (username: string, payload: unknown, token = admin) =>
    env.app.inject({ method: 'PATCH', url: `/api/v1/users/${username}`, headers: bearer(token), payload: payload as object });
  const me = (token: string) => env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) });

  it('changes a role, effective on the next request of the same token, audited with before and after', async () => {
    const token = await userToken(env.app, admin, { username: 'p-role', role: 'viewer' });
    const res = await patch('p-role', { role: 'ops' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'p-role', role: 'ops', districtCode: null, status: 'active' });
    expect((await me(token)).json().role).toBe('ops');
    const entry = await env.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'user.update').where('target_id', '=', 'p-role').executeTakeFirstOrThrow();
    expect(entry.detail).toMatchObject({ before: { role: 'viewer' }, after: { role: 'ops' } });
    expect(entry.actor).toBe('admin');
  });

  it('requires a known district for district users and clears it for other roles', async () => {
    await userToken(env.app, admin, { username: 'p-dist', role: 'viewer' });
    expect((await patch('p-dist', { role: 'district' })).json().error.code).toBe('DISTRICT_REQUIRED');
    expect((await patch('p-dist', { role: 'district', districtCode: '999999' })).json().error.code).toBe('UNKNOWN_DISTRICT');
    expect((await patch('p-dist', { districtCode: '320602' })).json().error.code).toBe('DISTRICT_NOT_ALLOWED');
    const ok = await patch('p-dist', { role: 'district', districtCode: '320602' });
    expect(ok.json()).toMatchObject({ role: 'district', districtCode: '320602' });
    expect((await patch('p-dist', { districtCode: null })).json().error.code).toBe('DISTRICT_REQUIRED');
    expect((await patch('p-dist', { districtCode: '320612' })).json().districtCode).toBe('320612');
    expect((await patch('p-dist', { role: 'bureau' })).json()).toMatchObject({ role: 'bureau', districtCode: null });
  });

  it('rejects bad input with 400 and a code, unknown users with 404, non-admins with 403', async () => {
    expect((await patch('p-role', { role: 'root' })).json().error.code).toBe('INVALID_ROLE');
    expect((await patch('p-role', { disabled: 'yes' })).statusCode).toBe(400);
    expect((await patch('p-role', { password: 'x' })).statusCode).toBe(400);
    expect((await patch('nobody-here', { role: 'ops' })).statusCode).toBe(404);
    const viewer = await userToken(env.app, admin, { username: 'p-viewer', role: 'viewer' });
    expect((await patch('p-role', { role: 'viewer' }, viewer)).statusCode).toBe(403);
  });

  it('disables a user: their tokens stop working and sign-in is refused; enabling lets them back', async () => {
    const token = await userToken(env.app, admin, { username: 'p-off', role: 'ops' });
    expect((await me(token)).statusCode).toBe(200);
    const off = await patch('p-off', { disabled: true });
    expect(off.json().status).toBe('disabled');
    expect((await me(token)).statusCode).toBe(401);
    const revoked = await env.ctx.db.selectFrom('auth_tokens as t').innerJoin('users as u', 'u.id', 't.user_id').select('t.revoked_at').where('u.username', '=', 'p-off').execute();
    expect(revoked.every((t) => t.revoked_at !== null)).toBe(true);
    const login = await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'p-off', password: 'User-Pass-1' } });
    expect(login.statusCode).toBe(403);
    expect((await patch('p-off', { disabled: false })).json().status).toBe('active');
    expect((await env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'p-off', password: 'User-Pass-1' } })).statusCode).toBe(200);
  });

  it('keeps the last active admin: no demotion, no disabling (409 LAST_ADMIN)', async () => {
    expect((await patch('admin', { disabled: true })).json().error.code).toBe('CANNOT_DISABLE_SELF');
    const last = await patch('admin', { role: 'ops' });
    expect(last.statusCode).toBe(409);
    expect(last.json().error.code).toBe('LAST_ADMIN');
    // With a second admin the first may step down; then the second is the last one.
    expect((await patch('p-viewer', { role: 'admin' })).json().role).toBe('admin');
    const second = await loginToken(env.app, 'p-viewer', 'User-Pass-1');
    expect((await patch('admin', { role: 'bureau' }, second)).json().role).toBe('bureau');
    const demoteLast = await patch('p-viewer', { role: 'viewer' }, second);
    expect(demoteLast.statusCode).toBe(409);
    expect(demoteLast.json().error.code).toBe('LAST_ADMIN');
    // A disabled admin does not count as the one that keeps the platform managed.
    expect((await patch('admin', { role: 'admin', disabled: true }, second)).json()).toMatchObject({ role: 'admin', status: 'disabled' });
    expect((await patch('p-viewer', { role: 'ops' }, second)).json().error.code).toBe('LAST_ADMIN');
    expect((await patch('admin', { disabled: false }, second)).json().status).toBe('active');
  });
});

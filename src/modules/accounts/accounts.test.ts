import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';

describeDb('accounts', (backend) => {
  let env: TestEnv;
  let admin: string;
  beforeAll(async () => {
    env = await createTestEnv(backend, { loginMaxFailures: 3, loginLockMinutes: 15, tokenTtlMinutes: 60 });
    admin = await loginToken(env.app);
  });
  afterAll(() => env.close());

  const login = (username: string, password: string) =>
    env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });

  it('refuses anonymous and bad tokens with 401 and the error shape', async () => {
    for (const headers of [{}, bearer('nope'), { authorization: 'Basic abc' }]) {
      const res = await env.app.inject({ url: '/api/v1/users', headers });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('answers wrong credentials alike for unknown users and wrong passwords', async () => {
    const unknown = await login('ghost', 'whatever-1');
    const wrong = await login('admin', 'wrong-password-1');
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    expect(unknown.json()).toEqual(wrong.json());
  });

  it('locks an account after repeated failures until the lock expires', async () => {
    await env.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload: { username: 'lockme', password: 'Right-Pass-1', role: 'viewer' } });
    expect((await login('lockme', 'bad-1')).statusCode).toBe(401);
    expect((await login('lockme', 'bad-2')).statusCode).toBe(401);
    const third = await login('lockme', 'bad-3');
    expect(third.statusCode).toBe(423);
    expect(third.json().error.code).toBe('ACCOUNT_LOCKED');
    // Even the right password is refused while locked.
    expect((await login('lockme', 'Right-Pass-1')).statusCode).toBe(423);
    env.clock.advance(16 * 60_000);
    expect((await login('lockme', 'Right-Pass-1')).statusCode).toBe(200);
  });

  it('lets an admin unlock by resetting the password, which signs the user out', async () => {
    const token = await userToken(env.app, admin, { username: 'resetme', role: 'viewer' });
    for (let i = 0; i < 3; i++) await login('resetme', `bad-${i}x`);
    expect((await login('resetme', 'User-Pass-1')).statusCode).toBe(423);
    const reset = await env.app.inject({ method: 'POST', url: '/api/v1/users/resetme/reset-password', headers: bearer(admin), payload: { password: 'New-Pass-22' } });
    expect(reset.statusCode).toBe(200);
    expect((await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })).statusCode).toBe(401);
    expect((await login('resetme', 'New-Pass-22')).statusCode).toBe(200);
  });

  it('expires tokens after their lifetime', async () => {
    const token = await userToken(env.app, admin, { username: 'expiring', role: 'viewer' });
    expect((await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })).statusCode).toBe(200);
    env.clock.advance(61 * 60_000);
    expect((await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })).statusCode).toBe(401);
    admin = await loginToken(env.app); // the admin's token aged too
  });

  it('revokes a token on logout', async () => {
    const token = await userToken(env.app, admin, { username: 'leaving', role: 'viewer' });
    const out = await env.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(token) });
    expect(out.statusCode).toBe(204);
    expect((await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })).statusCode).toBe(401);
  });

  it('signs out and refuses a disabled user', async () => {
    const token = await userToken(env.app, admin, { username: 'disabled1', role: 'viewer' });
    const res = await env.app.inject({ method: 'POST', url: '/api/v1/users/disabled1/disable', headers: bearer(admin) });
    expect(res.json().status).toBe('disabled');
    expect((await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })).statusCode).toBe(401);
    const again = await login('disabled1', 'User-Pass-1');
    expect(again.statusCode).toBe(403);
    expect(again.json().error.code).toBe('ACCOUNT_DISABLED');
  });

  describe('user management', () => {
    it('validates new users with clear 4xx codes', async () => {
      const cases: [Record<string, unknown>, number, string][] = [
        [{ username: 'd1', password: 'User-Pass-1', role: 'district' }, 400, 'DISTRICT_REQUIRED'],
        [{ username: 'd2', password: 'User-Pass-1', role: 'district', districtCode: '999999' }, 400, 'UNKNOWN_DISTRICT'],
        [{ username: 'd3', password: 'User-Pass-1', role: 'viewer', districtCode: '320602' }, 400, 'DISTRICT_NOT_ALLOWED'],
        [{ username: 'd4', password: 'short', role: 'viewer' }, 400, 'WEAK_PASSWORD'],
        [{ username: 'd5', password: 'User-Pass-1', role: 'king' }, 400, 'VALIDATION_FAILED'],
        [{ username: 'bad name!', password: 'User-Pass-1', role: 'viewer' }, 400, 'INVALID_USERNAME'],
        [{ username: 'admin', password: 'User-Pass-1', role: 'viewer' }, 409, 'USERNAME_TAKEN'],
      ];
      for (const [payload, status, code] of cases) {
        const res = await env.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload });
        expect([res.statusCode, res.json().error?.code], JSON.stringify(payload)).toEqual([status, code]);
      }
    });

    it('is for admins only (403 for others)', async () => {
      const viewer = await userToken(env.app, admin, { username: 'viewer9', role: 'viewer' });
      const res = await env.app.inject({ url: '/api/v1/users', headers: bearer(viewer) });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    });

    it('gives district users their district and no pii permission', async () => {
      const token = await userToken(env.app, admin, { username: 'chongchuan', role: 'district', districtCode: '320602' });
      const me = (await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })).json();
      expect(me.districtCode).toBe('320602');
      expect(me.permissions).not.toContain('pii');
    });

    it('audits sign-ins, failures and user writes without passwords', async () => {
      const rows = await env.ctx.db.selectFrom('audit_log').selectAll().execute();
      const actions = rows.map((r) => `${r.action}:${r.outcome}`);
      expect(actions).toContain('auth.login:ok');
      expect(actions).toContain('auth.login:failed');
      expect(actions).toContain('user.create:ok');
      expect(actions).toContain('user.disable:ok');
      expect(JSON.stringify(rows)).not.toMatch(/User-Pass-1|Right-Pass-1|scrypt\$/);
    });
  });
});

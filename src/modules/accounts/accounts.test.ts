import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { pruneLoginFailures } from './service.js';

describeDb('accounts', (backend) => {
  let env: TestEnv;
  let admin: string;
  beforeAll(async () => {
    // 3 wrong passwords lock a (username, address) pair; 6 from any addresses lock the account.
    env = await createTestEnv(backend, { loginMaxFailures: 3, loginAccountMaxFailures: 6, loginLockMinutes: 15, tokenTtlMinutes: 60 });
    admin = await loginToken(env.app);
  });
  afterAll(() => env.close());

  const login = (username: string, password: string, remoteAddress = '127.0.0.1') =>
    env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress });
  const createUser = async (username: string, password = 'User-Pass-1') => {
    const res = await env.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload: { username, password, role: 'viewer' } });
    expect(res.statusCode).toBe(201);
  };
  const lockMs = 15 * 60_000;
  /** What a wrong password gets: the answer every refused sign-in must be indistinguishable from. */
  const wrongAnswer = async () => (await login('nobody-at-all', 'whatever-1', '192.0.2.250')).json();
  /** Past the lock; the admin's token (60 minutes) is renewed as the clock moves. */
  const pastLock = async () => {
    env.clock.advance(lockMs + 60_000);
    admin = await loginToken(env.app);
  };
  const notices = (kind: string) => env.ctx.db.selectFrom('notifications').selectAll().where('kind', '=', kind).orderBy('id').execute();

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

  it('locks an account after repeated failures until the lock expires, answering like a wrong password', async () => {
    await createUser('lockme', 'Right-Pass-1');
    expect((await login('lockme', 'bad-1')).statusCode).toBe(401);
    expect((await login('lockme', 'bad-2')).statusCode).toBe(401);
    const third = await login('lockme', 'bad-3');
    // A lock is not announced: the same 401 and body as any wrong password (no 423, no probing).
    expect(third.statusCode).toBe(401);
    expect(third.json()).toEqual(await wrongAnswer());
    // Even the right password is refused while locked, with the same answer.
    const right = await login('lockme', 'Right-Pass-1');
    expect(right.statusCode).toBe(401);
    expect(right.json()).toEqual(await wrongAnswer());
    env.clock.advance(lockMs - 60_000);
    expect((await login('lockme', 'Right-Pass-1')).statusCode).toBe(401);
    env.clock.advance(2 * 60_000);
    expect((await login('lockme', 'Right-Pass-1')).statusCode).toBe(200);
  });

  it('lets an admin unlock by resetting the password, which signs the user out', async () => {
    const token = await userToken(env.app, admin, { username: 'resetme', role: 'viewer' });
    for (let i = 0; i < 3; i++) await login('resetme', `bad-${i}x`);
    expect((await login('resetme', 'User-Pass-1')).statusCode).toBe(401);
    const reset = await env.app.inject({ method: 'POST', url: '/api/v1/users/resetme/reset-password', headers: bearer(admin), payload: { password: 'New-Pass-22' } });
    expect(reset.statusCode).toBe(200);
    expect((await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })).statusCode).toBe(401);
    expect((await login('resetme', 'New-Pass-22')).statusCode).toBe(200);
  });

  describe('lockout under concurrency and per address', () => {
    it('locks after 30 parallel wrong passwords and refuses the right one until the lock ends', async () => {
      await createUser('racer1');
      const wrong = await Promise.all(Array.from({ length: 30 }, (_, i) => login('racer1', `bad-pass-${i}`)));
      expect(wrong.map((r) => r.statusCode)).toEqual(Array(30).fill(401));
      const right = await login('racer1', 'User-Pass-1');
      expect(right.statusCode).toBe(401);
      expect(right.json()).toEqual(await wrongAnswer());
      await pastLock();
      expect((await login('racer1', 'User-Pass-1')).statusCode).toBe(200);
    });

    it('never lets a right password through after the lock was set by wrong ones racing it', async () => {
      await createUser('racer2');
      const attempts = Array.from({ length: 30 }, (_, i) => (i === 17 ? 'User-Pass-1' : `bad-pass-${i}`));
      const answers = await Promise.all(attempts.map((p) => login('racer2', p)));
      expect(answers.map((r) => r.statusCode).filter((s) => s !== 401 && s !== 200)).toEqual([]);
      // At least 27 wrong passwords came after any success, so the pair is locked now.
      expect((await login('racer2', 'User-Pass-1')).statusCode).toBe(401);
      // The audit chain is in the order the attempts took the row: a success, if any, came before the lock.
      const rows = await env.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'auth.login').where('target_id', '=', 'racer2').orderBy('id').execute();
      const locking = rows.filter((r) => JSON.stringify(r.detail).includes('"lockedNow"'));
      expect(locking).toHaveLength(1);
      const ok = rows.filter((r) => r.outcome === 'ok');
      expect(ok.length).toBe(answers.filter((r) => r.statusCode === 200).length);
      for (const row of ok) expect(row.id).toBeLessThan(locking[0]!.id);
      await pastLock();
    });

    it('locks a (username, address) pair without locking the user out from another address', async () => {
      await createUser('target1');
      for (let i = 0; i < 3; i++) {
        const res = await login('target1', `guess-${i}`, '203.0.113.66');
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual(await wrongAnswer());
      }
      expect((await login('target1', 'User-Pass-1', '203.0.113.66')).statusCode).toBe(401);
      expect((await login('target1', 'User-Pass-1', '198.51.100.7')).statusCode).toBe(200);
      // Admins hear of it (users:manage holders), without the password.
      const notice = (await notices('auth.locked')).find((n) => n.body.includes('target1'));
      if (!notice) throw new Error('no auth.locked notice for target1');
      expect(notice.body).toContain('203.0.113.66');
      expect(notice.body).not.toMatch(/guess-/);
      const recipients = await env.ctx.db.selectFrom('notification_recipients as r').innerJoin('users as u', 'u.id', 'r.user_id').select('u.username').where('r.notification_id', '=', notice.id).execute();
      expect(recipients.map((r) => r.username)).toContain('admin');
      expect(recipients.map((r) => r.username)).not.toContain('target1');
    });

    it('locks the account at its own higher threshold, whatever the addresses', async () => {
      await createUser('target2');
      for (const ip of ['203.0.113.1', '203.0.113.2', '203.0.113.3']) {
        for (let i = 0; i < 2; i++) expect((await login('target2', `guess-${ip}-${i}`, ip)).statusCode).toBe(401);
      }
      const right = await login('target2', 'User-Pass-1', '198.51.100.8');
      expect(right.statusCode).toBe(401);
      expect(right.json()).toEqual(await wrongAnswer());
      expect((await notices('auth.locked')).some((n) => n.body.includes('target2'))).toBe(true);
      await pastLock();
      expect((await login('target2', 'User-Pass-1', '198.51.100.8')).statusCode).toBe(200);
    });

    it('does not let one address lock the account: attempts at a locked pair do not count for the account', async () => {
      await createUser('target3');
      for (let i = 0; i < 9; i++) expect((await login('target3', `guess-${i}`, '203.0.113.99')).statusCode).toBe(401);
      expect((await login('target3', 'User-Pass-1', '198.51.100.9')).statusCode).toBe(200);
      await pastLock();
    });

    it('treats unknown usernames like known ones, without telling admins', async () => {
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await login('ghost-user', `guess-${i}`, '203.0.113.50'));
      for (const res of answers) {
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual(await wrongAnswer());
      }
      expect((await notices('auth.locked')).some((n) => n.body.includes('ghost-user'))).toBe(false);
    });

    it('counts wrong old passwords on change-password and refuses it while locked, 400 WRONG_PASSWORD', async () => {
      const token = await userToken(env.app, admin, { username: 'changer', role: 'viewer' });
      const change = (oldPassword: string) =>
        env.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(token), payload: { oldPassword, newPassword: 'Newer-Pass-9' } });
      const wrong = await change('old-guess-0');
      // Not 401: the user is signed in, and a 401 signs the console out.
      expect([wrong.statusCode, wrong.json().error.code]).toEqual([400, 'WRONG_PASSWORD']);
      for (let i = 1; i < 3; i++) expect((await change(`old-guess-${i}`)).json()).toEqual(wrong.json());
      expect((await change('User-Pass-1')).json()).toEqual(wrong.json()); // locked: answered like a wrong one
      expect((await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })).statusCode).toBe(200); // still signed in
      expect((await login('changer', 'User-Pass-1')).statusCode).toBe(401);
      await pastLock();
      expect((await login('changer', 'User-Pass-1')).statusCode).toBe(200);
      admin = await loginToken(env.app);
    });

    it('prunes the rows of pairs nobody has tried for a day', async () => {
      await login('prune-me', 'guess-1', '203.0.113.200');
      const rows = () => env.ctx.db.selectFrom('login_failures').select('ip').where('username', '=', 'prune-me').execute();
      expect(await rows()).toHaveLength(1);
      env.clock.advance(23 * 3_600_000);
      await pruneLoginFailures(env.ctx);
      expect(await rows()).toHaveLength(1);
      env.clock.advance(2 * 3_600_000);
      expect(await pruneLoginFailures(env.ctx)).toBeGreaterThan(0);
      expect(await rows()).toHaveLength(0);
      admin = await loginToken(env.app);
    });

    it('logs a lockout with the username and address, never the password', async () => {
      const lines: string[] = [];
      const saved = env.ctx.log;
      env.ctx.log = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => { lines.push(String(chunk)); done(); } }));
      try {
        await createUser('logged1');
        for (let i = 0; i < 3; i++) await login('logged1', `Secret-Guess-${i}`, '203.0.113.77');
      } finally {
        env.ctx.log = saved;
      }
      const text = lines.join('');
      expect(text).toContain('logged1');
      expect(text).toContain('203.0.113.77');
      expect(text).not.toContain('Secret-Guess');
    });
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

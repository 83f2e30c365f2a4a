import ExcelJS from 'exceljs';
import * as OTPAuth from 'otpauth';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { newCaptcha } from './captcha.js';
import { accountsDb } from './repo.js';

/*
 * Sign-in security for 等保 (docs/等保自查.md, decision 0023): captcha after failures, the
 * sign-in rate limit, TOTP with recovery codes, password expiry and history, idle expiry,
 * and the audit log's protection and export.
 */
describeDb('sign-in security', (backend) => {
  let env: TestEnv;
  let admin: string;
  const defaults = { loginCaptchaAfter: 2, totpRequired: false, passwordMaxAgeDays: 0, sessionIdleMinutes: 0 };
  beforeAll(async () => {
    env = await createTestEnv(backend, { ...defaults, loginRatePerMinute: 20, loginMaxFailures: 10, tokenTtlMinutes: 365 * 24 * 60 });
    admin = await loginToken(env.app);
  });
  afterAll(() => env.close());
  afterEach(() => Object.assign(env.ctx.config, defaults));

  let ipSeq = 0;
  /** A fresh client address per test: the sign-in budget and the captcha rule count per address. */
  const freshIp = () => `198.51.100.${++ipSeq}`;
  const login = (payload: Record<string, unknown>, remoteAddress: string) => env.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload, remoteAddress });
  const createUser = async (username: string, role = 'viewer', password = 'User-Pass-1') => {
    const res = await env.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(admin), payload: { username, password, role } });
    expect(res.statusCode).toBe(201);
  };
  /** A challenge made as the route makes it, with its answer (the picture is for people). */
  const solvedCaptcha = async (ip: string) => {
    let answer = '';
    const c = await newCaptcha(accountsDb(env.ctx.db), ip, env.clock.now(), (text) => { answer = text; });
    return { captchaId: c.id, captchaAnswer: answer };
  };
  const refreshAdmin = async () => {
    admin = await loginToken(env.app);
  };

  describe('captcha', () => {
    it('is asked for only after failed sign-ins, is good once, and any case', async () => {
      await createUser('cap1');
      const ip = freshIp();
      const first = await login({ username: 'cap1', password: 'wrong-1' }, ip);
      expect(first.json().error).toEqual({ code: 'INVALID_CREDENTIALS', message: expect.any(String) });
      const second = await login({ username: 'cap1', password: 'wrong-2' }, ip);
      expect(second.json().error.details).toEqual({ captchaRequired: true });
      // Now even the right password needs a captcha, and an unknown username from there too (same answer).
      const noCaptcha = await login({ username: 'cap1', password: 'User-Pass-1' }, ip);
      expect(noCaptcha.statusCode).toBe(401);
      expect(noCaptcha.json().error.code).toBe('CAPTCHA_REQUIRED');
      const wrong = await login({ username: 'cap1', password: 'User-Pass-1', captchaId: (await solvedCaptcha(ip)).captchaId, captchaAnswer: 'zzzz9' }, ip);
      expect(wrong.json().error.code).toBe('CAPTCHA_INVALID');
      const solved = await solvedCaptcha(ip);
      const ok = await login({ username: 'cap1', password: 'User-Pass-1', ...solved, captchaAnswer: solved.captchaAnswer.toUpperCase() }, ip);
      expect(ok.statusCode).toBe(200);
      expect(ok.headers['set-cookie']).toBeUndefined(); // the token is a bearer header, never a cookie
      // Spent: the same challenge is refused; and after a success the pair needs none.
      expect((await login({ username: 'cap1', password: 'wrong-3' }, ip)).statusCode).toBe(401);
      const again = await login({ username: 'cap1', password: 'wrong-3', ...solved }, ip);
      expect(again.statusCode).toBe(401);
      expect(again.json().error.code).toBe('INVALID_CREDENTIALS');
      // Another address is not affected.
      expect((await login({ username: 'cap1', password: 'User-Pass-1' }, freshIp())).statusCode).toBe(200);
    });

    it('serves a picture drawn on the server, never cached, expiring in five minutes', async () => {
      const ip = freshIp();
      const res = await env.app.inject({ url: '/api/v1/auth/captcha', remoteAddress: ip });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json() as { id: string; image: string; expiresAt: string };
      expect(body.image.startsWith('data:image/svg+xml;base64,')).toBe(true);
      expect(Buffer.from(body.image.split(',')[1]!, 'base64').toString()).toMatch(/^<svg [^>]*width="120"/);
      expect(new Date(body.expiresAt).getTime() - env.clock.now().getTime()).toBe(5 * 60_000);
      // An expired challenge is refused even with the right answer.
      const solved = await solvedCaptcha(ip);
      for (let i = 0; i < 2; i++) await login({ username: 'ghost-x', password: 'wrong' }, ip);
      env.clock.advance(5 * 60_000 + 1);
      expect((await login({ username: 'ghost-x', password: 'wrong', ...solved }, ip)).json().error.code).toBe('CAPTCHA_INVALID');
      await refreshAdmin();
    });
  });

  it('limits sign-ins and captchas per address on the shared limiter: 429 with Retry-After', async () => {
    const ip = freshIp();
    env.ctx.config.loginCaptchaAfter = 0;
    const codes: number[] = [];
    for (let i = 0; i < 19; i++) codes.push((await login({ username: 'nobody', password: 'x' }, ip)).statusCode);
    codes.push((await env.app.inject({ url: '/api/v1/auth/captcha', remoteAddress: ip })).statusCode);
    expect(codes).toEqual([...Array(19).fill(401), 200]);
    const over = await login({ username: 'admin', password: 'Admin-Pass-1' }, ip);
    expect(over.statusCode).toBe(429);
    expect(over.json().error.code).toBe('RATE_LIMITED');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login({ username: 'nobody', password: 'x' }, freshIp())).statusCode).toBe(401);
    env.clock.advance(60_000);
    expect((await login({ username: 'admin', password: 'Admin-Pass-1' }, ip)).statusCode).toBe(200);
    await refreshAdmin();
  });

  it('refuses sign-in bodies over 4 KB with 413', async () => {
    const res = await login({ username: 'admin', password: 'x'.repeat(5000) }, freshIp());
    expect(res.statusCode).toBe(413);
  });

  describe('TOTP second factor', () => {
    const codeAt = (secret: string, at: Date) => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: at.getTime() });
    const enrol = async (token: string) => {
      const setup = await env.app.inject({ method: 'POST', url: '/api/v1/auth/totp/setup', headers: bearer(token) });
      expect(setup.statusCode).toBe(200);
      const { secret, qrCode, otpauthUrl } = setup.json() as { secret: string; qrCode: string; otpauthUrl: string };
      expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/.*secret=/);
      expect(Buffer.from(qrCode.split(',')[1]!, 'base64').toString()).toContain('<svg');
      const bad = await env.app.inject({ method: 'POST', url: '/api/v1/auth/totp/enable', headers: bearer(token), payload: { code: '000000' } });
      expect(bad.json().error.code).toBe('OTP_INVALID');
      const on = await env.app.inject({ method: 'POST', url: '/api/v1/auth/totp/enable', headers: bearer(token), payload: { code: codeAt(secret, env.clock.now()) } });
      expect(on.statusCode).toBe(200);
      return { secret, recoveryCodes: (on.json() as { recoveryCodes: string[] }).recoveryCodes };
    };

    it('once enrolled, a sign-in needs a code, each code once, or a recovery code once', async () => {
      await createUser('otp1');
      const ip = freshIp();
      const token = (await login({ username: 'otp1', password: 'User-Pass-1' }, ip)).json().token as string;
      const { secret, recoveryCodes } = await enrol(token);
      expect(recoveryCodes).toHaveLength(10);
      expect(new Set(recoveryCodes).size).toBe(10);
      const stored = await env.ctx.db.selectFrom('user_recovery_codes').select('code_hash').execute();
      expect(stored.some((r) => recoveryCodes.some((c) => r.code_hash.includes(c.replace('-', ''))))).toBe(false);
      const secretRow = await env.ctx.db.selectFrom('user_totp').select('secret').execute();
      expect(secretRow.some((r) => r.secret.includes(secret))).toBe(false);

      const noCode = await login({ username: 'otp1', password: 'User-Pass-1' }, ip);
      expect(noCode.statusCode).toBe(401);
      expect(noCode.json().error.code).toBe('OTP_REQUIRED');
      // The enrolment code's step is spent: the next step's code signs in, and only once.
      env.clock.advance(30_000);
      const code = codeAt(secret, env.clock.now());
      expect((await login({ username: 'otp1', password: 'User-Pass-1', otp: code }, ip)).statusCode).toBe(200);
      expect((await login({ username: 'otp1', password: 'User-Pass-1', otp: code }, ip)).json().error.code).toBe('OTP_INVALID');
      env.clock.advance(30_000);
      const me = await login({ username: 'otp1', password: 'User-Pass-1', otp: recoveryCodes[0]!.toUpperCase() }, ip);
      expect(me.statusCode).toBe(200);
      expect(me.json().user.totpEnabled).toBe(true);
      expect((await login({ username: 'otp1', password: 'User-Pass-1', otp: recoveryCodes[0] }, ip)).json().error.code).toBe('OTP_INVALID');
      // A wrong password with a right code is still a wrong password.
      expect((await login({ username: 'otp1', password: 'bad', otp: codeAt(secret, env.clock.now()) }, freshIp())).json().error.code).toBe('INVALID_CREDENTIALS');
      // An admin clears it (lost phone): the password alone signs in again; audited.
      expect((await env.app.inject({ method: 'POST', url: '/api/v1/users/otp1/totp-reset', headers: bearer(admin) })).statusCode).toBe(204);
      expect((await login({ username: 'otp1', password: 'User-Pass-1' }, freshIp())).statusCode).toBe(200);
      const audit = await env.ctx.db.selectFrom('audit_log').select(['action', 'outcome', 'detail']).where('target_id', '=', 'otp1').orderBy('id').execute();
      expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['auth.totp_enable', 'user.totp_reset']));
      expect(audit.filter((a) => a.outcome === 'failed' && (a.detail as { reason?: string }).reason === 'wrong otp')).toHaveLength(2);
      expect(JSON.stringify(audit)).not.toContain(recoveryCodes[0]);
    });

    it('required by config for admin and pii roles: only the own-account routes until enrolled', async () => {
      await createUser('ops1', 'ops');
      await createUser('viewer1', 'viewer');
      env.ctx.config.totpRequired = true;
      const ip = freshIp();
      const viewer = await login({ username: 'viewer1', password: 'User-Pass-1' }, ip);
      expect(viewer.json().user.restriction).toBeNull();
      const ops = await login({ username: 'ops1', password: 'User-Pass-1' }, ip);
      expect(ops.statusCode).toBe(200);
      expect(ops.json().user).toMatchObject({ totpRequired: true, totpEnabled: false, restriction: 'TOTP_ENROLMENT_REQUIRED' });
      const token = ops.json().token as string;
      const refused = await env.app.inject({ url: '/api/v1/sessions', headers: bearer(token) });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('TOTP_ENROLMENT_REQUIRED');
      expect((await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })).statusCode).toBe(200);
      const { secret } = await enrol(token);
      expect((await env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })).json().restriction).toBeNull();
      expect((await env.app.inject({ url: '/api/v1/lots', headers: bearer(token) })).statusCode).toBe(200);
      // The role may not turn it off.
      env.clock.advance(30_000);
      const off = await env.app.inject({ method: 'POST', url: '/api/v1/auth/totp/disable', headers: bearer(token), payload: { password: 'User-Pass-1', code: codeAt(secret, env.clock.now()) } });
      expect(off.statusCode).toBe(409);
      expect(off.json().error.code).toBe('TOTP_REQUIRED');
      env.ctx.config.totpRequired = false;
      const offNow = await env.app.inject({ method: 'POST', url: '/api/v1/auth/totp/disable', headers: bearer(token), payload: { password: 'User-Pass-1', code: codeAt(secret, env.clock.now()) } });
      expect(offNow.statusCode).toBe(204);
    });
  });

  describe('passwords', () => {
    it('expire after the configured days: the own-account routes only until changed', async () => {
      await createUser('exp1');
      env.ctx.config.passwordMaxAgeDays = 90;
      const ip = freshIp();
      const fresh = await login({ username: 'exp1', password: 'User-Pass-1' }, ip);
      expect(fresh.json().user.restriction).toBeNull();
      expect(new Date(fresh.json().user.passwordExpiresAt as string).getTime() - env.clock.now().getTime()).toBe(90 * 86_400_000);
      env.clock.advance(91 * 86_400_000);
      const old = await login({ username: 'exp1', password: 'User-Pass-1' }, ip);
      expect(old.json().user.restriction).toBe('PASSWORD_EXPIRED');
      const token = old.json().token as string;
      expect((await env.app.inject({ url: '/api/v1/lots', headers: bearer(token) })).json().error.code).toBe('PASSWORD_EXPIRED');
      const change = await env.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(token), payload: { oldPassword: 'User-Pass-1', newPassword: 'User-Pass-2' } });
      expect(change.statusCode).toBe(204);
      const renewed = await login({ username: 'exp1', password: 'User-Pass-2' }, ip);
      expect(renewed.json().user.restriction).toBeNull();
      env.ctx.config.passwordMaxAgeDays = 0;
      await refreshAdmin();
    });

    it('may not repeat the last five, on a change and on an admin reset', async () => {
      await createUser('hist1');
      const ip = freshIp();
      let password = 'User-Pass-1';
      const change = async (next: string) => {
        const token = (await login({ username: 'hist1', password }, ip)).json().token as string;
        const res = await env.app.inject({ method: 'POST', url: '/api/v1/auth/password', headers: bearer(token), payload: { oldPassword: password, newPassword: next } });
        if (res.statusCode === 204) password = next;
        return res;
      };
      expect((await change('User-Pass-1')).json().error.code).toBe('PASSWORD_REUSED');
      for (const next of ['Hist-Pass-2', 'Hist-Pass-3', 'Hist-Pass-4', 'Hist-Pass-5']) expect((await change(next)).statusCode).toBe(204);
      expect((await change('User-Pass-1')).json().error.code).toBe('PASSWORD_REUSED');
      const reset = (pw: string) => env.app.inject({ method: 'POST', url: '/api/v1/users/hist1/reset-password', headers: bearer(admin), payload: { password: pw } });
      expect((await reset('Hist-Pass-3')).json().error.code).toBe('PASSWORD_REUSED');
      expect((await change('Hist-Pass-6')).statusCode).toBe(204);
      // Six changes on, the first is out of the last five.
      expect((await reset('User-Pass-1')).statusCode).toBe(200);
      const kept = await env.ctx.db.selectFrom('password_history as h').innerJoin('users as u', 'u.id', 'h.user_id').select('h.id').where('u.username', '=', 'hist1').execute();
      expect(kept).toHaveLength(4);
    });
  });

  it('refuses a token idle longer than the configured minutes; each use renews it', async () => {
    env.ctx.config.sessionIdleMinutes = 30;
    const token = (await login({ username: 'admin', password: 'Admin-Pass-1' }, freshIp())).json().token as string;
    const me = () => env.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) });
    for (let i = 0; i < 3; i++) {
      env.clock.advance(29 * 60_000);
      expect((await me()).statusCode).toBe(200);
    }
    env.clock.advance(30 * 60_000 + 1);
    expect((await me()).statusCode).toBe(401);
    env.ctx.config.sessionIdleMinutes = 0;
    await refreshAdmin();
  });

  describe('audit log', () => {
    it('refuses UPDATE, DELETE and TRUNCATE', async () => {
      await expect(sql`update audit_log set actor = 'x'`.execute(env.ctx.db)).rejects.toThrow(/append-only/);
      await expect(sql`delete from audit_log`.execute(env.ctx.db)).rejects.toThrow(/append-only/);
      await expect(sql`truncate audit_log`.execute(env.ctx.db)).rejects.toThrow(/append-only/);
      const n = await env.ctx.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      expect(Number(n.n)).toBeGreaterThan(10);
    });

    it('exports as .xlsx for the assessor, with hashes and the chain check, and audits the export', async () => {
      const res = await env.app.inject({ url: '/api/v1/audit/export?action=auth.', headers: bearer(admin) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('spreadsheetml');
      expect(res.headers['content-disposition']).toMatch(/filename\*=UTF-8''%E5%AE%A1%E8%AE%A1/);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
      const sheet = wb.getWorksheet('审计日志')!;
      expect(sheet.getRow(1).getCell(5).value).toBe('操作 Action');
      const actions = new Set<string>();
      sheet.eachRow((row, i) => {
        if (i > 1) actions.add(String(row.getCell(5).value));
      });
      expect([...actions].every((a) => a.startsWith('auth.'))).toBe(true);
      expect(actions.has('auth.login')).toBe(true);
      expect(String(sheet.getRow(2).getCell(12).value)).toMatch(/^[0-9a-f]{64}$/);
      const check = wb.getWorksheet('校验')!;
      expect(String(check.getRow(5).getCell(2).value)).toContain('intact');
      const last = await env.ctx.db.selectFrom('audit_log').select(['action', 'actor']).orderBy('id', 'desc').executeTakeFirstOrThrow();
      expect(last).toEqual({ action: 'audit.export', actor: 'admin' });
      const forbidden = await env.app.inject({ url: '/api/v1/audit/export', headers: bearer((await login({ username: 'viewer1', password: 'User-Pass-1' }, freshIp())).json().token as string) });
      expect(forbidden.statusCode).toBe(403);
    });
  });
});

import { createHash, randomBytes } from 'node:crypto';
import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';
import type { Config } from '../../config.js';
import { audit } from '../../platform/context.js';
import { ROLE_PERMISSIONS, type Actor } from '../../platform/auth/permissions.js';
import { verifyPassword } from '../../platform/auth/passwords.js';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.js';
import type { AccountsContext, AccountsDb } from './repo.js';
import type { Role } from './tables.js';

/*
 * The TOTP second factor (RFC 6238: 6 digits, 30 s, SHA-1 — what every authenticator app reads)
 * with one-time recovery codes (docs/等保自查.md, "身份鉴别"; decision 0023). A user enrols from
 * 账号安全 in the console: the server makes a secret, sealed under the platform key, and draws its
 * otpauth:// address as a QR code here (qrcode, as SVG: nothing leaves the server); the first
 * right code turns it on and gives ten recovery codes, shown once and kept as SHA-256 hashes.
 * With ZHIBO_TOTP_REQUIRED on, admins and every role with `pii` must enrol before they can use
 * anything but their own account; other users may. A code is accepted once: the last time step
 * used is kept, so a code seen over a shoulder cannot be replayed.
 */

const ISSUER = '智泊';
const PERIOD = 30;
const RECOVERY_CODES = 10;
/** Recovery codes: 10 letters and digits that cannot be misread, as xxxxx-xxxxx. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const RECOVERY_FORMAT = /^[a-z0-9]{5}-?[a-z0-9]{5}$/i;

const hashCode = (code: string) => createHash('sha256').update(code.replace('-', '').toLowerCase()).digest('hex');

function totpOf(secretBase32: string, label: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: OTPAuth.Secret.fromBase32(secretBase32) });
}

/** Whether `role` must have a second factor under `config`: admin and the roles holding pii. */
export function totpRequiredFor(config: Pick<Config, 'totpRequired'>, role: Role): boolean {
  return config.totpRequired && (role === 'admin' || ROLE_PERMISSIONS[role].includes('pii'));
}

/** The users among `userIds` whose TOTP is on. */
export async function totpEnabledIds(db: AccountsDb, userIds: number[]): Promise<Set<number>> {
  if (!userIds.length) return new Set();
  const rows = await db.selectFrom('user_totp').select('user_id').where('user_id', 'in', userIds).where('enabled_at', 'is not', null).execute();
  return new Set(rows.map((r) => r.user_id));
}

function randomRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]!).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

export interface TotpSetup {
  secret: string;
  otpauthUrl: string;
  /** The otpauth:// address as a QR code, a data: URL (image/svg+xml). */
  qrCode: string;
}

/** Starts (or restarts) enrolment: a new secret, not in force until `enableTotp` confirms a code. */
export async function startTotp(ctx: AccountsContext, actor: Actor): Promise<TotpSetup> {
  const userId = actor.userId!;
  const existing = await ctx.db.selectFrom('user_totp').select('enabled_at').where('user_id', '=', userId).executeTakeFirst();
  if (existing?.enabled_at) throw conflict('TOTP_ALREADY_ENABLED', '已启用动态口令；如需更换，请先停用 / TOTP is on already: turn it off first to enrol again');
  const secret = new OTPAuth.Secret({ size: 20 }).base32;
  const now = ctx.clock.now();
  const sealed = ctx.secrets.seal(secret);
  await ctx.db.insertInto('user_totp').values({ user_id: userId, secret: sealed, enabled_at: null, last_step: 0, created_at: now })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ secret: sealed, enabled_at: null, last_step: 0, created_at: now })).execute();
  const otpauthUrl = totpOf(secret, actor.username).toString();
  const svg = await QRCode.toString(otpauthUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { secret, otpauthUrl, qrCode: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
}

/**
 * Accepts `code` for the user's secret at `now` (one step either side for clock drift) once:
 * the step must be later than the last one accepted. Returns whether it was accepted.
 */
async function acceptTotp(ctx: AccountsContext, db: AccountsDb, userId: number, username: string, code: string, now: Date, enabledOnly: boolean): Promise<boolean> {
  if (!/^\d{6}$/.test(code)) return false;
  const row = await db.selectFrom('user_totp').select(['secret', 'enabled_at']).where('user_id', '=', userId).executeTakeFirst();
  if (!row || (enabledOnly && !row.enabled_at)) return false;
  const delta = totpOf(ctx.secrets.open(row.secret), username).validate({ token: code, timestamp: now.getTime(), window: 1 });
  if (delta === null) return false;
  const step = Math.floor(now.getTime() / 1000 / PERIOD) + delta;
  const taken = await db.updateTable('user_totp').set({ last_step: step }).where('user_id', '=', userId).where('last_step', '<', step).returning('user_id').executeTakeFirst();
  return !!taken;
}

/** Confirms enrolment with a first code; returns the recovery codes (shown once). */
export async function enableTotp(ctx: AccountsContext, actor: Actor, code: string): Promise<{ recoveryCodes: string[] }> {
  const userId = actor.userId!;
  const now = ctx.clock.now();
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('user_totp').select('enabled_at').where('user_id', '=', userId).forUpdate().executeTakeFirst();
    if (!row) throw badRequest('TOTP_NOT_STARTED', '请先生成二维码 / start enrolment first');
    if (row.enabled_at) throw conflict('TOTP_ALREADY_ENABLED', '已启用动态口令 / TOTP is on already');
    if (!(await acceptTotp(ctx, trx, userId, actor.username, code.trim(), now, false))) throw badRequest('OTP_INVALID', '动态口令不正确 / wrong code');
    await trx.updateTable('user_totp').set({ enabled_at: now }).where('user_id', '=', userId).execute();
    const codes = Array.from({ length: RECOVERY_CODES }, randomRecoveryCode);
    await trx.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
    await trx.insertInto('user_recovery_codes').values(codes.map((c) => ({ user_id: userId, code_hash: hashCode(c), used_at: null }))).execute();
    await audit(ctx, trx, actor, { action: 'auth.totp_enable', targetType: 'user', targetId: actor.username });
    return { recoveryCodes: codes };
  });
}

/** Turns one's own TOTP off (password and a current code), unless the role requires it. */
export async function disableTotp(ctx: AccountsContext, actor: Actor, role: Role, password: string, code: string): Promise<void> {
  if (totpRequiredFor(ctx.config, role)) throw conflict('TOTP_REQUIRED', '您的角色必须使用动态口令，不能停用 / your role requires TOTP');
  const user = await ctx.db.selectFrom('users').select('password_hash').where('id', '=', actor.userId!).executeTakeFirstOrThrow();
  if (!(await verifyPassword(password, user.password_hash))) throw new AppError(400, 'WRONG_PASSWORD', '密码不正确 / wrong password');
  await ctx.db.transaction().execute(async (trx) => {
    if (!(await secondFactorOk(ctx, trx, actor.userId!, actor.username, code))) throw badRequest('OTP_INVALID', '动态口令不正确 / wrong code');
    await removeTotp(trx, actor.userId!);
    await audit(ctx, trx, actor, { action: 'auth.totp_disable', targetType: 'user', targetId: actor.username });
  });
}

/** An admin's reset of a user's TOTP (a lost phone): the user enrols again at the next sign-in. */
export async function resetTotp(ctx: AccountsContext, actor: Actor, username: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
    if (!user) throw notFound(`用户 ${username}`);
    await removeTotp(trx, user.id);
    await audit(ctx, trx, actor, { action: 'user.totp_reset', targetType: 'user', targetId: username });
  });
}

async function removeTotp(db: AccountsDb, userId: number): Promise<void> {
  await db.deleteFrom('user_recovery_codes').where('user_id', '=', userId).execute();
  await db.deleteFrom('user_totp').where('user_id', '=', userId).execute();
}

/**
 * The second factor of a sign-in: a current code from the authenticator (once), or an unused
 * recovery code (spent). In `db`, so the caller's transaction spends it.
 */
export async function secondFactorOk(ctx: AccountsContext, db: AccountsDb, userId: number, username: string, code: string): Promise<boolean> {
  const value = code.trim();
  if (RECOVERY_FORMAT.test(value)) {
    const spent = await db.updateTable('user_recovery_codes').set({ used_at: ctx.clock.now() })
      .where('user_id', '=', userId).where('code_hash', '=', hashCode(value)).where('used_at', 'is', null)
      .returning('id').executeTakeFirst();
    return !!spent;
  }
  return acceptTotp(ctx, db, userId, username, value, ctx.clock.now(), true);
}

/** Recovery codes left unused (shown on 账号安全). */
export async function recoveryCodesLeft(db: AccountsDb, userId: number): Promise<number> {
  const row = await db.selectFrom('user_recovery_codes').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

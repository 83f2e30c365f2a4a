import { createHash, randomBytes } from 'node:crypto';
import { sql, type Selectable, type Updateable } from 'kysely';
import { audit, type AppContext } from '../../platform/context.js';
import { actorFor, ROLE_PERMISSIONS, ROLES, systemActor, type Actor } from '../../platform/auth/permissions.js';
import { hashPassword, passwordProblem, randomPassword, verifyPassword } from '../../platform/auth/passwords.js';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.js';
import { formatShanghai } from '../../platform/time.js';
import { notify, type Notice } from '../../platform/notices.js';
import type { AnyDb } from '../../platform/db.js';
import { assertDistrictExists } from '../registry/index.js';
import type { Role, UsersTable } from './tables.js';
import { type AccountsContext, type AccountsDb, accountsContext, accountsDb } from './repo.js';
import { captchaRequired, spendCaptcha } from './captcha.js';
import { assertNotReused, passwordExpiresAt, rememberPassword } from './password-rules.js';
import { secondFactorOk, totpEnabledIds, totpRequiredFor } from './second-factor.js';

type UserRow = Selectable<UsersTable>;

export interface UserView {
  id: number;
  username: string;
  displayName: string | null;
  role: Role;
  districtCode: string | null;
  status: 'active' | 'disabled';
  lockedUntil: string | null;
  lastLoginAt: string | null;
  createdAt: string;
  permissions: string[];
  /** Sign-in security (decision 0023), on the signed-in user's own view and the user list. */
  totpEnabled?: boolean;
  totpRequired?: boolean;
  passwordExpiresAt?: string | null;
  /**
   * What the user must do before anything else (own account routes only until then):
   * PASSWORD_EXPIRED — change the password; TOTP_ENROLMENT_REQUIRED — enrol a second factor.
   */
  restriction?: Restriction | null;
}

export type Restriction = 'PASSWORD_EXPIRED' | 'TOTP_ENROLMENT_REQUIRED';

/** Why a signed-in user is held to their own account routes, if they are. */
function restrictionOf(ctx: AccountsContext, u: { role: Role; password_changed_at: Date }, totpEnabled: boolean): Restriction | null {
  const expires = passwordExpiresAt(ctx.config, u.password_changed_at);
  if (expires && expires <= ctx.clock.now()) return 'PASSWORD_EXPIRED';
  if (!totpEnabled && totpRequiredFor(ctx.config, u.role)) return 'TOTP_ENROLMENT_REQUIRED';
  return null;
}

/** `userView` with the sign-in security fields, for `rows` at once. */
async function securityViews(ctx: AccountsContext, rows: UserRow[]): Promise<UserView[]> {
  const enabled = await totpEnabledIds(ctx.db, rows.map((r) => r.id));
  return rows.map((u) => ({
    ...userView(u),
    totpEnabled: enabled.has(u.id),
    totpRequired: totpRequiredFor(ctx.config, u.role),
    passwordExpiresAt: passwordExpiresAt(ctx.config, u.password_changed_at)?.toISOString() ?? null,
    restriction: restrictionOf(ctx, u, enabled.has(u.id)),
  }));
}

export function userView(u: UserRow): UserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.display_name,
    role: u.role,
    districtCode: u.district_code,
    status: u.status,
    lockedUntil: u.locked_until?.toISOString() ?? null,
    lastLoginAt: u.last_login_at?.toISOString() ?? null,
    createdAt: u.created_at.toISOString(),
    permissions: [...ROLE_PERMISSIONS[u.role]],
  };
}

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

export interface NewUser {
  username: string;
  password: string;
  role: Role;
  districtCode?: string | null;
  displayName?: string | null;
}

async function checkNewUser(db: AccountsDb, input: NewUser, checkPolicy: boolean): Promise<void> {
  if (!ROLES.includes(input.role)) throw badRequest('INVALID_ROLE', `未知角色 / unknown role ${input.role}`);
  if (!/^[A-Za-z0-9_.-]{2,64}$/.test(input.username)) {
    throw badRequest('INVALID_USERNAME', '用户名须为 2–64 位字母、数字或 _.- / username: 2–64 of letters, digits, _.-');
  }
  const problem = checkPolicy ? passwordProblem(input.password) : input.password ? null : 'empty password';
  if (problem) throw badRequest('WEAK_PASSWORD', problem);
  if (input.role === 'district') {
    if (!input.districtCode) throw badRequest('DISTRICT_REQUIRED', '县市区用户必须指定 districtCode / district users need districtCode');
    await assertDistrictExists(db, input.districtCode); // 400 UNKNOWN_DISTRICT
  } else if (input.districtCode) {
    throw badRequest('DISTRICT_NOT_ALLOWED', '只有 district 角色可指定 districtCode / only district users have a district');
  }
}

export async function createUser(anyCtx: AppContext, actor: Actor, input: NewUser, opts = { checkPolicy: true }): Promise<UserView> {
  const ctx = accountsContext(anyCtx);
  await checkNewUser(ctx.db, input, opts.checkPolicy);
  const passwordHash = await hashPassword(input.password);
  return ctx.db.transaction().execute(async (trx) => {
    const exists = await trx.selectFrom('users').select('id').where('username', '=', input.username).executeTakeFirst();
    if (exists) throw conflict('USERNAME_TAKEN', `用户名已存在 / username ${input.username} is taken`);
    const row = await trx
      .insertInto('users')
      .values({
        username: input.username,
        display_name: input.displayName ?? null,
        password_hash: passwordHash,
        password_changed_at: ctx.clock.now(),
        role: input.role,
        district_code: input.role === 'district' ? (input.districtCode ?? null) : null,
        locked_until: null,
        last_login_at: null,
        status: 'active',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const view = userView(row);
    await audit(ctx, trx, actor, { action: 'user.create', targetType: 'user', targetId: row.username, detail: { after: { ...view, permissions: undefined } } });
    return view;
  });
}

export async function listUsers(anyCtx: AppContext): Promise<UserView[]> {
  const ctx = accountsContext(anyCtx);
  const rows = await ctx.db.selectFrom('users').selectAll().orderBy('id').execute();
  return securityViews(ctx, rows);
}

/** The signed-in user's own view, with the sign-in security fields. */
export async function ownView(anyCtx: AppContext, userId: number): Promise<UserView> {
  const ctx = accountsContext(anyCtx);
  const row = await ctx.db.selectFrom('users').selectAll().where('id', '=', userId).executeTakeFirstOrThrow();
  return (await securityViews(ctx, [row]))[0]!;
}

async function findUser(db: AccountsDb, username: string): Promise<UserRow> {
  const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  if (!row) throw notFound(`用户 ${username}`);
  return row;
}

/**
 * The active users among `roles` and `usernames`, as a query of their ids (`user_id`) for an
 * INSERT … SELECT (the notifications module addresses notices with it). With `districtCode`, a
 * district user is included only for that district: the district rule of every other read.
 */
export function activeUserIds(anyDb: AnyDb, who: { roles: readonly Role[]; usernames: readonly string[]; districtCode: string | null }) {
  const db = accountsDb(anyDb);
  return db
    .selectFrom('users')
    .select('users.id as user_id')
    .where('users.status', '=', 'active')
    .where((eb) => {
      const any = [];
      if (who.roles.length) any.push(eb('users.role', 'in', [...who.roles]));
      if (who.usernames.length) any.push(eb('users.username', 'in', [...who.usernames]));
      return any.length ? eb.or(any) : sql<boolean>`false`;
    })
    .$if(who.districtCode !== null, (q) => q.where((eb) => eb.or([eb('users.district_code', 'is', null), eb('users.district_code', '=', who.districtCode!)])));
}

export async function setUserStatus(ctx: AccountsContext, actor: Actor, username: string, status: 'active' | 'disabled'): Promise<UserView> {
  if (status === 'disabled' && actor.username === username) throw badRequest('CANNOT_DISABLE_SELF', '不能停用自己的账号 / you cannot disable yourself');
  return ctx.db.transaction().execute(async (trx) => {
    await clearPairs(trx, username);
    const before = await findUser(trx, username);
    if (status === 'disabled') await keepAnAdmin(trx, before, { role: before.role, status });
    const row = await trx
      .updateTable('users')
      .set({ status, updated_at: ctx.clock.now(), failed_logins: 0, locked_until: null })
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (status === 'disabled') await revokeAllTokens(trx, ctx, before.id);
    await audit(ctx, trx, actor, {
      action: status === 'disabled' ? 'user.disable' : 'user.enable',
      targetType: 'user',
      targetId: username,
      detail: { before: { status: before.status }, after: { status } },
    });
    return userView(row);
  });
}

/**
 * The last active admin stays: a change that would leave no active admin is 409 LAST_ADMIN. The
 * active admins' rows are locked first, so two admins demoting each other at once cannot both pass.
 */
async function keepAnAdmin(trx: AccountsDb, before: UserRow, after: { role: Role; status: 'active' | 'disabled' }): Promise<void> {
  if (before.role !== 'admin' || before.status !== 'active') return;
  if (after.role === 'admin' && after.status === 'active') return;
  const admins = await trx.selectFrom('users').select('id').where('role', '=', 'admin').where('status', '=', 'active').orderBy('id').forUpdate().execute();
  if (!admins.some((a) => a.id !== before.id)) {
    throw conflict('LAST_ADMIN', '这是最后一个启用的管理员账号，不能降级或停用；请先指定另一名管理员 / the last active admin cannot be demoted or disabled: make another admin first');
  }
}

export interface UserPatch {
  role?: string;
  districtCode?: string | null;
  disabled?: boolean;
}

/**
 * PATCH /api/v1/users/{username}: role, district and disabled in one audited change (the
 * permission review applies its decisions through it). A district user needs a district, other
 * roles have none (leaving the district role clears it); the last active admin is kept
 * (409 LAST_ADMIN); disabling signs the user out everywhere (tokens revoked; a disabled user's
 * token is refused anyway), enabling clears the locks. Roles take effect on the next request.
 */
export async function updateUser(anyCtx: AppContext, actor: Actor, username: string, patch: UserPatch): Promise<UserView> {
  const ctx = accountsContext(anyCtx);
  if (patch.role !== undefined && !ROLES.includes(patch.role as Role)) {
    throw badRequest('INVALID_ROLE', `未知角色 / unknown role ${String(patch.role).slice(0, 32)}; one of ${ROLES.join(', ')}`);
  }
  if (patch.disabled === true && actor.username === username) throw badRequest('CANNOT_DISABLE_SELF', '不能停用自己的账号 / you cannot disable yourself');
  return ctx.db.transaction().execute(async (trx) => {
    await clearPairs(trx, username);
    const before = await findUser(trx, username);
    const role = (patch.role as Role | undefined) ?? before.role;
    const status = patch.disabled === undefined ? before.status : patch.disabled ? 'disabled' : 'active';
    let districtCode: string | null;
    if (role === 'district') {
      districtCode = patch.districtCode === undefined ? before.district_code : (patch.districtCode?.trim() || null);
      if (!districtCode) throw badRequest('DISTRICT_REQUIRED', '县市区用户必须指定 districtCode / district users need districtCode');
      if (districtCode !== before.district_code) await assertDistrictExists(trx, districtCode); // 400 UNKNOWN_DISTRICT
    } else {
      if (patch.districtCode) throw badRequest('DISTRICT_NOT_ALLOWED', '只有 district 角色可指定 districtCode / only district users have a district');
      districtCode = null;
    }
    await keepAnAdmin(trx, before, { role, status });
    const now = ctx.clock.now();
    const row = await trx
      .updateTable('users')
      .set({
        role, district_code: districtCode, status, updated_at: now,
        ...(status === 'active' && before.status !== 'active' ? { failed_logins: 0, locked_until: null } : {}),
      })
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (status === 'disabled') await revokeAllTokens(trx, ctx, before.id);
    const was = { role: before.role, districtCode: before.district_code, status: before.status };
    const is = { role: row.role, districtCode: row.district_code, status: row.status };
    await audit(ctx, trx, actor, { action: 'user.update', targetType: 'user', targetId: username, detail: { before: was, after: is } });
    return userView(row);
  });
}

/** Sets a new password, unlocks the account and signs out its sessions. */
export async function resetPassword(ctx: AccountsContext, actor: Actor, username: string, password: string): Promise<UserView> {
  const problem = passwordProblem(password);
  if (problem) throw badRequest('WEAK_PASSWORD', problem);
  const current = await findUser(ctx.db, username);
  await assertNotReused(ctx.db, ctx.config, current.id, current.password_hash, password);
  const passwordHash = await hashPassword(password);
  return ctx.db.transaction().execute(async (trx) => {
    await clearPairs(trx, username);
    const before = await findUser(trx, username);
    const now = ctx.clock.now();
    await rememberPassword(trx, ctx.config, before.id, before.password_hash, now);
    const row = await trx
      .updateTable('users')
      .set({ password_hash: passwordHash, password_changed_at: now, updated_at: now, failed_logins: 0, locked_until: null })
      .where('id', '=', before.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await revokeAllTokens(trx, ctx, before.id);
    await audit(ctx, trx, actor, { action: 'user.reset_password', targetType: 'user', targetId: username });
    return userView(row);
  });
}

/**
 * Unlocks every address of the username (an admin's reset or re-enable: they cannot know which
 * address the user is at). Taken before the users row, in the order sign-ins take them.
 */
async function clearPairs(trx: AccountsDb, username: string): Promise<void> {
  await trx.deleteFrom('login_failures').where('username', '=', username).execute();
}

async function revokeAllTokens(db: AccountsDb, ctx: AccountsContext, userId: number): Promise<void> {
  await db.updateTable('auth_tokens').set({ revoked_at: ctx.clock.now() }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  /** Minutes without activity after which the token is refused and the console signs out (0: never). */
  idleMinutes: number;
  user: UserView;
}

export interface Credentials {
  username: string;
  password: string;
  /** A solved captcha, once the login page asks for one (GET /api/v1/auth/captcha). */
  captchaId?: string;
  captchaAnswer?: string;
  /** The authenticator's current code, or a recovery code, for a user with TOTP on. */
  otp?: string;
}

const BAD_CREDENTIALS = '用户名或密码错误 / wrong username or password';
/**
 * The one answer of every refused sign-in: unknown user, wrong password, locked pair or account.
 * `captchaRequired` (details) tells the login page to show a captcha for the next attempt; it
 * follows from the failures of the (username, address) pair alike for known and unknown users.
 */
const invalidCredentials = (captchaRequired = false) =>
  new AppError(401, 'INVALID_CREDENTIALS', BAD_CREDENTIALS, captchaRequired ? { captchaRequired: true } : undefined);
const captchaError = (code: string, message: string) => new AppError(401, code, message, { captchaRequired: true });
/** Hash of no password, verified for unknown usernames so that they cost the same work. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

type LockScope = 'address' | 'account';
interface Client {
  ip: string | null;
  userAgent: string | null;
}
/** The address half of a (username, address) pair; a caller without one shares a single row. */
const pairIp = (ip: string | null) => ip ?? '';
/** Not locked at `now`: no lock, or it has ended. */
const unlocked = (now: Date) => sql<boolean>`(locked_until is null or locked_until <= ${now})`;

/**
 * Counts one wrong password, in `trx`, for the (username, address) pair — known username or
 * not — and, unless that pair was already locked, for the account. Each counter moves in one
 * atomic statement, so parallel attempts cannot lose counts, and the statement that reaches a
 * threshold is the only one that sees it reached: it sets the lock (`loginLockMinutes`), and
 * the caller logs and notifies once. A run restarts after its lock has ended; attempts during a
 * lock keep counting without extending it. Returns the locks this attempt set.
 */
async function countFailure(ctx: AccountsContext, trx: AccountsDb, username: string, ip: string | null, userId: number | null, now: Date): Promise<LockScope[]> {
  const until = new Date(now.getTime() + ctx.config.loginLockMinutes * 60_000);
  const lockedNow: LockScope[] = [];
  const max = ctx.config.loginMaxFailures;
  // The run so far plus this attempt, for a row that is not locked now.
  const pairRun = sql<number>`(case when login_failures.locked_until is null then login_failures.failures else 0 end + 1)`;
  const pair = await trx
    .insertInto('login_failures')
    .values({ username, ip: pairIp(ip), failures: 1, locked_until: max <= 1 ? until : null, updated_at: now })
    .onConflict((oc) =>
      oc.columns(['username', 'ip']).doUpdateSet({
        failures: sql`case when login_failures.locked_until > ${now} then login_failures.failures + 1 else least(${pairRun}, ${max}::int) end`,
        locked_until: sql`case when login_failures.locked_until > ${now} then login_failures.locked_until
                               when ${pairRun} >= ${max}::int then ${until}::timestamptz end`,
        updated_at: now,
      }),
    )
    .returning(['failures', 'locked_until'])
    .executeTakeFirstOrThrow();
  const pairLocked = pair.locked_until !== null && pair.locked_until > now;
  const pairLockedNow = pairLocked && pair.failures === max;
  if (pairLockedNow) lockedNow.push('address');
  if (userId !== null && (!pairLocked || pairLockedNow)) {
    const amax = ctx.config.loginAccountMaxFailures;
    const run = sql<number>`(case when locked_until is null then failed_logins else 0 end + 1)`;
    const account = await trx
      .updateTable('users')
      .set({
        failed_logins: sql`case when locked_until > ${now} then failed_logins + 1 else least(${run}, ${amax}::int) end`,
        locked_until: sql`case when locked_until > ${now} then locked_until when ${run} >= ${amax}::int then ${until}::timestamptz end`,
      })
      .where('id', '=', userId)
      .returning(['failed_logins', 'locked_until'])
      .executeTakeFirst();
    if (account?.locked_until && account.locked_until > now && account.failed_logins === amax) lockedNow.push('account');
  }
  for (const scope of lockedNow) {
    const failures = scope === 'address' ? max : ctx.config.loginAccountMaxFailures;
    ctx.log.warn({ username, ip, scope, failures, lockedUntil: until.toISOString(), knownUser: userId !== null }, 'sign-in locked after wrong passwords');
    // Admins hear of real accounts only: made-up usernames would flood them with nothing to act on.
    if (userId !== null) await notify(ctx, trx, lockNotice(username, ip, scope, failures, until));
  }
  return lockedNow;
}

function lockNotice(username: string, ip: string | null, scope: LockScope, failures: number, until: Date): Notice {
  const at = formatShanghai(until);
  const body =
    scope === 'address'
      ? [
          `用户 ${username} 自地址 ${ip ?? '未知'} 连续 ${failures} 次密码错误，该地址对此账号的登录锁定至 ${at}；其他地址不受影响。`,
          `${failures} wrong passwords in a row for ${username} from ${ip ?? 'an unknown address'}: sign-in from that address is locked until ${at}; other addresses are not.`,
        ]
      : [
          `用户 ${username} 连续 ${failures} 次密码错误（不限地址），账号锁定至 ${at}，期间本人也无法登录；管理员“重置密码”可立即解锁。`,
          `${failures} wrong passwords in a row for ${username} from any addresses: the account is locked until ${at}, for its owner too; resetting the password unlocks it.`,
        ];
  return {
    kind: 'auth.locked',
    severity: 'warning',
    title: scope === 'address' ? `登录锁定（地址）：${username}` : `账号锁定：${username}`,
    body: body[0]!,
    en: { title: scope === 'address' ? `Sign-in locked for an address: ${username}` : `Account locked: ${username}`, body: body[1]! },
    link: '/system/users',
    audience: { permission: 'users:manage' },
  };
}

/**
 * In `trx`: a right password ends the pair's and the account's runs of failures, unless either
 * is locked — decided against the rows themselves (the pair row is taken by its DELETE, the
 * account's by an UPDATE whose WHERE re-checks the lock), so a right password cannot slip in once
 * racing wrong ones have set a lock. Returns the updated user, or null when locked: the caller
 * must then throw, so that the transaction rolls back and the pair row with its lock stays.
 */
async function passLocks(trx: AccountsDb, username: string, ip: string | null, userId: number, now: Date, set: Updateable<UsersTable> = {}): Promise<UserRow | null> {
  const pair = await trx.deleteFrom('login_failures').where('username', '=', username).where('ip', '=', pairIp(ip)).returning('locked_until').executeTakeFirst();
  if (pair?.locked_until && pair.locked_until > now) return null;
  const row = await trx
    .updateTable('users')
    .set({ ...set, failed_logins: 0, locked_until: null })
    .where('id', '=', userId)
    .where(unlocked(now))
    .returningAll()
    .executeTakeFirst();
  return row ?? null;
}

class Refused extends Error {
  constructor(readonly reason: 'locked' | 'disabled') {
    super(reason);
  }
}

/**
 * Password sign-in with lockout (docs/用户手册.md 1.2): `loginMaxFailures` wrong passwords in a
 * row lock the (username, client address) pair, `loginAccountMaxFailures` from any addresses lock
 * the account, each for `loginLockMinutes`. Whatever refuses it — unknown user, wrong password,
 * a lock — the answer is the same 401 after the same password check, so neither usernames nor
 * locks can be probed. Every attempt is audited, success or not.
 */
export async function login(ctx: AccountsContext, credentials: Credentials, client: Client): Promise<LoginResult> {
  const { username, password } = credentials;
  const now = ctx.clock.now();
  const who: Actor = { ...systemActor(username), role: 'system', ip: client.ip, permissions: new Set() };
  const refusedAudit = (db: AccountsDb, reason: string, extra: Record<string, unknown> = {}) =>
    audit(ctx, db, who, { action: 'auth.login', targetType: 'user', targetId: username, outcome: 'failed', detail: { reason, ...extra } });
  // After failed sign-ins a solved captcha comes first (before any password is checked).
  if (await captchaRequired(ctx.db, ctx.config, username, client.ip)) {
    if (!credentials.captchaId || !credentials.captchaAnswer) throw captchaError('CAPTCHA_REQUIRED', '请输入验证码 / enter the captcha');
    if (!(await spendCaptcha(ctx.db, credentials.captchaId, credentials.captchaAnswer, now))) {
      await refusedAudit(ctx.db, 'wrong captcha');
      throw captchaError('CAPTCHA_INVALID', '验证码不正确或已过期 / wrong or expired captcha');
    }
  }
  const user = await ctx.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  const passwordOk = await verifyPassword(password, user?.password_hash ?? DUMMY_HASH);
  if (!user || !passwordOk) {
    await ctx.db.transaction().execute(async (trx) => {
      const lockedNow = await countFailure(ctx, trx, username, client.ip, user?.id ?? null, now);
      await refusedAudit(trx, user ? 'wrong password' : 'unknown user', lockedNow.length ? { lockedNow } : {});
    });
    throw invalidCredentials(await captchaRequired(ctx.db, ctx.config, username, client.ip));
  }
  if ((await totpEnabledIds(ctx.db, [user.id])).has(user.id)) await checkSecondFactor(ctx, user, credentials.otp, client.ip, now, refusedAudit);

  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ctx.config.tokenTtlMinutes * 60_000);
  try {
    const signedIn = await ctx.db.transaction().execute(async (trx) => {
      const row = await passLocks(trx, username, client.ip, user.id, now, { last_login_at: now });
      if (!row) throw new Refused('locked');
      if (row.status !== 'active') throw new Refused('disabled');
      await trx
        .insertInto('auth_tokens')
        .values({ token_hash: tokenHash(token), user_id: user.id, created_at: now, expires_at: expiresAt, revoked_at: null, ip: client.ip, user_agent: client.userAgent, last_used_at: now })
        .execute();
      await audit(ctx, trx, actorFor(row, client.ip), { action: 'auth.login', targetType: 'user', targetId: username });
      return row;
    });
    return { token, expiresAt: expiresAt.toISOString(), idleMinutes: ctx.config.sessionIdleMinutes, user: (await securityViews(ctx, [signedIn]))[0]! };
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    await audit(ctx, ctx.db, who, { action: 'auth.login', targetType: 'user', targetId: username, outcome: 'failed', detail: { reason: err.reason } });
    throw err.reason === 'locked' ? invalidCredentials() : new AppError(403, 'ACCOUNT_DISABLED', '账号已停用 / account disabled');
  }
}

/**
 * The second factor of a sign-in whose password was right, for a user with TOTP on. A locked
 * pair or account answers like a wrong password first (a code cannot probe a lock); no code is
 * 401 OTP_REQUIRED (the login page asks for one), a wrong or replayed one counts as a failure
 * towards the locks and is 401 OTP_INVALID.
 */
async function checkSecondFactor(
  ctx: AccountsContext, user: UserRow, otp: string | undefined, ip: string | null, now: Date,
  refusedAudit: (db: AccountsDb, reason: string, extra?: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  const pair = await ctx.db.selectFrom('login_failures').select('locked_until').where('username', '=', user.username).where('ip', '=', pairIp(ip)).executeTakeFirst();
  if ((pair?.locked_until && pair.locked_until > now) || (user.locked_until && user.locked_until > now)) {
    await refusedAudit(ctx.db, 'locked');
    throw invalidCredentials();
  }
  if (!otp?.trim()) throw new AppError(401, 'OTP_REQUIRED', '请输入动态口令 / enter the code from your authenticator app', { otpRequired: true });
  const ok = await ctx.db.transaction().execute(async (trx) => {
    if (await secondFactorOk(ctx, trx, user.id, user.username, otp)) return true;
    const lockedNow = await countFailure(ctx, trx, user.username, ip, user.id, now);
    await refusedAudit(trx, 'wrong otp', lockedNow.length ? { lockedNow } : {});
    return false;
  });
  if (!ok) throw new AppError(401, 'OTP_INVALID', '动态口令不正确 / wrong code', { otpRequired: true });
}

/** How often a token's last use is written (one UPDATE a minute per token, not one per request). */
const LAST_USED_EVERY_MS = 60_000;

export interface Authenticated {
  actor: Actor;
  tokenId: number;
  /** Set: the user may use their own account routes only until they resolve it. */
  restriction: Restriction | null;
}

/**
 * Resolves a bearer token to its actor; null when unknown, expired, revoked, idle longer than
 * ZHIBO_SESSION_IDLE_MINUTES, or the user is disabled.
 */
export async function authenticate(ctx: AccountsContext, token: string, ip: string | null): Promise<Authenticated | null> {
  const row = await ctx.db
    .selectFrom('auth_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .leftJoin('user_totp as o', (j) => j.onRef('o.user_id', '=', 'u.id').on('o.enabled_at', 'is not', null))
    .select(['t.id as token_id', 't.expires_at', 't.revoked_at', 't.last_used_at', 't.created_at', 'u.id', 'u.username', 'u.role', 'u.district_code', 'u.status', 'u.password_changed_at', 'u.system', 'o.user_id as totp_user'])
    .where('t.token_hash', '=', tokenHash(token))
    .executeTakeFirst();
  const now = ctx.clock.now();
  if (!row || row.revoked_at || row.expires_at <= now || row.status !== 'active') return null;
  const lastUsed = row.last_used_at ?? row.created_at;
  const idleMs = ctx.config.sessionIdleMinutes * 60_000;
  // A person's session ends after ZHIBO_SESSION_IDLE_MINUTES unused; a system account's (the demo's
  // simulator) is a program's and lives until it expires.
  if (idleMs > 0 && !row.system && now.getTime() - lastUsed.getTime() > idleMs) return null;
  if (now.getTime() - lastUsed.getTime() >= LAST_USED_EVERY_MS) {
    await ctx.db.updateTable('auth_tokens').set({ last_used_at: now }).where('id', '=', row.token_id).execute();
  }
  const actor = actorFor(row, ip);
  // A system account keeps its role's permissions but acts, and is audited, as the system; it never
  // signs in, so no second factor or password expiry restricts it.
  if (row.system) return { actor: { ...actor, role: 'system' }, tokenId: row.token_id, restriction: null };
  return { actor, tokenId: row.token_id, restriction: restrictionOf(ctx, row, row.totp_user !== null) };
}

/**
 * A token for one of the platform's own programs acting through the API (the demo's simulator
 * registering its city and sending traffic), so that the audit log records what it does under
 * a system actor and not under a person such as admin. The account (`username`, role admin,
 * marked `system`) is made on first use with a password nobody knows: it never signs in. A
 * username already held by a person is refused.
 */
export async function issueSystemToken(anyCtx: AppContext, username: string, displayName: string): Promise<string> {
  const ctx = accountsContext(anyCtx);
  let user = await ctx.db.selectFrom('users').select(['id', 'system']).where('username', '=', username).executeTakeFirst();
  if (user && !user.system) throw conflict('USERNAME_TAKEN', `用户名 ${username} 已被人员账号使用 / username ${username} belongs to a person`);
  if (!user) {
    await createUser(ctx, systemActor('bootstrap'), { username, password: randomPassword(), role: 'admin', displayName }, { checkPolicy: false });
    await ctx.db.updateTable('users').set({ system: true }).where('username', '=', username).execute();
    user = await ctx.db.selectFrom('users').select(['id', 'system']).where('username', '=', username).executeTakeFirstOrThrow();
  }
  const token = randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  await ctx.db
    .insertInto('auth_tokens')
    .values({ token_hash: tokenHash(token), user_id: user.id, created_at: now, expires_at: new Date(now.getTime() + 365 * 86_400_000), revoked_at: null, ip: null, user_agent: 'zhibo system' })
    .execute();
  return token;
}

export async function logout(ctx: AccountsContext, actor: Actor, tokenId: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('auth_tokens').set({ revoked_at: ctx.clock.now() }).where('id', '=', tokenId).execute();
    await audit(ctx, trx, actor, { action: 'auth.logout', targetType: 'user', targetId: actor.username });
  });
}

/**
 * What a wrong old password gets, and a locked one alike: 400, not 401 — the user is signed in,
 * and a 401 would sign the console out (security review, nit).
 */
const wrongPassword = () => new AppError(400, 'WRONG_PASSWORD', '原密码不正确（连续输错多次将暂时锁定）/ the current password is wrong (repeated failures lock it for a while)');

/**
 * A signed-in user's own change: the old password is checked like a sign-in from the actor's
 * address — a wrong one counts towards the locks, and while either lock holds even the right one
 * is refused — so a stolen token cannot be used to guess the password. Both are 400 WRONG_PASSWORD.
 */
export async function changeOwnPassword(ctx: AccountsContext, actor: Actor, oldPassword: string, newPassword: string): Promise<void> {
  const problem = passwordProblem(newPassword);
  if (problem) throw badRequest('WEAK_PASSWORD', problem);
  const user = await findUser(ctx.db, actor.username);
  const now = ctx.clock.now();
  const failed = (db: AccountsDb, detail: Record<string, unknown>) =>
    audit(ctx, db, actor, { action: 'user.change_password', targetType: 'user', targetId: actor.username, outcome: 'failed', detail });
  if (!(await verifyPassword(oldPassword, user.password_hash))) {
    await ctx.db.transaction().execute(async (trx) => {
      const lockedNow = await countFailure(ctx, trx, actor.username, actor.ip, user.id, now);
      await failed(trx, { reason: 'wrong password', ...(lockedNow.length ? { lockedNow } : {}) });
    });
    throw wrongPassword();
  }
  await assertNotReused(ctx.db, ctx.config, user.id, user.password_hash, newPassword);
  const passwordHash = await hashPassword(newPassword);
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await rememberPassword(trx, ctx.config, user.id, user.password_hash, now);
      const row = await passLocks(trx, actor.username, actor.ip, user.id, now, { password_hash: passwordHash, password_changed_at: now, updated_at: now });
      if (!row) throw new Refused('locked');
      await revokeAllTokens(trx, ctx, user.id);
      await audit(ctx, trx, actor, { action: 'user.reset_password', targetType: 'user', targetId: actor.username });
    });
  } catch (err) {
    if (!(err instanceof Refused)) throw err;
    await failed(ctx.db, { reason: err.reason });
    throw wrongPassword();
  }
}

/** Deletes the failure rows of pairs nobody has tried for a day, once their locks have ended. */
export async function pruneLoginFailures(ctx: AccountsContext): Promise<number> {
  const now = ctx.clock.now();
  const result = await ctx.db
    .deleteFrom('login_failures')
    .where('updated_at', '<', new Date(now.getTime() - 86_400_000))
    .where(unlocked(now))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * First start: creates `admin` with ZHIBO_ADMIN_PASSWORD, or a random password that the caller
 * prints once. Returns the generated password, or null when admin existed or the password was given.
 */
export async function ensureAdmin(ctx: AccountsContext): Promise<{ created: boolean; generatedPassword: string | null }> {
  const existing = await ctx.db.selectFrom('users').select('id').where('username', '=', 'admin').executeTakeFirst();
  if (existing) return { created: false, generatedPassword: null };
  const password = ctx.config.adminPassword ?? randomPassword();
  // The operator chose ZHIBO_ADMIN_PASSWORD deliberately: take it as given, warn if weak.
  if (ctx.config.adminPassword && passwordProblem(ctx.config.adminPassword)) {
    ctx.log.warn('ZHIBO_ADMIN_PASSWORD is weak; change it after the first sign-in');
  }
  await createUser(ctx, systemActor('bootstrap'), { username: 'admin', password, role: 'admin', displayName: '系统管理员' }, { checkPolicy: false });
  return { created: true, generatedPassword: ctx.config.adminPassword ? null : password };
}

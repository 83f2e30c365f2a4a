import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { audit, type AppContext } from '../../platform/context.js';
import { actorFor, ROLE_PERMISSIONS, ROLES, systemActor, type Actor } from '../../platform/auth/permissions.js';
import { hashPassword, passwordProblem, randomPassword, verifyPassword } from '../../platform/auth/passwords.js';
import { AppError, badRequest, conflict, notFound, unauthorized } from '../../platform/errors.js';
import type { Role, UsersTable } from './tables.js';
import type { Selectable } from 'kysely';

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

async function checkNewUser(db: Kysely<DB>, input: NewUser, checkPolicy: boolean): Promise<void> {
  if (!ROLES.includes(input.role)) throw badRequest('INVALID_ROLE', `未知角色 / unknown role ${input.role}`);
  if (!/^[A-Za-z0-9_.-]{2,64}$/.test(input.username)) {
    throw badRequest('INVALID_USERNAME', '用户名须为 2–64 位字母、数字或 _.- / username: 2–64 of letters, digits, _.-');
  }
  const problem = checkPolicy ? passwordProblem(input.password) : input.password ? null : 'empty password';
  if (problem) throw badRequest('WEAK_PASSWORD', problem);
  if (input.role === 'district') {
    if (!input.districtCode) throw badRequest('DISTRICT_REQUIRED', '县市区用户必须指定 districtCode / district users need districtCode');
    const d = await db.selectFrom('districts').select('code').where('code', '=', input.districtCode).executeTakeFirst();
    if (!d) throw badRequest('UNKNOWN_DISTRICT', `未知县市区 / unknown district ${input.districtCode}`);
  } else if (input.districtCode) {
    throw badRequest('DISTRICT_NOT_ALLOWED', '只有 district 角色可指定 districtCode / only district users have a district');
  }
}

export async function createUser(ctx: AppContext, actor: Actor, input: NewUser, opts = { checkPolicy: true }): Promise<UserView> {
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

export async function listUsers(ctx: AppContext): Promise<UserView[]> {
  const rows = await ctx.db.selectFrom('users').selectAll().orderBy('id').execute();
  return rows.map(userView);
}

async function findUser(db: Kysely<DB>, username: string): Promise<UserRow> {
  const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  if (!row) throw notFound(`用户 ${username}`);
  return row;
}

export async function setUserStatus(ctx: AppContext, actor: Actor, username: string, status: 'active' | 'disabled'): Promise<UserView> {
  if (status === 'disabled' && actor.username === username) throw badRequest('CANNOT_DISABLE_SELF', '不能停用自己的账号 / you cannot disable yourself');
  return ctx.db.transaction().execute(async (trx) => {
    const before = await findUser(trx, username);
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

/** Sets a new password, unlocks the account and signs out its sessions. */
export async function resetPassword(ctx: AppContext, actor: Actor, username: string, password: string): Promise<UserView> {
  const problem = passwordProblem(password);
  if (problem) throw badRequest('WEAK_PASSWORD', problem);
  const passwordHash = await hashPassword(password);
  return ctx.db.transaction().execute(async (trx) => {
    const before = await findUser(trx, username);
    const now = ctx.clock.now();
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

async function revokeAllTokens(db: Kysely<DB>, ctx: AppContext, userId: number): Promise<void> {
  await db.updateTable('auth_tokens').set({ revoked_at: ctx.clock.now() }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  user: UserView;
}

const BAD_CREDENTIALS = '用户名或密码错误 / wrong username or password';

/**
 * Password sign-in with lockout: after `loginMaxFailures` wrong passwords in a row the account
 * is locked for `loginLockMinutes`. Every attempt is audited, success or not.
 */
export async function login(ctx: AppContext, username: string, password: string, client: { ip: string | null; userAgent: string | null }): Promise<LoginResult> {
  const now = ctx.clock.now();
  const who: Actor = { ...systemActor(username), role: 'system', ip: client.ip, permissions: new Set() };
  const user = await ctx.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  const fail = async (reason: string, err: AppError) => {
    await audit(ctx, ctx.db, who, { action: 'auth.login', targetType: 'user', targetId: username, outcome: 'failed', detail: { reason } });
    throw err;
  };
  if (!user) {
    // Same work and answer as a wrong password, so that usernames cannot be probed.
    await verifyPassword(password, 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    return fail('unknown user', new AppError(401, 'INVALID_CREDENTIALS', BAD_CREDENTIALS));
  }
  if (user.locked_until && user.locked_until > now) {
    return fail('locked', new AppError(423, 'ACCOUNT_LOCKED', `账号已锁定，请于 ${user.locked_until.toISOString()} 后重试 / account locked until ${user.locked_until.toISOString()}`));
  }
  if (!(await verifyPassword(password, user.password_hash))) {
    const failures = user.failed_logins + 1;
    const lock = failures >= ctx.config.loginMaxFailures;
    const lockedUntil = lock ? new Date(now.getTime() + ctx.config.loginLockMinutes * 60_000) : null;
    await ctx.db
      .updateTable('users')
      .set({ failed_logins: lock ? 0 : failures, locked_until: lockedUntil })
      .where('id', '=', user.id)
      .execute();
    if (lock) {
      return fail('wrong password; account locked', new AppError(423, 'ACCOUNT_LOCKED', `密码错误次数过多，账号锁定 ${ctx.config.loginLockMinutes} 分钟 / too many failures, locked for ${ctx.config.loginLockMinutes} minutes`));
    }
    return fail('wrong password', new AppError(401, 'INVALID_CREDENTIALS', BAD_CREDENTIALS));
  }
  if (user.status !== 'active') return fail('disabled', new AppError(403, 'ACCOUNT_DISABLED', '账号已停用 / account disabled'));

  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + ctx.config.tokenTtlMinutes * 60_000);
  return ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ failed_logins: 0, locked_until: null, last_login_at: now }).where('id', '=', user.id).execute();
    await trx
      .insertInto('auth_tokens')
      .values({ token_hash: tokenHash(token), user_id: user.id, created_at: now, expires_at: expiresAt, revoked_at: null, ip: client.ip, user_agent: client.userAgent })
      .execute();
    await audit(ctx, trx, actorFor(user, client.ip), { action: 'auth.login', targetType: 'user', targetId: username });
    return { token, expiresAt: expiresAt.toISOString(), user: userView({ ...user, last_login_at: now }) };
  });
}

/** Resolves a bearer token to its actor; null when unknown, expired, revoked or the user is disabled. */
export async function authenticate(ctx: AppContext, token: string, ip: string | null): Promise<{ actor: Actor; tokenId: number } | null> {
  const row = await ctx.db
    .selectFrom('auth_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id as token_id', 't.expires_at', 't.revoked_at', 'u.id', 'u.username', 'u.role', 'u.district_code', 'u.status'])
    .where('t.token_hash', '=', tokenHash(token))
    .executeTakeFirst();
  if (!row || row.revoked_at || row.expires_at <= ctx.clock.now() || row.status !== 'active') return null;
  return { actor: actorFor(row, ip), tokenId: row.token_id };
}

export async function logout(ctx: AppContext, actor: Actor, tokenId: number): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('auth_tokens').set({ revoked_at: ctx.clock.now() }).where('id', '=', tokenId).execute();
    await audit(ctx, trx, actor, { action: 'auth.logout', targetType: 'user', targetId: actor.username });
  });
}

export async function changeOwnPassword(ctx: AppContext, actor: Actor, oldPassword: string, newPassword: string): Promise<void> {
  const user = await findUser(ctx.db, actor.username);
  if (!(await verifyPassword(oldPassword, user.password_hash))) throw unauthorized(BAD_CREDENTIALS);
  await resetPassword(ctx, actor, actor.username, newPassword);
}

/**
 * First start: creates `admin` with ZHIBO_ADMIN_PASSWORD, or a random password that the caller
 * prints once. Returns the generated password, or null when admin existed or the password was given.
 */
export async function ensureAdmin(ctx: AppContext): Promise<{ created: boolean; generatedPassword: string | null }> {
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

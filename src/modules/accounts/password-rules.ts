import type { Config } from '../../config.js';
import { verifyPassword } from '../../platform/auth/passwords.js';
import { badRequest } from '../../platform/errors.js';
import type { AccountsDb } from './repo.js';

/*
 * Password expiry and history (docs/等保自查.md, "身份鉴别"): a password is good for
 * ZHIBO_PASSWORD_MAX_AGE_DAYS (0: for ever) — past it, the user may only change it — and a new
 * one may not repeat the last ZHIBO_PASSWORD_HISTORY passwords, the current one included. The
 * earlier hashes (scrypt, as the current one) are kept in password_history, N − 1 per user.
 */

/** When a password set at `changedAt` expires; null when passwords do not expire. */
export function passwordExpiresAt(config: Pick<Config, 'passwordMaxAgeDays'>, changedAt: Date): Date | null {
  return config.passwordMaxAgeDays > 0 ? new Date(changedAt.getTime() + config.passwordMaxAgeDays * 86_400_000) : null;
}

/** 400 PASSWORD_REUSED when `password` is the current one or one of the last earlier ones. */
export async function assertNotReused(db: AccountsDb, config: Pick<Config, 'passwordHistory'>, userId: number, currentHash: string, password: string): Promise<void> {
  const n = config.passwordHistory;
  if (n <= 0) return;
  const earlier = n > 1
    ? await db.selectFrom('password_history').select('password_hash').where('user_id', '=', userId).orderBy('id', 'desc').limit(n - 1).execute()
    : [];
  for (const hash of [currentHash, ...earlier.map((r) => r.password_hash)]) {
    if (await verifyPassword(password, hash)) {
      throw badRequest('PASSWORD_REUSED', `新密码不能与最近 ${n} 次使用过的密码相同 / the new password must differ from the last ${n} passwords`);
    }
  }
}

/** Keeps the replaced password's hash, and no more than the rule needs. */
export async function rememberPassword(db: AccountsDb, config: Pick<Config, 'passwordHistory'>, userId: number, replacedHash: string, now: Date): Promise<void> {
  const keep = Math.max(0, config.passwordHistory - 1);
  if (keep > 0) await db.insertInto('password_history').values({ user_id: userId, password_hash: replacedHash, changed_at: now }).execute();
  const kept = await db.selectFrom('password_history').select('id').where('user_id', '=', userId).orderBy('id', 'desc').limit(keep).execute();
  await db.deleteFrom('password_history').where('user_id', '=', userId).$if(kept.length > 0, (q) => q.where('id', 'not in', kept.map((r) => r.id))).execute();
}

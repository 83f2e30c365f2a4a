import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { ROLES, ROLE_PERMISSIONS, type Permission } from '../../platform/auth/permissions.js';
import type { Notice } from './service.js';

/** Roles whose users hold `permission` (permissions follow from the role alone). */
export function rolesWith(permission: Permission) {
  return ROLES.filter((role) => ROLE_PERMISSIONS[role].includes(permission));
}

/**
 * The active users who receive a notice, as rows (notification_id, user_id) for an
 * INSERT … SELECT. A district user receives notices of their own district and city-wide ones
 * only, even when named: the district rule is the same as for every other row they read.
 */
export function recipientsQuery(db: Kysely<DB>, notificationId: number, audience: Notice['audience'], districtCode: string | null) {
  const usernames = [...new Set(audience?.usernames ?? [])];
  const permission = audience?.permission ?? (usernames.length ? undefined : 'ops');
  const roles = permission ? rolesWith(permission) : [];
  return db
    .selectFrom('users')
    .select([sql<number>`cast(${notificationId} as bigint)`.as('notification_id'), 'users.id as user_id'])
    .where('users.status', '=', 'active')
    .where((eb) => {
      const who = [];
      if (roles.length) who.push(eb('users.role', 'in', roles));
      if (usernames.length) who.push(eb('users.username', 'in', usernames));
      return who.length ? eb.or(who) : sql<boolean>`false`;
    })
    .$if(districtCode !== null, (q) => q.where((eb) => eb.or([eb('users.district_code', 'is', null), eb('users.district_code', '=', districtCode!)])));
}

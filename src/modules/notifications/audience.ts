import { ROLES, ROLE_PERMISSIONS, type Permission } from '../../platform/auth/permissions.js';
import type { AnyDb } from '../../platform/db.js';
import type { Notice } from '../../platform/notices.js';
import { activeUserIds } from '../accounts/index.js';

/** Roles whose users hold `permission` (permissions follow from the role alone). */
export function rolesWith(permission: Permission) {
  return ROLES.filter((role) => ROLE_PERMISSIONS[role].includes(permission));
}

/**
 * The active users who receive a notice, as a query of their ids (user_id) for an
 * INSERT … SELECT, read through the accounts module. A district user receives notices of their
 * own district and city-wide ones only, even when named: the district rule is the same as for
 * every other row they read.
 */
export function recipientsQuery(db: AnyDb, audience: Notice['audience'], districtCode: string | null) {
  const usernames = [...new Set(audience?.usernames ?? [])];
  const permission = audience?.permission ?? (usernames.length ? undefined : 'ops');
  const roles = permission ? rolesWith(permission) : [];
  return activeUserIds(db, { roles, usernames, districtCode });
}

/*
 * Roles and what they may do (docs/architecture.md, "Cross-cutting rules"). They live here, below
 * every module: the accounts module stores a user's role, every module checks permissions.
 */

/** share_owner (共享单位): an owner of shared parking, limited to its own lots (the sharing module's data layer). */
export type Role = 'admin' | 'bureau' | 'district' | 'ops' | 'viewer' | 'share_owner';

export const ROLES: readonly Role[] = ['admin', 'bureau', 'district', 'ops', 'viewer', 'share_owner'];

export type Permission =
  | 'users:manage' // create, disable, reset accounts
  | 'registry:read'
  | 'registry:write' // districts, operators, sources, lots, berths
  | 'sources:secrets' // create and rotate data-source signing secrets
  | 'pii' // see unmasked plates (every such read is audited)
  | 'audit:read'
  | 'ops' // operations work: monitoring, tickets, incidents
  | 'data:clean' // data cleaning: scan, fix, revert, rule settings (数据清洗)
  | 'payments:read' // payment transactions, pay orders, refused notifications, reconciliation
  | 'payments:manage' // payment channels and their keys, pay orders, resolving reconciliation differences
  | 'arrears:manage' // arrears recovery: escalation settings, write-off requests and their approval (欠费追缴)

  | 'sharing:approve' // shared parking: approve owners and offers, cancel any booking, confirm statements (共享停车)
  | 'sharing:own'; // shared parking as an owner: offers and bookings of the owner's own lots only

const ALL: readonly Permission[] = ['users:manage', 'registry:read', 'registry:write', 'sources:secrets', 'pii', 'audit:read', 'ops', 'data:clean', 'payments:read', 'payments:manage', 'arrears:manage', 'sharing:approve'];

/** Permissions follow from the role; there are no per-user grants to review. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: ALL,
  bureau: ['registry:read', 'registry:write', 'pii', 'data:clean', 'payments:read', 'arrears:manage', 'sharing:approve'],
  district: ['registry:read', 'registry:write'],
  ops: ['registry:read', 'registry:write', 'sources:secrets', 'pii', 'audit:read', 'ops', 'data:clean', 'payments:read'],
  viewer: ['registry:read'],
  share_owner: ['sharing:own'],
};

/** Who is acting, as every service call sees it. `districtCode` set means scoped to that district. */
export interface Actor {
  userId: number | null;
  username: string;
  role: Role | 'system';
  districtCode: string | null;
  permissions: ReadonlySet<Permission>;
  ip: string | null;
}

export function actorFor(user: { id: number; username: string; role: Role; district_code: string | null }, ip: string | null): Actor {
  return {
    userId: user.id,
    username: user.username,
    role: user.role,
    districtCode: user.role === 'district' ? user.district_code : null,
    permissions: new Set(ROLE_PERMISSIONS[user.role]),
    ip,
  };
}

/** The platform itself (CLI, jobs, seeding): every permission, no district scope. */
export function systemActor(name = 'system'): Actor {
  return { userId: null, username: name, role: 'system', districtCode: null, permissions: new Set(ALL), ip: null };
}

export function can(actor: Actor, permission: Permission): boolean {
  return actor.permissions.has(permission);
}

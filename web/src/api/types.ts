// Console-side vocabulary over the API's types. The shapes of requests and answers are not written
// here: they come from the OpenAPI document (schema.d.ts, `npm run api:generate`; client.ts's
// ResponseOf / ItemOf / BodyOf / Schemas). What stays is what the document does not enumerate
// (roles and permissions are plain strings there) and the option lists the pages show.
import type { Schemas } from './client';

export type Role = 'admin' | 'bureau' | 'district' | 'ops' | 'viewer' | 'share_owner';
export const ROLES: readonly Role[] = ['admin', 'bureau', 'district', 'ops', 'viewer', 'share_owner'];

export type Permission = 'users:manage' | 'registry:read' | 'registry:write' | 'sources:secrets' | 'pii' | 'audit:read' | 'ops' | 'data:clean' | 'payments:read' | 'payments:manage' | 'arrears:manage' | 'sharing:approve' | 'sharing:own';

export const LOT_KINDS: readonly Schemas['Lot']['kind'][] = ['off_street', 'on_street'];
export const LOT_CATEGORIES: readonly Schemas['Lot']['category'][] = ['commercial', 'hospital', 'school', 'residential', 'office', 'scenic', 'transport', 'government', 'other'];
export const LOT_STATUSES: readonly Schemas['Lot']['status'][] = ['active', 'suspended'];
export const COORD_SYSTEMS: readonly Schemas['Lot']['inputCoordSystem'][] = ['gcj02', 'wgs84', 'bd09'];

/** A signing secret the API shows once (a data source or a channel client, created or rotated): SecretDialog's model. */
export interface ShownSecret {
  code: string;
  secret: string;
  secretRotatedAt?: string | null;
}

import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type ReadOnly } from '../../platform/db.js';
import type { Actor } from '../../platform/auth/permissions.js';
import { AppError, forbidden } from '../../platform/errors.js';
import type { RegistryTables } from '../registry/index.js';
import type { SessionsTables } from '../sessions/index.js';
import type { SharingTables } from './tables.js';

/*
 * Data access of shared parking. Writes touch only this module's tables; it reads the registry's
 * lots and districts (which lot, which district) and the parking sessions the gate wrote (the
 * session an exit closed). Scoping is here, in the data layer: a share_owner sees only its
 * owner's offers and their bookings, a district user only its district's lots.
 */
type Tables = SharingTables & ReadOnly<Pick<RegistryTables, 'lots' | 'districts'> & Pick<SessionsTables, 'parking_sessions'>>;
export type SharingDb = Db<Tables>;
export type SharingContext = AppContext<Tables>;
export const sharingDb = (db: AnyDb): SharingDb => tablesOf<Tables>(db);
export const sharingContext = (ctx: AppContext): SharingContext => contextOf<Tables>(ctx);

/** What rows an actor may see: one owner's (share_owner), one district's, or all (null, null). */
export interface SharingScope {
  ownerId: number | null;
  districtCode: string | null;
}

/** The scope of an actor; a share_owner account not linked to an owner sees nothing (403). */
export async function scopeOf(db: SharingDb, actor: Actor): Promise<SharingScope> {
  if (actor.role === 'share_owner') {
    const link = await db.selectFrom('sharing_owner_users').select('owner_id').where('username', '=', actor.username).executeTakeFirst();
    if (!link) throw new AppError(403, 'SHARE_OWNER_UNLINKED', '该账号未关联共享单位 / this account is not linked to an owner');
    return { ownerId: link.owner_id, districtCode: null };
  }
  if (!actor.permissions.has('registry:read')) throw forbidden('需要权限 registry:read / requires permission registry:read');
  return { ownerId: null, districtCode: actor.districtCode };
}

/** Offers with their lot and district, within a scope. */
export function offersQuery(db: SharingDb, scope: SharingScope) {
  return db
    .selectFrom('sharing_offers as o')
    .innerJoin('lots as l', 'l.id', 'o.lot_id')
    .leftJoin('sharing_owners as ow', 'ow.id', 'o.owner_id')
    .selectAll('o')
    .select(['l.code as lot_code', 'l.name as lot_name', 'l.district_code', 'l.lng', 'l.lat', 'ow.code as owner_code', 'ow.name as owner_name'])
    .$if(scope.ownerId !== null, (q) => q.where('o.owner_id', '=', scope.ownerId!))
    .$if(scope.districtCode !== null, (q) => q.where('l.district_code', '=', scope.districtCode!));
}
export type OfferRow = Awaited<ReturnType<ReturnType<typeof offersQuery>['executeTakeFirstOrThrow']>>;

/** Bookings with their offer's lot and owner, within a scope. */
export function bookingsQuery(db: SharingDb, scope: SharingScope) {
  return db
    .selectFrom('sharing_bookings as b')
    .innerJoin('sharing_offers as o', 'o.id', 'b.offer_id')
    .innerJoin('lots as l', 'l.id', 'b.lot_id')
    .selectAll('b')
    .select(['o.name as offer_name', 'o.owner_id', 'l.code as lot_code', 'l.name as lot_name', 'l.district_code'])
    .$if(scope.ownerId !== null, (q) => q.where('o.owner_id', '=', scope.ownerId!))
    .$if(scope.districtCode !== null, (q) => q.where('l.district_code', '=', scope.districtCode!));
}
export type BookingRow = Awaited<ReturnType<ReturnType<typeof bookingsQuery>['executeTakeFirstOrThrow']>>;

/** A lot by code with the owner it belongs to (if any). */
export async function lotWithOwner(db: SharingDb, code: string) {
  return db
    .selectFrom('lots as l')
    .leftJoin('sharing_owner_lots as ol', 'ol.lot_id', 'l.id')
    .select(['l.id', 'l.code', 'l.district_code', 'ol.owner_id'])
    .where('l.code', '=', code)
    .executeTakeFirst();
}

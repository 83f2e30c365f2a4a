import { sql } from 'kysely';
import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type ReadOnly } from '../../platform/db.js';
import type { AnalyticsTables } from '../analytics/index.js';
import type { IngestTables } from '../ingest/index.js';
import type { QualityTables, TariffInput } from '../quality/index.js';
import type { SessionsTables } from '../sessions/index.js';
import type { TicketsTables } from '../tickets/index.js';
import { lateThresholdMinutesSql, type LotCategory, type LotKind, type RegistryTables } from '../registry/index.js';
import type { PublicTables } from './tables.js';

/*
 * Data access of the public service. Writes touch only this module's tables
 * (public_lot_settings, public_sign_groups, public_sign_group_lots, and the citizen, announcement
 * and usage tables of citizen.ts and announcements.ts); everything else here is a
 * read-only reporting query over other modules' tables: the registry's lots, districts and
 * sources (with its effective late threshold), ingest's lot_live (the newest status report of
 * each lot, by occurredAt), quality's lot_tariffs, analytics' hourly rollups, and the sessions
 * module's parking_sessions for a verified citizen's own plate (citizen.ts), and the public
 * channel's work orders for the usage figures (usage.ts).
 */
type Tables = PublicTables &
  ReadOnly<
    Pick<RegistryTables, 'lots' | 'districts' | 'data_sources'> &
      Pick<IngestTables, 'lot_live'> &
      Pick<QualityTables, 'lot_tariffs'> &
      Pick<AnalyticsTables, 'analytics_lot_hour'> &
      Pick<SessionsTables, 'parking_sessions'> &
      Pick<TicketsTables, 'tickets'>
  >;
export type PublicDb = Db<Tables>;
export type PublicContext = AppContext<Tables>;
export const publicDb = (db: AnyDb): PublicDb => tablesOf<Tables>(db);
export const publicContext = (ctx: AppContext): PublicContext => contextOf<Tables>(ctx);

export interface PublicLotRow {
  id: number;
  code: string;
  name: string;
  districtCode: string;
  districtName: string;
  category: LotCategory;
  kind: LotKind;
  address: string | null;
  totalSpaces: number;
  lng: number | null;
  lat: number | null;
  thresholdMinutes: number;
  status: { at: Date | null; free: number | null; total: number | null };
  openingHours: string | null;
  chargingSpaces: number | null;
  tariff: TariffInput | null;
}

export interface LotFilter {
  box?: { minLng: number; maxLng: number; minLat: number; maxLat: number };
  category?: string;
  code?: string;
  districtCode?: string;
  lotIds?: number[];
}

function baseQuery(db: PublicDb, defaultThreshold: number) {
  return db
    .selectFrom('lots as l')
    .innerJoin('districts as d', 'd.code', 'l.district_code')
    .leftJoin('data_sources as s', 's.code', 'l.source_code')
    .leftJoin('lot_live as ll', 'll.lot_id', 'l.id')
    .leftJoin('public_lot_settings as p', 'p.lot_id', 'l.id')
    .leftJoin('lot_tariffs as t', 't.lot_id', 'l.id')
    .select([
      'l.id', 'l.code', 'l.name', 'l.district_code', 'd.name as district_name', 'l.category', 'l.kind', 'l.address', 'l.total_spaces', 'l.lng', 'l.lat',
      lateThresholdMinutesSql('l', 's', defaultThreshold).as('threshold_minutes'),
      'll.status_at', 'll.free_spaces as status_free', 'll.total_spaces as status_total',
      'p.opening_hours', 'p.charging_spaces',
      't.free_minutes', 't.first_period_minutes', 't.first_period_fen', 't.unit_minutes', 't.unit_fen', 't.daily_cap_fen',
    ])
    // Staff may hide a lot from the public; a lot without settings is public.
    .where((eb) => eb.or([eb('p.hidden', 'is', null), eb('p.hidden', '=', false)]));
}

type Row = Awaited<ReturnType<ReturnType<typeof baseQuery>['execute']>>[number];

function toLot(r: Row): PublicLotRow {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    districtCode: r.district_code,
    districtName: r.district_name,
    category: r.category,
    kind: r.kind,
    address: r.address,
    totalSpaces: r.total_spaces,
    lng: r.lng,
    lat: r.lat,
    thresholdMinutes: Number(r.threshold_minutes),
    status: { at: r.status_at ? new Date(r.status_at) : null, free: r.status_free, total: r.status_total },
    openingHours: r.opening_hours,
    chargingSpaces: r.charging_spaces,
    tariff: r.free_minutes === null || r.first_period_minutes === null || r.first_period_fen === null || r.unit_minutes === null || r.unit_fen === null
      ? null
      : { freeMinutes: r.free_minutes, firstPeriodMinutes: r.first_period_minutes, firstPeriodFen: r.first_period_fen, unitMinutes: r.unit_minutes, unitFen: r.unit_fen, dailyCapFen: r.daily_cap_fen },
  };
}

/** Public (not hidden) lots matching the filter, by code. */
export async function publicLots(db: PublicDb, defaultThreshold: number, f: LotFilter): Promise<PublicLotRow[]> {
  const b = f.box;
  const rows = await baseQuery(db, defaultThreshold)
    .$if(b !== undefined, (q) => q.where('l.lng', '>=', b!.minLng).where('l.lng', '<=', b!.maxLng).where('l.lat', '>=', b!.minLat).where('l.lat', '<=', b!.maxLat))
    .$if(f.category !== undefined, (q) => q.where('l.category', '=', f.category as LotCategory))
    .$if(f.code !== undefined, (q) => q.where('l.code', '=', f.code!))
    .$if(f.districtCode !== undefined, (q) => q.where('l.district_code', '=', f.districtCode!))
    .$if(f.lotIds !== undefined, (q) => q.where('l.id', '=', sql<number>`any(${sql.val(f.lotIds)}::int[])`))
    .orderBy('l.code')
    .execute();
  return rows.map(toLot);
}

/** Mean occupancy per hour (analytics_lot_hour, whole lot) of one lot in [from, to). */
export async function lotHourRatios(db: PublicDb, lotId: number, from: Date, to: Date): Promise<{ at: Date; ratio: number }[]> {
  const rows = await db.selectFrom('analytics_lot_hour')
    .select(['at', 'occ_known_seconds', 'occ_ratio_seconds'])
    .where('lot_id', '=', lotId).where('pay_channel', '=', '*')
    .where('at', '>=', from).where('at', '<', to)
    .where('occ_known_seconds', '>', 0)
    .orderBy('at')
    .execute();
  return rows.map((r) => ({ at: new Date(r.at), ratio: Number(r.occ_ratio_seconds) / Number(r.occ_known_seconds) }));
}

// ---- settings (staff) ----

export interface LotSettingsRow {
  lotId: number;
  hidden: boolean;
  openingHours: string | null;
  chargingSpaces: number | null;
  updatedAt: Date | null;
  updatedBy: string | null;
}

export async function lotSettings(db: PublicDb, lotId: number): Promise<LotSettingsRow> {
  const r = await db.selectFrom('public_lot_settings').selectAll().where('lot_id', '=', lotId).executeTakeFirst();
  if (!r) return { lotId, hidden: false, openingHours: null, chargingSpaces: null, updatedAt: null, updatedBy: null };
  return { lotId, hidden: r.hidden, openingHours: r.opening_hours, chargingSpaces: r.charging_spaces, updatedAt: r.updated_at, updatedBy: r.updated_by };
}

export async function upsertLotSettings(db: PublicDb, s: { lotId: number; hidden: boolean; openingHours: string | null; chargingSpaces: number | null; at: Date; by: string }): Promise<void> {
  const values = { hidden: s.hidden, opening_hours: s.openingHours, charging_spaces: s.chargingSpaces, updated_at: s.at, updated_by: s.by };
  await db.insertInto('public_lot_settings').values({ lot_id: s.lotId, ...values })
    .onConflict((oc) => oc.column('lot_id').doUpdateSet(values)).execute();
}

/** A lot of the registry by code, within a district scope (null: city), for staff routes. */
export async function lotByCode(db: PublicDb, code: string, scope: string | null): Promise<{ id: number; code: string; districtCode: string } | undefined> {
  const r = await db.selectFrom('lots').select(['id', 'code', 'district_code']).where('code', '=', code)
    .$if(scope !== null, (q) => q.where('district_code', '=', scope!)).executeTakeFirst();
  return r ? { id: r.id, code: r.code, districtCode: r.district_code } : undefined;
}

export async function lotsByCodes(db: PublicDb, codes: string[]): Promise<{ id: number; code: string; districtCode: string }[]> {
  if (!codes.length) return [];
  const rows = await db.selectFrom('lots').select(['id', 'code', 'district_code']).where('code', 'in', codes).execute();
  return rows.map((r) => ({ id: r.id, code: r.code, districtCode: r.district_code }));
}

// ---- sign groups ----

export interface SignGroupRow {
  id: number;
  code: string;
  name: string;
  lotCodes: string[];
  lotIds: number[];
  updatedAt: Date;
  updatedBy: string;
}

export async function signGroups(db: PublicDb, code?: string): Promise<SignGroupRow[]> {
  const groups = await db.selectFrom('public_sign_groups').selectAll().$if(code !== undefined, (q) => q.where('code', '=', code!)).orderBy('code').execute();
  if (!groups.length) return [];
  const members = await db.selectFrom('public_sign_group_lots as g').innerJoin('lots as l', 'l.id', 'g.lot_id')
    .select(['g.group_id', 'g.lot_id', 'l.code']).where('g.group_id', 'in', groups.map((g) => g.id)).orderBy('g.group_id').orderBy('g.position').execute();
  return groups.map((g) => {
    const mine = members.filter((m) => m.group_id === g.id);
    return { id: g.id, code: g.code, name: g.name, lotCodes: mine.map((m) => m.code), lotIds: mine.map((m) => m.lot_id), updatedAt: g.updated_at, updatedBy: g.updated_by };
  });
}

export async function insertSignGroup(db: PublicDb, g: { code: string; name: string; at: Date; by: string }): Promise<number> {
  const r = await db.insertInto('public_sign_groups').values({ code: g.code, name: g.name, created_at: g.at, updated_at: g.at, updated_by: g.by })
    .returning('id').executeTakeFirstOrThrow();
  return r.id;
}

export async function updateSignGroup(db: PublicDb, id: number, g: { name: string; at: Date; by: string }): Promise<void> {
  await db.updateTable('public_sign_groups').set({ name: g.name, updated_at: g.at, updated_by: g.by }).where('id', '=', id).execute();
}

export async function setSignGroupLots(db: PublicDb, groupId: number, lotIds: number[]): Promise<void> {
  await db.deleteFrom('public_sign_group_lots').where('group_id', '=', groupId).execute();
  if (lotIds.length) {
    await db.insertInto('public_sign_group_lots').values(lotIds.map((lotId, position) => ({ group_id: groupId, lot_id: lotId, position }))).execute();
  }
}

export async function deleteSignGroup(db: PublicDb, id: number): Promise<void> {
  await db.deleteFrom('public_sign_groups').where('id', '=', id).execute();
}

export async function districtExists(db: PublicDb, code: string): Promise<boolean> {
  return !!(await db.selectFrom('districts').select('code').where('code', '=', code).executeTakeFirst());
}

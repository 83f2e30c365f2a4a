import { sql, type RawBuilder } from 'kysely';
import type { GroupKey, Segment } from './kpi-query.js';
import type { TimeKey } from './kpi-time.js';
import type { AnalyticsDb } from './repo.js';

/*
 * What the KPI query reads: the registry's lots (the denominators need every lot's total_spaces,
 * also of lots with no rollup rows) and sums over the rollup tables of migration 0014 — never raw
 * sessions. Everything is aggregated in SQL by the requested keys; time keys are computed there
 * from the Shanghai wall clock (`at` + 8 h, no daylight saving), so a year of day rows for 300
 * lots comes back as a few hundred rows.
 */

export interface RegistryLot {
  id: number;
  code: string;
  name: string;
  districtCode: string;
  districtName: string;
  category: string;
  totalSpaces: number;
}

export async function readLots(db: AnalyticsDb): Promise<RegistryLot[]> {
  const rows = await db
    .selectFrom('lots as l')
    .innerJoin('districts as d', 'd.code', 'l.district_code')
    .select(['l.id', 'l.code', 'l.name', 'l.district_code', 'd.name as district_name', 'l.category', 'l.total_spaces'])
    .orderBy('l.code')
    .execute();
  return rows.map((r) => ({
    id: r.id, code: r.code, name: r.name, districtCode: r.district_code, districtName: r.district_name, category: r.category, totalSpaces: r.total_spaces,
  }));
}

export async function readDistrictCodes(db: AnalyticsDb): Promise<Map<string, string>> {
  const rows = await db.selectFrom('districts').select(['code', 'name']).execute();
  return new Map(rows.map((r) => [r.code, r.name]));
}

/** How far the rollups are computed (analytics_state.refreshed_until); null before the first refresh. */
export async function readAsOf(db: AnalyticsDb): Promise<Date | null> {
  const row = await db.selectFrom('analytics_state').select('refreshed_until').where('id', '=', 1).executeTakeFirst();
  return row?.refreshed_until ? new Date(row.refreshed_until) : null;
}

/** Sums of one output key over the lot rollups. */
export interface LotSums {
  keys: Partial<Record<GroupKey, string>>;
  entries: number;
  exits: number;
  /** entries / occupied seconds of the lots with total_spaces > 0 (turnover and utilisation numerators) */
  spaceEntries: number;
  occupiedSeconds: number;
  dwellSeconds: number;
  dwellCount: number;
  receivableFen: number;
  paidFen: number;
  arrearsFen: number;
  sessions: number;
  completeSessions: number;
  flaggedSessions: number;
  occKnownSeconds: number;
  occRatioSeconds: number;
  occPeak: number | null;
  /** lots with any known occupancy time under this key, 2 meaning several: at most one means the lot sums are the group's */
  knownLots: 0 | 1 | 2;
}

export interface OccSums {
  keys: Partial<Record<GroupKey, string>>;
  occKnownSeconds: number;
  occRatioSeconds: number;
  occPeak: number | null;
}

const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
/** The Shanghai wall clock of r.at, a timestamp without zone whatever the session's TimeZone. */
const WALL = sql.raw(`((r.at at time zone 'UTC') + interval '8 hours')`);
const TIME_EXPR: Record<TimeKey, RawBuilder<unknown>> = {
  hour: sql`to_char(${WALL}, 'YYYY-MM-DD"T"HH24":00:00+08:00"')`,
  day: sql`to_char(${WALL}, 'YYYY-MM-DD')`,
  week: sql`to_char(${WALL}, 'IYYY-"W"IW')`,
  month: sql`to_char(${WALL}, 'YYYY-MM')`,
};
const DIM_EXPR: Record<Exclude<GroupKey, TimeKey>, RawBuilder<unknown>> = {
  lot: sql`l.code`,
  district: sql`l.district_code`,
  category: sql`l.category`,
  channel: sql`r.pay_channel`,
};
const keyExpr = (g: GroupKey) => (g in TIME_EXPR ? TIME_EXPR[g as TimeKey] : DIM_EXPR[g as Exclude<GroupKey, TimeKey>]);

/** The lot columns summed as they are (the inner step computes space_entries and occupied_seconds). */
const SUMMED = ['entries', 'exits', 'space_entries', 'occupied_seconds', 'dwell_seconds', 'dwell_count', 'receivable_fen', 'paid_fen', 'arrears_fen',
  'sessions', 'complete_sessions', 'flagged_sessions', 'occ_known_seconds', 'occ_ratio_seconds'] as const;

const LOT_COLUMNS = 'lot_id, at, pay_channel, entries, exits, occupied_seconds, dwell_seconds, dwell_count, receivable_fen, paid_fen, arrears_fen, '
  + 'sessions, complete_sessions, flagged_sessions, occ_known_seconds, occ_ratio_seconds, occ_peak';
const GROUP_COLUMNS = 'district_code, category, at, occ_known_seconds, occ_ratio_seconds, occ_peak';

/** The rows of every segment from its table (analytics_lot_hour/day/month, or the group ones). */
function segmentsUnion(kind: 'lot' | 'group', segments: readonly Segment[]) {
  const columns = sql.raw(kind === 'lot' ? LOT_COLUMNS : GROUP_COLUMNS);
  return sql.join(
    segments.map((s) => sql`select ${columns} from ${sql.raw(`analytics_${kind}_${s.grain}`)} where at >= ${ts(s.from)} and at < ${ts(s.to)}`),
    sql` union all `,
  );
}

function selectKeys(groupBy: readonly GroupKey[]) {
  return groupBy.map((g) => sql`${keyExpr(g)} as ${sql.ref(`k_${g}`)}`);
}
function groupByClause(groupBy: readonly GroupKey[]) {
  return groupBy.length ? sql`group by ${sql.join(groupBy.map((_, i) => sql.raw(String(i + 1))))}` : sql``;
}
function keysOf(row: Record<string, unknown>, groupBy: readonly GroupKey[]): Partial<Record<GroupKey, string>> {
  const keys: Partial<Record<GroupKey, string>> = {};
  for (const g of groupBy) keys[g] = String(row[`k_${g}`]);
  return keys;
}

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/**
 * Sums over analytics_lot_* by the groupBy keys. `lotIds` null: every lot. With `channel` the
 * per-channel rows are read (pay_channel ≠ '*'), else the whole-lot rows.
 */
export async function readLotSums(db: AnalyticsDb, segments: readonly Segment[], groupBy: readonly GroupKey[], lotIds: readonly number[] | null): Promise<LotSums[]> {
  if (segments.length === 0 || (lotIds !== null && lotIds.length === 0)) return [];
  const channel = groupBy.includes('channel');
  const dims = groupBy.filter((g): g is Exclude<GroupKey, TimeKey> => !(g in TIME_EXPR));
  const times = groupBy.filter((g): g is TimeKey => g in TIME_EXPR);
  // Two steps: sum per period start and dimension first (cheap keys), then turn the few
  // resulting starts into hour/day/week/month keys — formatting a key per rollup row was a
  // third of a year's category × week query (bench:analytics).
  const { rows } = await sql<Record<string, unknown>>`
    select ${sql.join([
      ...times.map((g) => sql`${TIME_EXPR[g]} as ${sql.ref(`k_${g}`)}`),
      ...dims.map((g) => sql.ref(`k_${g}`)),
      ...SUMMED.map((c) => sql`sum(r.${sql.raw(c)})::float8 as ${sql.raw(c)}`),
      sql`max(r.occ_peak)::float8 as occ_peak`,
      sql`min(r.known_min) as known_min`,
      sql`max(r.known_max) as known_max`,
    ])}
    from (
      select ${sql.join([
        sql`r.at`,
        ...dims.map((g) => sql`${DIM_EXPR[g]} as ${sql.ref(`k_${g}`)}`),
        sql`sum(r.entries) as entries`,
        sql`sum(r.exits) as exits`,
        sql`sum(case when l.total_spaces > 0 then r.entries else 0 end) as space_entries`,
        sql`sum(case when l.total_spaces > 0 then r.occupied_seconds else 0 end) as occupied_seconds`,
        ...SUMMED.filter((c) => !['entries', 'exits', 'space_entries', 'occupied_seconds'].includes(c)).map((c) => sql`sum(r.${sql.raw(c)}) as ${sql.raw(c)}`),
        sql`max(r.occ_peak) as occ_peak`,
        // at most one lot known is all the rows need to know: min = max, cheaper than count(distinct)
        sql`min(case when r.occ_known_seconds > 0 then r.lot_id end) as known_min`,
        sql`max(case when r.occ_known_seconds > 0 then r.lot_id end) as known_max`,
      ])}
      from (${segmentsUnion('lot', segments)}) as r
      join lots as l on l.id = r.lot_id
      where r.pay_channel ${channel ? sql`<>` : sql`=`} '*'
      ${lotIds === null ? sql`` : sql`and r.lot_id in (${sql.join(lotIds)})`}
      group by ${sql.join([sql.raw('1'), ...dims.map((_, i) => sql.raw(String(i + 2)))])}
    ) as r
    ${groupByClause(groupBy)}
  `.execute(db);
  return rows.map((r) => ({
    keys: keysOf(r, groupBy),
    entries: num(r.entries),
    exits: num(r.exits),
    spaceEntries: num(r.space_entries),
    occupiedSeconds: num(r.occupied_seconds),
    dwellSeconds: num(r.dwell_seconds),
    dwellCount: num(r.dwell_count),
    receivableFen: num(r.receivable_fen),
    paidFen: num(r.paid_fen),
    arrearsFen: num(r.arrears_fen),
    sessions: num(r.sessions),
    completeSessions: num(r.complete_sessions),
    flaggedSessions: num(r.flagged_sessions),
    occKnownSeconds: num(r.occ_known_seconds),
    occRatioSeconds: num(r.occ_ratio_seconds),
    occPeak: numOrNull(r.occ_peak),
    knownLots: r.known_min === null || r.known_min === undefined ? 0 : Number(r.known_min) === Number(r.known_max) ? 1 : 2,
  }));
}

/**
 * Group occupancy (analytics_group_*) of the (district, category) pairs asked for ('*' = all), by
 * the time keys; `keys` carries the time keys plus `district` and `category` as stored.
 */
export async function readGroupOcc(db: AnalyticsDb, segments: readonly Segment[], timeKeys: readonly TimeKey[], pairs: readonly [string, string][]): Promise<OccSums[]> {
  if (segments.length === 0 || pairs.length === 0) return [];
  const { rows } = await sql<Record<string, unknown>>`
    select ${sql.join([
      ...selectKeys(timeKeys),
      sql`r.district_code as k_district`,
      sql`r.category as k_category`,
      sql`sum(r.occ_known_seconds)::float8 as occ_known_seconds`,
      sql`sum(r.occ_ratio_seconds)::float8 as occ_ratio_seconds`,
      sql`max(r.occ_peak)::float8 as occ_peak`,
    ])}
    from (${segmentsUnion('group', segments)}) as r
    where (r.district_code, r.category) in (${sql.join(pairs.map(([d, c]) => sql`(${d}, ${c})`))})
    group by ${sql.join([...timeKeys, 'district', 'category'].map((_, i) => sql.raw(String(i + 1))))}
  `.execute(db);
  return rows.map((r) => ({
    keys: keysOf(r, [...timeKeys, 'district', 'category']),
    occKnownSeconds: num(r.occ_known_seconds),
    occRatioSeconds: num(r.occ_ratio_seconds),
    occPeak: numOrNull(r.occ_peak),
  }));
}

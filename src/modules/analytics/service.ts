import { readDb } from '../../platform/read-db.js';
import type { Actor } from '../../platform/auth/permissions.js';
import { AppError, badRequest } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import type { AppContext } from '../../platform/context.js';
import { matchRows, shiftFor, shiftRange } from './kpi-compare.js';
import { checkQuery, isTimeKey, planSegments, type GroupKey, type Grain, type KpiQuery, type Range } from './kpi-query.js';
import { readAsOf, readDistrictCodes, readGroupOcc, readLotSums, readLots, type RegistryLot } from './kpi-read.js';
import { buildRows, groupPairsNeeded, lotSets, shapeRow, sortRows, type BuiltRow, type KpiRow } from './kpi-rows.js';
import { timeKeyTuples, type TimeKey } from './kpi-time.js';
import { type AnalyticsContext, analyticsContext } from './repo.js';

export type { KpiQuery, GroupKey, KpiName, CompareKind } from './kpi-query.js';
export type { KpiRow, KpiValues } from './kpi-rows.js';

/*
 * The analytics KPI query (GET /api/v1/analytics/kpis; the overview and the bench call
 * queryKpis directly). It reads only the rollup tables (kpi-read.ts) and the registry; KPI
 * definitions and the occupancy rules are in kpi-rows.ts. District users are held to their
 * district here, in the data layer: asking for another district is 403 DISTRICT_FORBIDDEN, and
 * lots of other districts do not exist for them (UNKNOWN_LOT).
 */

export interface KpiResult {
  rows: KpiRow[];
  /** how far the rollups are computed: the current period is counted up to here */
  asOf: string | null;
  /** the finest rollup table read */
  grain: Grain;
}

/** Rows a single answer may hold (before top): beyond it, narrow the range or the grouping. */
export const MAX_ROWS = 200_000;

interface Selection {
  lots: RegistryLot[];
  allLots: RegistryLot[];
  /** null: every lot of the registry (no IN list needed) */
  lotIds: number[] | null;
}

async function select(ctx: AnalyticsContext, actor: Actor, q: KpiQuery): Promise<Selection & { districtNames: Map<string, string> }> {
  const [allLots, districtNames] = await Promise.all([readLots(readDb(ctx)), readDistrictCodes(readDb(ctx))]);
  const scope = districtScope(actor);
  const districts = [...new Set(q.district ?? [])];
  for (const d of districts) {
    if (!districtNames.has(d)) throw badRequest('UNKNOWN_DISTRICT', `县市区不存在 / unknown district: ${d.slice(0, 20)}`);
    if (scope !== null && d !== scope) throw new AppError(403, 'DISTRICT_FORBIDDEN', `无权查看其他县市区的数据 / not permitted for district ${d}`);
  }
  const inScope = scope === null ? allLots : allLots.filter((l) => l.districtCode === scope);
  const codes = [...new Set(q.lot ?? [])];
  const byCode = new Map(inScope.map((l) => [l.code, l]));
  const unknown = codes.filter((c) => !byCode.has(c));
  if (unknown.length) throw badRequest('UNKNOWN_LOT', `停车场不存在 / unknown lot: ${unknown.slice(0, 5).join(', ').slice(0, 200)}`, { lots: unknown.slice(0, 50) });
  const categories = new Set(q.category ?? []);
  const lots = inScope.filter((l) => (codes.length === 0 || codes.includes(l.code))
    && (districts.length === 0 || districts.includes(l.districtCode))
    && (categories.size === 0 || categories.has(l.category)));
  return { lots, allLots, lotIds: lots.length === allLots.length ? null : lots.map((l) => l.id), districtNames };
}

/** The KPI rows of one range (no comparison, no top): what both the query and its comparisons run. */
async function computeRows(ctx: AnalyticsContext, sel: Selection, groupBy: readonly GroupKey[], range: Range, asOf: Date | null): Promise<{ rows: BuiltRow[]; grain: Grain }> {
  const { segments, grain } = planSegments(range, groupBy);
  const timeKeys = groupBy.filter(isTimeKey) as TimeKey[];
  const pairs = groupPairsNeeded(sel.lots, sel.allLots, groupBy);
  const [sums, groupOcc] = await Promise.all([
    readLotSums(readDb(ctx), segments, groupBy, sel.lotIds),
    readGroupOcc(readDb(ctx), segments, timeKeys, pairs),
  ]);
  const rows = buildRows({ groupBy, range, asOf, lots: sel.lots, allLots: sel.allLots, sums, groupOcc });
  return { rows, grain };
}

/** Refuses before reading when the dense answer would be too big to send. */
function assertSize(sel: Selection, groupBy: readonly GroupKey[], range: Range, asOf: Date | null): void {
  const timeKeys = groupBy.filter(isTimeKey) as TimeKey[];
  const end = asOf === null ? range.from : new Date(Math.min(range.to.getTime(), Math.max(asOf.getTime(), range.from.getTime())));
  const periods = timeKeys.length ? timeKeyTuples(timeKeys, range.from, end).length : 1;
  const combos = lotSets(sel.lots, groupBy).size;
  if (periods * combos > MAX_ROWS) {
    throw badRequest('TOO_MANY_ROWS', `结果超过 ${MAX_ROWS} 行，请缩小时间范围或分组 / more than ${MAX_ROWS} rows: narrow the range or the grouping`);
  }
}

export async function queryKpis(anyCtx: AppContext, actor: Actor, q: KpiQuery): Promise<KpiResult> {
  const ctx = analyticsContext(anyCtx);
  const query = checkQuery(q);
  const [sel, asOf] = await Promise.all([select(ctx, actor, query), readAsOf(readDb(ctx))]);
  const { groupBy, range } = query;
  assertSize(sel, groupBy, range, asOf);
  const { rows, grain } = await computeRows(ctx, sel, groupBy, range, asOf);

  const sort = query.sort ?? (query.top !== undefined ? 'entries' : undefined);
  let kept = sortRows(rows, groupBy, sort);
  if (query.top !== undefined) kept = kept.slice(0, query.top);

  const compared: Partial<Record<'yoy' | 'pop', ReturnType<typeof matchRows>>> = {};
  for (const kind of query.compare ?? []) {
    const shift = shiftFor(kind, range);
    const other = await computeRows(ctx, sel, groupBy, shiftRange(range, shift), asOf);
    compared[kind] = matchRows(kept, other.rows, groupBy, shift);
  }

  const lotsByCode = new Map(sel.allLots.map((l) => [l.code, l]));
  const out = kept.map((r, i) => {
    const row = shapeRow(r, lotsByCode, sel.districtNames);
    if (compared.yoy) row.yoy = compared.yoy[i];
    if (compared.pop) row.pop = compared.pop[i];
    return row;
  });
  return { rows: out, asOf: asOf?.toISOString() ?? null, grain };
}

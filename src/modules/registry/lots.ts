import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import { checkLot, issuesError, type LotInput } from './lot-input.js';
import { berthCount, insertLot, lotChanges, rowValues, updateLotRow, type LotRow, type RegistryContext, type RegistryDb, registryContext } from './repo.js';
import { loadLookups } from './lookups.js';
import type { CoordSystem, LotCategory, LotKind } from './tables.js';

export interface LotView {
  id: number;
  code: string;
  name: string;
  districtCode: string;
  districtName: string;
  kind: LotKind;
  category: LotCategory;
  totalSpaces: number;
  address: string | null;
  lng: number | null;
  lat: number | null;
  inputCoordSystem: CoordSystem;
  sourceCode: string | null;
  operatorId: number | null;
  operatorName: string | null;
  status: 'active' | 'suspended';
  remark: string | null;
  /** The lot's own threshold for monitoring; null: inherits the source's or the platform default. */
  lateThresholdMinutes: number | null;
  berthCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface LotFilters {
  districtCode?: string;
  kind?: string;
  category?: string;
  status?: string;
  sourceCode?: string;
  /** Contained in code, name or address, case-insensitive. */
  q?: string;
}

/**
 * Every read of lots starts here: the actor's district scope is part of the query, so a lot of
 * another district is neither listed nor found.
 */
function lotQuery(db: RegistryDb, actor: Actor, f: LotFilters = {}) {
  const scope = districtScope(actor);
  const like = f.q?.trim() ? `%${f.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  return db
    .selectFrom('lots')
    .innerJoin('districts', 'districts.code', 'lots.district_code')
    .leftJoin('operators', 'operators.id', 'lots.operator_id')
    .$if(scope !== null, (qb) => qb.where('lots.district_code', '=', scope!))
    .$if(!!f.districtCode, (qb) => qb.where('lots.district_code', '=', f.districtCode!))
    .$if(!!f.kind, (qb) => qb.where('lots.kind', '=', f.kind as LotKind))
    .$if(!!f.category, (qb) => qb.where('lots.category', '=', f.category as LotCategory))
    .$if(!!f.status, (qb) => qb.where('lots.status', '=', f.status as 'active' | 'suspended'))
    .$if(!!f.sourceCode, (qb) => qb.where('lots.source_code', '=', f.sourceCode!))
    .$if(like !== null, (qb) =>
      qb.where((eb) => eb.or([eb('lots.code', 'ilike', like!), eb('lots.name', 'ilike', like!), eb('lots.address', 'ilike', like!)])),
    );
}

function selectLotView(qb: ReturnType<typeof lotQuery>) {
  return qb
    .selectAll('lots')
    .select(['districts.name as district_name', 'operators.name as operator_name'])
    .select((eb) =>
      eb.selectFrom('berths').select(sql<number>`count(*)::int`.as('n')).whereRef('berths.lot_id', '=', 'lots.id').as('berth_count'),
    );
}

type LotViewRow = LotRow & { district_name: string; operator_name: string | null; berth_count: number | null };

function lotView(r: LotViewRow): LotView {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    districtCode: r.district_code,
    districtName: r.district_name,
    kind: r.kind,
    category: r.category,
    totalSpaces: r.total_spaces,
    address: r.address,
    lng: r.lng,
    lat: r.lat,
    inputCoordSystem: r.input_coord_system,
    sourceCode: r.source_code,
    operatorId: r.operator_id,
    operatorName: r.operator_name,
    status: r.status,
    remark: r.remark,
    lateThresholdMinutes: r.late_threshold_minutes,
    berthCount: Number(r.berth_count ?? 0),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export const MAX_PAGE = 500;

export async function listLots(ctx: RegistryContext, actor: Actor, f: LotFilters & { limit?: number; offset?: number } = {}): Promise<{ items: LotView[]; total: number }> {
  const limit = Math.min(Math.max(f.limit ?? 50, 1), MAX_PAGE);
  const offset = Math.max(f.offset ?? 0, 0);
  const rows = await selectLotView(lotQuery(ctx.db, actor, f)).orderBy('lots.code').limit(limit).offset(offset).execute();
  const count = await lotQuery(ctx.db, actor, f).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return { items: rows.map(lotView), total: Number(count.n) };
}

/** All lots matching the filters, for export; capped so a mistaken call cannot exhaust memory. */
export async function allLots(ctx: RegistryContext, actor: Actor, f: LotFilters, cap = 100_000): Promise<LotView[]> {
  const rows = await selectLotView(lotQuery(ctx.db, actor, f)).orderBy('lots.district_code').orderBy('lots.code').limit(cap).execute();
  return rows.map(lotView);
}

async function findLotView(db: RegistryDb, actor: Actor, code: string): Promise<LotView> {
  const row = await selectLotView(lotQuery(db, actor)).where('lots.code', '=', code).executeTakeFirst();
  if (!row) throw notFound(`停车场 ${code}`);
  return lotView(row);
}

export function getLot(anyCtx: AppContext, actor: Actor, code: string): Promise<LotView> {
  const ctx = registryContext(anyCtx);
  return findLotView(ctx.db, actor, code);
}

/** The lot row within the actor's scope, or 404: the write paths' way in. */
export async function findLotRow(db: RegistryDb, actor: Actor, code: string): Promise<LotRow> {
  const row = await lotQuery(db, actor).selectAll('lots').where('lots.code', '=', code).executeTakeFirst();
  if (!row) throw notFound(`停车场 ${code}`);
  return row;
}

export async function createLot(anyCtx: AppContext, actor: Actor, input: LotInput): Promise<LotView> {
  const ctx = registryContext(anyCtx);
  return ctx.db.transaction().execute(async (trx) => {
    const { values, issues } = checkLot(input, 'create', await loadLookups(trx, actor));
    if (issues.length) throw issuesError(issues);
    const lot = values as Required<typeof values>;
    const exists = await trx.selectFrom('lots').select('id').where('code', '=', lot.code).executeTakeFirst();
    if (exists) throw conflict('DUPLICATE', `停车场编码已存在 / lot code ${lot.code} already exists`);
    await insertLot(trx, lot, ctx.clock.now());
    await audit(ctx, trx, actor, { action: 'lot.create', targetType: 'lot', targetId: lot.code, detail: { after: lot } });
    return findLotView(trx, actor, lot.code);
  });
}

export async function updateLot(anyCtx: AppContext, actor: Actor, code: string, patch: LotInput): Promise<LotView> {
  const ctx = registryContext(anyCtx);
  return ctx.db.transaction().execute(async (trx) => {
    const row = await findLotRow(trx, actor, code);
    const { values, issues } = checkLot({ ...patch, code: undefined }, 'patch', await loadLookups(trx, actor));
    if (issues.length) throw issuesError(issues);
    const changes = lotChanges(rowValues(row), values);
    if (changes) {
      await assertKindChangeAllowed(trx, row, changes.after.kind);
      await updateLotRow(trx, row.id, changes.after, ctx.clock.now());
      await audit(ctx, trx, actor, { action: 'lot.update', targetType: 'lot', targetId: code, detail: changes });
    }
    return findLotView(trx, actor, code);
  });
}

export async function assertKindChangeAllowed(db: RegistryDb, row: LotRow, kind: LotKind | undefined): Promise<void> {
  if (kind === 'off_street' && row.kind === 'on_street' && (await berthCount(db, row.id)) > 0) {
    throw badRequest('HAS_BERTHS', '该路段仍有泊位，请先删除泊位再改为场库 / delete the berths before making the lot off-street');
  }
}

/** Minimal facts about lots for other modules (ingest): no actor scope, the caller decides. */
export interface LotRef {
  id: number;
  code: string;
  districtCode: string;
  kind: LotKind;
  sourceCode: string | null;
  totalSpaces: number;
  status: 'active' | 'suspended';
}

export async function lotRefs(anyCtx: AppContext, codes: readonly string[]): Promise<Map<string, LotRef>> {
  const ctx = registryContext(anyCtx);
  const out = new Map<string, LotRef>();
  if (codes.length === 0) return out;
  const rows = await ctx.db
    .selectFrom('lots')
    .select(['id', 'code', 'district_code', 'kind', 'source_code', 'total_spaces', 'status'])
    .where('code', 'in', [...new Set(codes)])
    .execute();
  for (const r of rows) {
    out.set(r.code, { id: r.id, code: r.code, districtCode: r.district_code, kind: r.kind, sourceCode: r.source_code, totalSpaces: r.total_spaces, status: r.status });
  }
  return out;
}

import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { coordinateProblem, toGcj02, toNumber } from './coords.js';
import { findLotRow } from './lots.js';
import { type LotRow, type RegistryContext, type RegistryDb } from './repo.js';
import { BERTH_CODE_PATTERN, parseCoordSystem } from './vocab.js';

/*
 * Berths (泊位) are the numbered spaces of an on-street lot (路内泊位段); off-street lots count
 * spaces only. Access follows the lot: a berth of a lot outside the actor's district is not found.
 */

export interface BerthView {
  code: string;
  status: 'active' | 'disabled';
  lng: number | null;
  lat: number | null;
}

export interface BerthInput {
  code: string;
  lng?: number | null;
  lat?: number | null;
  coordSystem?: string;
}

export type BulkBerths = { codes: string[] } | { prefix?: string; from: number; to: number; width?: number };

/** One bulk call is one street section at most; more is a typo in `to`. */
export const MAX_BULK = 2000;

async function onStreetLot(db: RegistryDb, actor: Actor, lotCode: string): Promise<LotRow> {
  const lot = await findLotRow(db, actor, lotCode);
  if (lot.kind !== 'on_street') throw badRequest('NOT_ON_STREET', `停车场 ${lotCode} 不是路内泊位段，没有泊位编号 / lot ${lotCode} is not on-street; it has no berths`);
  return lot;
}

const view = (r: { code: string; status: 'active' | 'disabled'; lng: number | null; lat: number | null }): BerthView => ({ code: r.code, status: r.status, lng: r.lng, lat: r.lat });

function checkBerthCode(code: unknown): string {
  if (typeof code !== 'string' || !BERTH_CODE_PATTERN.test(code.trim())) {
    throw badRequest('INVALID_CODE', `泊位编号须为 1–64 位字母、数字或 _.- / berth code: 1–64 of letters, digits, _.-`);
  }
  return code.trim();
}

/** Berth coordinates are optional, but a pair or nothing; converted to GCJ-02 like lots. */
function berthPosition(input: { lng?: unknown; lat?: unknown; coordSystem?: unknown }): { lng: number | null; lat: number | null } | undefined {
  const none = (v: unknown) => v === undefined || v === null || v === '';
  if (none(input.lng) && none(input.lat)) return input.lng === null || input.lat === null ? { lng: null, lat: null } : undefined;
  const problem = none(input.lng) || none(input.lat) ? '须同时提供经度和纬度 / lng and lat are both required' : coordinateProblem(input.lng, input.lat);
  if (problem) throw badRequest('INVALID_COORDINATES', problem);
  const system = input.coordSystem === undefined ? 'gcj02' : parseCoordSystem(String(input.coordSystem));
  if (!system) throw badRequest('INVALID_COORD_SYSTEM', '坐标系须为 gcj02、wgs84 或 bd09 / coordSystem: gcj02, wgs84 or bd09');
  const [lng, lat] = toGcj02(toNumber(input.lng)!, toNumber(input.lat)!, system);
  return { lng, lat };
}

export async function listBerths(ctx: RegistryContext, actor: Actor, lotCode: string): Promise<BerthView[]> {
  const lot = await onStreetLot(ctx.db, actor, lotCode);
  const rows = await ctx.db.selectFrom('berths').select(['code', 'status', 'lng', 'lat']).where('lot_id', '=', lot.id).orderBy('code').execute();
  return rows.map(view);
}

export async function createBerth(ctx: RegistryContext, actor: Actor, lotCode: string, input: BerthInput): Promise<BerthView> {
  const code = checkBerthCode(input.code);
  const position = berthPosition(input) ?? { lng: null, lat: null };
  return ctx.db.transaction().execute(async (trx) => {
    const lot = await onStreetLot(trx, actor, lotCode);
    const exists = await trx.selectFrom('berths').select('id').where('lot_id', '=', lot.id).where('code', '=', code).executeTakeFirst();
    if (exists) throw conflict('DUPLICATE', `泊位 ${code} 已存在 / berth ${code} already exists`);
    const row = await trx
      .insertInto('berths')
      .values({ lot_id: lot.id, code, ...position, created_at: ctx.clock.now() })
      .returning(['code', 'status', 'lng', 'lat'])
      .executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, { action: 'berth.create', targetType: 'berth', targetId: `${lotCode}/${code}`, detail: { after: view(row) } });
    return view(row);
  });
}

/** The codes a bulk request names: a list, or prefix + zero-padded numbers (NDJ-001 … NDJ-120). */
export function bulkCodes(req: BulkBerths): string[] {
  if ('codes' in req) {
    if (!Array.isArray(req.codes) || req.codes.length === 0) throw badRequest('INVALID_CODE', '请提供泊位编号 / give at least one code');
    return [...new Set(req.codes.map(checkBerthCode))];
  }
  const { from, to } = req;
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from) {
    throw badRequest('INVALID_RANGE', '编号范围须为 0 ≤ from ≤ to 的整数 / from and to: integers with 0 ≤ from ≤ to');
  }
  if (to - from + 1 > MAX_BULK) throw badRequest('INVALID_RANGE', `一次最多 ${MAX_BULK} 个泊位 / at most ${MAX_BULK} berths at once`);
  const width = req.width ?? String(to).length;
  const codes: string[] = [];
  for (let n = from; n <= to; n++) codes.push(checkBerthCode(`${req.prefix ?? ''}${String(n).padStart(width, '0')}`));
  return codes;
}

/** Creates the berths that do not exist yet; existing codes are reported as skipped, so a retry is harmless. */
export async function bulkCreateBerths(ctx: RegistryContext, actor: Actor, lotCode: string, req: BulkBerths): Promise<{ created: number; skipped: string[]; items: BerthView[] }> {
  const codes = bulkCodes(req);
  if (codes.length > MAX_BULK) throw badRequest('INVALID_RANGE', `一次最多 ${MAX_BULK} 个泊位 / at most ${MAX_BULK} berths at once`);
  return ctx.db.transaction().execute(async (trx) => {
    const lot = await onStreetLot(trx, actor, lotCode);
    const now = ctx.clock.now();
    const rows = await trx
      .insertInto('berths')
      .values(codes.map((code) => ({ lot_id: lot.id, code, lng: null, lat: null, created_at: now })))
      .onConflict((oc) => oc.columns(['lot_id', 'code']).doNothing())
      .returning(['code', 'status', 'lng', 'lat'])
      .execute();
    const made = new Set(rows.map((r) => r.code));
    const skipped = codes.filter((c) => !made.has(c));
    if (rows.length) {
      await audit(ctx, trx, actor, { action: 'berth.bulk_create', targetType: 'lot', targetId: lotCode, detail: { after: { codes: [...made] }, skipped } });
    }
    return { created: rows.length, skipped, items: rows.map(view) };
  });
}

export async function updateBerth(ctx: RegistryContext, actor: Actor, lotCode: string, code: string, patch: { status?: 'active' | 'disabled'; lng?: number | null; lat?: number | null; coordSystem?: string }): Promise<BerthView> {
  if (patch.status !== undefined && patch.status !== 'active' && patch.status !== 'disabled') {
    throw badRequest('INVALID_STATUS', '状态须为 active 或 disabled / status: active or disabled');
  }
  const position = berthPosition(patch);
  return ctx.db.transaction().execute(async (trx) => {
    const lot = await onStreetLot(trx, actor, lotCode);
    const before = await trx.selectFrom('berths').select(['id', 'code', 'status', 'lng', 'lat']).where('lot_id', '=', lot.id).where('code', '=', code).executeTakeFirst();
    if (!before) throw notFound(`泊位 ${lotCode}/${code}`);
    if (patch.status === undefined && position === undefined) return view(before);
    const row = await trx
      .updateTable('berths')
      .set({ status: patch.status, ...(position ?? {}) })
      .where('id', '=', before.id)
      .returning(['code', 'status', 'lng', 'lat'])
      .executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, { action: 'berth.update', targetType: 'berth', targetId: `${lotCode}/${code}`, detail: { before: view(before), after: view(row) } });
    return view(row);
  });
}

export async function deleteBerth(ctx: RegistryContext, actor: Actor, lotCode: string, code: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const lot = await onStreetLot(trx, actor, lotCode);
    const row = await trx.deleteFrom('berths').where('lot_id', '=', lot.id).where('code', '=', code).returning(['code', 'status', 'lng', 'lat']).executeTakeFirst();
    if (!row) throw notFound(`泊位 ${lotCode}/${code}`);
    await audit(ctx, trx, actor, { action: 'berth.delete', targetType: 'berth', targetId: `${lotCode}/${code}`, detail: { before: view(row) } });
  });
}

import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { badRequest, conflict } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import type { AnyDb } from '../../platform/db.js';
import { assertCityLevel } from './city-level.js';
import type { FieldIssue } from './lot-input.js';
import { DISTRICT_KINDS, type DistrictKind } from './vocab.js';
import { type RegistryContext, registryContext, registryDb } from './repo.js';

export interface DistrictView {
  code: string;
  name: string;
  nameEn: string | null;
  kind: DistrictKind;
  sortOrder: number;
  /** Lots the actor can see: a district user's count for other districts is 0. */
  lotCount: number;
}

export interface NewDistrict {
  code: string;
  name: string;
  nameEn?: string | null;
  kind?: string;
  sortOrder?: number;
}

export async function listDistricts(anyCtx: AppContext, actor: Actor): Promise<DistrictView[]> {
  const ctx = registryContext(anyCtx);
  const scope = districtScope(actor);
  const rows = await ctx.db
    .selectFrom('districts')
    .selectAll()
    .select((eb) => {
      const lots = eb.selectFrom('lots').select(sql<number>`count(*)::int`.as('n')).whereRef('lots.district_code', '=', 'districts.code');
      return (scope ? lots.where('lots.district_code', '=', scope) : lots).as('lot_count');
    })
    .orderBy('sort_order')
    .orderBy('code')
    .execute();
  return rows.map((r) => ({ code: r.code, name: r.name, nameEn: r.name_en, kind: r.kind, sortOrder: r.sort_order, lotCount: Number(r.lot_count ?? 0) }));
}

/** The districts an actor's figures cover (its own, or all), in the city's order: reports and the overview list these. */
export async function districtsInScope(anyDb: AnyDb, actor: Actor): Promise<{ code: string; name: string }[]> {
  const db = registryDb(anyDb);
  const scope = districtScope(actor);
  return db
    .selectFrom('districts')
    .select(['code', 'name'])
    .$if(scope !== null, (qb) => qb.where('code', '=', scope!))
    .orderBy('sort_order')
    .orderBy('code')
    .execute();
}

/** Format checks that need no database; shared with the routes to name the exact problem. */
export function checkDistrictFields(input: Partial<Record<keyof NewDistrict, unknown>>): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (typeof input.code !== 'string' || !/^[0-9]{6}$/.test(input.code)) {
    issues.push({ field: 'code', code: 'INVALID_CODE', message: '县市区编码须为 6 位数字（行政区划代码） / code: the 6-digit division code' });
  }
  if (typeof input.name !== 'string' || !input.name.trim() || input.name.length > 50) {
    issues.push({ field: 'name', code: 'INVALID_NAME', message: '名称须为 1–50 个字符 / name: 1–50 characters' });
  }
  if (input.kind !== undefined && !DISTRICT_KINDS.includes(input.kind as DistrictKind)) {
    issues.push({ field: 'kind', code: 'INVALID_KIND', message: `类型须为 ${DISTRICT_KINDS.join('|')} / kind: one of ${DISTRICT_KINDS.join(', ')}` });
  }
  if (input.sortOrder !== undefined && !Number.isInteger(input.sortOrder)) {
    issues.push({ field: 'sortOrder', code: 'INVALID_SORT_ORDER', message: '排序须为整数 / sortOrder: an integer' });
  }
  return issues;
}

export async function createDistrict(ctx: RegistryContext, actor: Actor, input: NewDistrict): Promise<DistrictView> {
  assertCityLevel(actor);
  const issues = checkDistrictFields(input);
  if (issues.length) throw badRequest(issues[0]!.code, issues[0]!.message, issues);
  const name = input.name.trim();
  return ctx.db.transaction().execute(async (trx) => {
    // Names must be unique too: imports find districts by name.
    const clash = await trx.selectFrom('districts').select('code').where((eb) => eb.or([eb('code', '=', input.code), eb('name', '=', name)])).executeTakeFirst();
    if (clash) throw conflict('DUPLICATE', `县市区编码或名称已存在 / district ${input.code} or ${name} already exists`);
    const row = await trx
      .insertInto('districts')
      .values({ code: input.code, name, name_en: input.nameEn?.trim() || null, kind: (input.kind as DistrictKind) ?? 'district', sort_order: input.sortOrder ?? 100, created_at: ctx.clock.now() })
      .returningAll()
      .executeTakeFirstOrThrow();
    const view: DistrictView = { code: row.code, name: row.name, nameEn: row.name_en, kind: row.kind, sortOrder: row.sort_order, lotCount: 0 };
    await audit(ctx, trx, actor, { action: 'district.create', targetType: 'district', targetId: row.code, detail: { after: view } });
    return view;
  });
}

export async function assertDistrictExists(anyDb: AnyDb, code: string): Promise<void> {
  const db = registryDb(anyDb);
  const d = await db.selectFrom('districts').select('code').where('code', '=', code).executeTakeFirst();
  if (!d) throw badRequest('UNKNOWN_DISTRICT', `未知县市区 / unknown district ${code}`);
}

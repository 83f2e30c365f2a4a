import { randomBytes } from 'node:crypto';
import { sql, type Expression, type ExpressionBuilder, type Selectable, type SqlBool } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.js';
import { assertDistrictInScope, districtScope } from '../../platform/scope.js';
import { checkThresholdValue, LATE_THRESHOLD_MESSAGE, type FieldIssue } from './lot-input.js';
import { assertDistrictExists } from './districts.js';
import { assertOperatorExists } from './operators.js';
import { CODE_PATTERN } from './vocab.js';
import { type RegistryContext, type RegistryDb, registryContext } from './repo.js';
import type { DataSourcesTable, RegistryTables } from './tables.js';

/*
 * Data sources (接入系统) are the lot systems that push events. Each has a signing secret for
 * the ingest HMAC; it is sealed at rest (HMAC needs the plain value back), shown once when made
 * or rotated, and kept out of views, logs and audit rows.
 *
 * Visibility for district users: sources of no district (city-wide vendors) or of their own
 * district, plus any source already bound to one of their lots.
 */

export interface SourceView {
  code: string;
  name: string;
  operatorId: number | null;
  operatorName: string | null;
  vendor: string | null;
  districtCode: string | null;
  status: 'active' | 'disabled';
  lotCount: number;
  /** Minutes of silence before its lots count as late (lots may override); null: the platform default. */
  lateThresholdMinutes: number | null;
  secretRotatedAt: string;
  remark: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewSource {
  code: string;
  name: string;
  operatorId?: number | null;
  vendor?: string | null;
  districtCode?: string | null;
  remark?: string | null;
  lateThresholdMinutes?: number | null;
}

export interface SourcePatch {
  name?: string;
  operatorId?: number | null;
  vendor?: string | null;
  districtCode?: string | null;
  status?: 'active' | 'disabled';
  remark?: string | null;
  lateThresholdMinutes?: number | null;
}

/** The expression builder visibleSources works with; readers of data_sources cast theirs to it. */
export type SourcesScope = ExpressionBuilder<Pick<RegistryTables, 'data_sources' | 'lots'>, 'data_sources'>;

export function visibleSources(eb: SourcesScope, scope: string | null): Expression<SqlBool> {
  if (scope === null) return sql<SqlBool>`true`;
  return eb.or([
    eb('data_sources.district_code', 'is', null),
    eb('data_sources.district_code', '=', scope),
    eb('data_sources.code', 'in', eb.selectFrom('lots').select('lots.source_code').where('lots.district_code', '=', scope).where('lots.source_code', 'is not', null).$narrowType<{ source_code: string }>()),
  ]);
}

function sourceQuery(db: RegistryDb, actor: Actor) {
  const scope = districtScope(actor);
  return db
    .selectFrom('data_sources')
    .leftJoin('operators', 'operators.id', 'data_sources.operator_id')
    .where((eb) => visibleSources(eb as unknown as SourcesScope, scope))
    .select([
      'data_sources.code', 'data_sources.name', 'data_sources.operator_id', 'data_sources.vendor', 'data_sources.district_code',
      'data_sources.status', 'data_sources.secret_rotated_at', 'data_sources.late_threshold_minutes', 'data_sources.remark', 'data_sources.created_at', 'data_sources.updated_at',
      'operators.name as operator_name',
    ])
    .select((eb) => {
      const lots = eb.selectFrom('lots').select(sql<number>`count(*)::int`.as('n')).whereRef('lots.source_code', '=', 'data_sources.code');
      return (scope ? lots.where('lots.district_code', '=', scope) : lots).as('lot_count');
    });
}

type SourceRow = Omit<Selectable<DataSourcesTable>, 'secret_encrypted'> & { operator_name: string | null; lot_count: number | null };

function sourceView(r: SourceRow): SourceView {
  return {
    code: r.code,
    name: r.name,
    operatorId: r.operator_id,
    operatorName: r.operator_name,
    vendor: r.vendor,
    districtCode: r.district_code,
    status: r.status,
    lotCount: Number(r.lot_count ?? 0),
    lateThresholdMinutes: r.late_threshold_minutes,
    secretRotatedAt: r.secret_rotated_at.toISOString(),
    remark: r.remark,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export async function listSources(ctx: RegistryContext, actor: Actor): Promise<SourceView[]> {
  const rows = await sourceQuery(ctx.db, actor).orderBy('data_sources.code').execute();
  return rows.map(sourceView);
}

async function findSource(db: RegistryDb, actor: Actor, code: string): Promise<SourceView> {
  const row = await sourceQuery(db, actor).where('data_sources.code', '=', code).executeTakeFirst();
  if (!row) throw notFound(`接入系统 ${code}`);
  return sourceView(row);
}

export const getSource = (ctx: RegistryContext, actor: Actor, code: string) => findSource(ctx.db, actor, code);

/** Format checks that need no database; shared with the routes to name the exact problem. */
export function checkSourceFields(input: Partial<Record<keyof NewSource | 'status', unknown>>, mode: 'create' | 'patch'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (mode === 'create' && (typeof input.code !== 'string' || !CODE_PATTERN.test(input.code))) {
    issues.push({ field: 'code', code: 'INVALID_CODE', message: '编码须为 2–64 位字母、数字或 _.- / code: 2–64 of letters, digits, _.-' });
  }
  if ((mode === 'create' || input.name !== undefined) && (typeof input.name !== 'string' || !input.name.trim() || input.name.length > 200)) {
    issues.push({ field: 'name', code: 'INVALID_NAME', message: '名称须为 1–200 个字符 / name: 1–200 characters' });
  }
  if (!checkThresholdValue(input.lateThresholdMinutes).ok) {
    issues.push({ field: 'lateThresholdMinutes', code: 'INVALID_LATE_THRESHOLD', message: LATE_THRESHOLD_MESSAGE });
  }
  if (input.status !== undefined && input.status !== 'active' && input.status !== 'disabled') {
    issues.push({ field: 'status', code: 'INVALID_STATUS', message: '状态须为 active 或 disabled / status: active or disabled' });
  }
  return issues;
}

const newSecret = () => randomBytes(32).toString('base64url');
const orNull = (v: string | null | undefined) => (v === undefined ? undefined : v?.trim() || null);

export async function createSource(anyCtx: AppContext, actor: Actor, input: NewSource): Promise<SourceView & { secret: string }> {
  const ctx = registryContext(anyCtx);
  const issues = checkSourceFields(input, 'create');
  if (issues.length) throw badRequest(issues[0]!.code, issues[0]!.message, issues);
  // A district-scoped creator makes sources of its own district.
  const districtCode = input.districtCode ?? districtScope(actor);
  if (districtCode) assertDistrictInScope(actor, districtCode);
  const secret = newSecret();
  return ctx.db.transaction().execute(async (trx) => {
    if (districtCode) await assertDistrictExists(trx, districtCode);
    if (input.operatorId != null) await assertOperatorExists(trx, input.operatorId);
    const exists = await trx.selectFrom('data_sources').select('code').where('code', '=', input.code).executeTakeFirst();
    if (exists) throw conflict('DUPLICATE', `接入系统编码已存在 / source ${input.code} already exists`);
    const now = ctx.clock.now();
    await trx
      .insertInto('data_sources')
      .values({
        code: input.code,
        name: input.name.trim(),
        operator_id: input.operatorId ?? null,
        vendor: orNull(input.vendor) ?? null,
        district_code: districtCode,
        remark: orNull(input.remark) ?? null,
        late_threshold_minutes: input.lateThresholdMinutes ?? null,
        secret_encrypted: ctx.secrets.seal(secret),
        secret_rotated_at: now,
        created_at: now,
        updated_at: now,
      })
      .execute();
    const view = await findSource(trx, actor, input.code);
    await audit(ctx, trx, actor, { action: 'source.create', targetType: 'source', targetId: input.code, detail: { after: view } });
    return { ...view, secret };
  });
}

/** The source for a write: visible (else 404) and, for a district user, of their own district (else 403). */
async function writableSource(db: RegistryDb, actor: Actor, code: string): Promise<SourceView> {
  const source = await findSource(db, actor, code);
  const scope = districtScope(actor);
  if (scope !== null && source.districtCode !== scope) {
    throw new AppError(403, 'DISTRICT_FORBIDDEN', '市级或其他县市区的接入系统只能由市级用户修改 / only city-level users may change this source');
  }
  return source;
}

export async function updateSource(ctx: RegistryContext, actor: Actor, code: string, patch: SourcePatch): Promise<SourceView> {
  const issues = checkSourceFields(patch, 'patch');
  if (issues.length) throw badRequest(issues[0]!.code, issues[0]!.message, issues);
  return ctx.db.transaction().execute(async (trx) => {
    const before = await writableSource(trx, actor, code);
    if (patch.districtCode) {
      assertDistrictInScope(actor, patch.districtCode);
      await assertDistrictExists(trx, patch.districtCode);
    } else if (patch.districtCode === null && districtScope(actor) !== null) {
      throw new AppError(403, 'DISTRICT_FORBIDDEN', '县市区用户不能把接入系统改为市级 / district users cannot make a source city-wide');
    }
    if (patch.operatorId != null) await assertOperatorExists(trx, patch.operatorId);
    const set = {
      name: patch.name?.trim(),
      operator_id: patch.operatorId,
      vendor: orNull(patch.vendor),
      district_code: patch.districtCode === undefined ? undefined : patch.districtCode || null,
      status: patch.status,
      remark: orNull(patch.remark),
      late_threshold_minutes: patch.lateThresholdMinutes,
    };
    await trx.updateTable('data_sources').set({ ...set, updated_at: ctx.clock.now() }).where('code', '=', code).execute();
    const after = await findSource(trx, actor, code);
    await audit(ctx, trx, actor, { action: 'source.update', targetType: 'source', targetId: code, detail: { before, after } });
    return after;
  });
}

export async function rotateSourceSecret(ctx: RegistryContext, actor: Actor, code: string): Promise<{ code: string; secret: string; secretRotatedAt: string }> {
  const secret = newSecret();
  return ctx.db.transaction().execute(async (trx) => {
    await writableSource(trx, actor, code);
    const now = ctx.clock.now();
    await trx.updateTable('data_sources').set({ secret_encrypted: ctx.secrets.seal(secret), secret_rotated_at: now, updated_at: now }).where('code', '=', code).execute();
    // The record says that it happened and when; never the value.
    await audit(ctx, trx, actor, { action: 'source.rotate_secret', targetType: 'source', targetId: code, detail: { secretRotatedAt: now.toISOString() } });
    return { code, secret, secretRotatedAt: now.toISOString() };
  });
}

/** What ingest needs to verify a request, in one read: status and the opened secret; null when unknown. */
export async function sourceCredentials(anyCtx: AppContext, code: string): Promise<{ status: 'active' | 'disabled'; secret: string } | null> {
  const ctx = registryContext(anyCtx);
  const row = await ctx.db.selectFrom('data_sources').select(['secret_encrypted', 'status']).where('code', '=', code).executeTakeFirst();
  return row ? { status: row.status, secret: ctx.secrets.open(row.secret_encrypted) } : null;
}

/** Whether a source exists and is active, without opening its secret (offline import). */
export async function sourceInfo(anyCtx: AppContext, code: string): Promise<{ code: string; status: 'active' | 'disabled'; districtCode: string | null } | null> {
  const ctx = registryContext(anyCtx);
  const row = await ctx.db.selectFrom('data_sources').select(['code', 'status', 'district_code']).where('code', '=', code).executeTakeFirst();
  return row ? { code: row.code, status: row.status, districtCode: row.district_code } : null;
}

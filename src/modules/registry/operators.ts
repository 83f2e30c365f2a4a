import type { Selectable } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { assertCityLevel } from './city-level.js';
import type { FieldIssue } from './lot-input.js';
import type { OperatorsTable } from './tables.js';
import { type RegistryContext, type RegistryDb, registryContext } from './repo.js';

/* Operators (运营单位) are the companies that run lots; lots and sources point at them. */

export interface OperatorView {
  id: number;
  name: string;
  creditCode: string | null;
  contactName: string | null;
  contactPhone: string | null;
  contactEmail: string | null;
  address: string | null;
  remark: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface OperatorInput {
  name?: string;
  creditCode?: string | null;
  contactName?: string | null;
  contactPhone?: string | null;
  contactEmail?: string | null;
  address?: string | null;
  remark?: string | null;
}

const FIELDS = {
  name: 'name',
  creditCode: 'credit_code',
  contactName: 'contact_name',
  contactPhone: 'contact_phone',
  contactEmail: 'contact_email',
  address: 'address',
  remark: 'remark',
} as const satisfies Record<keyof OperatorInput, keyof OperatorsTable>;

function operatorView(r: Selectable<OperatorsTable>): OperatorView {
  return {
    id: r.id,
    name: r.name,
    creditCode: r.credit_code,
    contactName: r.contact_name,
    contactPhone: r.contact_phone,
    contactEmail: r.contact_email,
    address: r.address,
    remark: r.remark,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** 统一社会信用代码: 18 characters of digits and capitals without I, O, S, V, Z. */
const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
const PHONE = /^[0-9+\-() ]{5,20}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Format checks that need no database; shared with the routes to name the exact problem. */
export function checkOperatorFields(input: Partial<Record<keyof OperatorInput, unknown>>, mode: 'create' | 'patch'): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const fail = (field: string, code: string, message: string) => issues.push({ field, code, message });
  if ((mode === 'create' || input.name !== undefined) && (!str(input.name) || str(input.name).length > 200)) {
    fail('name', 'INVALID_NAME', '名称须为 1–200 个字符 / name: 1–200 characters');
  }
  if (str(input.creditCode) && !CREDIT_CODE.test(str(input.creditCode).toUpperCase())) {
    fail('creditCode', 'INVALID_CREDIT_CODE', '统一社会信用代码须为 18 位 / creditCode: the 18-character unified social credit code');
  }
  if (str(input.contactPhone) && !PHONE.test(str(input.contactPhone))) fail('contactPhone', 'INVALID_PHONE', '联系电话格式不正确 / contactPhone is not a phone number');
  if (str(input.contactEmail) && !EMAIL.test(str(input.contactEmail))) fail('contactEmail', 'INVALID_EMAIL', '邮箱格式不正确 / contactEmail is not an e-mail address');
  for (const f of ['contactName', 'address', 'remark'] as const) {
    if (input[f] != null && (typeof input[f] !== 'string' || input[f].length > 500)) fail(f, `INVALID_${f.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`, `${f} 须为不超过 500 字的文本 / ${f}: text up to 500 characters`);
  }
  return issues;
}

type Columns = Partial<Record<Exclude<(typeof FIELDS)[keyof OperatorInput], 'name'>, string | null>> & { name?: string };

function columns(input: OperatorInput): Columns {
  const out: Partial<Record<string, string | null>> = {};
  for (const [k, col] of Object.entries(FIELDS)) {
    const v = input[k as keyof OperatorInput];
    if (v === undefined) continue;
    const t = v === null ? null : v.trim() || null;
    out[col] = k === 'creditCode' && t ? t.toUpperCase() : t;
  }
  // name is never cleared: checkOperatorFields has refused an empty one.
  return out as Columns;
}

export async function listOperators(anyCtx: AppContext): Promise<OperatorView[]> {
  const ctx = registryContext(anyCtx);
  const rows = await ctx.db.selectFrom('operators').selectAll().orderBy('id').execute();
  return rows.map(operatorView);
}

export async function getOperator(ctx: RegistryContext, id: number): Promise<OperatorView> {
  const row = await ctx.db.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw notFound(`运营单位 ${id}`);
  return operatorView(row);
}

async function assertNameFree(db: RegistryDb, name: string, exceptId: number | null): Promise<void> {
  const clash = await db.selectFrom('operators').select('id').where('name', '=', name).executeTakeFirst();
  if (clash && clash.id !== exceptId) throw conflict('DUPLICATE', `运营单位名称已存在 / operator ${name} already exists`);
}

export async function createOperator(anyCtx: AppContext, actor: Actor, input: OperatorInput & { name: string }): Promise<OperatorView> {
  const ctx = registryContext(anyCtx);
  assertCityLevel(actor);
  const issues = checkOperatorFields(input, 'create');
  if (issues.length) throw badRequest(issues[0]!.code, issues[0]!.message, issues);
  return ctx.db.transaction().execute(async (trx) => {
    await assertNameFree(trx, input.name.trim(), null);
    const now = ctx.clock.now();
    const row = await trx
      .insertInto('operators')
      .values({ ...columns(input), name: input.name.trim(), created_at: now, updated_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    const view = operatorView(row);
    await audit(ctx, trx, actor, { action: 'operator.create', targetType: 'operator', targetId: row.id, detail: { after: view } });
    return view;
  });
}

export async function updateOperator(ctx: RegistryContext, actor: Actor, id: number, patch: OperatorInput): Promise<OperatorView> {
  assertCityLevel(actor);
  const issues = checkOperatorFields(patch, 'patch');
  if (issues.length) throw badRequest(issues[0]!.code, issues[0]!.message, issues);
  return ctx.db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('operators').selectAll().where('id', '=', id).executeTakeFirst();
    if (!before) throw notFound(`运营单位 ${id}`);
    if (patch.name !== undefined) await assertNameFree(trx, patch.name.trim(), id);
    const row = await trx.updateTable('operators').set({ ...columns(patch), updated_at: ctx.clock.now() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    const after = operatorView(row);
    await audit(ctx, trx, actor, { action: 'operator.update', targetType: 'operator', targetId: id, detail: { before: operatorView(before), after } });
    return after;
  });
}

export async function assertOperatorExists(db: RegistryDb, id: number): Promise<void> {
  const o = await db.selectFrom('operators').select('id').where('id', '=', id).executeTakeFirst();
  if (!o) throw badRequest('UNKNOWN_OPERATOR', `未知运营单位 / unknown operator ${id}`);
}

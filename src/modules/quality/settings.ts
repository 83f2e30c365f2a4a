import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest, notFound } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import type { Params } from './detect.js';
import { isRuleCode, RULE_CODES, RULES, type RuleCode } from './rules.js';
import type { QualityContext, QualityDb } from './repo.js';

/*
 * Settings of the rules (enabled, auto-apply for safe rules, parameters) and the lots' tariffs
 * the fee rules check. A rule without a settings row runs with its defaults.
 */

export interface RuleSetting {
  code: RuleCode;
  name: { zh: string; en: string };
  description: { zh: string; en: string };
  target: string;
  action: string;
  safe: boolean;
  enabled: boolean;
  autoApply: boolean;
  params: Params;
  paramSpecs: { key: string; min: number; max: number; nullable: boolean; boolean: boolean; zh: string; en: string }[];
  updatedAt: string | null;
  updatedBy: string | null;
}

export async function loadRuleSettings(db: QualityDb): Promise<RuleSetting[]> {
  const rows = await db.selectFrom('quality_rules').selectAll().execute();
  const byCode = new Map(rows.map((r) => [r.code, r]));
  return RULE_CODES.map((code) => {
    const def = RULES[code];
    const row = byCode.get(code);
    const stored = (row?.params ?? {}) as Params;
    const params: Params = {};
    for (const key of Object.keys(def.defaults)) params[key] = key in stored ? stored[key]! : def.defaults[key]!;
    return {
      code,
      name: { zh: def.zh, en: def.en },
      description: { zh: def.descriptionZh, en: def.descriptionEn },
      target: def.target,
      action: def.action,
      safe: def.safe,
      enabled: row?.enabled ?? true,
      autoApply: def.safe && (row?.auto_apply ?? def.safe),
      params,
      paramSpecs: Object.entries(def.params).map(([key, s]) => ({ key, min: s.min, max: s.max, nullable: !!s.nullable, boolean: !!s.boolean, zh: s.zh, en: s.en })),
      updatedAt: row?.updated_at ? row.updated_at.toISOString() : null,
      updatedBy: row?.updated_by ?? null,
    };
  });
}

export interface RulePatch {
  enabled?: boolean;
  autoApply?: boolean;
  params?: Record<string, unknown>;
}

export async function updateRule(ctx: QualityContext, actor: Actor, code: string, patch: RulePatch): Promise<RuleSetting> {
  if (!isRuleCode(code)) throw notFound(`规则 / rule ${code}`);
  const def = RULES[code];
  if (patch.autoApply === true && !def.safe) {
    throw badRequest('RULE_NOT_SAFE', `该规则的修正需人工确认，不能自动执行 / rule ${code} is not safe to apply automatically`);
  }
  return ctx.db.transaction().execute(async (trx) => {
    const before = (await loadRuleSettings(trx)).find((r) => r.code === code)!;
    const params: Params = { ...before.params };
    for (const [key, value] of Object.entries(patch.params ?? {})) {
      const spec = def.params[key];
      if (!spec) throw badRequest('UNKNOWN_PARAM', `规则 ${code} 无参数 ${key} / rule ${code} has no parameter ${key}`);
      if (spec.boolean) {
        if (typeof value !== 'boolean') throw badRequest('INVALID_PARAM', `${key}: 应为 true/false / must be true or false`);
      } else if (value === null) {
        if (!spec.nullable) throw badRequest('INVALID_PARAM', `${key}: 不能为空 / may not be null`);
      } else if (typeof value !== 'number' || !Number.isFinite(value) || value < spec.min || value > spec.max) {
        throw badRequest('INVALID_PARAM', `${key}: 应为 ${spec.min}–${spec.max} 的数 / must be a number ${spec.min}–${spec.max}`);
      }
      params[key] = value as number | boolean | null;
    }
    const enabled = patch.enabled ?? before.enabled;
    const autoApply = patch.autoApply ?? before.autoApply;
    const now = ctx.clock.now();
    await trx.insertInto('quality_rules')
      .values({ code, enabled, auto_apply: autoApply, params: JSON.stringify(params), updated_at: now, updated_by: actor.username })
      .onConflict((oc) => oc.column('code').doUpdateSet({ enabled, auto_apply: autoApply, params: JSON.stringify(params), updated_at: now, updated_by: actor.username }))
      .execute();
    await audit(ctx, trx, actor, {
      action: 'quality.rule.update', targetType: 'quality_rule', targetId: code,
      detail: { before: { enabled: before.enabled, autoApply: before.autoApply, params: before.params }, after: { enabled, autoApply, params } },
    });
    return (await loadRuleSettings(trx)).find((r) => r.code === code)!;
  });
}

export interface TariffView {
  lotCode: string;
  freeMinutes: number;
  firstPeriodMinutes: number;
  firstPeriodFen: number;
  unitMinutes: number;
  unitFen: number;
  dailyCapFen: number | null;
  updatedAt: string;
  updatedBy: string;
}

export type TariffInput = Omit<TariffView, 'lotCode' | 'updatedAt' | 'updatedBy'>;

/** The lot within the actor's district scope, or 404. */
async function scopedLot(db: QualityDb, actor: Actor, code: string): Promise<{ id: number; code: string }> {
  const scope = districtScope(actor);
  const lot = await db.selectFrom('lots').select(['id', 'code']).where('code', '=', code)
    .$if(scope !== null, (q) => q.where('district_code', '=', scope!)).executeTakeFirst();
  if (!lot) throw notFound(`停车场 ${code}`);
  return lot;
}

export async function getTariff(ctx: QualityContext, actor: Actor, lotCode: string): Promise<TariffView> {
  const lot = await scopedLot(ctx.db, actor, lotCode);
  const row = await ctx.db.selectFrom('lot_tariffs').selectAll().where('lot_id', '=', lot.id).executeTakeFirst();
  if (!row) throw new AppError(404, 'NO_TARIFF', `停车场 ${lotCode} 未登记收费标准 / lot ${lotCode} has no tariff`);
  return tariffView(lot.code, row);
}

export async function putTariff(ctx: QualityContext, actor: Actor, lotCode: string, input: TariffInput): Promise<TariffView> {
  return ctx.db.transaction().execute(async (trx) => {
    const lot = await scopedLot(trx, actor, lotCode);
    const before = await trx.selectFrom('lot_tariffs').selectAll().where('lot_id', '=', lot.id).executeTakeFirst();
    const now = ctx.clock.now();
    const values = {
      free_minutes: input.freeMinutes, first_period_minutes: input.firstPeriodMinutes, first_period_fen: input.firstPeriodFen,
      unit_minutes: input.unitMinutes, unit_fen: input.unitFen, daily_cap_fen: input.dailyCapFen, updated_at: now, updated_by: actor.username,
    };
    const row = await trx.insertInto('lot_tariffs').values({ lot_id: lot.id, ...values })
      .onConflict((oc) => oc.column('lot_id').doUpdateSet(values)).returningAll().executeTakeFirstOrThrow();
    await audit(ctx, trx, actor, {
      action: 'quality.tariff.update', targetType: 'lot', targetId: lot.code,
      detail: { before: before ? tariffView(lot.code, before) : null, after: input },
    });
    return tariffView(lot.code, row);
  });
}

export async function deleteTariff(ctx: QualityContext, actor: Actor, lotCode: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const lot = await scopedLot(trx, actor, lotCode);
    const gone = await trx.deleteFrom('lot_tariffs').where('lot_id', '=', lot.id).returningAll().executeTakeFirst();
    if (!gone) throw new AppError(404, 'NO_TARIFF', `停车场 ${lotCode} 未登记收费标准 / lot ${lotCode} has no tariff`);
    await audit(ctx, trx, actor, { action: 'quality.tariff.delete', targetType: 'lot', targetId: lot.code, detail: { before: tariffView(lot.code, gone) } });
  });
}

function tariffView(lotCode: string, r: { free_minutes: number; first_period_minutes: number; first_period_fen: number; unit_minutes: number; unit_fen: number; daily_cap_fen: number | null; updated_at: Date; updated_by: string }): TariffView {
  return {
    lotCode, freeMinutes: r.free_minutes, firstPeriodMinutes: r.first_period_minutes, firstPeriodFen: r.first_period_fen,
    unitMinutes: r.unit_minutes, unitFen: r.unit_fen, dailyCapFen: r.daily_cap_fen, updatedAt: r.updated_at.toISOString(), updatedBy: r.updated_by,
  };
}

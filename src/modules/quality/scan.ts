import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import { parseBusinessTime, shanghaiDayStart } from '../../platform/time.js';
import { detectSql, type ScanScope } from './detect.js';
import { applyExclusions } from './apply.js';
import { refreshRollups } from './refresh.js';
import { RULES, type RuleCode } from './rules.js';
import { loadRuleSettings } from './settings.js';
import type { QualityContext, QualityDb } from './repo.js';

/*
 * A scan runs every enabled rule over a range of data and lots, upserts the findings by
 * (rule, target) — a rescan updates, never duplicates — drops the open findings of the range
 * that the rules no longer find (the data or a setting changed), and applies the fixes of the
 * safe rules set to auto-apply. A finding that was fixed or dismissed stays as people left it;
 * one whose fix was reverted is not applied automatically again.
 */

export const MAX_SCAN_DAYS = 366;
const DAY = 86_400_000;

export interface ScanInput {
  from?: string | Date;
  to?: string | Date;
  lotCodes?: string[];
}

export interface ScanResult {
  scanId: number;
  from: string;
  to: string;
  lots: number;
  /** Findings per rule seen by this scan (new or again). */
  found: Partial<Record<RuleCode, number>>;
  created: number;
  dropped: number;
  autoFixed: number;
}

/** A scan bound: a Date, a Shanghai day (as `to`: the whole day), or a business time. */
export function parseScanBound(value: string | Date | undefined, which: 'from' | 'to'): Date | undefined {
  if (value === undefined || value === '') return undefined;
  if (value instanceof Date) return value;
  const text = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const start = shanghaiDayStart(text);
    if (start) return which === 'to' ? new Date(start.getTime() + DAY) : start;
  } else {
    const t = parseBusinessTime(text);
    if (t) return t;
  }
  throw badRequest('INVALID_TIME', `${which}: 应为 YYYY-MM-DD、YYYY-MM-DD HH:mm:ss 或 ISO 8601 / must be YYYY-MM-DD, 'YYYY-MM-DD HH:mm:ss' or ISO 8601: ${text}`);
}

/** The lots of the actor's scope (and of `codes` when given); unknown or foreign codes → 404. */
export async function scopedLotIds(db: QualityDb, actor: Actor, codes?: string[]): Promise<number[]> {
  const scope = districtScope(actor);
  const wanted = codes?.map((c) => c.trim()).filter((c) => c !== '');
  const rows = await db.selectFrom('lots').select(['id', 'code'])
    .$if(scope !== null, (q) => q.where('district_code', '=', scope!))
    .$if(!!wanted?.length, (q) => q.where('code', 'in', wanted!))
    .orderBy('id').execute();
  if (wanted?.length) {
    const known = new Set(rows.map((r) => r.code));
    const missing = wanted.filter((c) => !known.has(c));
    if (missing.length) throw badRequest('UNKNOWN_LOT', `停车场不存在或不在权限范围内 / unknown lots: ${missing.slice(0, 10).join(', ')}`);
  }
  return rows.map((r) => r.id);
}

export async function scanQuality(ctx: QualityContext, actor: Actor, input: ScanInput = {}): Promise<ScanResult> {
  const now = ctx.clock.now();
  const to = parseScanBound(input.to, 'to') ?? now;
  const from = parseScanBound(input.from, 'from') ?? new Date(to.getTime() - 2 * DAY);
  if (from >= to) throw badRequest('INVALID_TIME_RANGE', '开始时间应早于结束时间 / from must be before to');
  if (to.getTime() - from.getTime() > MAX_SCAN_DAYS * DAY) {
    throw badRequest('RANGE_TOO_LONG', `一次最多扫描 ${MAX_SCAN_DAYS} 天 / at most ${MAX_SCAN_DAYS} days per scan`);
  }
  const lotIds = await scopedLotIds(ctx.db, actor, input.lotCodes);
  const scope: ScanScope = { from, to, asOf: to < now ? to : now, lotIds, staleDays: ctx.config.staleSessionDays };
  const settings = await loadRuleSettings(ctx.db);
  const enabled = settings.filter((s) => s.enabled);
  const capacity = enabled.find((s) => s.code === 'lot_capacity_contradiction')?.params ?? null;

  const result = await ctx.db.transaction().execute(async (trx) => {
    const scan = await trx.insertInto('quality_scans')
      .values({ from_at: from, to_at: to, lot_codes: input.lotCodes?.length ? input.lotCodes : null, actor: actor.username, started_at: now })
      .returning('id').executeTakeFirstOrThrow();
    const scanId = Number(scan.id);
    const found: Partial<Record<RuleCode, number>> = {};
    let created = 0;
    for (const rule of enabled) {
      if (lotIds.length === 0) break;
      const def = RULES[rule.code];
      const rows = await sql<{ inserted: boolean }>`
        insert into quality_findings (rule, target_type, target_id, lot_id, source_code, at, action, suggested, detail, found_at, last_scan_id)
        select ${rule.code}, ${def.target}, c.target_id, c.lot_id, c.source_code, c.at, c.action, c.suggested, c.detail, ${now}, ${scanId}
        from (${detectSql(rule.code, scope, rule.params, { capacity })}) c
        on conflict (rule, target_type, target_id) do update set
          last_scan_id = excluded.last_scan_id,
          -- what people decided stays; an open finding follows the data
          at = case when quality_findings.status = 'open' then excluded.at else quality_findings.at end,
          action = case when quality_findings.status = 'open' then excluded.action else quality_findings.action end,
          suggested = case when quality_findings.status = 'open' then excluded.suggested else quality_findings.suggested end,
          detail = case when quality_findings.status = 'open' then excluded.detail else quality_findings.detail end
        returning (xmax = 0) as inserted`.execute(trx);
      if (rows.rows.length) found[rule.code] = rows.rows.length;
      created += rows.rows.filter((r) => r.inserted).length;
    }
    const dropped = await dropStale(trx, scanId, scope, enabled.map((s) => s.code));
    const auto = enabled.filter((s) => s.safe && s.autoApply).map((s) => s.code);
    const fixes = await autoApply(ctx, trx, actor, scanId, auto);
    const total = Object.values(found).reduce((a, b) => a + b, 0);
    await trx.updateTable('quality_scans').set({ finished_at: ctx.clock.now(), found: total, auto_fixed: fixes.length }).where('id', '=', scanId).execute();
    await audit(ctx, trx, actor, {
      action: 'quality.scan', targetType: 'quality_scan', targetId: scanId,
      detail: {
        from: from.toISOString(), to: to.toISOString(), lotCodes: input.lotCodes ?? null, lots: lotIds.length, found, created, dropped,
        autoFixed: fixes.length, ...(fixes.length ? { fixIds: fixes.length <= 200 ? fixes : { first: fixes[0], last: fixes[fixes.length - 1] } } : {}),
      },
    });
    return { scanId, from: from.toISOString(), to: to.toISOString(), lots: lotIds.length, found, created, dropped, autoFixed: fixes.length };
  });
  if (result.autoFixed > 0) await refreshRollups(ctx);
  return result;
}

/**
 * Open findings of rows in the scanned range that the rules did not find again: the row was
 * corrected, set aside by another fix, or a setting changed. Lot findings are about a range
 * and stay until fixed or dismissed; findings with a (reverted) fix keep their history.
 */
async function dropStale(trx: QualityDb, scanId: number, s: ScanScope, rules: RuleCode[]): Promise<number> {
  if (rules.length === 0 || s.lotIds.length === 0) return 0;
  const r = await sql`
    delete from quality_findings f
    where f.status = 'open' and f.target_type <> 'lot' and f.last_scan_id <> ${scanId}
      and f.rule = any(${sql.val(rules)}::text[]) and f.lot_id = any(${sql.val(s.lotIds)}::int[])
      and f.at >= ${s.from} and f.at < ${s.to}
      and not exists (select 1 from quality_fixes x where x.finding_id = f.id)`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** Applies the fixes of this scan's open findings of auto-apply rules that never had a fix. */
async function autoApply(ctx: QualityContext, trx: QualityDb, actor: Actor, scanId: number, rules: RuleCode[]): Promise<number[]> {
  if (rules.length === 0) return [];
  const findings = await trx.selectFrom('quality_findings as f')
    .select(['f.id', 'f.target_type', 'f.target_id', 'f.lot_id'])
    .where('f.status', '=', 'open').where('f.last_scan_id', '=', scanId).where('f.rule', 'in', rules).where('f.action', '=', 'exclude')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('quality_fixes as x').select('x.id').whereRef('x.finding_id', '=', 'f.id'))))
    .orderBy('f.id').execute();
  return applyExclusions(ctx, trx, actor, findings.map((f) => ({ id: Number(f.id), targetType: f.target_type, targetId: Number(f.target_id), lotId: f.lot_id })), true);
}

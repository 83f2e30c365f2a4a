import { sql } from 'kysely';
import { can, type Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest } from '../../platform/errors.js';
import { maskPlate } from '../../platform/plates.js';
import { districtScope } from '../../platform/scope.js';
import type { FixView } from './apply.js';
import { describeFix, isRuleCode, RULES } from './rules.js';
import type { FindingStatus, FixAction, TargetType } from './tables.js';
import type { QualityContext } from './repo.js';

/*
 * The findings list: newest first, keyset-paged on id, district-scoped through the lot. Plates
 * (of the session, and in a suggested or fixed plate) are masked without `pii`, as in the
 * parking records; a response carrying unmasked plates is audited (session.read_pii).
 */

export const STATUSES: readonly FindingStatus[] = ['open', 'fixed', 'dismissed'];
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

export interface FindingQuery {
  rule?: string;
  status?: string;
  lot?: string;
  /** A scan's id: the findings it found (new or again), whatever their status now. */
  scan?: string;
  cursor?: string;
  limit?: number;
}

export interface FindingItem {
  id: number;
  rule: string;
  ruleName: { zh: string; en: string };
  safe: boolean;
  status: FindingStatus;
  targetType: TargetType;
  targetId: number;
  lotCode: string;
  lotName: string;
  districtCode: string;
  sourceCode: string | null;
  at: string;
  action: FixAction;
  suggested: Record<string, unknown>;
  suggestion: { zh: string; en: string };
  detail: Record<string, unknown>;
  foundAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  note: string | null;
  session: { plate: string; enteredAt: string | null; exitedAt: string | null; receivableFen: number | null; paidFen: number | null; excluded: boolean } | null;
  report: { occurredAt: string; totalSpaces: number; freeSpaces: number; excluded: boolean } | null;
  fix: FixView | null;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function maskValues(v: Record<string, unknown>, unmasked: boolean): Record<string, unknown> {
  return !unmasked && typeof v.plate === 'string' ? { ...v, plate: maskPlate(v.plate) } : v;
}

export async function listFindings(ctx: QualityContext, actor: Actor, q: FindingQuery): Promise<{ items: FindingItem[]; nextCursor: string | null; openByRule: Record<string, number> }> {
  const rule = q.rule?.trim() || undefined;
  const status = q.status?.trim() || undefined;
  const lot = q.lot?.trim() || undefined;
  if (rule && !isRuleCode(rule)) throw badRequest('INVALID_RULE', `无此规则 / unknown rule: ${rule}`);
  if (status && !(STATUSES as readonly string[]).includes(status)) throw badRequest('INVALID_STATUS', `状态应为 ${STATUSES.join('|')} / status must be one of ${STATUSES.join(', ')}`);
  const scan = q.scan?.trim() ? Number(q.scan) : null;
  if (scan !== null && !(Number.isSafeInteger(scan) && scan > 0)) throw badRequest('INVALID_SCAN', '扫描编号无效 / invalid scan id');
  const cursor = q.cursor?.trim() ? Number(q.cursor) : null;
  if (cursor !== null && !(Number.isSafeInteger(cursor) && cursor > 0)) throw badRequest('INVALID_CURSOR', '翻页游标无效 / invalid cursor');
  const limit = q.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw badRequest('INVALID_LIMIT', `limit 应为 1–${MAX_LIMIT} / limit must be 1–${MAX_LIMIT}`);
  const scope = districtScope(actor);
  const unmasked = can(actor, 'pii');

  const base = ctx.db.selectFrom('quality_findings as f').innerJoin('lots as l', 'l.id', 'f.lot_id')
    .$if(scope !== null, (qb) => qb.where('l.district_code', '=', scope!))
    .$if(lot !== undefined, (qb) => qb.where('l.code', '=', lot!))
    .$if(scan !== null, (qb) => qb.where('f.last_scan_id', '=', scan!));

  const rows = await base
    .leftJoin('parking_sessions as s', (j) => j.onRef('s.id', '=', 'f.target_id').on('f.target_type', '=', 'session'))
    .leftJoin('lot_status_reports as r', (j) => j.onRef('r.id', '=', 'f.target_id').on('f.target_type', '=', 'status_report'))
    .selectAll('f')
    .select(['l.code as lot_code', 'l.name as lot_name', 'l.district_code',
      's.plate', 's.entered_at', 's.exited_at', 's.receivable_fen', 's.paid_fen', 's.excluded_by as s_excluded',
      'r.occurred_at as r_at', 'r.total_spaces as r_total', 'r.free_spaces as r_free', 'r.excluded_by as r_excluded'])
    .select((eb) => eb.selectFrom('quality_fixes as x').select(sql<number>`max(x.id)`.as('m')).whereRef('x.finding_id', '=', 'f.id').as('fix_id'))
    .$if(rule !== undefined, (qb) => qb.where('f.rule', '=', rule!))
    .$if(status !== undefined, (qb) => qb.where('f.status', '=', status as FindingStatus))
    .$if(cursor !== null, (qb) => qb.where('f.id', '<', cursor!))
    .orderBy('f.id', 'desc').limit(limit + 1).execute();
  const page = rows.slice(0, limit);

  const fixIds = page.map((r) => r.fix_id).filter((x): x is number => x !== null).map(Number);
  const fixes = new Map<number, FixView>();
  if (fixIds.length) {
    const fx = await ctx.db.selectFrom('quality_fixes').selectAll().where('id', 'in', fixIds).execute();
    for (const r of fx) {
      fixes.set(Number(r.id), {
        id: Number(r.id), findingId: Number(r.finding_id), targetType: r.target_type, targetId: Number(r.target_id), action: r.action,
        before: maskValues(r.before, unmasked), after: maskValues(r.after, unmasked), auto: r.auto, appliedAt: r.applied_at.toISOString(),
        appliedBy: r.applied_by, revertedAt: iso(r.reverted_at), revertedBy: r.reverted_by,
      });
    }
  }

  const counts = await base.select(['f.rule', sql<number>`count(*)::int`.as('n')]).where('f.status', '=', 'open').groupBy('f.rule').execute();

  const items: FindingItem[] = page.map((r) => {
    const def = isRuleCode(r.rule) ? RULES[r.rule] : null;
    return {
      id: Number(r.id), rule: r.rule, ruleName: def ? { zh: def.zh, en: def.en } : { zh: r.rule, en: r.rule }, safe: def?.safe ?? false,
      status: r.status, targetType: r.target_type, targetId: Number(r.target_id),
      lotCode: r.lot_code, lotName: r.lot_name, districtCode: r.district_code, sourceCode: r.source_code, at: r.at.toISOString(),
      action: r.action, suggested: maskValues(r.suggested, unmasked), suggestion: describeFix(r.action, r.suggested, r.detail, unmasked), detail: r.detail,
      foundAt: r.found_at.toISOString(), resolvedAt: iso(r.resolved_at), resolvedBy: r.resolved_by, note: r.note,
      session: r.target_type === 'session' && r.plate !== null
        ? { plate: unmasked ? r.plate : maskPlate(r.plate), enteredAt: iso(r.entered_at), exitedAt: iso(r.exited_at), receivableFen: r.receivable_fen, paidFen: r.paid_fen, excluded: r.s_excluded !== null }
        : null,
      report: r.target_type === 'status_report' && r.r_at !== null
        ? { occurredAt: r.r_at.toISOString(), totalSpaces: r.r_total!, freeSpaces: r.r_free!, excluded: r.r_excluded !== null }
        : null,
      fix: r.fix_id !== null ? fixes.get(Number(r.fix_id)) ?? null : null,
    };
  });
  if (unmasked && items.some((i) => i.session)) {
    await audit(ctx, ctx.db, actor, {
      action: 'session.read_pii', targetType: 'quality_finding',
      detail: { via: 'quality.findings', count: items.filter((i) => i.session).length, filter: { rule: rule ?? null, status: status ?? null, lot: lot ?? null, scan } },
    });
  }
  const last = page[page.length - 1];
  return {
    items,
    nextCursor: rows.length > limit && last ? String(last.id) : null,
    openByRule: Object.fromEntries(counts.map((c) => [c.rule, Number(c.n)])),
  };
}

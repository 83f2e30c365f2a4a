import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, badRequest, conflict, notFound } from '../../platform/errors.js';
import { isValidPlate, normalizePlate } from '../../platform/plates.js';
import { districtScope } from '../../platform/scope.js';
import type { Exclusion } from '../../platform/set-aside.js';
import { updateLot } from '../registry/index.js';
import { excludeStatusReports, includeStatusReports } from '../ingest/index.js';
import { correctSession, excludeSessions, includeSessions, readSessions } from '../sessions/index.js';
import { refreshRollups } from './refresh.js';
import { loadRuleSettings } from './settings.js';
import type { FixAction, TargetType } from './tables.js';
import type { QualityContext, QualityDb } from './repo.js';

/*
 * Fixes: applying a finding's suggested (or a person's) fix, and reverting it. A fix row keeps
 * the changed fields before and after; a revert puts `before` back only while the row still
 * holds `after` — if anything changed it since, the revert is refused (409 ROW_CHANGED) rather
 * than overwrite a later correction. Sessions change only through the sessions module's
 * corrections, status reports through ingest's, a lot's capacity through the registry's updateLot
 * (each through the module's index). Every fix and revert is audited; the
 * rollups catch up through the analytics triggers and are refreshed right away.
 */

export interface FindingRef {
  id: number;
  targetType: TargetType;
  targetId: number;
  lotId: number;
}

/**
 * Sets the findings' rows aside, one fix each, set-based (a scan may bring thousands). Rows
 * already set aside by another fix are left alone and their findings stay open. Returns the
 * ids of the fixes made.
 */
export async function applyExclusions(ctx: QualityContext, trx: QualityDb, actor: Actor, findings: readonly FindingRef[], auto: boolean): Promise<number[]> {
  if (findings.length === 0) return [];
  const now = ctx.clock.now();
  const made = await sql<{ id: number; finding_id: number; target_type: TargetType; target_id: number }>`
    insert into quality_fixes (id, finding_id, target_type, target_id, lot_id, action, before, after, auto, applied_at, applied_by)
    select n.id, n.finding_id, n.target_type, n.target_id, n.lot_id, 'exclude', '{"excludedBy": null}'::jsonb,
      jsonb_build_object('excludedBy', n.id), ${auto}, ${now}, ${actor.username}
    from (
      select nextval(pg_get_serial_sequence('quality_fixes', 'id')) as id, f.id as finding_id, f.target_type, f.target_id, f.lot_id
      from quality_findings f where f.id = any(${sql.val(findings.map((f) => f.id))}::bigint[]) order by f.id
    ) n
    returning id, finding_id, target_type, target_id`.execute(trx);
  const pairs = (type: TargetType): Exclusion[] => made.rows.filter((r) => r.target_type === type).map((r) => ({ id: Number(r.target_id), fixId: Number(r.id) }));
  const changed = new Set<string>();
  for (const id of await excludeSessions(trx, pairs('session'), now)) changed.add(`session:${id}`);
  for (const id of await excludeStatusReports(trx, pairs('status_report'), now)) changed.add(`status_report:${id}`);
  const applied = made.rows.filter((r) => changed.has(`${r.target_type}:${Number(r.target_id)}`));
  const idle = made.rows.filter((r) => !changed.has(`${r.target_type}:${Number(r.target_id)}`)).map((r) => Number(r.id));
  if (idle.length) await trx.deleteFrom('quality_fixes').where('id', 'in', idle).execute();
  if (applied.length) {
    await trx.updateTable('quality_findings').set({ status: 'fixed', resolved_at: now, resolved_by: actor.username })
      .where('id', 'in', applied.map((r) => Number(r.finding_id))).execute();
  }
  return applied.map((r) => Number(r.id));
}

export interface FixBody {
  /** Set the row aside whatever the rule suggests. */
  exclude?: boolean;
  /** A corrected plate (invalid_plate). */
  plate?: string;
  receivableFen?: number;
  totalSpaces?: number;
  note?: string;
}

export interface FixView {
  id: number;
  findingId: number;
  targetType: TargetType;
  targetId: number;
  action: FixAction;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  auto: boolean;
  appliedAt: string;
  appliedBy: string;
  revertedAt: string | null;
  revertedBy: string | null;
}

type FindingRow = { id: number; rule: string; target_type: TargetType; target_id: number; lot_id: number; status: string; action: FixAction; suggested: Record<string, unknown>; lot_code: string };

/** The finding if the actor's district may see it (404 otherwise), locked when `lock`. */
async function findFinding(db: QualityDb, actor: Actor, id: number, lock: boolean): Promise<FindingRow> {
  const scope = districtScope(actor);
  const q = db.selectFrom('quality_findings as f').innerJoin('lots as l', 'l.id', 'f.lot_id')
    .select(['f.id', 'f.rule', 'f.target_type', 'f.target_id', 'f.lot_id', 'f.status', 'f.action', 'f.suggested', 'l.code as lot_code'])
    .where('f.id', '=', id)
    .$if(scope !== null, (qb) => qb.where('l.district_code', '=', scope!));
  const row = await (lock ? q.forUpdate('f') : q).executeTakeFirst();
  if (!row) throw notFound(`数据质量问题 / finding ${id}`);
  return { ...row, id: Number(row.id), target_id: Number(row.target_id) };
}

/** What the fix will do: the person's value when given, else the rule's suggestion. */
function decide(f: FindingRow, body: FixBody): { action: FixAction; value: Record<string, unknown> } {
  const need = (type: TargetType, what: string) => {
    if (f.target_type !== type) throw badRequest('FIX_NOT_APPLICABLE', `该问题不能${what} / ${what} does not apply to this finding`);
  };
  if (body.exclude) {
    if (f.target_type === 'lot') throw badRequest('FIX_NOT_APPLICABLE', '停车场不能排除 / a lot cannot be excluded');
    return { action: 'exclude', value: {} };
  }
  if (body.plate !== undefined) {
    need('session', '改车牌 / setting a plate');
    const plate = normalizePlate(body.plate);
    if (!isValidPlate(plate)) throw badRequest('INVALID_PLATE', `不是有效车牌 / not a valid plate: ${body.plate.slice(0, 16)}`);
    return { action: 'set_plate', value: { plate } };
  }
  if (body.receivableFen !== undefined) {
    need('session', '改应收 / setting the receivable');
    return { action: 'set_receivable', value: { receivableFen: body.receivableFen } };
  }
  if (body.totalSpaces !== undefined) {
    need('lot', '改总泊位 / setting total spaces');
    return { action: 'set_total_spaces', value: { totalSpaces: body.totalSpaces } };
  }
  return { action: f.action, value: f.suggested };
}

const SESSION_FIELD = { set_receivable: 'receivableFen', set_plate: 'plate' } as const;

export async function fixFinding(ctx: QualityContext, actor: Actor, findingId: number, body: FixBody = {}): Promise<FixView> {
  const first = await findFinding(ctx.db, actor, findingId, false);
  if (first.status !== 'open') throw conflict('FINDING_NOT_OPEN', `该问题已${first.status === 'fixed' ? '修正' : '忽略'} / finding is ${first.status}`);
  const { action, value } = decide(first, body);
  // A lot's capacity goes through the registry, which keeps its own transaction and audit (lot.update).
  let lotBefore: number | null = null;
  if (action === 'set_total_spaces') {
    const total = value.totalSpaces;
    if (typeof total !== 'number' || !Number.isInteger(total) || total < 0) throw badRequest('INVALID_VALUE', '总泊位应为非负整数 / totalSpaces must be a non-negative integer');
    const lot = await ctx.db.selectFrom('lots').select('total_spaces').where('id', '=', first.lot_id).executeTakeFirstOrThrow();
    lotBefore = lot.total_spaces;
    await updateLot(ctx, actor, first.lot_code, { totalSpaces: total });
  }
  const fix = await ctx.db.transaction().execute(async (trx) => {
    const f = await findFinding(trx, actor, findingId, true);
    if (f.status !== 'open') throw conflict('FINDING_NOT_OPEN', `该问题已处理 / finding is ${f.status}`);
    const ref: FindingRef = { id: f.id, targetType: f.target_type, targetId: f.target_id, lotId: f.lot_id };
    let fixId: number;
    let released = 0;
    if (action === 'exclude') {
      const [id] = await applyExclusions(ctx, trx, actor, [ref], false);
      if (id === undefined) throw conflict('ROW_EXCLUDED', '该记录已被排除 / the row is already set aside');
      fixId = id;
    } else if (action === 'set_total_spaces') {
      fixId = await recordFix(ctx, trx, actor, ref, action, { totalSpaces: lotBefore }, value);
      released = await releaseCapacityExclusions(ctx, trx, actor, f.lot_id, value.totalSpaces as number);
    } else {
      const field = SESSION_FIELD[action];
      const next = value[field];
      if (action === 'set_receivable' && (typeof next !== 'number' || !Number.isInteger(next) || next < 0)) {
        throw badRequest('INVALID_VALUE', '应收应为非负整数（分） / receivableFen must be a non-negative integer');
      }
      if (action === 'set_plate' && typeof next !== 'string') throw badRequest('INVALID_PLATE', '需要正确车牌 / a corrected plate is needed');
      const session = (await readSessions(trx, [f.target_id], true)).get(f.target_id);
      if (!session) throw notFound(`停车流水 ${f.target_id}`);
      if (session.excludedBy !== null) throw conflict('ROW_EXCLUDED', '该记录已被排除 / the row is set aside');
      const before = { [field]: action === 'set_plate' ? session.plate : session.receivableFen };
      fixId = await recordFix(ctx, trx, actor, ref, action, before, { [field]: next });
      await correctSession(trx, f.target_id, action === 'set_plate' ? { plate: next as string } : { receivableFen: next as number }, ctx.clock.now());
    }
    const now = ctx.clock.now();
    await trx.updateTable('quality_findings').set({ status: 'fixed', resolved_at: now, resolved_by: actor.username, note: body.note ?? null }).where('id', '=', f.id).execute();
    const view = await fixView(trx, fixId);
    await audit(ctx, trx, actor, {
      action: 'quality.fix', targetType: 'quality_finding', targetId: f.id,
      detail: {
        rule: f.rule, target: { type: f.target_type, id: f.target_id }, fixId, action, before: view.before, after: view.after,
        ...(body.note ? { note: body.note } : {}), ...(released ? { releasedStatusReports: released } : {}),
      },
    });
    return view;
  });
  await refreshRollups(ctx);
  return fix;
}

/**
 * A lot's capacity was corrected: its status reports that were set aside automatically only
 * because their total differed from the (wrong) registry value, and that fit the new value, come
 * back. Their fixes count as reverted and their findings as dismissed. Returns how many.
 */
async function releaseCapacityExclusions(ctx: QualityContext, trx: QualityDb, actor: Actor, lotId: number, total: number): Promise<number> {
  const settings = (await loadRuleSettings(trx)).find((r) => r.code === 'status_out_of_capacity')!;
  const tol = typeof settings.params.totalTolerance === 'number' ? settings.params.totalTolerance : 0.1;
  const rows = await sql<{ fix_id: number; finding_id: number; target_id: number }>`
    select x.id as fix_id, x.finding_id, x.target_id
    from quality_fixes x
    join quality_findings f on f.id = x.finding_id
    join lot_status_reports r on r.id = x.target_id
    where x.lot_id = ${lotId} and x.target_type = 'status_report' and x.action = 'exclude' and x.auto and x.reverted_at is null
      and f.rule = 'status_out_of_capacity' and f.status = 'fixed' and f.detail->>'reason' = 'total_mismatch'
      and r.excluded_by = x.id and r.free_spaces >= 0 and r.free_spaces <= r.total_spaces
      and abs(r.total_spaces - ${total}) <= ${tol}::float8 * ${total}
    for update of x`.execute(trx);
  if (rows.rows.length === 0) return 0;
  const now = ctx.clock.now();
  const back = await includeStatusReports(trx, rows.rows.map((r) => ({ id: Number(r.target_id), fixId: Number(r.fix_id) })), now);
  const done = rows.rows.filter((r) => back.includes(Number(r.target_id)));
  if (done.length === 0) return 0;
  await trx.updateTable('quality_fixes').set({ reverted_at: now, reverted_by: actor.username }).where('id', 'in', done.map((r) => Number(r.fix_id))).execute();
  await trx.updateTable('quality_findings')
    .set({ status: 'dismissed', resolved_at: now, resolved_by: actor.username, note: '停车场总泊位已更正 / lot capacity corrected' })
    .where('id', 'in', done.map((r) => Number(r.finding_id))).execute();
  return done.length;
}

async function recordFix(ctx: QualityContext, trx: QualityDb, actor: Actor, f: FindingRef, action: FixAction, before: Record<string, unknown>, after: Record<string, unknown>): Promise<number> {
  const row = await trx.insertInto('quality_fixes').values({
    finding_id: f.id, target_type: f.targetType, target_id: f.targetId, lot_id: f.lotId, action,
    before: JSON.stringify(before), after: JSON.stringify(after), auto: false, applied_at: ctx.clock.now(), applied_by: actor.username,
  }).returning('id').executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function dismissFinding(ctx: QualityContext, actor: Actor, findingId: number, note?: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const f = await findFinding(trx, actor, findingId, true);
    if (f.status !== 'open') throw conflict('FINDING_NOT_OPEN', `该问题已处理 / finding is ${f.status}`);
    await trx.updateTable('quality_findings').set({ status: 'dismissed', resolved_at: ctx.clock.now(), resolved_by: actor.username, note: note ?? null }).where('id', '=', f.id).execute();
    await audit(ctx, trx, actor, { action: 'quality.dismiss', targetType: 'quality_finding', targetId: f.id, detail: { rule: f.rule, target: { type: f.target_type, id: f.target_id }, ...(note ? { note } : {}) } });
  });
}

async function fixView(db: QualityDb, id: number): Promise<FixView> {
  const r = await db.selectFrom('quality_fixes').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return {
    id: Number(r.id), findingId: Number(r.finding_id), targetType: r.target_type, targetId: Number(r.target_id), action: r.action,
    before: r.before, after: r.after, auto: r.auto, appliedAt: r.applied_at.toISOString(), appliedBy: r.applied_by,
    revertedAt: r.reverted_at ? r.reverted_at.toISOString() : null, revertedBy: r.reverted_by,
  };
}

const rowChanged = () => conflict('ROW_CHANGED', '该记录在修正后已被修改，不能撤销 / the row changed after the fix: not reverted');

/** Puts a fix's `before` back; the finding opens again (and is not auto-applied again). */
export async function revertFix(ctx: QualityContext, actor: Actor, fixId: number): Promise<FixView> {
  const scope = districtScope(actor);
  const load = (db: QualityDb, lock: boolean) => {
    const q = db.selectFrom('quality_fixes as x').innerJoin('lots as l', 'l.id', 'x.lot_id').selectAll('x').select('l.code as lot_code')
      .where('x.id', '=', fixId).$if(scope !== null, (qb) => qb.where('l.district_code', '=', scope!));
    return (lock ? q.forUpdate('x') : q).executeTakeFirst();
  };
  const first = await load(ctx.db, false);
  if (!first) throw notFound(`修正记录 / fix ${fixId}`);
  if (first.reverted_at) throw conflict('ALREADY_REVERTED', '该修正已撤销 / the fix was already reverted');
  if (first.action === 'set_total_spaces') {
    // Through the registry, like the fix; only while the lot still has the value the fix gave it.
    const lot = await ctx.db.selectFrom('lots').select('total_spaces').where('id', '=', first.lot_id).executeTakeFirstOrThrow();
    if (lot.total_spaces !== first.after.totalSpaces) throw rowChanged();
    await updateLot(ctx, actor, first.lot_code, { totalSpaces: first.before.totalSpaces });
  }
  const view = await ctx.db.transaction().execute(async (trx) => {
    const x = await load(trx, true);
    if (!x) throw notFound(`修正记录 / fix ${fixId}`);
    if (x.reverted_at) throw conflict('ALREADY_REVERTED', '该修正已撤销 / the fix was already reverted');
    const id = Number(x.id);
    const targetId = Number(x.target_id);
    const now = ctx.clock.now();
    if (x.action === 'exclude') {
      const back = x.target_type === 'session'
        ? await includeSessions(trx, [{ id: targetId, fixId: id }], now)
        : await includeStatusReports(trx, [{ id: targetId, fixId: id }], now);
      if (back.length !== 1) throw rowChanged();
    } else if (x.action === 'set_receivable' || x.action === 'set_plate') {
      const s = (await readSessions(trx, [targetId], true)).get(targetId);
      if (!s) throw notFound(`停车流水 ${targetId}`);
      const current = x.action === 'set_plate' ? { plate: s.plate } : { receivableFen: s.receivableFen };
      if (JSON.stringify(current) !== JSON.stringify(x.after)) throw rowChanged();
      await correctSession(trx, targetId, x.action === 'set_plate' ? { plate: x.before.plate as string } : { receivableFen: x.before.receivableFen as number }, now);
    }
    await trx.updateTable('quality_fixes').set({ reverted_at: now, reverted_by: actor.username }).where('id', '=', id).execute();
    await trx.updateTable('quality_findings').set({ status: 'open', resolved_at: null, resolved_by: null }).where('id', '=', Number(x.finding_id)).execute();
    const v = await fixView(trx, id);
    await audit(ctx, trx, actor, {
      action: 'quality.revert', targetType: 'quality_fix', targetId: id,
      detail: { findingId: v.findingId, target: { type: v.targetType, id: v.targetId }, action: v.action, restored: v.before, undone: v.after },
    });
    return v;
  });
  await refreshRollups(ctx);
  return view;
}

/** Exposed for the routes: ids in paths are positive integers. */
export function parseId(text: string, what: string): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new AppError(400, 'INVALID_ID', `${what}编号应为正整数 / ${what} id must be a positive integer: ${text}`);
  return Number(text);
}

import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit, type AppContext } from '../../platform/context.js';
import { AppError, badRequest } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import { parseMonth } from '../monitoring/index.js';
import { channelKindOf } from '../payments/index.js';
import { arrearsContext, enforcedSql, owedFen, owedSince, owingSessions, readSettings, type ArrearsContext, type ArrearsSettings } from './repo.js';
import { mayReadRefusals, recoveryRate } from './rules.js';

/*
 * Escalation settings, the entry-refusal list for the participating lot systems, and the
 * recovery KPIs (docs/指标口径.md, 欠费追缴).
 */

export interface SettingsInput {
  enforceAfterDays: number | null;
  enforceAboveFen: number | null;
  refusalEnabled: boolean;
  refusalSources: string[];
  channelCode: string;
}

export async function getSettings(ctx: ArrearsContext): Promise<ArrearsSettings> {
  return readSettings(ctx.db);
}

export async function updateSettings(ctx: ArrearsContext, actor: Actor, input: SettingsInput): Promise<ArrearsSettings> {
  const channel = await channelKindOf(ctx, input.channelCode);
  if (!channel) throw badRequest('UNKNOWN_CHANNEL', `支付通道 ${input.channelCode} 不存在 / unknown channel`, [{ field: 'channelCode' }]);
  const sources = [...new Set(input.refusalSources.map((s) => s.trim()).filter(Boolean))].sort();
  const before = await readSettings(ctx.db);
  return ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('arrears_settings').set({
      enforce_after_days: input.enforceAfterDays, enforce_above_fen: input.enforceAboveFen, refusal_enabled: input.refusalEnabled,
      refusal_sources: JSON.stringify(sources), channel_code: input.channelCode, updated_at: ctx.clock.now(), updated_by: actor.username,
    }).where('id', '=', 1).execute();
    const after = await readSettings(trx);
    await audit(ctx, trx, actor, { action: 'arrears.settings.update', targetType: 'arrears_settings', targetId: '1', detail: { before, after } });
    return after;
  });
}

/**
 * The plates a participating lot system refuses at entry (GET /api/v1/public/arrears/refusals,
 * signed by the source): whole plates, as its gate reads them; each read audited.
 */
export async function refusalList(anyCtx: AppContext, sourceCode: string): Promise<{ generatedAt: string; plates: { plate: string; owedFen: number; since: string }[] }> {
  const ctx = arrearsContext(anyCtx);
  const s = await readSettings(ctx.db);
  if (!mayReadRefusals(s, sourceCode)) throw new AppError(403, 'NOT_PARTICIPATING', '该数据源未参与欠费拒绝入场 / this source does not take part in entry refusal');
  const now = ctx.clock.now();
  const rows = await owingSessions(ctx.db, null).groupBy('s.plate')
    .select(['s.plate', sql<string>`sum(${owedFen})`.as('fen'), sql<Date>`min(${owedSince})`.as('since')])
    .having(enforcedSql(s, now, sql`min(${owedSince})`, sql`sum(${owedFen})`))
    .orderBy('s.plate').limit(100_000).execute();
  await audit(ctx, ctx.db, { userId: null, username: `source:${sourceCode}`, role: 'system', districtCode: null, permissions: new Set(), ip: null }, {
    action: 'arrears.refusals.read', targetType: 'data_source', targetId: sourceCode, detail: { plates: rows.length },
  });
  return { generatedAt: now.toISOString(), plates: rows.map((r) => ({ plate: r.plate, owedFen: Number(r.fen), since: new Date(r.since).toISOString() })) };
}

export interface ArrearsKpis {
  month: string;
  outstandingFen: number;
  outstandingPlates: number;
  outstandingSessions: number;
  enforcementPlates: number;
  recoveredFen: number;
  recoveredSessions: number;
  refundedFen: number;
  writtenOffFen: number;
  recoveryRate: number | null;
}

/**
 * Outstanding now; recovered (paid through a channel, less what refunds reopened) and written off
 * within the Shanghai month; recovery rate = recovered ÷ (recovered + outstanding now) (docs/指标口径.md).
 */
export async function arrearsKpis(ctx: ArrearsContext, actor: Actor, monthText: string | undefined): Promise<ArrearsKpis> {
  const now = ctx.clock.now();
  const month = parseMonth(monthText ?? new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 7));
  const scope = districtScope(actor);
  const s = await readSettings(ctx.db);
  const perPlate = owingSessions(ctx.db, scope).groupBy('s.plate')
    .select([sql<string>`sum(${owedFen})`.as('fen'), sql<string>`count(*)`.as('n'), sql<Date>`min(${owedSince})`.as('since')]);
  const [open, settled] = await Promise.all([
    ctx.db.selectFrom(perPlate.as('p')).select([
      sql<string>`coalesce(sum(p.fen), 0)`.as('fen'), sql<string>`count(*)`.as('plates'), sql<string>`coalesce(sum(p.n), 0)`.as('sessions'),
      sql<string>`count(*) filter (where ${enforcedSql(s, now, sql`p.since`, sql`p.fen`)})`.as('enforced'),
    ]).executeTakeFirstOrThrow(),
    ctx.db.selectFrom('arrears_settlements as st')
      .$if(scope !== null, (b) => b.where((eb) => eb.exists(eb.selectFrom('parking_sessions as s').innerJoin('lots as l', 'l.id', 's.lot_id').select('s.id')
        .whereRef('s.id', '=', 'st.session_id').where('l.district_code', '=', scope!))))
      .where('st.settled_at', '>=', month.start).where('st.settled_at', '<', month.end)
      .select([
        sql<string>`coalesce(sum(st.fen) filter (where st.kind = 'paid'), 0)`.as('paid'), sql<string>`count(*) filter (where st.kind = 'paid')`.as('paid_n'),
        sql<string>`coalesce(sum(st.fen) filter (where st.kind = 'written_off'), 0)`.as('off'),
        sql<string>`coalesce(sum(st.fen) filter (where st.kind = 'refunded'), 0)`.as('refunded'),
      ]).executeTakeFirstOrThrow(),
  ]);
  const outstandingFen = Number(open.fen);
  // A refund counts in the month it succeeded (a month already reported keeps its figure).
  const refundedFen = Number(settled.refunded);
  const recoveredFen = Number(settled.paid) - refundedFen;
  return {
    month: month.month, outstandingFen, outstandingPlates: Number(open.plates), outstandingSessions: Number(open.sessions), enforcementPlates: Number(open.enforced),
    recoveredFen, recoveredSessions: Number(settled.paid_n), refundedFen, writtenOffFen: Number(settled.off), recoveryRate: recoveryRate(Math.max(0, recoveredFen), outstandingFen),
  };
}

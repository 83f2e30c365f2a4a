import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, conflict, notFound } from '../../platform/errors.js';
import { districtScope } from '../../platform/scope.js';
import { visibleSources, type SourcesScope } from '../registry/index.js';
import { PROBLEM_WINDOW_DAYS } from './evaluate.js';
import type { MonitoringContext, MonitoringDb } from './repo.js';

/*
 * Sources marked for technical diagnosis (长期问题接入单位): the evaluator marks a source when
 * it has had `problemSourceOutages` outages in 30 days; an engineer clears the mark with a
 * note once the cause is dealt with. A cleared source is marked again only by new outages.
 */

export interface ProblemSourceView {
  sourceCode: string;
  sourceName: string;
  districtCode: string | null;
  operator: { name: string; contactName: string | null; contactPhone: string | null; contactEmail: string | null } | null;
  state: 'marked' | 'cleared';
  markedAt: string;
  /** Outages in the 30 days before the mark. */
  outagesAtMark: number;
  /** Outages opened in the last 30 days, now. */
  outages30d: number;
  lastOutageAt: string | null;
  clearedAt: string | null;
  clearedBy: string | null;
  clearNote: string | null;
}

function problemQuery(db: MonitoringDb, actor: Actor, now: Date) {
  const since = new Date(now.getTime() - PROBLEM_WINDOW_DAYS * 24 * 3600_000);
  return db
    .selectFrom('monitoring_problem_sources as p')
    .innerJoin('data_sources', 'data_sources.code', 'p.source_code')
    .leftJoin('operators as o', 'o.id', 'data_sources.operator_id')
    .where((eb) => visibleSources(eb as unknown as SourcesScope, districtScope(actor)))
    .selectAll('p')
    .select(['data_sources.name as source_name', 'data_sources.district_code', 'o.name as o_name', 'o.contact_name', 'o.contact_phone', 'o.contact_email'])
    .select((eb) => [
      eb.selectFrom('monitoring_alerts as a')
        .select(sql<number>`count(*)::int`.as('n'))
        .whereRef('a.source_code', '=', 'p.source_code')
        .where('a.opened_at', '>', since)
        .where(sql<boolean>`a.resolution is distinct from 'folded'`)
        .as('outages_30d'),
      eb.selectFrom('monitoring_alerts as a').select((e) => e.fn.max('a.opened_at').as('m')).whereRef('a.source_code', '=', 'p.source_code').as('last_outage_at'),
    ]);
}

type Row = Awaited<ReturnType<ReturnType<typeof problemQuery>['execute']>>[number];

function view(r: Row): ProblemSourceView {
  return {
    sourceCode: r.source_code,
    sourceName: r.source_name,
    districtCode: r.district_code,
    operator: r.o_name ? { name: r.o_name, contactName: r.contact_name, contactPhone: r.contact_phone, contactEmail: r.contact_email } : null,
    state: r.cleared_at ? 'cleared' : 'marked',
    markedAt: new Date(r.marked_at).toISOString(),
    outagesAtMark: r.outages,
    outages30d: Number(r.outages_30d ?? 0),
    lastOutageAt: r.last_outage_at ? new Date(r.last_outage_at as Date).toISOString() : null,
    clearedAt: r.cleared_at ? new Date(r.cleared_at).toISOString() : null,
    clearedBy: r.cleared_by,
    clearNote: r.clear_note,
  };
}

export async function listProblemSources(ctx: MonitoringContext, actor: Actor, q: { all?: boolean }): Promise<{ items: ProblemSourceView[] }> {
  const rows = await problemQuery(ctx.db, actor, ctx.clock.now())
    .$if(!q.all, (qb) => qb.where('p.cleared_at', 'is', null))
    .orderBy('p.marked_at', 'desc')
    .orderBy('p.source_code')
    .execute();
  return { items: rows.map(view) };
}

export async function clearProblemSource(ctx: MonitoringContext, actor: Actor, code: string, note: string): Promise<ProblemSourceView> {
  const text = note.trim();
  if (!text || text.length > 1000) throw badRequest('INVALID_NOTE', '请填写诊断结论（1–1000 字） / note: 1–1000 characters');
  return ctx.db.transaction().execute(async (trx) => {
    const now = ctx.clock.now();
    const row = await problemQuery(trx, actor, now).where('p.source_code', '=', code).executeTakeFirst();
    if (!row) throw notFound(`长期问题接入单位 ${code}`);
    if (row.cleared_at) throw conflict('ALREADY_CLEARED', '该标记已解除 / the mark is already cleared');
    await trx.updateTable('monitoring_problem_sources').set({ cleared_at: now, cleared_by: actor.username, clear_note: text }).where('source_code', '=', code).execute();
    await audit(ctx, trx, actor, { action: 'monitoring.problem_source.clear', targetType: 'source', targetId: code, detail: { note: text, outages: row.outages } });
    const after = await problemQuery(trx, actor, now).where('p.source_code', '=', code).executeTakeFirstOrThrow();
    return view(after);
  });
}

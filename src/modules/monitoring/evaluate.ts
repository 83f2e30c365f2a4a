import { sql } from 'kysely';
import { systemActor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { notify, type Notice } from '../../platform/notices.js';
import { judgeLot, loadLotFacts, type JudgedLot, type OperatorContacts } from './freshness.js';
import { lotNotice, problemSourceNotice, sourceNotice, type AlertFacts } from './notices.js';
import { planAlerts, type AlertPlan, type UnresolvedAlert } from './plan.js';
import { lastHeartbeats, sumReceipts } from './receipts.js';
import { countLots, judgeSource, loadSourceFacts, type JudgedSource, type LotCounts, type SourceFact } from './source-state.js';
import type { MonitoringAlertEventsTable } from './tables.js';
import { activeWindows } from './window-rules.js';
import { loadWindowRules } from './windows.js';
import type { MonitoringContext, MonitoringDb } from './repo.js';

/*
 * One evaluation: compare what the data says now with what was stored, and write the
 * transitions — lot and source states, alerts opened, reminded, folded and resolved, follow-up
 * tasks, sources marked for diagnosis — with their notices, in one transaction.
 *
 * Set-based: a fixed number of statements whatever the number of lots (one read of all lots,
 * one of the unresolved alerts, bulk inserts and updates); a notice per transition. Running it
 * again at the same instant changes nothing. Two app nodes: the job takes a lease, and the
 * transaction an advisory lock, so evaluations never interleave even when called by hand.
 */

const EVALUATION_LOCK = 7_140_006;
export const PROBLEM_WINDOW_DAYS = 30;
const SYSTEM = 'system';

export interface EvaluationSummary {
  at: string;
  lots: LotCounts;
  transitions: number;
  opened: { lot: number; source: number };
  reminded: number;
  resolved: number;
  folded: number;
  markedSources: string[];
  receiptsSummed: number;
}

export async function evaluateMonitoring(ctx: MonitoringContext): Promise<EvaluationSummary> {
  const { events } = await sumReceipts(ctx);
  return ctx.db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${EVALUATION_LOCK})`.execute(trx);
    const now = ctx.clock.now();
    const defaultMinutes = ctx.config.lateThresholdMinutes;
    const windows = activeWindows(await loadWindowRules(trx, now), now);
    const lots = (await loadLotFacts(trx, defaultMinutes)).map((f) => judgeLot(f, now, windows));
    const sourceFacts = await loadSourceFacts(trx, defaultMinutes);
    const sources = new Map(sourceFacts.map((s) => [s.code, s]));
    const unresolved = await loadUnresolved(trx);
    const plan = planAlerts({ now, remindMinutes: ctx.config.alertRemindMinutes, lots, sources, unresolved, windows });
    const notices: Notice[] = [];
    const counts = await applyPlan(trx, plan, now, notices);
    const heartbeats = await lastHeartbeats(trx);
    const bySource = new Map<string, JudgedLot[]>();
    for (const l of lots) bySource.set(l.sourceCode, [...(bySource.get(l.sourceCode) ?? []), l]);
    const judgedSources = sourceFacts.map((s) => judgeSource(s, bySource.get(s.code) ?? [], heartbeats.get(s.code) ?? null, now, windows));
    const transitions = await storeStates(trx, lots, judgedSources, now);
    const markedSources = await markProblemSources(ctx, trx, now, sources, notices);
    for (const n of notices) await notify(ctx, trx, n);
    return {
      at: now.toISOString(),
      lots: countLots(lots),
      transitions,
      ...counts,
      markedSources,
      receiptsSummed: events,
    };
  });
}

async function loadUnresolved(db: MonitoringDb): Promise<UnresolvedAlert[]> {
  const rows = await db
    .selectFrom('monitoring_alerts')
    .select(['id', 'scope', 'lot_id', 'source_code', 'state', 'opened_at', 'last_notified_at', 'reminders'])
    .where('state', '<>', 'resolved')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    scope: r.scope,
    lotId: r.lot_id,
    sourceCode: r.source_code,
    state: r.state as 'open' | 'acknowledged',
    openedAt: new Date(r.opened_at),
    lastNotifiedAt: new Date(r.last_notified_at),
    reminders: r.reminders,
  }));
}

const newestOf = (lots: readonly JudgedLot[]) => lots.reduce<Date | null>((m, l) => (l.lastOccurredAt && (!m || l.lastOccurredAt > m) ? l.lastOccurredAt : m), null);
const districtsOf = (lots: readonly JudgedLot[]) => [...new Set(lots.map((l) => l.districtCode))].sort();

interface Opened {
  id: number;
  sourceCode: string;
  lotId: number | null;
  districts: string[];
  operator: OperatorContacts | null;
}

async function applyPlan(trx: MonitoringDb, plan: AlertPlan, now: Date, notices: Notice[]): Promise<Pick<EvaluationSummary, 'opened' | 'reminded' | 'resolved' | 'folded'>> {
  const events: Omit<MonitoringAlertEventsTable, 'id'>[] = [];
  const facts = (a: UnresolvedAlert): AlertFacts => ({ alertId: a.id, openedAt: a.openedAt, reminders: a.reminders });

  // Resolutions first: a lot whose alert closes here may open a new one below (unique index).
  for (const resolution of ['recovered', 'unmonitored'] as const) {
    const ids = plan.resolve.filter((r) => r.resolution === resolution).map((r) => r.alert.id);
    if (ids.length) {
      await trx.updateTable('monitoring_alerts').set({ state: 'resolved', resolved_at: now, resolution }).where('id', 'in', ids).execute();
    }
  }
  for (const r of plan.resolve) {
    events.push({ alert_id: r.alert.id, at: now, kind: 'resolved', actor: SYSTEM, note: r.resolution });
    if (!r.notify) continue;
    if (r.lot) notices.push(lotNotice('recovered', facts(r.alert), r.lot, now));
    else if (r.source) notices.push(sourceNotice('recovered', facts(r.alert), r.source, r.lots, now));
  }

  const remindIds = plan.remind.map((r) => r.alert.id);
  if (remindIds.length) {
    await trx.updateTable('monitoring_alerts').set((eb) => ({ last_notified_at: now, reminders: eb('reminders', '+', 1) })).where('id', 'in', remindIds).execute();
  }
  for (const r of plan.remind) {
    events.push({ alert_id: r.alert.id, at: now, kind: 'reminded', actor: SYSTEM, note: null });
    const f = { ...facts(r.alert), reminders: r.alert.reminders + 1 };
    if (r.lot) notices.push(lotNotice('reminder', f, r.lot, now));
    else if (r.source) notices.push(sourceNotice('reminder', f, r.source, r.lots, now));
  }

  const opened: Opened[] = [];
  let folded = 0;
  if (plan.openSources.length) {
    const rows = await trx
      .insertInto('monitoring_alerts')
      .values(plan.openSources.map((o) => ({
        scope: 'source' as const,
        lot_id: null,
        source_code: o.source.code,
        district_codes: districtsOf(o.lots),
        opened_at: now,
        last_occurred_at: newestOf(o.lots),
        threshold_minutes: o.source.thresholdMinutes,
        late_lots: o.lots.filter((l) => l.state === 'late').length,
        last_notified_at: now,
        acknowledged_at: null, acknowledged_by: null, ack_note: null, resolved_at: null, resolution: null, parent_id: null,
      })))
      .returning(['id', 'source_code'])
      .execute();
    for (const row of rows) {
      const o = plan.openSources.find((s) => s.source.code === row.source_code)!;
      const id = Number(row.id);
      opened.push({ id, sourceCode: o.source.code, lotId: null, districts: districtsOf(o.lots), operator: o.source.operator ?? o.lots.find((l) => l.operator)?.operator ?? null });
      events.push({ alert_id: id, at: now, kind: 'opened', actor: SYSTEM, note: null });
      notices.push(sourceNotice('opened', { alertId: id, openedAt: now, reminders: 0 }, o.source, o.lots, now));
      if (o.fold.length) {
        const ids = o.fold.map((a) => a.id);
        await trx.updateTable('monitoring_alerts').set({ state: 'resolved', resolved_at: now, resolution: 'folded', parent_id: id }).where('id', 'in', ids).execute();
        for (const f of ids) events.push({ alert_id: f, at: now, kind: 'folded', actor: SYSTEM, note: `并入数据源告警 #${id} / folded into source alert #${id}` });
        folded += ids.length;
      }
    }
  }
  if (plan.openLots.length) {
    const rows = await trx
      .insertInto('monitoring_alerts')
      .values(plan.openLots.map((l) => ({
        scope: 'lot' as const,
        lot_id: l.lotId,
        source_code: l.sourceCode,
        district_codes: [l.districtCode],
        opened_at: now,
        last_occurred_at: l.lastOccurredAt,
        threshold_minutes: l.thresholdMinutes,
        late_lots: 1,
        last_notified_at: now,
        acknowledged_at: null, acknowledged_by: null, ack_note: null, resolved_at: null, resolution: null, parent_id: null,
      })))
      .returning(['id', 'lot_id'])
      .execute();
    for (const row of rows) {
      const lot = plan.openLots.find((l) => l.lotId === row.lot_id)!;
      const id = Number(row.id);
      opened.push({ id, sourceCode: lot.sourceCode, lotId: lot.lotId, districts: [lot.districtCode], operator: lot.operator });
      events.push({ alert_id: id, at: now, kind: 'opened', actor: SYSTEM, note: null });
      notices.push(lotNotice('opened', { alertId: id, openedAt: now, reminders: 0 }, lot, now));
    }
  }
  if (opened.length) {
    // Each outage: a task to contact the operator, with the contacts as they are now.
    await trx
      .insertInto('monitoring_followups')
      .values(opened.map((o) => ({
        alert_id: o.id,
        source_code: o.sourceCode,
        lot_id: o.lotId,
        district_codes: o.districts,
        operator_id: o.operator?.id ?? null,
        operator_name: o.operator?.name ?? null,
        contact_name: o.operator?.contactName ?? null,
        contact_phone: o.operator?.contactPhone ?? null,
        contact_email: o.operator?.contactEmail ?? null,
        created_at: now,
        completed_at: null, completed_by: null, note: null,
      })))
      .execute();
  }
  if (events.length) await trx.insertInto('monitoring_alert_events').values(events).execute();
  return {
    opened: { lot: plan.openLots.length, source: plan.openSources.length },
    reminded: plan.remind.length,
    resolved: plan.resolve.length,
    folded,
  };
}

/** Writes the states that changed (with the time they changed); returns how many did. */
async function storeStates(trx: MonitoringDb, lots: readonly JudgedLot[], sources: readonly JudgedSource[], now: Date): Promise<number> {
  const storedLots = new Map((await trx.selectFrom('monitoring_lot_state').select(['lot_id', 'state']).execute()).map((r) => [r.lot_id, r.state]));
  const lotChanges = lots.filter((l) => storedLots.get(l.lotId) !== l.state);
  if (lotChanges.length) {
    await trx
      .insertInto('monitoring_lot_state')
      .values(lotChanges.map((l) => ({ lot_id: l.lotId, state: l.state, since: now })))
      .onConflict((oc) => oc.column('lot_id').doUpdateSet({ state: sql`excluded.state`, since: sql`excluded.since` }))
      .execute();
  }
  const bound = new Set(lots.map((l) => l.lotId));
  const gone = [...storedLots.keys()].filter((id) => !bound.has(id));
  if (gone.length) await trx.deleteFrom('monitoring_lot_state').where('lot_id', 'in', gone).execute();

  const storedSources = new Map((await trx.selectFrom('monitoring_source_state').select(['source_code', 'state']).execute()).map((r) => [r.source_code, r.state]));
  const sourceChanges = sources.filter((s) => storedSources.get(s.code) !== s.state);
  if (sourceChanges.length) {
    await trx
      .insertInto('monitoring_source_state')
      .values(sourceChanges.map((s) => ({ source_code: s.code, state: s.state, since: now })))
      .onConflict((oc) => oc.column('source_code').doUpdateSet({ state: sql`excluded.state`, since: sql`excluded.since` }))
      .execute();
  }
  return lotChanges.length + sourceChanges.length;
}

/**
 * Marks sources with at least `problemSourceOutages` outages opened in the last 30 days (a lot
 * alert folded into a source alert is the same outage, counted once). After a mark is cleared,
 * only outages opened since count towards the next one.
 */
async function markProblemSources(ctx: MonitoringContext, trx: MonitoringDb, now: Date, sources: ReadonlyMap<string, SourceFact>, notices: Notice[]): Promise<string[]> {
  const since = new Date(now.getTime() - PROBLEM_WINDOW_DAYS * 24 * 3600_000);
  const rows = await sql<{ source_code: string; n: number }>`
    select a.source_code, count(*)::int as n
      from monitoring_alerts a
      join data_sources s on s.code = a.source_code
      left join monitoring_problem_sources p on p.source_code = a.source_code
     where a.opened_at > ${since}
       and a.resolution is distinct from 'folded'
       and (p.source_code is null or (p.cleared_at is not null and a.opened_at > p.cleared_at))
     group by a.source_code
    having count(*) >= ${ctx.config.problemSourceOutages}
     order by a.source_code`.execute(trx);
  for (const r of rows.rows) {
    await trx
      .insertInto('monitoring_problem_sources')
      .values({ source_code: r.source_code, marked_at: now, outages: Number(r.n), cleared_at: null, cleared_by: null, clear_note: null })
      .onConflict((oc) => oc.column('source_code').doUpdateSet({ marked_at: now, outages: Number(r.n), cleared_at: null, cleared_by: null, clear_note: null }))
      .execute();
    await audit(ctx, trx, systemActor('monitoring'), {
      action: 'monitoring.problem_source.mark',
      targetType: 'source',
      targetId: r.source_code,
      detail: { outages: Number(r.n), days: PROBLEM_WINDOW_DAYS },
    });
    const s = sources.get(r.source_code);
    notices.push(problemSourceNotice({ code: r.source_code, name: s?.name ?? r.source_code, operator: s?.operator ?? null }, Number(r.n)));
  }
  return rows.rows.map((r) => r.source_code);
}

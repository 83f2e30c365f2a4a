import type { Actor } from '../../platform/auth/permissions.js';
import { districtScope } from '../../platform/scope.js';
import { judgeLot, loadLotFacts, type JudgedLot, type PausedReason } from './freshness.js';
import { lastHeartbeats, lateDeliveries24h } from './receipts.js';
import { countLots, judgeSource, loadSourceFacts, type LotCounts } from './source-state.js';
import type { LotState, SourceState } from './tables.js';
import { activeWindows, type ActiveWindows } from './window-rules.js';
import { loadWindowRules } from './windows.js';
import type { MonitoringContext, MonitoringDb } from './repo.js';

/*
 * The live board: freshness per lot (the public contract GET /api/v1/monitoring/freshness) and
 * per source, computed at the moment of the request from the data itself, so they never lag the
 * minute-by-minute evaluation. District users see their district's lots only.
 */

export interface FreshnessItem {
  lotCode: string;
  sourceCode: string;
  state: LotState;
  lastOccurredAt: string | null;
  lastReceivedAt: string | null;
  lateMinutes: number | null;
  lotName: string;
  sourceName: string;
  districtCode: string;
  districtName: string;
  thresholdMinutes: number;
  pausedReason: PausedReason | null;
  stateSince: string | null;
  lateDeliveries24h: number;
  alertId: number | null;
}

export interface FreshnessQuery {
  state?: LotState;
  districtCode?: string;
  sourceCode?: string;
  limit?: number;
  offset?: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

async function judgedLots(ctx: MonitoringContext, actor: Actor, f: { districtCode?: string; sourceCode?: string }): Promise<{ now: Date; windows: ActiveWindows; lots: JudgedLot[] }> {
  const now = ctx.clock.now();
  const windows = activeWindows(await loadWindowRules(ctx.db, now), now);
  const facts = await loadLotFacts(ctx.db, ctx.config.lateThresholdMinutes, { scope: districtScope(actor), ...f });
  return { now, windows, lots: facts.map((l) => judgeLot(l, now, windows)) };
}

/** Unresolved alerts by lot id and by source code (a source alert stands for all its lots). */
async function unresolvedAlerts(db: MonitoringDb): Promise<{ lots: Map<number, number>; sources: Map<string, number> }> {
  const rows = await db.selectFrom('monitoring_alerts').select(['id', 'scope', 'lot_id', 'source_code']).where('state', '<>', 'resolved').execute();
  const lots = new Map<number, number>();
  const sources = new Map<string, number>();
  for (const r of rows) {
    if (r.scope === 'lot' && r.lot_id !== null) lots.set(r.lot_id, Number(r.id));
    else sources.set(r.source_code, Number(r.id));
  }
  return { lots, sources };
}

/**
 * The board's lots in the filter, a page of them when `limit` is given (the console pages a city of
 * 300+ lots, issue 15 §4): `total` is the number before paging, `counts` by state over the filter
 * without the state. Late deliveries and follow-up states are read for the page's lots only.
 */
export async function listFreshness(ctx: MonitoringContext, actor: Actor, q: FreshnessQuery): Promise<{ items: FreshnessItem[]; total: number; counts: LotCounts; at: string }> {
  const { now, lots } = await judgedLots(ctx, actor, { districtCode: q.districtCode, sourceCode: q.sourceCode });
  const matching = lots.filter((l) => !q.state || l.state === q.state);
  const offset = q.offset ?? 0;
  const page = q.limit === undefined ? matching.slice(offset) : matching.slice(offset, offset + q.limit);
  const ids = page.map((l) => l.lotId);
  const late = await lateDeliveries24h(ctx.db, ctx.config.lateThresholdMinutes, now, ids);
  const alerts = await unresolvedAlerts(ctx.db);
  const since = new Map(
    (ids.length ? await ctx.db.selectFrom('monitoring_lot_state').select(['lot_id', 'state', 'since']).where('lot_id', 'in', ids).execute() : []).map((r) => [r.lot_id, r]),
  );
  const items = page
    .map((l): FreshnessItem => {
      const stored = since.get(l.lotId);
      return {
        lotCode: l.lotCode,
        sourceCode: l.sourceCode,
        state: l.state,
        lastOccurredAt: iso(l.lastOccurredAt),
        lastReceivedAt: iso(l.lastReceivedAt),
        lateMinutes: l.lateMinutes,
        lotName: l.lotName,
        sourceName: l.sourceName,
        districtCode: l.districtCode,
        districtName: l.districtName,
        thresholdMinutes: l.thresholdMinutes,
        pausedReason: l.pausedReason,
        stateSince: stored && stored.state === l.state ? new Date(stored.since).toISOString() : null,
        lateDeliveries24h: late.get(l.lotId) ?? 0,
        alertId: alerts.lots.get(l.lotId) ?? alerts.sources.get(l.sourceCode) ?? null,
      };
    });
  return { items, total: matching.length, counts: countLots(lots), at: now.toISOString() };
}

export interface SourceItem {
  sourceCode: string;
  sourceName: string;
  status: 'active' | 'disabled';
  districtCode: string | null;
  operatorName: string | null;
  state: SourceState;
  pausedReason: string | null;
  thresholdMinutes: number;
  lastOccurredAt: string | null;
  lastReceivedAt: string | null;
  lastHeartbeatAt: string | null;
  lateMinutes: number | null;
  lots: LotCounts;
  lateDeliveries24h: number;
  alertId: number | null;
  problem: boolean;
  stateSince: string | null;
}

export async function listSourceStates(ctx: MonitoringContext, actor: Actor, q: { state?: SourceState; districtCode?: string }): Promise<{ items: SourceItem[]; counts: Record<SourceState, number>; at: string }> {
  const scope = districtScope(actor);
  const { now, windows, lots } = await judgedLots(ctx, actor, { districtCode: q.districtCode });
  const sources = await loadSourceFacts(ctx.db, ctx.config.lateThresholdMinutes, scope);
  const heartbeats = await lastHeartbeats(ctx.db);
  const late = await lateDeliveries24h(ctx.db, ctx.config.lateThresholdMinutes, now, lots.map((l) => l.lotId));
  const alerts = await unresolvedAlerts(ctx.db);
  const problems = new Set((await ctx.db.selectFrom('monitoring_problem_sources').select('source_code').where('cleared_at', 'is', null).execute()).map((r) => r.source_code));
  const stored = new Map((await ctx.db.selectFrom('monitoring_source_state').select(['source_code', 'state', 'since']).execute()).map((r) => [r.source_code, r]));
  const bySource = new Map<string, JudgedLot[]>();
  for (const l of lots) bySource.set(l.sourceCode, [...(bySource.get(l.sourceCode) ?? []), l]);

  const counts: Record<SourceState, number> = { ok: 0, partial: 0, late: 0, never: 0, paused: 0 };
  const items: SourceItem[] = [];
  for (const s of sources) {
    const group = bySource.get(s.code) ?? [];
    // A district filter keeps the sources serving that district (or belonging to it).
    if (q.districtCode && group.length === 0 && s.districtCode !== q.districtCode) continue;
    const j = judgeSource(s, group, heartbeats.get(s.code) ?? null, now, windows);
    counts[j.state]++;
    if (q.state && j.state !== q.state) continue;
    const st = stored.get(s.code);
    items.push({
      sourceCode: s.code,
      sourceName: s.name,
      status: s.status,
      districtCode: s.districtCode,
      operatorName: s.operator?.name ?? null,
      state: j.state,
      pausedReason: j.pausedReason,
      thresholdMinutes: s.thresholdMinutes,
      lastOccurredAt: iso(s.lastOccurredAt),
      lastReceivedAt: iso(s.lastReceivedAt),
      lastHeartbeatAt: iso(j.lastHeartbeatAt),
      lateMinutes: j.lateMinutes,
      lots: j.lots,
      lateDeliveries24h: group.reduce((n, l) => n + (late.get(l.lotId) ?? 0), 0),
      alertId: alerts.sources.get(s.code) ?? null,
      problem: problems.has(s.code),
      stateSince: st && st.state === j.state ? new Date(st.since).toISOString() : null,
    });
  }
  return { items, counts, at: now.toISOString() };
}

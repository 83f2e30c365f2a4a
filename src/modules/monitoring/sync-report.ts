import { readDb } from '../../platform/read-db.js';
import type { Actor } from '../../platform/auth/permissions.js';
import { clipGaps, coveragePercent, gapMs, observedMs, trailingSilence, windowEnd, type Gap, type GapWindow } from './gaps.js';
import { assertMonthStarted, parseMonth, type ReportMonth } from './month.js';
import { districtsInScope } from '../registry/index.js';
import { reportLots, type ReportLot } from './sync-data.js';
import { monthData } from './sync-days.js';
import type { MonitoringContext } from './repo.js';
import { snapshotData } from './sync-snapshot.js';

/*
 * 《数据同步监控报告》: how every connected lot reported in one Shanghai calendar month.
 * Definitions (docs/用户手册.md, 数据同步监控报告, says the same in Chinese):
 *
 * - records: accepted events of the lot (any type) whose occurredAt falls in the month,
 *   whenever they were received; daysWithData: Shanghai days of the month with at least one.
 * - gaps: see gaps.ts; gapMinutes is the sum of the listed gaps' minutes.
 * - lateDeliveries: events with occurredAt in the month received more than the lot's threshold
 *   after they occurred (receivedAt − occurredAt > threshold).
 * - coveragePercent: of the lot's observed time in the month — from max(month start, its first
 *   event ever) to min(month end, now) — the share not inside gaps, 0–100 with one decimal
 *   (computed on the exact gap lengths, not the rounded minutes); null when nothing was observed.
 * - state at month end (or now, for the running month): paused for a suspended lot; else never
 *   without any event before the month end; late when its newest event before the month end
 *   is more than the threshold before it; else ok.
 * - abnormal: gapMinutes > 0, or lateDeliveries > 0, or the lot had never reported by the end
 *   of the month.
 */

export type LotState = 'ok' | 'late' | 'never' | 'paused';
export type AbnormalReason = 'gaps' | 'late_deliveries' | 'never_reported';

export interface SyncLotRow {
  lotCode: string;
  lotName: string;
  districtCode: string;
  districtName: string;
  sourceCode: string;
  sourceName: string;
  operatorName: string | null;
  status: 'active' | 'suspended';
  thresholdMinutes: number;
  records: number;
  daysWithData: number;
  gaps: Gap[];
  gapMinutes: number;
  lateDeliveries: number;
  coveragePercent: number | null;
  firstOccurredAt: string | null;
  /** The newest occurredAt before the month end. */
  lastOccurredAt: string | null;
  state: LotState;
  abnormal: boolean;
  abnormalReasons: AbnormalReason[];
}

export interface StateCounts {
  ok: number;
  late: number;
  never: number;
  paused: number;
}

interface Totals {
  lots: number;
  reportingLots: number;
  abnormalLots: number;
  records: number;
  gapCount: number;
  gapMinutes: number;
  lateDeliveries: number;
  states: StateCounts;
}

export interface SyncSourceRow extends Totals {
  sourceCode: string;
  sourceName: string;
  operatorName: string | null;
  /** Of the source's lots together: observed time not in gaps, like a lot's coverage. */
  coveragePercent: number | null;
}

export interface SyncDistrictRow extends Totals {
  districtCode: string;
  districtName: string;
}

export interface SyncSummary extends Totals {
  sources: number;
  byDistrict: SyncDistrictRow[];
}

export interface SyncReport {
  month: string;
  /** '2026年11月' */
  monthLabel: string;
  generatedAt: string;
  /** The month as instants: [from, to). */
  from: string;
  to: string;
  /** Where this report stops: the month end, or now for the running month. */
  until: string;
  complete: boolean;
  defaultThresholdMinutes: number;
  summary: SyncSummary;
  lots: SyncLotRow[];
  sources: SyncSourceRow[];
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

const emptyTotals = (): Totals => ({ lots: 0, reportingLots: 0, abnormalLots: 0, records: 0, gapCount: 0, gapMinutes: 0, lateDeliveries: 0, states: { ok: 0, late: 0, never: 0, paused: 0 } });

function add(t: Totals, lot: SyncLotRow): void {
  t.lots++;
  if (lot.records > 0) t.reportingLots++;
  if (lot.abnormal) t.abnormalLots++;
  t.records += lot.records;
  t.gapCount += lot.gaps.length;
  t.gapMinutes += lot.gapMinutes;
  t.lateDeliveries += lot.lateDeliveries;
  t.states[lot.state]++;
}

/** The state of a lot at a moment from its newest event before then. */
export function stateAt(lot: Pick<ReportLot, 'status' | 'thresholdMinutes'>, lastOccurredAt: Date | null, at: Date): LotState {
  if (lot.status === 'suspended') return 'paused';
  if (lastOccurredAt === null) return 'never';
  return at.getTime() - lastOccurredAt.getTime() > lot.thresholdMinutes * 60_000 ? 'late' : 'ok';
}

/** Builds the report of a month ('YYYY-MM') for what the actor may see. */
export async function buildSyncReport(ctx: MonitoringContext, actor: Actor, monthText: string | undefined): Promise<SyncReport> {
  const month = parseMonth(monthText);
  const now = ctx.clock.now();
  assertMonthStarted(month, now);
  return buildForMonth(ctx, actor, month, now);
}

async function buildForMonth(ctx: MonitoringContext, actor: Actor, month: ReportMonth, now: Date): Promise<SyncReport> {
  const defaultThreshold = ctx.config.lateThresholdMinutes;
  const period = { start: month.start, end: month.end };
  // A report reads the replica when there is one (docs/decisions/0031-read-replica.md).
  const db = readDb(ctx);
  const [lots, districts] = await Promise.all([reportLots(db, actor, defaultThreshold), districtsInScope(db, actor)]);
  // A month whose raw events are archived reads the numbers kept before the archive (sync-snapshot.ts);
  // any other month its closed days' summaries and the events of the rest (sync-days.ts), which
  // come to the same numbers as sync-data.ts's computation over all of the month's events.
  const kept = (await snapshotData(db, month.month, lots)) ?? (await monthData(db, lots, period, now));
  const { counts, bounds, intervals } = kept;
  const until = new Date(Math.min(month.end.getTime(), now.getTime()));

  const sourceObserved = new Map<string, { observed: number; silent: number }>();
  const rows: SyncLotRow[] = lots.map((lot) => {
    const c = counts.get(lot.id) ?? { records: 0, daysWithData: 0, lateDeliveries: 0 };
    const b = bounds.get(lot.id) ?? { firstOccurredAt: null, lastOccurredAt: null, lastBeforeEnd: null };
    const w: GapWindow = { from: month.start, to: month.end, now, thresholdMinutes: lot.thresholdMinutes };
    const tail = b.lastOccurredAt ? trailingSilence(b.lastOccurredAt, now) : null;
    const gaps = clipGaps([...(intervals.get(lot.id) ?? []), ...(tail ? [tail] : [])], w);
    const gapMinutes = gaps.reduce((sum, g) => sum + g.minutes, 0);
    const reasons: AbnormalReason[] = [];
    if (gapMinutes > 0) reasons.push('gaps');
    if (c.lateDeliveries > 0) reasons.push('late_deliveries');
    if (b.lastBeforeEnd === null) reasons.push('never_reported');

    const so = sourceObserved.get(lot.sourceCode) ?? { observed: 0, silent: 0 };
    so.observed += observedMs(b.firstOccurredAt, w);
    so.silent += gaps.reduce((sum, g) => sum + gapMs(g), 0);
    sourceObserved.set(lot.sourceCode, so);

    return {
      lotCode: lot.code,
      lotName: lot.name,
      districtCode: lot.districtCode,
      districtName: lot.districtName,
      sourceCode: lot.sourceCode,
      sourceName: lot.sourceName,
      operatorName: lot.operatorName,
      status: lot.status,
      thresholdMinutes: lot.thresholdMinutes,
      records: c.records,
      daysWithData: c.daysWithData,
      gaps,
      gapMinutes,
      lateDeliveries: c.lateDeliveries,
      coveragePercent: coveragePercent(b.firstOccurredAt, gaps, w),
      firstOccurredAt: iso(b.firstOccurredAt),
      lastOccurredAt: iso(b.lastBeforeEnd),
      state: stateAt(lot, b.lastBeforeEnd, new Date(windowEnd(w))),
      abnormal: reasons.length > 0,
      abnormalReasons: reasons,
    };
  });

  const summaryTotals = emptyTotals();
  const bySource = new Map<string, SyncSourceRow>();
  const byDistrict = new Map<string, SyncDistrictRow>(
    districts.map((d) => [d.code, { districtCode: d.code, districtName: d.name, ...emptyTotals() }]),
  );
  for (const row of rows) {
    add(summaryTotals, row);
    let s = bySource.get(row.sourceCode);
    if (!s) {
      const so = sourceObserved.get(row.sourceCode)!;
      s = {
        sourceCode: row.sourceCode,
        sourceName: row.sourceName,
        operatorName: row.operatorName,
        ...emptyTotals(),
        coveragePercent: so.observed > 0 ? Math.round((Math.max(0, so.observed - so.silent) * 1000) / so.observed) / 10 : null,
      };
      bySource.set(row.sourceCode, s);
    }
    add(s, row);
    let d = byDistrict.get(row.districtCode);
    if (!d) {
      d = { districtCode: row.districtCode, districtName: row.districtName, ...emptyTotals() };
      byDistrict.set(row.districtCode, d);
    }
    add(d, row);
  }

  return {
    month: month.month,
    monthLabel: month.label,
    generatedAt: now.toISOString(),
    from: month.start.toISOString(),
    to: month.end.toISOString(),
    until: until.toISOString(),
    complete: now.getTime() >= month.end.getTime(),
    defaultThresholdMinutes: defaultThreshold,
    summary: {
      ...summaryTotals,
      sources: bySource.size,
      byDistrict: [...byDistrict.values()],
    },
    lots: rows,
    sources: [...bySource.values()].sort((a, b) => a.sourceCode.localeCompare(b.sourceCode)),
  };
}

import type { JudgedLot } from './freshness.js';
import type { SourceFact } from './source-state.js';
import type { AlertResolution, AlertScope } from './tables.js';
import { windowOverSource, type ActiveWindows } from './window-rules.js';

/*
 * What one evaluation changes about alerts, decided without I/O from the judged lots and the
 * alerts still unresolved. The habits of Alertmanager and Healthchecks:
 *
 * - One alert per outage: a lot alert opens when a monitored lot is late and none is open for it;
 *   it stays open (reminding every remindMinutes until acknowledged) and resolves, with a
 *   recovery notice, once the lot's data is no longer late.
 * - Grouping: when every monitored lot of a source (at least MIN_LOTS_FOR_SOURCE_ALERT of them) is
 *   late, ONE source alert opens instead; open lot alerts of that source are folded into it, and
 *   while it is open no lot of that source raises an alert of its own. It resolves when none of
 *   the source's lots is late any more.
 * - `never` lots raise nothing (listed, not alerted): a lot that has never reported has no outage
 *   to end. Suspended lots and disabled sources are not monitored: their alerts close silently
 *   ('unmonitored'); so does a lot alert whose lot moved to another source.
 * - Maintenance windows silence: nothing opens under one, open alerts send no reminders, and a
 *   recovery inside a window is recorded without a notice.
 */

export const MIN_LOTS_FOR_SOURCE_ALERT = 2;

export interface UnresolvedAlert {
  id: number;
  scope: AlertScope;
  lotId: number | null;
  sourceCode: string;
  state: 'open' | 'acknowledged';
  openedAt: Date;
  lastNotifiedAt: Date;
  reminders: number;
}

export interface PlanInput {
  now: Date;
  remindMinutes: number;
  lots: readonly JudgedLot[];
  sources: ReadonlyMap<string, SourceFact>;
  unresolved: readonly UnresolvedAlert[];
  windows: ActiveWindows;
}

export interface Resolution {
  alert: UnresolvedAlert;
  resolution: Exclude<AlertResolution, 'folded'>;
  /** Send a recovery notice (not for 'unmonitored', nor inside a maintenance window). */
  notify: boolean;
  lot: JudgedLot | null;
  source: SourceFact | null;
  lots: readonly JudgedLot[];
}

export interface Reminder {
  alert: UnresolvedAlert;
  lot: JudgedLot | null;
  source: SourceFact | null;
  lots: readonly JudgedLot[];
}

export interface SourceOpening {
  source: SourceFact;
  /** Every lot bound to the source. */
  lots: readonly JudgedLot[];
  /** Open lot alerts of the source, to fold into the new source alert. */
  fold: UnresolvedAlert[];
}

export interface AlertPlan {
  openSources: SourceOpening[];
  openLots: JudgedLot[];
  resolve: Resolution[];
  remind: Reminder[];
}

const unmonitored = (l: JudgedLot) => l.pausedReason === 'lot_suspended' || l.pausedReason === 'source_disabled';
const monitored = (l: JudgedLot) => l.state === 'ok' || l.state === 'late';

export function planAlerts(input: PlanInput): AlertPlan {
  const { now, lots, sources, windows } = input;
  const remindMs = input.remindMinutes * 60_000;
  const due = (a: UnresolvedAlert) => a.state === 'open' && now.getTime() - a.lastNotifiedAt.getTime() >= remindMs;

  const bySource = new Map<string, JudgedLot[]>();
  for (const l of lots) bySource.set(l.sourceCode, [...(bySource.get(l.sourceCode) ?? []), l]);
  const lotAlerts = new Map(input.unresolved.filter((a) => a.scope === 'lot').map((a) => [a.lotId!, a]));
  const sourceAlerts = input.unresolved.filter((a) => a.scope === 'source');
  const plan: AlertPlan = { openSources: [], openLots: [], resolve: [], remind: [] };
  // Sources whose lots an open (or opening) source alert stands for.
  const covered = new Set<string>();

  for (const alert of sourceAlerts) {
    const source = sources.get(alert.sourceCode) ?? null;
    const group = bySource.get(alert.sourceCode) ?? [];
    const live = group.filter((l) => !unmonitored(l));
    const silencedSource = windowOverSource(windows, alert.sourceCode) !== null;
    if (!source || source.status === 'disabled' || live.length === 0) {
      plan.resolve.push({ alert, resolution: 'unmonitored', notify: false, lot: null, source, lots: group });
      continue;
    }
    const late = live.filter((l) => l.dataState === 'late');
    if (late.length === 0) {
      plan.resolve.push({ alert, resolution: 'recovered', notify: !silencedSource, lot: null, source, lots: group });
      continue;
    }
    covered.add(alert.sourceCode);
    const silenced = silencedSource || late.every((l) => l.windowId !== null);
    if (!silenced && due(alert)) plan.remind.push({ alert, lot: null, source, lots: group });
  }

  for (const [code, group] of bySource) {
    if (covered.has(code) || sourceAlerts.some((a) => a.sourceCode === code)) continue;
    const watched = group.filter(monitored);
    const source = sources.get(code);
    if (!source || watched.length < MIN_LOTS_FOR_SOURCE_ALERT || !watched.every((l) => l.state === 'late')) continue;
    const fold = group.flatMap((l) => {
      const a = lotAlerts.get(l.lotId);
      return a && a.sourceCode === code ? [a] : [];
    });
    plan.openSources.push({ source, lots: group, fold });
    covered.add(code);
  }

  const folded = new Set(plan.openSources.flatMap((o) => o.fold.map((a) => a.id)));
  const byId = new Map(lots.map((l) => [l.lotId, l]));
  // Lots whose alert stays open after this plan.
  const stillAlerting = new Set<number>();
  for (const alert of lotAlerts.values()) {
    if (folded.has(alert.id)) continue;
    const lot = byId.get(alert.lotId!) ?? null;
    if (!lot || lot.sourceCode !== alert.sourceCode || unmonitored(lot)) {
      plan.resolve.push({ alert, resolution: 'unmonitored', notify: false, lot, source: sources.get(alert.sourceCode) ?? null, lots: lot ? [lot] : [] });
      continue;
    }
    if (lot.dataState !== 'late') {
      plan.resolve.push({ alert, resolution: 'recovered', notify: lot.windowId === null, lot, source: sources.get(lot.sourceCode) ?? null, lots: [lot] });
      continue;
    }
    stillAlerting.add(lot.lotId);
    if (lot.windowId === null && due(alert)) plan.remind.push({ alert, lot, source: sources.get(lot.sourceCode) ?? null, lots: [lot] });
  }

  for (const lot of lots) {
    if (lot.state === 'late' && !stillAlerting.has(lot.lotId) && !covered.has(lot.sourceCode) && !folded.has(lotAlerts.get(lot.lotId)?.id ?? -1)) {
      plan.openLots.push(lot);
    }
  }
  return plan;
}

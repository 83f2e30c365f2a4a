import { visibleSources, type SourcesScope } from '../registry/index.js';
import { minutesSince, type JudgedLot, type OperatorContacts } from './freshness.js';
import type { SourceState } from './tables.js';
import { windowOverSource, type ActiveWindows } from './window-rules.js';
import type { MonitoringDb } from './repo.js';

/*
 * A source's state comes from its lots: `late` when every monitored lot (not paused, reported at
 * least once) is late, `partial` when some are, `ok` when none are, `paused` when the source is
 * disabled or under a maintenance window (or all its lots are paused). A source none of whose lots
 * is monitored is judged by its own newest event, heartbeats included: `never` without one.
 */

export interface SourceFact {
  code: string;
  name: string;
  status: 'active' | 'disabled';
  districtCode: string | null;
  thresholdMinutes: number;
  lastOccurredAt: Date | null;
  lastReceivedAt: Date | null;
  operator: OperatorContacts | null;
}

export interface LotCounts {
  total: number;
  ok: number;
  late: number;
  never: number;
  paused: number;
}

export interface JudgedSource extends SourceFact {
  state: SourceState;
  pausedReason: 'source_disabled' | 'maintenance' | 'lots_paused' | null;
  windowId: number | null;
  lastHeartbeatAt: Date | null;
  /** Newest of its data and its heartbeats. */
  newestEventAt: Date | null;
  lateMinutes: number | null;
  lots: LotCounts;
}

export async function loadSourceFacts(db: MonitoringDb, defaultMinutes: number, scope: string | null = null): Promise<SourceFact[]> {
  // Not aliased: the registry's visibility rule names data_sources.
  const rows = await db
    .selectFrom('data_sources')
    .leftJoin('source_live as sl', 'sl.source_code', 'data_sources.code')
    .leftJoin('operators as o', 'o.id', 'data_sources.operator_id')
    .where((eb) => visibleSources(eb as unknown as SourcesScope, scope))
    .select([
      'data_sources.code', 'data_sources.name', 'data_sources.status', 'data_sources.district_code', 'data_sources.late_threshold_minutes',
      'sl.last_occurred_at', 'sl.last_received_at',
      'o.id as o_id', 'o.name as o_name', 'o.contact_name', 'o.contact_phone', 'o.contact_email',
    ])
    .orderBy('data_sources.code')
    .execute();
  return rows.map((r) => ({
    code: r.code,
    name: r.name,
    status: r.status,
    districtCode: r.district_code,
    thresholdMinutes: r.late_threshold_minutes ?? defaultMinutes,
    lastOccurredAt: r.last_occurred_at ? new Date(r.last_occurred_at) : null,
    lastReceivedAt: r.last_received_at ? new Date(r.last_received_at) : null,
    operator: r.o_id !== null && r.o_name !== null ? { id: r.o_id, name: r.o_name, contactName: r.contact_name, contactPhone: r.contact_phone, contactEmail: r.contact_email } : null,
  }));
}

export function countLots(lots: readonly JudgedLot[]): LotCounts {
  const c: LotCounts = { total: lots.length, ok: 0, late: 0, never: 0, paused: 0 };
  for (const l of lots) c[l.state]++;
  return c;
}

export function judgeSource(s: SourceFact, lots: readonly JudgedLot[], lastHeartbeatAt: Date | null, now: Date, windows: ActiveWindows): JudgedSource {
  const counts = countLots(lots);
  const newestEventAt = [s.lastOccurredAt, lastHeartbeatAt].reduce<Date | null>((m, d) => (d && (!m || d > m) ? d : m), null);
  const windowId = windowOverSource(windows, s.code);
  const base = { ...s, windowId, lastHeartbeatAt, newestEventAt, lateMinutes: newestEventAt ? minutesSince(newestEventAt, now) : null, lots: counts };
  const pausedReason = s.status === 'disabled' ? 'source_disabled' : windowId !== null ? 'maintenance' : counts.total > 0 && counts.paused === counts.total ? 'lots_paused' : null;
  if (pausedReason) return { ...base, state: 'paused', pausedReason };
  const monitored = counts.ok + counts.late;
  let state: SourceState;
  if (monitored > 0) state = counts.late === monitored ? 'late' : counts.late > 0 ? 'partial' : 'ok';
  else if (!newestEventAt) state = 'never';
  else state = now.getTime() - newestEventAt.getTime() > s.thresholdMinutes * 60_000 ? 'late' : 'ok';
  return { ...base, state, pausedReason: null };
}

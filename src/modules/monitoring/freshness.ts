import { windowOverLot, type ActiveWindows } from './window-rules.js';
import type { LotState } from './tables.js';
import type { MonitoringDb } from './repo.js';

/*
 * Freshness is about the data, not the link (docs/architecture.md "Sync monitoring"): a lot is late when its newest occurredAt
 * is more than its threshold behind now, even if it uploaded (old) data a minute ago;
 * lastReceivedAt shows whether the link itself is alive. Threshold: the lot's own, else its
 * source's, else the platform default.
 *
 * Only lots bound to a source are monitored. `paused` wins over the data: a suspended lot, a
 * disabled source or a maintenance window over the lot, its source, its district or the city.
 */

export interface OperatorContacts {
  id: number;
  name: string;
  contactName: string | null;
  contactPhone: string | null;
  contactEmail: string | null;
}

/** What the evaluator and the views know about a monitored lot. */
export interface LotFact {
  lotId: number;
  lotCode: string;
  lotName: string;
  districtCode: string;
  districtName: string;
  lotStatus: 'active' | 'suspended';
  sourceCode: string;
  sourceName: string;
  sourceStatus: 'active' | 'disabled';
  thresholdMinutes: number;
  lastOccurredAt: Date | null;
  lastReceivedAt: Date | null;
  /** The lot's operator, else its source's. */
  operator: OperatorContacts | null;
}

export type PausedReason = 'lot_suspended' | 'source_disabled' | 'maintenance';
export type DataState = 'ok' | 'late' | 'never';

export interface JudgedLot extends LotFact {
  state: LotState;
  /** What the data alone says, whatever pauses the lot. */
  dataState: DataState;
  pausedReason: PausedReason | null;
  /** The maintenance window in force over the lot, if any. */
  windowId: number | null;
  /** Whole minutes since the newest occurredAt (never negative); null when never reported. */
  lateMinutes: number | null;
}

export interface LotFactFilter {
  /** The actor's district scope, or null. */
  scope?: string | null;
  districtCode?: string;
  sourceCode?: string;
  lotCode?: string;
}

/** Every lot bound to a source, with what judging it needs: one query. */
export async function loadLotFacts(db: MonitoringDb, defaultMinutes: number, f: LotFactFilter = {}): Promise<LotFact[]> {
  const rows = await db
    .selectFrom('lots as l')
    .innerJoin('data_sources as s', 's.code', 'l.source_code')
    .innerJoin('districts as d', 'd.code', 'l.district_code')
    .leftJoin('lot_live as ll', 'll.lot_id', 'l.id')
    .leftJoin('operators as lo', 'lo.id', 'l.operator_id')
    .leftJoin('operators as so', 'so.id', 's.operator_id')
    .$if(!!f.scope, (qb) => qb.where('l.district_code', '=', f.scope!))
    .$if(!!f.districtCode, (qb) => qb.where('l.district_code', '=', f.districtCode!))
    .$if(!!f.sourceCode, (qb) => qb.where('l.source_code', '=', f.sourceCode!))
    .$if(!!f.lotCode, (qb) => qb.where('l.code', '=', f.lotCode!))
    .select([
      'l.id', 'l.code', 'l.name', 'l.district_code', 'd.name as district_name', 'l.status as lot_status', 'l.late_threshold_minutes as lot_threshold',
      's.code as source_code', 's.name as source_name', 's.status as source_status', 's.late_threshold_minutes as source_threshold',
      'll.last_occurred_at', 'll.last_received_at',
      'lo.id as lo_id', 'lo.name as lo_name', 'lo.contact_name as lo_contact', 'lo.contact_phone as lo_phone', 'lo.contact_email as lo_email',
      'so.id as so_id', 'so.name as so_name', 'so.contact_name as so_contact', 'so.contact_phone as so_phone', 'so.contact_email as so_email',
    ])
    .orderBy('l.code')
    .execute();
  return rows.map((r) => ({
    lotId: r.id,
    lotCode: r.code,
    lotName: r.name,
    districtCode: r.district_code,
    districtName: r.district_name,
    lotStatus: r.lot_status,
    sourceCode: r.source_code,
    sourceName: r.source_name,
    sourceStatus: r.source_status,
    thresholdMinutes: r.lot_threshold ?? r.source_threshold ?? defaultMinutes,
    lastOccurredAt: r.last_occurred_at ? new Date(r.last_occurred_at) : null,
    lastReceivedAt: r.last_received_at ? new Date(r.last_received_at) : null,
    operator:
      r.lo_id !== null && r.lo_name !== null
        ? { id: r.lo_id, name: r.lo_name, contactName: r.lo_contact, contactPhone: r.lo_phone, contactEmail: r.lo_email }
        : r.so_id !== null && r.so_name !== null
          ? { id: r.so_id, name: r.so_name, contactName: r.so_contact, contactPhone: r.so_phone, contactEmail: r.so_email }
          : null,
  }));
}

/** Whole minutes from `from` to `now`, never below zero (a clock a little ahead is no lateness). */
export const minutesSince = (from: Date, now: Date) => Math.max(0, Math.floor((now.getTime() - from.getTime()) / 60_000));

export function dataStateOf(lastOccurredAt: Date | null, thresholdMinutes: number, now: Date): DataState {
  if (!lastOccurredAt) return 'never';
  return now.getTime() - lastOccurredAt.getTime() > thresholdMinutes * 60_000 ? 'late' : 'ok';
}

export function judgeLot(f: LotFact, now: Date, windows: ActiveWindows): JudgedLot {
  const dataState = dataStateOf(f.lastOccurredAt, f.thresholdMinutes, now);
  const windowId = windowOverLot(windows, f);
  const pausedReason: PausedReason | null =
    f.lotStatus === 'suspended' ? 'lot_suspended' : f.sourceStatus === 'disabled' ? 'source_disabled' : windowId !== null ? 'maintenance' : null;
  return {
    ...f,
    dataState,
    state: pausedReason ? 'paused' : dataState,
    pausedReason,
    windowId,
    lateMinutes: f.lastOccurredAt ? minutesSince(f.lastOccurredAt, now) : null,
  };
}

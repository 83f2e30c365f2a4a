import type { Generated } from 'kysely';

/*
 * Rollups of modules/analytics (migration 0014). Rows are keyed by the instant their Shanghai
 * hour / day / month starts and only stored when not all zero. The refresher and `analytics
 * rebuild` write them with set-based SQL; the query API reads them.
 */

export interface AnalyticsDirtyTable {
  id: Generated<number>;
  lot_id: number;
  kind: 'sessions' | 'status';
  from_at: Date;
  /** null: up to now (an open session). */
  to_at: Date | null;
}

export interface AnalyticsStateTable {
  id: number;
  refreshed_until: Date | null;
}

/** analytics_lot_{hour,day,month}. pay_channel '*': the whole lot; else ('' = none) only the exit-side columns. */
export interface AnalyticsLotPeriodTable {
  lot_id: number;
  at: Date;
  pay_channel: Generated<string>;
  entries: Generated<number>;
  exits: Generated<number>;
  occupied_seconds: Generated<number>;
  dwell_seconds: Generated<number>;
  dwell_count: Generated<number>;
  receivable_fen: Generated<number>;
  paid_fen: Generated<number>;
  arrears_fen: Generated<number>;
  sessions: Generated<number>;
  complete_sessions: Generated<number>;
  flagged_sessions: Generated<number>;
  occ_known_seconds: Generated<number>;
  /** ∫ occupancy dt over the known seconds. */
  occ_ratio_seconds: Generated<number>;
  occ_peak: number | null;
}

/** analytics_group_{hour,day,month}; district_code / category '*' = all, ('*', '*') the city. */
export interface AnalyticsGroupPeriodTable {
  district_code: string;
  category: string;
  at: Date;
  occ_known_seconds: Generated<number>;
  occ_ratio_seconds: Generated<number>;
  occ_peak: number | null;
}

export interface AnalyticsTables {
  analytics_dirty: AnalyticsDirtyTable;
  analytics_state: AnalyticsStateTable;
  analytics_lot_hour: AnalyticsLotPeriodTable;
  analytics_lot_day: AnalyticsLotPeriodTable;
  analytics_lot_month: AnalyticsLotPeriodTable;
  analytics_group_hour: AnalyticsGroupPeriodTable;
  analytics_group_day: AnalyticsGroupPeriodTable;
  analytics_group_month: AnalyticsGroupPeriodTable;
}

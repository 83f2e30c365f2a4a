import type { ColumnType, Generated, JSONColumnType } from 'kysely';

/** Kysely shapes of the data-cleaning tables (migration 0015_quality.sql). */

type Json<T extends object | null> = JSONColumnType<T, string, string>;

export type TargetType = 'session' | 'status_report' | 'lot';
export type FindingStatus = 'open' | 'fixed' | 'dismissed';
export type FixAction = 'exclude' | 'set_receivable' | 'set_plate' | 'set_total_spaces';

export interface QualityRulesTable {
  code: string;
  enabled: boolean;
  auto_apply: boolean;
  params: Json<Record<string, unknown>>;
  updated_at: Date | null;
  updated_by: string | null;
}

export interface LotTariffsTable {
  lot_id: number;
  free_minutes: number;
  first_period_minutes: number;
  first_period_fen: number;
  unit_minutes: number;
  unit_fen: number;
  daily_cap_fen: number | null;
  updated_at: Date;
  updated_by: string;
}

export interface QualityScansTable {
  id: Generated<number>;
  from_at: Date;
  to_at: Date;
  lot_codes: ColumnType<string[] | null, string[] | null, string[] | null>;
  actor: string;
  started_at: Date;
  finished_at: Date | null;
  found: Generated<number>;
  auto_fixed: Generated<number>;
}

export interface QualityFindingsTable {
  id: Generated<number>;
  rule: string;
  target_type: TargetType;
  target_id: number;
  lot_id: number;
  source_code: string | null;
  at: Date;
  status: ColumnType<FindingStatus, FindingStatus | undefined, FindingStatus>;
  action: FixAction;
  suggested: Json<Record<string, unknown>>;
  detail: Json<Record<string, unknown>>;
  found_at: Date;
  last_scan_id: number;
  resolved_at: Date | null;
  resolved_by: string | null;
  note: string | null;
}

export interface QualityFixesTable {
  id: Generated<number>;
  finding_id: number;
  target_type: TargetType;
  target_id: number;
  lot_id: number;
  action: FixAction;
  before: Json<Record<string, unknown>>;
  after: Json<Record<string, unknown>>;
  auto: Generated<boolean>;
  applied_at: Date;
  applied_by: string;
  reverted_at: Date | null;
  reverted_by: string | null;
}

export interface QualityTables {
  quality_rules: QualityRulesTable;
  lot_tariffs: LotTariffsTable;
  quality_scans: QualityScansTable;
  quality_findings: QualityFindingsTable;
  quality_fixes: QualityFixesTable;
}

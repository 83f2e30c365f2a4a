import type { ColumnType, Generated } from 'kysely';
import type { LotCategory, LotKind } from '../registry/index.js';

export type OnboardingStage = 'not_started' | 'contacting' | 'docking' | 'testing' | 'connected' | 'paused';

/** A `date` column: 'YYYY-MM-DD' in and out on both databases. */
type DateColumn = ColumnType<string, string, string>;

export interface OnboardingEntriesTable {
  id: Generated<number>;
  district_code: string;
  name: string;
  address: string | null;
  kind: LotKind;
  category: LotCategory;
  known_spaces: number;
  operator_name: string | null;
  contact_name: string | null;
  contact_phone: string | null;
  key_area: boolean;
  high_frequency: boolean;
  stage: OnboardingStage;
  stage_on: DateColumn;
  target_date: ColumnType<string | null, string | null, string | null>;
  lot_code: string | null;
  remark: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface OnboardingStageChangesTable {
  id: Generated<number>;
  entry_id: number;
  from_stage: OnboardingStage | null;
  to_stage: OnboardingStage;
  changed_on: DateColumn;
  at: Date;
  actor: string;
  note: string | null;
  system: boolean;
}

export interface OnboardingLotFirstDataTable {
  lot_id: number;
  first_at: Date;
}

export interface OnboardingTables {
  onboarding_entries: OnboardingEntriesTable;
  onboarding_stage_changes: OnboardingStageChangesTable;
  onboarding_lot_first_data: OnboardingLotFirstDataTable;
}

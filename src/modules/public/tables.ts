import type { Generated } from 'kysely';
/** Kysely shapes of the public-service tables (migrations 0018_public_service.sql, 0024_public_citizen.sql). */

export interface PublicLotSettingsTable {
  lot_id: number;
  hidden: boolean;
  opening_hours: string | null;
  charging_spaces: number | null;
  updated_at: Date;
  updated_by: string;
}

export interface PublicSignGroupsTable {
  id: Generated<number>;
  code: string;
  name: string;
  created_at: Date;
  updated_at: Date;
  updated_by: string;
}

export interface PublicSignGroupLotsTable {
  group_id: number;
  lot_id: number;
  position: number;
}

export interface PublicTables extends PublicCitizenTables {
  public_lot_settings: PublicLotSettingsTable;
  public_sign_groups: PublicSignGroupsTable;
  public_sign_group_lots: PublicSignGroupLotsTable;
}

export interface PublicVerificationsTable {
  id: string;
  plate: string;
  phone_hash: string;
  phone_masked: string;
  code_hash: string;
  ip: string | null;
  created_at: Date;
  expires_at: Date;
  attempts: Generated<number>;
  confirmed_at: Date | null;
  sent: Generated<boolean>;
  send_error: string | null;
}

export interface PublicCitizenTokensTable {
  token_hash: string;
  verification_id: string;
  plate: string;
  created_at: Date;
  expires_at: Date;
}

export interface PublicAnnouncementsTable {
  id: Generated<number>;
  kind: 'notice' | 'closure' | 'holiday' | 'new_lot';
  title: string;
  body: string;
  district_code: string | null;
  starts_at: Date;
  ends_at: Date | null;
  created_at: Date;
  updated_at: Date;
  updated_by: string;
}

export interface PublicUsageDailyTable {
  day: string;
  metric: string;
  key: Generated<string>;
  count: Generated<number>;
}

export interface PublicCitizenTables {
  public_verifications: PublicVerificationsTable;
  public_citizen_tokens: PublicCitizenTokensTable;
  public_announcements: PublicAnnouncementsTable;
  public_usage_daily: PublicUsageDailyTable;
}

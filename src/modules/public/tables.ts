import type { Generated } from 'kysely';
/** Kysely shapes of the public-service tables (migration 0018_public_service.sql). */

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

export interface PublicTables {
  public_lot_settings: PublicLotSettingsTable;
  public_sign_groups: PublicSignGroupsTable;
  public_sign_group_lots: PublicSignGroupLotsTable;
}

import type { Generated } from 'kysely';

export type LotKind = 'off_street' | 'on_street';
export type LotCategory =
  | 'commercial'
  | 'hospital'
  | 'school'
  | 'residential'
  | 'office'
  | 'scenic'
  | 'transport'
  | 'government'
  | 'other';
export type CoordSystem = 'gcj02' | 'wgs84' | 'bd09';

export interface DistrictsTable {
  code: string;
  name: string;
  name_en: string | null;
  kind: Generated<'district' | 'county' | 'county_city' | 'zone'>;
  sort_order: Generated<number>;
  created_at: Generated<Date>;
}

export interface OperatorsTable {
  id: Generated<number>;
  name: string;
  credit_code: string | null;
  contact_name: string | null;
  contact_phone: string | null;
  contact_email: string | null;
  address: string | null;
  remark: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface DataSourcesTable {
  code: string;
  name: string;
  operator_id: number | null;
  vendor: string | null;
  district_code: string | null;
  status: Generated<'active' | 'disabled'>;
  secret_encrypted: string;
  secret_rotated_at: Generated<Date>;
  /** Minutes of silence before the source's lots count as late; null: the platform default. */
  late_threshold_minutes: number | null;
  remark: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface LotsTable {
  id: Generated<number>;
  code: string;
  name: string;
  district_code: string;
  kind: LotKind;
  category: Generated<LotCategory>;
  total_spaces: number;
  address: string | null;
  lng: number | null;
  lat: number | null;
  input_coord_system: Generated<CoordSystem>;
  source_code: string | null;
  operator_id: number | null;
  status: Generated<'active' | 'suspended'>;
  /** Overrides the source's threshold for this lot; null: inherit. */
  late_threshold_minutes: number | null;
  remark: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface BerthsTable {
  id: Generated<number>;
  lot_id: number;
  code: string;
  status: Generated<'active' | 'disabled'>;
  lng: number | null;
  lat: number | null;
  created_at: Generated<Date>;
}

export interface RegistryTables {
  districts: DistrictsTable;
  operators: OperatorsTable;
  data_sources: DataSourcesTable;
  lots: LotsTable;
  berths: BerthsTable;
}

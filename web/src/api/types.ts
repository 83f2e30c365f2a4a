// Shapes of the Zhibo HTTP API as the console uses them (see /api/docs for the full contract).

export type Role = 'admin' | 'bureau' | 'district' | 'ops' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'bureau', 'district', 'ops', 'viewer'];

export type Permission = 'users:manage' | 'registry:read' | 'registry:write' | 'sources:secrets' | 'pii' | 'audit:read' | 'ops' | 'data:clean';

export interface User {
  id: number;
  username: string;
  displayName: string | null;
  role: Role;
  districtCode: string | null;
  status: 'active' | 'disabled' | string;
  permissions: string[];
  lockedUntil?: string | null;
  lastLoginAt?: string | null;
  createdAt?: string;
}

export interface LoginReply {
  token: string;
  expiresAt: string;
  user: User;
}

export interface Items<T> {
  items: T[];
}

export interface Page<T> extends Items<T> {
  total: number;
}

export type DistrictKind = 'district' | 'county' | 'county_city' | 'zone';

export interface District {
  code: string;
  name: string;
  nameEn: string | null;
  kind: DistrictKind;
  sortOrder: number;
  lotCount: number;
}

export interface Operator {
  id: number;
  name: string;
  creditCode: string | null;
  contactName: string | null;
  contactPhone: string | null;
  contactEmail: string | null;
  address: string | null;
  remark: string | null;
}

export type OperatorInput = Omit<Operator, 'id'>;

export interface DataSource {
  code: string;
  name: string;
  operatorId: number | null;
  operatorName: string | null;
  vendor: string | null;
  districtCode: string | null;
  status: 'active' | 'disabled' | string;
  lotCount: number;
  /** Minutes before its lots' data counts as late; null: the platform default. */
  lateThresholdMinutes: number | null;
  secretRotatedAt: string | null;
  remark: string | null;
}

export interface NewSource {
  code: string;
  name: string;
  operatorId?: number;
  vendor?: string;
  districtCode?: string;
  remark?: string;
  lateThresholdMinutes?: number | null;
}

export interface SourcePatch {
  name?: string;
  operatorId?: number | null;
  vendor?: string | null;
  districtCode?: string | null;
  status?: 'active' | 'disabled';
  remark?: string | null;
  lateThresholdMinutes?: number | null;
}

/** A new source or a rotation: the signing secret, shown once. */
export interface SourceSecret {
  code: string;
  secret: string;
  secretRotatedAt?: string | null;
}

export type LotKind = 'off_street' | 'on_street';
export const LOT_KINDS: readonly LotKind[] = ['off_street', 'on_street'];
export type LotCategory = 'commercial' | 'hospital' | 'school' | 'residential' | 'office' | 'scenic' | 'transport' | 'government' | 'other';
export const LOT_CATEGORIES: readonly LotCategory[] = ['commercial', 'hospital', 'school', 'residential', 'office', 'scenic', 'transport', 'government', 'other'];
export type LotStatus = 'active' | 'suspended';
export const LOT_STATUSES: readonly LotStatus[] = ['active', 'suspended'];
export type CoordSystem = 'gcj02' | 'wgs84' | 'bd09';
export const COORD_SYSTEMS: readonly CoordSystem[] = ['gcj02', 'wgs84', 'bd09'];

export interface Lot {
  id: number;
  code: string;
  name: string;
  districtCode: string;
  districtName: string | null;
  kind: LotKind;
  category: LotCategory;
  totalSpaces: number;
  address: string | null;
  lng: number | null;
  lat: number | null;
  inputCoordSystem: CoordSystem;
  sourceCode: string | null;
  operatorId: number | null;
  operatorName: string | null;
  status: LotStatus;
  remark: string | null;
  /** The lot's own late threshold; null: the source's, else the platform default. */
  lateThresholdMinutes: number | null;
  berthCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface LotInput {
  code?: string;
  name: string;
  districtCode: string;
  kind: LotKind;
  totalSpaces: number;
  lng: number;
  lat: number;
  coordSystem?: CoordSystem;
  sourceCode?: string | null;
  category?: LotCategory;
  address?: string | null;
  operatorId?: number | null;
  status?: LotStatus;
  remark?: string | null;
  lateThresholdMinutes?: number | null;
}

export interface LotFilters {
  districtCode?: string;
  kind?: string;
  category?: string;
  status?: string;
  sourceCode?: string;
  q?: string;
}

export interface Berth {
  code: string;
  status: string;
  lng: number | null;
  lat: number | null;
}

export type ImportRowStatus = 'created' | 'updated' | 'unchanged' | 'rejected';

export interface ImportIssue {
  field: string | null;
  code: string;
  message: string;
}

export interface ImportRow {
  row: number;
  code: string | null;
  status: ImportRowStatus;
  errors: ImportIssue[];
  warnings: ImportIssue[];
}

export interface ImportResult {
  dryRun: boolean;
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  rows: ImportRow[];
}

export interface AuditItem {
  id: number;
  at: string;
  actor: string;
  actorRole: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  outcome: string;
  detail: unknown;
}

export interface AuditPage extends Items<AuditItem> {
  nextCursor: string | null;
}

export interface AuditVerify {
  ok: boolean;
  checked: number;
  firstBroken: { id: number; reason: string } | null;
}

import type { CoordSystem, LotCategory, LotKind } from './tables.js';

/*
 * The registry's closed vocabularies with their Chinese labels. Import accepts the labels people
 * type in Chinese spreadsheets; export and the template write the same labels back, so an
 * exported sheet can be edited and imported again.
 */

export const LOT_KINDS: readonly LotKind[] = ['off_street', 'on_street'];
export const LOT_CATEGORIES: readonly LotCategory[] = ['commercial', 'hospital', 'school', 'residential', 'office', 'scenic', 'transport', 'government', 'other'];
export const COORD_SYSTEMS: readonly CoordSystem[] = ['gcj02', 'wgs84', 'bd09'];
export const LOT_STATUSES = ['active', 'suspended'] as const;
export type LotStatus = (typeof LOT_STATUSES)[number];
export const DISTRICT_KINDS = ['district', 'county', 'county_city', 'zone'] as const;
export type DistrictKind = (typeof DISTRICT_KINDS)[number];

export const KIND_LABELS: Record<LotKind, string> = { off_street: '场库', on_street: '路内' };
export const CATEGORY_LABELS: Record<LotCategory, string> = {
  commercial: '商业',
  hospital: '医院',
  school: '学校',
  residential: '居住',
  office: '办公',
  scenic: '景区',
  transport: '交通枢纽',
  government: '机关',
  other: '其他',
};
export const STATUS_LABELS: Record<LotStatus, string> = { active: '正常', suspended: '暂停' };

/** Extra spellings seen in real sheets, beyond the labels above. */
const KIND_ALIASES: Record<string, LotKind> = { 路外: 'off_street', 停车场: 'off_street', 场内: 'off_street', 道路: 'on_street', 路侧: 'on_street' };
const CATEGORY_ALIASES: Record<string, LotCategory> = {
  住宅: 'residential', 小区: 'residential', 交通: 'transport', 枢纽: 'transport', 党政机关: 'government', 政府: 'government', 旅游: 'scenic', 其它: 'other',
};
const STATUS_ALIASES: Record<string, LotStatus> = { 启用: 'active', 运营: 'active', 停用: 'suspended', 暂停运营: 'suspended' };

function lookup<T extends string>(value: string, codes: readonly T[], labels: Record<T, string>, aliases: Record<string, T>): T | null {
  const v = value.trim();
  const lower = v.toLowerCase();
  const byCode = codes.find((c) => c === lower);
  if (byCode) return byCode;
  const byLabel = codes.find((c) => labels[c] === v);
  return byLabel ?? aliases[v] ?? null;
}

export const parseKind = (v: string) => lookup(v, LOT_KINDS, KIND_LABELS, KIND_ALIASES);
export const parseCategory = (v: string) => lookup(v, LOT_CATEGORIES, CATEGORY_LABELS, CATEGORY_ALIASES);
export const parseLotStatus = (v: string) => lookup(v, LOT_STATUSES, STATUS_LABELS, STATUS_ALIASES);
export function parseCoordSystem(v: string): CoordSystem | null {
  const s = v.trim().toLowerCase().replace(/[-_\s]/g, '');
  if (s === 'gcj02' || s === '火星' || s === '高德') return 'gcj02';
  if (s === 'wgs84' || s === 'gps') return 'wgs84';
  if (s === 'bd09' || s === 'bd09ll' || s === '百度') return 'bd09';
  return null;
}

/** Lot codes are what operator systems send in every event: plain ASCII, as the table's CHECK. */
export const CODE_PATTERN = /^[A-Za-z0-9_.-]{2,64}$/;
/** Berth codes are painted on the street: short, may be a single digit. */
export const BERTH_CODE_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

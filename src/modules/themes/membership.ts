import { haversineMetres } from '../public/index.js';
import type { MemberVia, ThemePoint } from './tables.js';

/*
 * Which lots make up a theme, decided without I/O from its rules and the registry's lots
 * (docs/市域专题接口.md, "成员"): the lots named explicitly, the lots within the radius of a point
 * (great-circle distance between GCJ-02 points, the public service's own distance), and the lots
 * of the chosen categories in the chosen districts (every district when none is chosen). A theme
 * of a district user only ever holds lots of that district. A lot taken in by several rules is
 * listed once, with the first rule in that order.
 */

export interface MemberRules {
  lotIds: readonly number[];
  points: readonly ThemePoint[];
  categories: readonly string[];
  districtCodes: readonly string[];
  /** The theme's own district (a district user's theme), or null for a city theme. */
  districtCode: string | null;
}

export interface CandidateLot {
  id: number;
  districtCode: string;
  category: string;
  lng: number | null;
  lat: number | null;
}

export interface Member {
  lotId: number;
  via: MemberVia;
}

export function resolveMembers(rules: MemberRules, lots: readonly CandidateLot[]): Member[] {
  const explicit = new Set(rules.lotIds);
  const categories = new Set(rules.categories);
  const districts = new Set(rules.districtCodes);
  const out: Member[] = [];
  for (const lot of lots) {
    if (rules.districtCode !== null && lot.districtCode !== rules.districtCode) continue;
    let via: MemberVia | null = null;
    if (explicit.has(lot.id)) via = 'lot';
    else if (lot.lng !== null && lot.lat !== null && rules.points.some((p) => haversineMetres([p.lng, p.lat], [lot.lng!, lot.lat!]) <= p.radiusM)) via = 'point';
    else if (categories.has(lot.category) && (districts.size === 0 || districts.has(lot.districtCode))) via = 'category';
    if (via) out.push({ lotId: lot.id, via });
  }
  return out.sort((a, b) => a.lotId - b.lotId);
}

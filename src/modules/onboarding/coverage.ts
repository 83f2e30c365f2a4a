import type { Actor } from '../../platform/auth/permissions.js';
import { districtScope } from '../../platform/scope.js';
import { listDistricts } from '../registry/index.js';
import { reportedLots, type LiveLot } from './live-lots.js';
import type { OnboardingContext } from './repo.js';

/*
 * Coverage of a district (接入覆盖率), exactly:
 *
 *   connected spaces = Σ total spaces of the district's ACTIVE registry lots that have reported
 *                      at least once (lot_live.last_occurred_at set; for a past quarter: whose
 *                      first data came before the quarter's end);
 *   pending spaces   = Σ known spaces of the district's onboarding entries that are not connected
 *                      (stage ≠ connected) and whose linked lot, if any, has not reported;
 *   known spaces     = connected spaces + pending spaces;
 *   coverage %       = connected / known × 100, one decimal; null when known is 0.
 *
 * An entry whose linked lot reports counts through the lot (never twice), even before the sync
 * job has moved it to connected. A connected entry counts only through its lot.
 */

export interface Coverage {
  connectedLots: number;
  connectedSpaces: number;
  pendingEntries: number;
  pendingSpaces: number;
  knownSpaces: number;
  coveragePercent: number | null;
}

export interface DistrictCoverage extends Coverage {
  districtCode: string;
  districtName: string;
}

/** What coverage needs of an entry. */
export interface EntryFacts {
  districtCode: string;
  knownSpaces: number;
  connected: boolean;
  lotCode: string | null;
}

export interface DistrictRef {
  code: string;
  name: string;
}

export const percent = (part: number, whole: number): number | null => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);

/** Counts as connected through its lot, so it is not pending. */
export const countsThroughLot = (e: EntryFacts, reported: { has(code: string): boolean }) => e.connected || (e.lotCode !== null && reported.has(e.lotCode));

/** Coverage per district (every district given, zeros included) and for all of them together. */
export function coverageOf(districts: readonly DistrictRef[], lots: readonly LiveLot[], entries: readonly EntryFacts[]): { items: DistrictCoverage[]; total: Coverage } {
  const reported = new Set(lots.map((l) => l.code));
  const blank = (): Coverage => ({ connectedLots: 0, connectedSpaces: 0, pendingEntries: 0, pendingSpaces: 0, knownSpaces: 0, coveragePercent: null });
  const by = new Map(districts.map((d) => [d.code, { districtCode: d.code, districtName: d.name, ...blank() }]));
  for (const l of lots) {
    const c = by.get(l.districtCode);
    if (!c || l.status !== 'active') continue;
    c.connectedLots += 1;
    c.connectedSpaces += l.totalSpaces;
  }
  for (const e of entries) {
    const c = by.get(e.districtCode);
    if (!c || countsThroughLot(e, reported)) continue;
    c.pendingEntries += 1;
    c.pendingSpaces += e.knownSpaces;
  }
  const total = blank();
  const items = [...by.values()];
  for (const c of items) {
    c.knownSpaces = c.connectedSpaces + c.pendingSpaces;
    c.coveragePercent = percent(c.connectedSpaces, c.knownSpaces);
    for (const k of ['connectedLots', 'connectedSpaces', 'pendingEntries', 'pendingSpaces', 'knownSpaces'] as const) total[k] += c[k];
  }
  total.coveragePercent = percent(total.connectedSpaces, total.knownSpaces);
  return { items, total };
}

/** The districts an actor sees, in the city's order. */
export async function scopedDistricts(ctx: OnboardingContext, actor: Actor): Promise<DistrictRef[]> {
  const scope = districtScope(actor);
  return (await listDistricts(ctx, actor)).filter((d) => scope === null || d.code === scope).map((d) => ({ code: d.code, name: d.name }));
}

/** Coverage now, per district of the actor's scope (GET /api/v1/onboarding/coverage). */
export async function currentCoverage(ctx: OnboardingContext, actor: Actor): Promise<{ items: DistrictCoverage[]; total: Coverage }> {
  const scope = districtScope(actor);
  const districts = await scopedDistricts(ctx, actor);
  const lots = await reportedLots(ctx.db, actor, null);
  const entries = await ctx.db
    .selectFrom('onboarding_entries')
    .select(['district_code', 'known_spaces', 'stage', 'lot_code'])
    .$if(scope !== null, (qb) => qb.where('district_code', '=', scope!))
    .execute();
  return coverageOf(
    districts,
    lots,
    entries.map((e) => ({ districtCode: e.district_code, knownSpaces: e.known_spaces, connected: e.stage === 'connected', lotCode: e.lot_code })),
  );
}

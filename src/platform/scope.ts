import type { Actor } from './auth/permissions.js';
import { AppError } from './errors.js';

/*
 * District scoping lives in the data access layer: every repository query over district-owned
 * rows takes the actor and filters with `districtScope(actor)`, so rows of other districts are
 * simply not found (404) and never listed. Routes never filter by hand.
 */

/** The district an actor is limited to, or null for city-wide access. */
export function districtScope(actor: Actor): string | null {
  return actor.districtCode;
}

/** For writes that put a row into a district (create, move): a scoped actor only into its own. */
export function assertDistrictInScope(actor: Actor, districtCode: string): void {
  if (actor.districtCode !== null && actor.districtCode !== districtCode) {
    throw new AppError(403, 'DISTRICT_FORBIDDEN', `无权操作其他县市区的数据 / not permitted for district ${districtCode}`);
  }
}

import { dataStateOf } from '../monitoring/index.js';

/*
 * Whether a lot's free-space figure can be shown (docs/公众服务接口.md): `live` when its newest
 * status report (by occurredAt) is within the lot's late threshold of now — monitoring's own rule
 * (dataStateOf), so a lot the sync board calls late is never shown with a number — `stale` when
 * older, `unknown` when it never sent one. The threshold is the registry's effective one (lot,
 * else source, else ZHIBO_LATE_THRESHOLD_MINUTES). `now` is injected.
 */

export type Availability = 'live' | 'stale' | 'unknown';

export interface LotStatus {
  /** occurredAt of the newest status report; null: none. */
  at: Date | null;
  free: number | null;
  total: number | null;
}

export interface AvailabilityView {
  availability: Availability;
  /** A number only when live: the reported free spaces, within 0..the lot's spaces. */
  freeSpaces: number | null;
  updatedAt: string | null;
}

export function availabilityOf(status: LotStatus, totalSpaces: number, thresholdMinutes: number, now: Date): AvailabilityView {
  const state = dataStateOf(status.at, thresholdMinutes, now);
  const updatedAt = status.at ? status.at.toISOString() : null;
  if (state === 'never') return { availability: 'unknown', freeSpaces: null, updatedAt };
  if (state === 'late' || status.free === null) return { availability: 'stale', freeSpaces: null, updatedAt };
  const cap = status.total !== null && status.total > 0 ? status.total : totalSpaces;
  return { availability: 'live', freeSpaces: Math.max(0, cap > 0 ? Math.min(status.free, cap) : status.free), updatedAt };
}

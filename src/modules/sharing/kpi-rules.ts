/*
 * The shared-parking figures (docs/指标口径.md, "共享停车"), pure: the caller loads a month's
 * bookings and offers and passes them in. Hours are exact (milliseconds ÷ 3 600 000).
 */

export interface KpiBooking {
  status: string;
  start: Date;
  end: Date;
  enteredAt: Date | null;
  exitedAt: Date | null;
  feeFen: number;
  overstayMinutes: number;
  overstayFeeFen: number;
}

export interface KpiFigures {
  offeredHours: number;
  bookedHours: number;
  usedHours: number;
  bookings: number;
  entered: number;
  noShows: number;
  overstays: number;
  utilisationBooked: number | null;
  utilisationUsed: number | null;
  fulfilmentRate: number | null;
  noShowRate: number | null;
  overstayRate: number | null;
  revenueFen: number;
}

const HOUR = 3_600_000;
const CANCELLED = new Set(['cancelled', 'cancelled_by_owner']);
const ARRIVED = new Set(['entered', 'completed']);
const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
const ratio = (a: number, b: number) => (b > 0 ? round(a / b) : null);

/** Hours a booking's car actually used: entry to exit, or to the booking's end (or now, if earlier) while still inside. */
export function usedHours(b: KpiBooking, now: Date): number {
  if (!ARRIVED.has(b.status) || !b.enteredAt) return 0;
  const from = b.enteredAt.getTime();
  const to = b.exitedAt ? b.exitedAt.getTime() : Math.min(now.getTime(), b.end.getTime());
  return Math.max(0, to - from) / HOUR;
}

/** Money a booking brings: its fee once the car came (pay at exit), and any overstay fee. */
export function revenueFen(b: KpiBooking): number {
  return (ARRIVED.has(b.status) ? b.feeFen : 0) + b.overstayFeeFen;
}

/**
 * The figures over one group: offered space-hours, and its bookings (those starting in the
 * period). Cancelled bookings count nowhere. Bookings still `booked` are not yet due: they
 * count as booked hours but not in the fulfilment and no-show rates.
 */
export function kpiFigures(offeredHours: number, bookings: readonly KpiBooking[], now: Date): KpiFigures {
  const live = bookings.filter((b) => !CANCELLED.has(b.status));
  const bookedHours = live.reduce((s, b) => s + (b.end.getTime() - b.start.getTime()) / HOUR, 0);
  const used = live.reduce((s, b) => s + usedHours(b, now), 0);
  const entered = live.filter((b) => ARRIVED.has(b.status)).length;
  const noShows = live.filter((b) => b.status === 'no_show').length;
  const due = entered + noShows;
  const overstays = live.filter((b) => ARRIVED.has(b.status) && b.overstayMinutes > 0).length;
  return {
    offeredHours: round(offeredHours, 2),
    bookedHours: round(bookedHours, 2),
    usedHours: round(used, 2),
    bookings: live.length,
    entered,
    noShows,
    overstays,
    utilisationBooked: ratio(bookedHours, offeredHours),
    utilisationUsed: ratio(used, offeredHours),
    fulfilmentRate: ratio(entered, due),
    noShowRate: ratio(noShows, due),
    overstayRate: ratio(overstays, entered),
    revenueFen: live.reduce((s, b) => s + revenueFen(b), 0),
  };
}

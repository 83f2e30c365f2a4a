import type { LotCategory } from '../registry/index.js';
import type { LotSet, SimLot } from './lot-set.js';
import { generatePlate, type GeneratedPlate } from './plates.js';
import { rngFor, type Rng } from './random.js';

/*
 * Whose plates come back: residents and staff park in "their" lot day after day (a lot's
 * regulars), the rest are visitors. A real car is in one place at a time, so the regulars of two
 * lots never share a plate (a resident of one estate is not also the regular of a hospital across
 * town), and the live generator and the history generator both keep a plate out of a second lot
 * while it is parked in one (docs/architecture.md, simulator).
 */

/** Share of a lot's arrivals that are its regulars, by category. */
export const REGULAR_SHARE: Partial<Record<LotCategory, number>> = { residential: 0.85, office: 0.75, government: 0.4, school: 0.4, hospital: 0.05 };

export const regularShareOf = (category: LotCategory): number => REGULAR_SHARE[category] ?? 0;

/** A lot's regulars: about as many as its spaces. */
export const poolSizeOf = (lot: Pick<SimLot, 'totalSpaces'>): number => Math.ceil(lot.totalSpaces * 1.1);

/**
 * The regulars of every lot that has any, pairwise disjoint. Lots are taken in the set's order and
 * a lot skips plates an earlier lot's pool holds, so a lot's pool depends only on the lots before
 * it: a set of 80 lots extends one of 50 without changing its pools (as buildLotSet does).
 */
export function regularPools(set: Pick<LotSet, 'lots'>, seed: number): Map<string, GeneratedPlate[]> {
  const taken = new Set<string>();
  const pools = new Map<string, GeneratedPlate[]>();
  for (const lot of set.lots) {
    if (regularShareOf(lot.category) <= 0) continue;
    const rng = rngFor(seed, 'pool', lot.code);
    const pool: GeneratedPlate[] = [];
    const size = poolSizeOf(lot);
    while (pool.length < size) {
      const p = generatePlate(rng);
      if (taken.has(p.plate)) continue;
      taken.add(p.plate);
      pool.push(p);
    }
    pools.set(lot.code, pool);
  }
  return pools;
}

/** New plates, each different from every plate handed out or reserved before. */
export class PlateFactory {
  private readonly used = new Set<string>();
  private readonly rng: Rng;

  constructor(seed: number, label: string, reserved: Iterable<string> = []) {
    this.rng = rngFor(seed, 'plates', label);
    for (const p of reserved) this.used.add(p);
  }

  next(): GeneratedPlate {
    for (;;) {
      const p = generatePlate(this.rng);
      if (this.used.has(p.plate)) continue;
      this.used.add(p.plate);
      return p;
    }
  }

  take(n: number): GeneratedPlate[] {
    return Array.from({ length: n }, () => this.next());
  }
}

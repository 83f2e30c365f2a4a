import type { LotCategory, LotKind } from '../registry/index.js';
import type { Rng } from './random.js';

/*
 * Parking charges in fen, modelled on Nantong's published tariffs (南通市机动车停放服务收费):
 * a free period (if the car leaves within it nothing is due; past it the stay is charged from
 * entry), a first period, then per started unit, capped per 24 hours from entry.
 * The city centre (崇川区) is dearer than the counties; on-street berths in the centre cost
 * 2 yuan per 30 minutes.
 */

export interface Tariff {
  freeMinutes: number;
  firstPeriodMinutes: number;
  firstPeriodFen: number;
  unitMinutes: number;
  unitFen: number;
  /** Most charged per 24 hours from entry; null = no cap. */
  dailyCapFen: number | null;
}

export const PAY_CHANNELS = ['wechat', 'alipay', 'unionpay', 'etc', 'cash'] as const;
export type PayChannel = (typeof PAY_CHANNELS)[number];
/** Shares of the payment channels (the rest of 100 % is free / pass traffic, which pays nothing). */
export const CHANNEL_WEIGHTS: readonly (readonly [PayChannel, number])[] = [['wechat', 45], ['alipay', 30], ['unionpay', 8], ['etc', 7], ['cash', 5]];

const CENTRE_DISTRICT = '320602';

const OFF_STREET: Record<LotCategory, Tariff> = {
  commercial: { freeMinutes: 15, firstPeriodMinutes: 60, firstPeriodFen: 500, unitMinutes: 60, unitFen: 200, dailyCapFen: 3000 },
  hospital: { freeMinutes: 15, firstPeriodMinutes: 60, firstPeriodFen: 300, unitMinutes: 60, unitFen: 200, dailyCapFen: 2000 },
  school: { freeMinutes: 30, firstPeriodMinutes: 60, firstPeriodFen: 300, unitMinutes: 60, unitFen: 200, dailyCapFen: 2000 },
  residential: { freeMinutes: 30, firstPeriodMinutes: 60, firstPeriodFen: 300, unitMinutes: 60, unitFen: 100, dailyCapFen: 1000 },
  office: { freeMinutes: 15, firstPeriodMinutes: 60, firstPeriodFen: 500, unitMinutes: 60, unitFen: 300, dailyCapFen: 3000 },
  scenic: { freeMinutes: 15, firstPeriodMinutes: 240, firstPeriodFen: 1000, unitMinutes: 60, unitFen: 500, dailyCapFen: 3000 },
  transport: { freeMinutes: 15, firstPeriodMinutes: 60, firstPeriodFen: 500, unitMinutes: 60, unitFen: 200, dailyCapFen: 3000 },
  government: { freeMinutes: 120, firstPeriodMinutes: 60, firstPeriodFen: 200, unitMinutes: 60, unitFen: 100, dailyCapFen: 1000 },
  other: { freeMinutes: 15, firstPeriodMinutes: 60, firstPeriodFen: 400, unitMinutes: 60, unitFen: 200, dailyCapFen: 2500 },
};

const ON_STREET_CENTRE: Tariff = { freeMinutes: 15, firstPeriodMinutes: 30, firstPeriodFen: 200, unitMinutes: 30, unitFen: 200, dailyCapFen: 5000 };
const ON_STREET_COUNTY: Tariff = { freeMinutes: 15, firstPeriodMinutes: 30, firstPeriodFen: 100, unitMinutes: 30, unitFen: 100, dailyCapFen: 2000 };

const roundTo = (fen: number, step: number) => Math.max(step, Math.round(fen / step) * step);

export function tariffFor(lot: { category: LotCategory; kind: LotKind; districtCode: string }): Tariff {
  const centre = lot.districtCode === CENTRE_DISTRICT;
  if (lot.kind === 'on_street') return centre ? ON_STREET_CENTRE : ON_STREET_COUNTY;
  const t = OFF_STREET[lot.category];
  if (centre) return t;
  // County towns charge about two thirds of the centre's prices.
  return {
    ...t,
    firstPeriodFen: roundTo(t.firstPeriodFen * 0.65, 100),
    unitFen: roundTo(t.unitFen * 0.65, 100),
    dailyCapFen: t.dailyCapFen === null ? null : roundTo(t.dailyCapFen * 0.7, 500),
  };
}

/** Charge for one stretch of at most 24 hours, before the cap. */
function stretchFen(t: Tariff, minutes: number): number {
  if (minutes <= 0) return 0;
  const units = Math.ceil(Math.max(0, minutes - t.firstPeriodMinutes) / t.unitMinutes);
  return t.firstPeriodFen + units * t.unitFen;
}

/** Amount due for a stay of `minutes`: 0 within the free period, else charged from entry, capped per 24 h. */
export function receivableFen(t: Tariff, minutes: number): number {
  if (!(minutes > t.freeMinutes)) return 0;
  const capped = (fen: number) => (t.dailyCapFen === null ? fen : Math.min(fen, t.dailyCapFen));
  const days = Math.floor(minutes / 1440);
  const rest = minutes - days * 1440;
  return days * capped(stretchFen(t, 1440)) + capped(stretchFen(t, rest));
}

/** Share of monthly pass holders (包月, residents, staff) among long stays; they are charged nothing. */
const PASS_SHARE: Record<LotCategory, number> = {
  residential: 0.75, office: 0.55, government: 0.5, school: 0.4, hospital: 0.1, commercial: 0.05, transport: 0.03, scenic: 0, other: 0.1,
};

export interface Settlement {
  receivableFen: number;
  paidFen: number;
  /** Absent when nothing was paid. */
  payChannel?: PayChannel;
  /** The car paid less than due at the exit (on-street arrears, 欠费). */
  arrearsFen: number;
}

/**
 * What a stay costs and what was paid at the exit. Paid usually equals receivable; merchants'
 * coupons lower it in shopping centres; on-street berths leave some unpaid (arrears).
 */
export function settle(rng: Rng, lot: { category: LotCategory; kind: LotKind; districtCode: string }, minutes: number): Settlement {
  const longStay = minutes >= 6 * 60;
  if (rng.chance(PASS_SHARE[lot.category] * (longStay ? 1 : 0.25))) return { receivableFen: 0, paidFen: 0, arrearsFen: 0 };
  const receivable = receivableFen(tariffFor(lot), minutes);
  if (receivable === 0) return { receivableFen: 0, paidFen: 0, arrearsFen: 0 };
  let paid = receivable;
  let arrears = 0;
  if (lot.kind === 'on_street') {
    const r = rng.float();
    if (r < 0.1) {
      paid = 0;
      arrears = receivable;
    } else if (r < 0.13) {
      paid = Math.floor((receivable * rng.uniform(0.3, 0.8)) / 100) * 100;
      arrears = receivable - paid;
    }
  } else if (lot.category === 'commercial' && rng.chance(0.12)) {
    // A merchant's parking coupon (消费抵扣): two hours or 10 yuan off.
    paid = Math.max(0, receivable - rng.pick([500, 1000]));
  } else if (rng.chance(0.01)) {
    paid = Math.floor(receivable / 200) * 100; // manual discount at the booth
  }
  if (paid === 0) return { receivableFen: receivable, paidFen: 0, arrearsFen: arrears };
  const channel = lot.kind === 'on_street' ? rng.weighted(CHANNEL_WEIGHTS.filter(([c]) => c !== 'etc')) : rng.weighted(CHANNEL_WEIGHTS);
  return { receivableFen: receivable, paidFen: paid, payChannel: channel, arrearsFen: arrears };
}

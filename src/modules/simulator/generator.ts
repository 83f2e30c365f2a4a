import type { PlateColor } from '../../platform/plates.js';
import { arrivalIntensity, sampleDwellMinutes } from './demand.js';
import type { IngestEvent, SimEvent } from './events.js';
import { settle, type PayChannel, type Settlement } from './fees.js';
import { MinHeap } from './heap.js';
import type { LotSet, SimLot, SimSource } from './lot-set.js';
import { generatePlate, NO_PLATE_SHARE, noPlateCar, ticketIdOf, ticketOfPlate, type GeneratedPlate } from './plates.js';
import { regularPools, regularShareOf } from './pools.js';
import { rngFor, unitHash, type Rng } from './random.js';
import { compactDate, compactMinute, formatTime, HOUR, localMidnight, localParts, MINUTE, type TimeStyle } from './time.js';

/*
 * The event generator: a pure, deterministic discrete-event simulation of every lot in a lot set.
 * Given the same lots, window and seed it yields the same events, in occurredAt order.
 *
 * - Arrivals per lot and hour are Poisson with the demand model's intensity; each car draws its
 *   plate, stay and charge when it arrives. Cars arriving at a full lot are turned away, so
 *   occupancy stays within [0, totalSpaces].
 * - The simulation starts `warmupHours` before `from` (with empty lots) and emits nothing before
 *   `from`, so the window opens with realistic occupancy; cars that came in during the warm-up
 *   leave with an exit that carries only `enteredAt` (their entry was never sent).
 * - Random streams are keyed by lot and local day, and event ids by lot, seed, day and the car's
 *   number that day (`SIM-CC-0001-s2026-20261125-E42`), so overlapping windows yield the same
 *   ids: re-running a period with the same seed resends duplicates rather than inventing a
 *   second history (as long as no lot was full at the seam).
 * - A plate is in one lot at a time: regulars come from disjoint pools (pools.ts), and a car
 *   whose plate is parked in any lot (this one or another) gets another plate.
 * - `parked`: instead of a warm-up, the lots start with the cars a history left in them
 *   (history.ts), which leave at the times drawn there; the simulation starts at `from` and ids
 *   carry the start (`-s2026r1030-`) so that a later start never reuses an id for another car.
 */

/** A car parked when the run starts, from a history: it leaves at `exitAt` with its own exit. */
export interface ParkedCar {
  lotCode: string;
  plate: string;
  plateRaw: string;
  color: PlateColor;
  /** epoch ms */
  entryAt: number;
  exitAt: number;
  entryEventId: string;
  berthCode: string | null;
  receivableFen: number;
  paidFen: number;
  payChannel: PayChannel | null;
}

export interface GeneratorOptions {
  /** Window start, epoch ms (inclusive). */
  from: number;
  /** Window end, epoch ms (exclusive); Infinity for an endless live run. */
  to: number;
  seed: number;
  /** Hours simulated before `from` without emitting; default 48. */
  warmupHours?: number;
  /** Status report period per lot; default 5 minutes. */
  statusEveryMs?: number;
  /** Heartbeat period per source; default 1 minute. */
  heartbeatEveryMs?: number;
  /** Start at `from` with these cars inside (no warm-up); see ParkedCar. */
  parked?: readonly ParkedCar[];
}

export interface GeneratorStats {
  arrivals: number;
  turnedAway: number;
  entries: number;
  exits: number;
  statuses: number;
  heartbeats: number;
  payments: number;
}

export const emptyGeneratorStats = (): GeneratorStats => ({ arrivals: 0, turnedAway: 0, entries: 0, exits: 0, statuses: 0, heartbeats: 0, payments: 0 });

/** Share of cars that pay in advance through a mini-program or pay station (a separate payment event). */
const PREPAY_SHARE = 0.15;
/** Share of on-street arrears paid later (补缴). */
const ARREARS_PAID_LATER = 0.3;
/** Among exits whose entry was sent: only `enteredAt`, no `entryEventId`. */
const EXIT_WITHOUT_ENTRY_ID = 0.07;
/** Among exits with `entryEventId`: also `enteredAt`. */
const EXIT_WITH_ENTERED_AT = 0.7;
/** Share of naive timestamps from a 'mixed' source. */
const MIXED_NAIVE = 0.3;

interface Car {
  seq: number;
  day: string;
  plate: GeneratedPlate;
  dwellMs: number;
  settlement: Settlement;
  berthPick: number;
  prepay: boolean;
  prepayLeadMs: number;
  arrearsLaterMs: number | null;
  exitStyle: number;
}

interface LotState {
  lot: SimLot;
  source: SimSource;
  occupied: number;
  inside: Set<string>;
  berths: boolean[] | null;
  pool: GeneratedPlate[] | null;
  dayRng: Rng | null;
  day: string;
  seq: number;
}

type Item =
  | { kind: 'hour'; at: number }
  | { kind: 'arrive'; at: number; st: LotState; car: Car }
  | { kind: 'depart'; at: number; st: LotState; car: Car; entryAt: number; entryId: string | null; berth: number; plate: GeneratedPlate; exitId?: string }
  | { kind: 'prepay'; at: number; st: LotState; car: Car; plate: GeneratedPlate }
  | { kind: 'arrears'; at: number; st: LotState; car: Car; plate: GeneratedPlate }
  | { kind: 'status'; at: number; st: LotState }
  | { kind: 'heartbeat'; at: number; source: SimSource };

const sec = (ms: number) => Math.round(ms / 1000) * 1000;

function styleFor(source: SimSource, eventId: string, seed: number): TimeStyle {
  if (source.timeStyle !== 'mixed') return source.timeStyle;
  return unitHash(seed, 'style', eventId) < MIXED_NAIVE ? 'naive' : 'iso';
}

/** First tick at or after `from` of a period with a phase. */
const firstTick = (from: number, period: number, phase: number) => Math.ceil((from - phase) / period) * period + phase;

/** An order number in the style of Chinese payment systems: prefix + local time + sequence. */
function orderNo(prefix: string, at: number, lotCode: string, seq: number): string {
  const p = localParts(at);
  const time = `${compactDate(at)}${String(p.hour).padStart(2, '0')}${String(p.minute).padStart(2, '0')}${String(p.second).padStart(2, '0')}`;
  return `${prefix}${time}${lotCode.replace(/[^A-Z0-9]/g, '').slice(-6)}${String(seq).padStart(5, '0')}`;
}

export function* generateEvents(set: LotSet, opts: GeneratorOptions, stats: GeneratorStats = emptyGeneratorStats()): Generator<SimEvent> {
  const { from, to, seed } = opts;
  const statusEvery = opts.statusEveryMs ?? 5 * MINUTE;
  const heartbeatEvery = opts.heartbeatEveryMs ?? MINUTE;
  const seeded = opts.parked !== undefined;
  const start = seeded ? Math.floor(from / HOUR) * HOUR : localMidnight(from - (opts.warmupHours ?? 48) * HOUR);
  // Ids carry the seed: another seed's cars under the same lot codes are other cars, not duplicates.
  // A run started from a history also carries its start: its car numbers start again at 1.
  const tag = seeded ? `s${seed}r${compactMinute(from).slice(8)}-` : `s${seed}-`;
  // Every plate parked anywhere, and the regulars of each lot.
  const parkedPlates = new Set<string>();
  const pools = regularPools(set, seed);
  const sources = new Map(set.sources.map((s) => [s.code, s]));
  const heap = new MinHeap<Item>();
  const states: LotState[] = set.lots.map((lot) => ({
    lot,
    source: sources.get(lot.sourceCode)!,
    occupied: 0,
    inside: new Set(),
    berths: lot.kind === 'on_street' ? Array.from({ length: lot.totalSpaces }, () => false) : null,
    pool: pools.get(lot.code) ?? null,
    dayRng: null,
    day: '',
    seq: 0,
  }));

  heap.push(start, { kind: 'hour', at: start });
  if (opts.parked) {
    const byCode = new Map(states.map((st) => [st.lot.code, st]));
    for (const p of opts.parked) {
      const st = byCode.get(p.lotCode);
      if (!st || parkedPlates.has(p.plate)) continue;
      // A car due to leave between the history's end and this start leaves now.
      const exitAt = Math.max(p.exitAt, from);
      st.occupied++;
      st.inside.add(p.plate);
      parkedPlates.add(p.plate);
      let berth = -1;
      if (st.berths && p.berthCode && st.lot.berthPrefix && p.berthCode.startsWith(st.lot.berthPrefix)) {
        const b = Number(p.berthCode.slice(st.lot.berthPrefix.length)) - 1;
        if (b >= 0 && b < st.berths.length && !st.berths[b]) {
          berth = b;
          st.berths[b] = true;
        }
      }
      const ticketId = ticketOfPlate(p.plate);
      const plate: GeneratedPlate = { raw: p.plateRaw, plate: p.plate, color: p.color, newEnergy: p.plate.length === 8, ...(ticketId ? { ticketId } : {}) };
      const settlement: Settlement = {
        receivableFen: p.receivableFen, paidFen: p.paidFen, ...(p.payChannel ? { payChannel: p.payChannel } : {}),
        arrearsFen: st.lot.kind === 'on_street' ? Math.max(0, p.receivableFen - p.paidFen) : 0,
      };
      const car: Car = {
        seq: 0, day: '', plate, dwellMs: exitAt - p.entryAt, settlement, berthPick: 0, prepay: false, prepayLeadMs: 0, arrearsLaterMs: null,
        exitStyle: unitHash(seed, 'exit-style', p.entryEventId),
      };
      const exitId = p.entryEventId.replace(/-E(\d+)$/, '-X$1');
      heap.push(exitAt, { kind: 'depart', at: exitAt, st, car, entryAt: p.entryAt, entryId: p.entryEventId, berth, plate, exitId });
    }
  }
  for (const st of states) {
    const at = firstTick(from, statusEvery, Math.floor(unitHash(seed, 'status-phase', st.lot.code) * (statusEvery / 1000)) * 1000);
    heap.push(at, { kind: 'status', at, st });
  }
  for (const source of set.sources) {
    const at = firstTick(from, heartbeatEvery, Math.floor(unitHash(seed, 'heartbeat-phase', source.code) * (heartbeatEvery / 1000)) * 1000);
    heap.push(at, { kind: 'heartbeat', at, source });
  }

  const emit = (st: LotState | null, source: SimSource, at: number, eventId: string, build: (style: TimeStyle) => IngestEvent, extra?: { exitAt?: number; entryAt?: number }): SimEvent => {
    const out: SimEvent = { at, sourceCode: source.code, event: build(styleFor(source, eventId, seed)) };
    if (st) out.lotCode = st.lot.code;
    if (extra?.exitAt !== undefined) out.exitAt = extra.exitAt;
    if (extra?.entryAt !== undefined) out.entryAt = extra.entryAt;
    return out;
  };

  const newCar = (st: LotState, rng: Rng, at: number): Car => {
    st.seq++;
    let plate: GeneratedPlate;
    if (rng.chance(regularShareOf(st.lot.category)) && st.pool) plate = rng.pick(st.pool);
    else plate = generatePlate(rng);
    // A car without a plate, on a ticket (after the draws above, so the day's stream is unchanged).
    if (unitHash(seed, 'no-plate', st.lot.code, st.day, st.seq) < NO_PLATE_SHARE) {
      plate = noPlateCar(ticketIdOf(unitHash(seed, 'ticket', st.lot.code, st.day, st.seq)), unitHash(seed, 'no-plate-word', st.lot.code, st.day, st.seq));
    }
    const dwellMs = sec(sampleDwellMinutes(rng, st.lot.category, st.lot.kind, at) * MINUTE);
    const settlement = settle(rng, st.lot, dwellMs / MINUTE);
    const prepay = st.lot.kind === 'off_street' && settlement.paidFen > 0 && rng.chance(PREPAY_SHARE);
    const prepayLeadMs = sec(rng.uniform(2, 12) * MINUTE);
    const arrearsLaterMs = settlement.arrearsFen > 0 && rng.chance(ARREARS_PAID_LATER) ? sec(rng.uniform(1, 5 * 24) * HOUR) : null;
    return { seq: st.seq, day: st.day, plate, dwellMs, settlement, berthPick: rng.float(), prepay, prepayLeadMs, arrearsLaterMs, exitStyle: rng.float() };
  };

  for (;;) {
    const key = heap.peekKey();
    if (key === undefined || key >= to) return;
    const item = heap.pop()!;
    const at = item.at;
    const live = at >= from;
    switch (item.kind) {
      case 'hour': {
        // Draw the next hour's arrivals of every lot; the random stream of a lot restarts each local day.
        const date = localParts(at).date;
        for (const st of states) {
          if (st.day !== date) {
            st.day = date;
            st.seq = 0;
            st.dayRng = rngFor(seed, 'arrivals', st.lot.code, date);
          }
          const rng = st.dayRng!;
          const mean = arrivalIntensity(st.lot.category, st.lot.kind, at + 30 * MINUTE) * st.lot.totalSpaces * st.lot.popularity;
          const times = Array.from({ length: rng.poisson(mean) }, () => sec(at + rng.float() * (HOUR - 1000))).sort((a, b) => a - b);
          for (const t of times) heap.push(t, { kind: 'arrive', at: t, st, car: newCar(st, rng, t) });
        }
        heap.push(at + HOUR, { kind: 'hour', at: at + HOUR });
        break;
      }
      case 'arrive': {
        const { st, car } = item;
        // Started from a history: those cars are its business.
        if (seeded && at < from) break;
        stats.arrivals += live ? 1 : 0;
        if (st.occupied >= st.lot.totalSpaces) {
          stats.turnedAway += live ? 1 : 0;
          break;
        }
        // The car's plate is parked somewhere already (here or in another lot): another car.
        let plate = car.plate;
        if (parkedPlates.has(plate.plate)) plate = generatePlate(rngFor(seed, 'replate', st.lot.code, car.day, car.seq));
        if (parkedPlates.has(plate.plate)) {
          stats.turnedAway += live ? 1 : 0;
          break;
        }
        st.occupied++;
        st.inside.add(plate.plate);
        parkedPlates.add(plate.plate);
        let berth = -1;
        if (st.berths) {
          const n = st.berths.length;
          const first = Math.floor(car.berthPick * n);
          for (let k = 0; k < n; k++) {
            const b = (first + k) % n;
            if (!st.berths[b]) {
              berth = b;
              st.berths[b] = true;
              break;
            }
          }
        }
        const entryId = `${st.lot.code}-${tag}${car.day.replaceAll('-', '')}-E${car.seq}`;
        const exitAt = at + car.dwellMs;
        heap.push(exitAt, { kind: 'depart', at: exitAt, st, car, entryAt: at, entryId: live ? entryId : null, berth, plate });
        if (car.prepay) {
          const payAt = Math.max(at + MINUTE, exitAt - car.prepayLeadMs);
          if (payAt < exitAt) heap.push(payAt, { kind: 'prepay', at: payAt, st, car, plate });
        }
        if (!live) break;
        stats.entries++;
        const berthCode = berth >= 0 ? `${st.lot.berthPrefix}${String(berth + 1).padStart(3, '0')}` : undefined;
        yield emit(st, st.source, at, entryId, (style) => ({
          type: 'entry', eventId: entryId, occurredAt: formatTime(at, style), lotCode: st.lot.code, plate: plate.raw,
          ...(plate.ticketId ? { ticketId: plate.ticketId } : { plateColor: plate.color as PlateColor }), ...(berthCode ? { berthCode } : {}),
        }), exitAt < to ? { exitAt } : {});
        break;
      }
      case 'depart': {
        const { st, car } = item;
        st.occupied--;
        st.inside.delete(item.plate.plate);
        parkedPlates.delete(item.plate.plate);
        if (st.berths && item.berth >= 0) st.berths[item.berth] = false;
        if (car.arrearsLaterMs !== null) {
          const payAt = at + car.arrearsLaterMs;
          heap.push(payAt, { kind: 'arrears', at: payAt, st, car, plate: item.plate });
        }
        if (!live) break;
        stats.exits++;
        const s = car.settlement;
        const withId = item.entryId !== null && car.exitStyle >= EXIT_WITHOUT_ENTRY_ID;
        const withEnteredAt = !withId || car.exitStyle >= 1 - EXIT_WITH_ENTERED_AT;
        const exitId = item.exitId ?? `${st.lot.code}-${tag}${car.day.replaceAll('-', '')}-X${car.seq}`;
        yield emit(st, st.source, at, exitId, (style) => ({
          type: 'exit', eventId: exitId, occurredAt: formatTime(at, style), lotCode: st.lot.code, plate: item.plate.raw,
          ...(item.plate.ticketId ? { ticketId: item.plate.ticketId } : {}),
          ...(withId ? { entryEventId: item.entryId! } : {}),
          ...(withEnteredAt ? { enteredAt: formatTime(item.entryAt, style) } : {}),
          receivableFen: s.receivableFen, paidFen: s.paidFen,
          ...(s.payChannel ? { payChannel: s.payChannel } : {}),
        }), { entryAt: item.entryAt });
        break;
      }
      case 'prepay':
      case 'arrears': {
        if (!live) break;
        const { st, car } = item;
        stats.payments++;
        const prepay = item.kind === 'prepay';
        const amount = prepay ? car.settlement.paidFen : car.settlement.arrearsFen;
        const channel: PayChannel = prepay ? (car.settlement.payChannel ?? 'wechat') : car.seq % 3 === 0 ? 'alipay' : 'wechat';
        const eventId = `${st.lot.code}-${tag}${car.day.replaceAll('-', '')}-${prepay ? 'P' : 'B'}${car.seq}`;
        yield emit(st, st.source, at, eventId, (style) => ({
          type: 'payment', eventId, occurredAt: formatTime(at, style), lotCode: st.lot.code, plate: item.plate.raw,
          ...(item.plate.ticketId ? { ticketId: item.plate.ticketId } : {}),
          orderNo: orderNo(prepay ? 'PP' : 'BJ', at, st.lot.code, car.seq), amountFen: amount, channel, paidAt: formatTime(at, style),
        }));
        break;
      }
      case 'status': {
        const { st } = item;
        heap.push(at + statusEvery, { kind: 'status', at: at + statusEvery, st });
        stats.statuses++;
        const eventId = `${st.lot.code}-${tag}S${compactMinute(at)}`;
        const free = st.lot.totalSpaces - st.occupied;
        yield emit(st, st.source, at, eventId, (style) => ({
          type: 'status', eventId, occurredAt: formatTime(at, style), lotCode: st.lot.code, totalSpaces: st.lot.totalSpaces, freeSpaces: free,
        }));
        break;
      }
      case 'heartbeat': {
        heap.push(at + heartbeatEvery, { kind: 'heartbeat', at: at + heartbeatEvery, source: item.source });
        stats.heartbeats++;
        const eventId = `${item.source.code}-${tag}H${compactMinute(at)}`;
        yield emit(null, item.source, at, eventId, (style) => ({ type: 'heartbeat', eventId, occurredAt: formatTime(at, style) }));
        break;
      }
    }
  }
}

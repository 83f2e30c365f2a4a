import { describe, expect, it } from 'vitest';
import { FAULT_PRESETS, episode } from './faults.js';
import { generateEvents, type ParkedCar } from './generator.js';
import { daysOf, faultEpisodes, historyHours, meanArrivals, planSlots, statusOrigin } from './history.js';
import { buildLotSet, scaleLotSet } from './lot-set.js';
import { regularPools } from './pools.js';
import { parseSimTime } from './time.js';

/* The pure parts of the set-based history (history.ts) and what it shares with the live generator. */

const day = (d: string) => Date.parse(`${d}T00:00:00+08:00`);

describe('history plan', () => {
  const set = buildLotSet(2026, 40);

  it('gives every lot-hour a range of car numbers that fits its draw and meets no other', () => {
    const hours = historyHours(day('2026-11-23'), day('2026-11-26'), 48);
    expect(hours[0]!.at).toBe(day('2026-11-21'));
    expect(hours.length).toBe(5 * 24);
    const slots = planSlots(set.lots, hours);
    let city = 0;
    const lotNext = new Map<number, number>();
    for (const s of slots) {
      // The statement draws floor(mean · (0.8 + 0.4u) + u') ≤ floor(1.2 · mean) + 1 cars.
      expect(s.width).toBeGreaterThanOrEqual(Math.floor(1.2 * s.mean) + 1);
      expect(s.mean).toBeCloseTo(meanArrivals(set.lots[s.lot]!, hours[s.hour]!), 12);
      expect(s.cityBase).toBe(city);
      expect(s.lotBase).toBe(lotNext.get(s.lot) ?? 0);
      city += s.width;
      lotNext.set(s.lot, s.lotBase + s.width);
    }
  });

  it('knows workdays, weekends and public holidays by the State Council calendar', () => {
    const hours = historyHours(day('2026-10-01'), day('2026-10-12'), 0);
    const kind = (d: string) => hours.find((h) => h.at === day(d))!.day;
    expect(kind('2026-10-01')).toBe('holiday'); // 国庆节
    expect(kind('2026-10-09')).toBe('workday'); // Friday
    expect(kind('2026-10-10')).toBe('workday'); // a make-up Saturday (调休上班)
    expect(kind('2026-10-11')).toBe('weekend');
  });

  it('draws the live generator\'s late and silent episodes, at the fault preset\'s rates', () => {
    const faults = FAULT_PRESETS.default;
    const from = day('2026-09-01');
    const to = day('2026-11-30');
    const { late, silent } = faultEpisodes(set, from, to, 7, faults);
    for (const e of late.slice(0, 20)) {
      const date = daysOf(e.start - 26 * 3_600_000, e.start + 1).find((d) => episode(7, 'late', e.key, d, faults.lateRate, faults.lateHours)?.start === e.start);
      expect(date, `${e.key} ${new Date(e.start).toISOString()}`).toBeDefined();
    }
    const lotDays = set.lots.length * 90;
    expect(late.length / lotDays).toBeGreaterThan(faults.lateRate * 0.7);
    expect(late.length / lotDays).toBeLessThan(faults.lateRate * 1.3);
    expect(silent.length / (set.sources.length * 90)).toBeLessThan(faults.silentRate * 2);
    for (const e of late) expect((e.end - e.start) / 3_600_000).toBeGreaterThanOrEqual(faults.lateHours[0]);
  });

  it('puts status reports on the live generator\'s phase', () => {
    const at = statusOrigin('SIM-CC-0001', day('2026-11-25'), 15 * 60_000, 2026);
    expect(at).toBeGreaterThanOrEqual(day('2026-11-25'));
    expect(at - day('2026-11-25')).toBeLessThan(15 * 60_000);
    expect(statusOrigin('SIM-CC-0001', day('2026-11-25') + 60 * 60_000, 15 * 60_000, 2026) - at).toBe(60 * 60_000);
  });
});

describe('plates', () => {
  it('gives no plate to the regulars of two lots, and a lot keeps its pool when the city grows', () => {
    const small = regularPools(buildLotSet(5, 60), 5);
    const big = regularPools(buildLotSet(5, 120), 5);
    const owner = new Map<string, string>();
    for (const [lot, pool] of big) {
      for (const p of pool) {
        expect(owner.get(p.plate), p.plate).toBeUndefined();
        owner.set(p.plate, lot);
      }
    }
    for (const [lot, pool] of small) expect(big.get(lot)).toEqual(pool);
  });

  it('never has a car in two lots at once in the live feed', () => {
    // A scaled city, so lots fill and regulars come back: a day and a half with warm-up.
    const set = scaleLotSet(buildLotSet(3, 60), 0.2);
    const inside = new Map<string, string>();
    const problems: string[] = [];
    for (const e of generateEvents(set, { from: day('2026-11-24'), to: day('2026-11-25') + 12 * 3_600_000, seed: 3, warmupHours: 0 })) {
      const ev = e.event;
      // A car without a plate is known by its ticket (无牌车#<ticket>), as ingestion keys it.
      const key = (raw: string, ticketId: string | undefined) => ticketId !== undefined ? `无牌车#${ticketId}`
        : raw.replace(/[·\s]/g, '').toUpperCase().replace(/[０-９Ａ-Ｚ]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
      if (ev.type === 'entry') {
        const plate = key(ev.plate, ev.ticketId);
        const where = inside.get(plate);
        if (where) problems.push(`${plate} enters ${ev.lotCode} while in ${where}`);
        inside.set(plate, ev.lotCode);
      } else if (ev.type === 'exit') {
        const plate = key(ev.plate, ev.ticketId);
        if (inside.get(plate) === ev.lotCode) inside.delete(plate);
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('live start from a history', () => {
  it('drives the parked cars out at their time, naming their entry, and starts no warm-up', () => {
    const set = buildLotSet(9, 3);
    const from = day('2026-11-25') + 10 * 3_600_000;
    const lot = set.lots[0]!;
    const parked: ParkedCar[] = [{
      lotCode: lot.code, plate: '苏F12345', plateRaw: '苏F·12345', color: 'blue', entryAt: from - 3_600_000, exitAt: from + 20 * 60_000,
      entryEventId: `${lot.code}-h9-20261125-E77`, berthCode: null, receivableFen: 500, paidFen: 500, payChannel: 'alipay',
    }];
    const events = [...generateEvents(set, { from, to: from + 3_600_000, seed: 9, parked })];
    const exit = events.find((e) => e.event.type === 'exit' && e.event.plate === '苏F·12345');
    expect(exit?.at).toBe(from + 20 * 60_000);
    expect(exit?.event).toMatchObject({ eventId: `${lot.code}-h9-20261125-X77`, receivableFen: 500, paidFen: 500, payChannel: 'alipay' });
    if (exit?.event.type === 'exit' && exit.event.enteredAt) expect(parseSimTime(exit.event.enteredAt)).toBe(from - 3_600_000);
    // Nothing from before the start; live ids carry the start, so a later start reuses none.
    expect(events.every((e) => e.at >= from)).toBe(true);
    const entry = events.find((e) => e.event.type === 'entry');
    expect(entry?.event.eventId).toMatch(/-s9r1000-20261125-E\d+$/);
  });
});

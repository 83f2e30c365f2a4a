import { describe, expect, it } from 'vitest';
import { noPlateKey } from '../../platform/plates.js';
import type { SimEvent } from './events.js';
import { emptyGeneratorStats, generateEvents } from './generator.js';
import { buildLotSet, type LotSet } from './lot-set.js';
import { NO_PLATE_SHARE } from './plates.js';
import { parseSimTime } from './time.js';

const day = (d: string) => Date.parse(`${d}T00:00:00+08:00`);
const run = (set: LotSet, from: number, to: number, seed: number, warmupHours?: number) =>
  [...generateEvents(set, { from, to, seed, ...(warmupHours !== undefined ? { warmupHours } : {}) })];

describe('event generator', () => {
  // Small enough to stay fast: 8 lots, one Saturday, 12 hours of warm-up.
  const set = buildLotSet(11, 8);
  const from = day('2026-03-07');
  const to = day('2026-03-08');
  const events = run(set, from, to, 11, 12);

  it('is deterministic: same seed, same events', () => {
    expect(run(set, from, to, 11, 12)).toEqual(events);
    expect(run(set, from, from + 3_600_000, 12, 12)).not.toEqual(events.filter((e) => e.at < from + 3_600_000));
  });

  it('yields every kind of event, inside the window, in occurredAt order', () => {
    const types = new Set(events.map((e) => e.event.type));
    expect([...types].sort()).toEqual(['entry', 'exit', 'heartbeat', 'payment', 'status']);
    const outOfOrder = events.filter((e, i) => i > 0 && e.at < events[i - 1]!.at);
    expect(outOfOrder).toEqual([]);
    expect(events.filter((e) => e.at < from || e.at >= to)).toEqual([]);
    expect(events.filter((e) => parseSimTime(e.event.occurredAt) !== e.at)).toEqual([]);
  });

  it('writes occurredAt with +08:00 or in the naive Shanghai form', () => {
    const forms = events.map((e) => e.event.occurredAt);
    expect(forms.filter((t) => !/^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d\+08:00| \d\d:\d\d:\d\d)$/.test(t))).toEqual([]);
  });

  it('keeps event ids unique per source', () => {
    const seen = new Set<string>();
    const dups = events.filter((e) => {
      const k = `${e.sourceCode}|${e.event.eventId}`;
      const dup = seen.has(k);
      seen.add(k);
      return dup;
    });
    expect(dups).toEqual([]);
  });

  it('sends every exit after its entry, and refers to entries that were sent', () => {
    const entries = new Map<string, SimEvent>();
    const problems: string[] = [];
    for (const e of events) {
      if (e.event.type === 'entry') entries.set(e.event.eventId, e);
      if (e.event.type !== 'exit') continue;
      if (e.entryAt === undefined || e.entryAt >= e.at) problems.push(`${e.event.eventId} leaves before it came`);
      if (e.event.entryEventId) {
        const entry = entries.get(e.event.entryEventId);
        if (!entry || entry.at >= e.at) problems.push(`${e.event.eventId}: no earlier entry ${e.event.entryEventId}`);
        else if (entry.event.type === 'entry' && entry.event.plate !== e.event.plate) problems.push(`${e.event.eventId}: plate differs`);
      } else if (!e.event.enteredAt) problems.push(`${e.event.eventId}: neither entryEventId nor enteredAt`);
      if (e.event.enteredAt && parseSimTime(e.event.enteredAt) !== e.entryAt) problems.push(`${e.event.eventId}: enteredAt`);
      if ((e.event.paidFen ?? 0) > (e.event.receivableFen ?? 0)) problems.push(`${e.event.eventId}: paid more than due`);
    }
    expect(problems).toEqual([]);
    const exits = events.filter((e) => e.event.type === 'exit');
    // Cars that came in during the warm-up leave with enteredAt only; most exits carry the entry id.
    expect(exits.filter((e) => e.event.type === 'exit' && e.event.entryEventId).length / exits.length).toBeGreaterThan(0.6);
  });

  it('lets in a realistic share of cars without a plate, on a ticket their exit and payments carry too', () => {
    // Two days of 40 lots: a few hundred entries per lot and day, enough for the share to show.
    const big = buildLotSet(11, 40);
    const evs = run(big, from, from + 2 * 86_400_000, 11, 12);
    const entries = evs.filter((e) => e.event.type === 'entry');
    const noPlate = entries.filter((e) => e.event.type === 'entry' && e.event.ticketId !== undefined);
    const share = noPlate.length / entries.length;
    expect(share).toBeGreaterThan(NO_PLATE_SHARE * 0.6);
    expect(share).toBeLessThan(NO_PLATE_SHARE * 1.5);
    const problems: string[] = [];
    const tickets = new Map<string, string>();
    for (const e of noPlate) {
      if (e.event.type !== 'entry') continue;
      if (!['无牌车', '临时车'].includes(e.event.plate)) problems.push(`${e.event.eventId}: plate ${e.event.plate}`);
      if (!/^T[0-9A-Z]{10}$/.test(e.event.ticketId!)) problems.push(`${e.event.eventId}: ticket ${e.event.ticketId}`);
      if (e.event.plateColor !== undefined) problems.push(`${e.event.eventId}: a colour for no plate`);
      if (tickets.has(e.event.ticketId!)) problems.push(`${e.event.eventId}: ticket reused`);
      tickets.set(e.event.ticketId!, e.event.eventId);
    }
    // Both words lot systems use.
    expect(new Set(noPlate.map((e) => (e.event as { plate: string }).plate))).toEqual(new Set(['无牌车', '临时车']));
    // The exit of each such car names the same ticket and word; every other event with a ticket is one of theirs.
    let paired = 0;
    for (const e of evs) {
      if (e.event.type !== 'exit' && e.event.type !== 'payment') continue;
      const ticket = e.event.ticketId;
      if (ticket === undefined) {
        if (e.event.plate !== undefined && ['无牌车', '临时车'].includes(e.event.plate)) problems.push(`${e.event.eventId}: no plate, no ticket`);
        continue;
      }
      if (e.event.type !== 'exit') continue;
      const entryId = tickets.get(ticket);
      // A car in since before the window (warm-up) has no entry here; its plate is still a 无牌车 word.
      if (entryId === undefined) continue;
      paired++;
      if (e.event.entryEventId !== undefined && e.event.entryEventId !== entryId) problems.push(`${e.event.eventId}: exit of ${e.event.entryEventId}, ticket of ${entryId}`);
      if (noPlateKey(ticket) === null) problems.push(`${e.event.eventId}: ticket has no key`);
    }
    expect(problems).toEqual([]);
    expect(paired).toBeGreaterThan(noPlate.length * 0.7);
  });

  it('reports status consistent with occupancy, never above capacity or below zero', () => {
    // Without warm-up the lots open empty, so occupancy can be counted from the events alone.
    const cold = run(set, from, to, 11, 0);
    const occupied = new Map<string, number>();
    const problems: string[] = [];
    const capacity = new Map(set.lots.map((l) => [l.code, l.totalSpaces]));
    for (const e of cold) {
      const lot = e.lotCode!;
      if (e.event.type === 'entry') occupied.set(lot, (occupied.get(lot) ?? 0) + 1);
      if (e.event.type === 'exit') occupied.set(lot, (occupied.get(lot) ?? 0) - 1);
      const n = occupied.get(lot) ?? 0;
      if (n < 0 || n > capacity.get(lot)!) problems.push(`${lot} at ${e.event.occurredAt}: ${n}`);
      if (e.event.type === 'status' && e.event.freeSpaces !== e.event.totalSpaces - n) problems.push(`${e.event.eventId}: free ${e.event.freeSpaces}, occupied ${n}`);
    }
    expect(problems).toEqual([]);
    for (const e of events) if (e.event.type === 'status') expect(e.event.freeSpaces).toBeGreaterThanOrEqual(0);
  });

  it('turns cars away at a full lot and never double-books a berth', () => {
    const tiny: LotSet = {
      seed: 1,
      sources: [{ code: 'SIM-T-01', name: 't', vendor: 'v', districtCode: '320602', timeStyle: 'naive', lotCodes: ['SIM-T-R001'] }],
      lots: [{ code: 'SIM-T-R001', name: '路内', districtCode: '320602', kind: 'on_street', category: 'commercial', totalSpaces: 4, lng: 120.87, lat: 32.01, address: 'x', sourceCode: 'SIM-T-01', berthPrefix: 'T-', popularity: 1.4 }],
    };
    const stats = emptyGeneratorStats();
    const evs = [...generateEvents(tiny, { from, to, seed: 5, warmupHours: 0 }, stats)];
    expect(stats.turnedAway).toBeGreaterThan(0);
    const taken = new Map<string, string>();
    const plateOf = new Map<string, string>();
    const problems: string[] = [];
    for (const e of evs) {
      if (e.event.type === 'entry') {
        const b = e.event.berthCode!;
        if (!/^T-00[1-4]$/.test(b)) problems.push(`bad berth ${b}`);
        if (taken.has(b)) problems.push(`${b} taken twice`);
        taken.set(b, e.event.eventId);
        plateOf.set(e.event.eventId, b);
      }
      if (e.event.type === 'exit') {
        const b = [...taken.entries()].find(([, id]) => id === e.event.eventId.replace('-X', '-E'))?.[0];
        if (b) taken.delete(b);
        else if (e.event.entryEventId) problems.push(`exit ${e.event.eventId} frees nothing`);
      }
      if (taken.size > 4) problems.push('over capacity');
    }
    expect(problems).toEqual([]);
    expect(evs.every((e) => e.event.type === 'heartbeat' || /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(e.event.occurredAt))).toBe(true);
  });

  it('gives overlapping windows the same event ids', () => {
    const quiet = buildLotSet(11, 3);
    const noon = from + 12 * 3_600_000;
    const long = run(quiet, from, to, 11, 12).filter((e) => e.at >= noon && e.event.type === 'entry');
    const short = run(quiet, noon, to, 11, 12).filter((e) => e.event.type === 'entry');
    const longIds = new Set(long.map((e) => e.event.eventId));
    // The same cars arrive; only turn-aways at a full lot could differ between the runs.
    expect(short.filter((e) => longIds.has(e.event.eventId)).length / short.length).toBeGreaterThan(0.95);
    expect(short.length / long.length).toBeGreaterThan(0.95);
  });
});

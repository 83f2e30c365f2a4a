import { describe, expect, it } from 'vitest';
import { isValidPlate, normalizePlate } from '../../platform/plates.js';
import type { SimEvent } from './events.js';
import { applyFaults, Batcher, emptyFaultStats, episode, FAULT_PRESETS, type Delivery, type FaultConfig } from './faults.js';
import { generateEvents } from './generator.js';
import { buildLotSet } from './lot-set.js';

const HOUR = 3_600_000;
const from = Date.parse('2026-03-09T00:00:00+08:00');
const to = from + 2 * 24 * HOUR;
// Seed 15 gives two sources for these 8 lots, both with a silence in the window.
const SEED = 15;
const set = buildLotSet(SEED, 8);
const events: SimEvent[] = [...generateEvents(set, { from, to, seed: SEED, warmupHours: 12 })];

const config: FaultConfig = {
  duplicateBatchRate: 0.1,
  lateRate: 0.3,
  lateHours: [2.5, 6],
  outOfOrderRate: 0.05,
  orphanExitRate: 0.03,
  silentRate: 0.5,
  silentHours: [2, 5],
  invalidRate: 0.02,
};

function deliver(cfg: FaultConfig) {
  const stats = emptyFaultStats();
  const out = [...applyFaults(events, cfg, SEED, stats)];
  return { stats, out };
}

describe('faults', () => {
  const { stats, out } = deliver(config);

  it('without faults delivers every event once, when it occurs', () => {
    const clean = deliver(FAULT_PRESETS.none);
    expect(clean.out.map((d) => d.event)).toEqual(events.map((e) => e.event));
    expect(clean.out.every((d, i) => d.availableAt === events[i]!.at)).toBe(true);
  });

  it('is deterministic and delivers in availableAt order, never before the event occurred', () => {
    expect(deliver(config).out).toEqual(out);
    expect(out.filter((d, i) => i > 0 && d.availableAt < out[i - 1]!.availableAt)).toEqual([]);
    expect(out.filter((d) => d.availableAt < d.at)).toEqual([]);
    // Faults change delivery, not occurredAt.
    const byId = new Map(events.map((e) => [e.event.eventId, e.event]));
    expect(out.filter((d) => d.fault !== 'invalid' && byId.get(d.event.eventId) !== d.event)).toEqual([]);
  });

  it('sends some exits before their entries, at about the configured rate', () => {
    const entriesWithExit = events.filter((e) => e.event.type === 'entry' && e.exitAt !== undefined).length;
    expect(stats.outOfOrder / entriesWithExit).toBeGreaterThan(config.outOfOrderRate * 0.6);
    expect(stats.outOfOrder / entriesWithExit).toBeLessThan(config.outOfOrderRate * 1.5);
    const position = new Map(out.map((d, i) => [d.event.eventId, i]));
    const reversed = out.filter((d) => d.fault === 'out_of_order').filter((d) => {
      const exit = position.get(d.event.eventId.replace(/-E(\d+)$/, '-X$1'));
      return exit !== undefined && exit < position.get(d.event.eventId)!;
    });
    expect(reversed.length).toBeGreaterThan(stats.outOfOrder * 0.8);
  });

  it('never sends some entries, at about the configured rate', () => {
    const entries = events.filter((e) => e.event.type === 'entry').length;
    const sent = new Set(out.map((d) => d.event.eventId));
    const missing = events.filter((e) => e.event.type === 'entry' && !sent.has(e.event.eventId)).length;
    expect(missing).toBe(stats.orphanExits);
    expect(missing / entries).toBeGreaterThan(config.orphanExitRate * 0.6);
    expect(missing / entries).toBeLessThan(config.orphanExitRate * 1.5);
  });

  it('holds back lots\' events for hours (late uploads), at about the configured rate of lot-days', () => {
    const late = out.filter((d) => d.fault === 'late');
    expect(late.length).toBe(stats.late);
    expect(late.length).toBeGreaterThan(0);
    // Every late event waited until its episode ended: at least the shortest episode's tail.
    expect(late.every((d) => d.availableAt > d.at)).toBe(true);
    expect(Math.max(...late.map((d) => d.availableAt - d.at))).toBeGreaterThan(2 * HOUR);
    // The episode rate itself, over many lot-days.
    let n = 0;
    for (let i = 0; i < 5000; i++) if (episode(SEED, 'late', `L${i}`, '2026-03-09', 0.3, [2.5, 6])) n++;
    expect(n / 5000).toBeGreaterThan(0.27);
    expect(n / 5000).toBeLessThan(0.33);
  });

  it('silences sources: no heartbeats during the silence, other events held until it ends', () => {
    expect(stats.silentEpisodes).toBeGreaterThan(0);
    let n = 0;
    for (let i = 0; i < 5000; i++) if (episode(SEED, 'silent', `S${i}`, '2026-03-09', 0.5, [2, 5])) n++;
    expect(Math.abs(n / 5000 - 0.5)).toBeLessThan(0.03);
    expect(stats.silencedHeartbeats).toBeGreaterThan(60);
    const sent = new Set(out.map((d) => d.event.eventId));
    const lostBeats = events.filter((e) => e.event.type === 'heartbeat' && !sent.has(e.event.eventId));
    expect(lostBeats.length).toBe(stats.silencedHeartbeats);
    // During a silence (a run of lost heartbeats), the source delivers nothing.
    const beat = lostBeats[Math.floor(lostBeats.length / 2)]!;
    const during = out.filter((d) => d.sourceCode === beat.sourceCode && Math.abs(d.availableAt - beat.at) < 30_000);
    expect(during).toEqual([]);
  });

  it('adds invalid events for the quarantine', () => {
    const bad = out.filter((d) => d.fault === 'invalid');
    expect(bad.length).toBe(stats.invalid);
    expect(bad.length).toBeGreaterThan(0);
    for (const d of bad) {
      expect(d.event.eventId).toMatch(/-BAD$/);
      // A 无牌车 twin goes without its ticket: no longer pairable, so still refused.
      if (d.event.type === 'entry') expect([isValidPlate(normalizePlate(d.event.plate)), d.event.ticketId]).toEqual([false, undefined]);
      else if (d.event.type === 'status') expect(d.event.freeSpaces).toBeGreaterThan(d.event.totalSpaces);
      else throw new Error(`unexpected invalid ${d.event.type}`);
    }
  });

  it('batches per source, ≤ maxEvents, and resends about the configured share of batches', () => {
    const bstats = emptyFaultStats();
    const batcher = new Batcher({ maxEvents: 50, maxWaitMs: 60_000, duplicateBatchRate: 0.1, seed: SEED }, bstats);
    const batches = [];
    for (const d of out as Delivery[]) {
      batches.push(...batcher.push(d));
      batches.push(...batcher.due(d.availableAt));
    }
    batches.push(...batcher.drain(to + 24 * HOUR));
    const originals = batches.filter((b) => !b.resend);
    const resends = batches.filter((b) => b.resend);
    expect(batches.every((b) => b.events.length > 0 && b.events.length <= 50)).toBe(true);
    expect(resends.length).toBe(bstats.duplicateBatches);
    expect(resends.length / originals.length).toBeGreaterThan(0.06);
    expect(resends.length / originals.length).toBeLessThan(0.15);
    // A resend repeats a batch already sent, with the same event ids.
    for (const r of resends) {
      const i = batches.indexOf(r);
      const original = batches.findIndex((b) => !b.resend && b.sourceCode === r.sourceCode && b.index === r.index);
      expect(original).toBeGreaterThanOrEqual(0);
      expect(original).toBeLessThan(i);
      expect(batches[original]!.events.map((e) => e.eventId)).toEqual(r.events.map((e) => e.eventId));
    }
    // Every delivery goes out exactly once in the original batches, in its source's order.
    expect(originals.reduce((n, b) => n + b.events.length, 0)).toBe(out.length);
    for (const src of set.sources) {
      const sentOrder = originals.filter((b) => b.sourceCode === src.code).flatMap((b) => b.events.map((e) => e.eventId));
      expect(sentOrder).toEqual(out.filter((d) => d.sourceCode === src.code).map((d) => d.event.eventId));
    }
  });
});

import type { IngestEvent, SimEvent } from './events.js';
import { MinHeap } from './heap.js';
import { INVALID_PLATES } from './plates.js';
import { unitHash } from './random.js';
import { DAY, HOUR, localParts, midnightOf, MINUTE, SECOND } from './time.js';

/*
 * Faults that real lot systems produce, injected into the simulated feed so that the platform's
 * dedup, late-delivery monitoring, session matching and quarantine all get traffic. Each fault
 * has a rate; every decision is a hash of the seed and the event id (or lot/source and day),
 * so the same run injects the same faults, whatever the order in which things are asked.
 *
 * Faults change *delivery* (when and how often an event is sent), never an event's occurredAt:
 * - duplicate sends: a batch is sent again a little later (same event ids → duplicates);
 * - late uploads: a lot's events of a few hours are held back, then sent together (the lot shows
 *   as late in sync monitoring while its source's heartbeats continue);
 * - out-of-order exits: an entry is held back until just after its exit was sent;
 * - exits with no entry ever: the entry is never sent;
 * - silent source: a source sends nothing for hours — heartbeats are lost, the rest is uploaded
 *   when it comes back;
 * - invalid events: an extra event with a plate like '未识别' or a 无牌车 without its ticket, or a status with
 *   freeSpaces > totalSpaces, for the quarantine.
 */

export interface FaultConfig {
  /** Share of batches sent twice. */
  duplicateBatchRate: number;
  /** Chance per lot and day of a late-upload episode. */
  lateRate: number;
  /** Length of a late-upload episode, hours [min, max]. */
  lateHours: readonly [number, number];
  /** Share of entries (whose exit falls in the window) sent after their exit. */
  outOfOrderRate: number;
  /** Share of entries never sent, leaving their exit without an entry. */
  orphanExitRate: number;
  /** Chance per source and day of going silent. */
  silentRate: number;
  /** Length of a silence, hours [min, max]. */
  silentHours: readonly [number, number];
  /** Share of entries and status reports followed by an invalid twin. */
  invalidRate: number;
}

export const FAULT_PRESETS = {
  none: { duplicateBatchRate: 0, lateRate: 0, lateHours: [2.5, 6], outOfOrderRate: 0, orphanExitRate: 0, silentRate: 0, silentHours: [2, 5], invalidRate: 0 },
  default: { duplicateBatchRate: 0.02, lateRate: 0.04, lateHours: [2.5, 6], outOfOrderRate: 0.01, orphanExitRate: 0.005, silentRate: 0.03, silentHours: [2, 5], invalidRate: 0.002 },
  heavy: { duplicateBatchRate: 0.1, lateRate: 0.2, lateHours: [2.5, 10], outOfOrderRate: 0.05, orphanExitRate: 0.03, silentRate: 0.15, silentHours: [2, 8], invalidRate: 0.02 },
} as const satisfies Record<string, FaultConfig>;
export type FaultPreset = keyof typeof FAULT_PRESETS;

export type FaultKind = 'late' | 'silent' | 'out_of_order' | 'invalid';

/** An event ready to be sent from `availableAt` (simulated time) by its source. */
export interface Delivery {
  availableAt: number;
  sourceCode: string;
  /** occurredAt, epoch ms */
  at: number;
  event: IngestEvent;
  fault?: FaultKind;
}

export interface FaultStats {
  /** Events held back by a late-upload episode. */
  late: number;
  lateEpisodes: number;
  /** Entries sent after their exit. */
  outOfOrder: number;
  /** Entries never sent. */
  orphanExits: number;
  silentEpisodes: number;
  /** Heartbeats lost while silent. */
  silencedHeartbeats: number;
  /** Other events held while silent. */
  silentHeld: number;
  invalid: number;
  duplicateBatches: number;
}

export const emptyFaultStats = (): FaultStats => ({
  late: 0, lateEpisodes: 0, outOfOrder: 0, orphanExits: 0, silentEpisodes: 0, silencedHeartbeats: 0, silentHeld: 0, invalid: 0, duplicateBatches: 0,
});

interface Window {
  start: number;
  end: number;
}

/** The episode (if any) that `key` (a lot or source) has starting on local day `date`. */
export function episode(seed: number, kind: string, key: string, date: string, rate: number, hours: readonly [number, number]): Window | null {
  if (rate <= 0 || unitHash(seed, kind, key, date) >= rate) return null;
  const start = midnightOf(date) + Math.floor(unitHash(seed, kind, 'start', key, date) * 20 * HOUR / SECOND) * SECOND + 2 * HOUR;
  const length = (hours[0] + unitHash(seed, kind, 'length', key, date) * (hours[1] - hours[0])) * HOUR;
  return { start, end: start + Math.round(length / SECOND) * SECOND };
}

/** The episode of `key` covering instant `at`: one that began that day or the day before. */
function episodeAt(seed: number, kind: string, key: string, at: number, rate: number, hours: readonly [number, number]): (Window & { date: string }) | null {
  for (const back of [0, 1]) {
    const date = localParts(at - back * DAY).date;
    const w = episode(seed, kind, key, date, rate, hours);
    if (w && at >= w.start && at < w.end) return { ...w, date };
  }
  return null;
}

function invalidTwin(e: IngestEvent, seed: number): IngestEvent | null {
  if (e.type === 'entry') {
    const plate = INVALID_PLATES[Math.floor(unitHash(seed, 'invalid-plate', e.eventId) * INVALID_PLATES.length)]!;
    // Without any ticket: a 无牌车 on its ticket is valid, one without cannot be paired.
    const { ticketId: _ticket, ...rest } = e;
    return { ...rest, eventId: `${e.eventId}-BAD`, plate };
  }
  if (e.type === 'status') return { ...e, eventId: `${e.eventId}-BAD`, freeSpaces: e.totalSpaces + 1 + Math.floor(unitHash(seed, 'invalid-free', e.eventId) * 20) };
  return null;
}

/**
 * Turns the generated feed (occurredAt order) into deliveries in `availableAt` order, with the
 * configured faults. Anything still held when the feed ends is released at the end.
 */
export function* applyFaults(events: Iterable<SimEvent>, config: FaultConfig, seed: number, stats: FaultStats = emptyFaultStats()): Generator<Delivery> {
  const held = new MinHeap<Delivery>();
  const episodes = new Set<string>();
  const hold = (d: Delivery, until: number, fault: FaultKind) => held.push(until, { ...d, availableAt: until, fault });

  for (const e of events) {
    while (held.size > 0 && held.peekKey()! <= e.at) yield held.pop()!;
    const d: Delivery = { availableAt: e.at, sourceCode: e.sourceCode, at: e.at, event: e.event };
    const id = e.event.eventId;

    const silence = episodeAt(seed, 'silent', e.sourceCode, e.at, config.silentRate, config.silentHours);
    if (silence) {
      const key = `silent|${e.sourceCode}|${silence.date}`;
      if (!episodes.has(key)) {
        episodes.add(key);
        stats.silentEpisodes++;
      }
      if (e.event.type === 'heartbeat') {
        stats.silencedHeartbeats++;
        continue;
      }
    }
    if (e.event.type === 'entry') {
      if (unitHash(seed, 'orphan', id) < config.orphanExitRate) {
        stats.orphanExits++;
        continue;
      }
    }
    if (config.invalidRate > 0 && (e.event.type === 'entry' || e.event.type === 'status') && unitHash(seed, 'invalid', id) < config.invalidRate) {
      const twin = invalidTwin(e.event, seed);
      if (twin) {
        stats.invalid++;
        const t: Delivery = { ...d, event: twin, fault: 'invalid' };
        if (silence) hold(t, silence.end + MINUTE, 'invalid');
        else yield t;
      }
    }
    if (silence) {
      stats.silentHeld++;
      hold(d, silence.end + Math.floor(unitHash(seed, 'silent-jitter', id) * 120) * SECOND, 'silent');
      continue;
    }
    const late = e.lotCode ? episodeAt(seed, 'late', e.lotCode, e.at, config.lateRate, config.lateHours) : null;
    if (late) {
      const key = `late|${e.lotCode}|${late.date}`;
      if (!episodes.has(key)) {
        episodes.add(key);
        stats.lateEpisodes++;
      }
      stats.late++;
      hold(d, late.end + Math.floor(unitHash(seed, 'late-jitter', id) * 300) * SECOND, 'late');
      continue;
    }
    if (e.event.type === 'entry' && e.exitAt !== undefined && unitHash(seed, 'out-of-order', id) < config.outOfOrderRate) {
      stats.outOfOrder++;
      hold(d, e.exitAt + (1 + Math.floor(unitHash(seed, 'ooo-jitter', id) * 60)) * SECOND, 'out_of_order');
      continue;
    }
    yield d;
  }
  while (held.size > 0) yield held.pop()!;
}

/** What the runner sends in one signed request. */
export interface Batch {
  sourceCode: string;
  events: IngestEvent[];
  /** When each event left the lot system (simulated ms): its occurrence, or later when held back. */
  handedOverAt: number[];
  /** Simulated time at which the batch was complete. */
  readyAt: number;
  /** Per source, from 1; a resend keeps the number of the batch it repeats. */
  index: number;
  resend: boolean;
}

export interface BatcherOptions {
  /** Most events per request (the API takes ≤ 1000). */
  maxEvents: number;
  /** A source's partial batch is sent once its oldest event has waited this long (simulated ms). */
  maxWaitMs: number;
  duplicateBatchRate: number;
  seed: number;
}

/**
 * Groups deliveries into per-source batches, like a lot system's upload queue, and decides which
 * batches are sent twice (the resend goes out 30 s – 10 min later, simulated time).
 */
export class Batcher {
  private readonly open = new Map<string, { events: IngestEvent[]; handedOverAt: number[]; since: number }>();
  private readonly counters = new Map<string, number>();
  private readonly resends = new MinHeap<Batch>();

  constructor(private readonly opts: BatcherOptions, private readonly stats: FaultStats = emptyFaultStats()) {}

  /** Adds one delivery; returns the batches it completed (full ones, and resends now due). */
  push(d: Delivery): Batch[] {
    let buf = this.open.get(d.sourceCode);
    if (!buf) {
      buf = { events: [], handedOverAt: [], since: d.availableAt };
      this.open.set(d.sourceCode, buf);
    }
    if (buf.events.length === 0) buf.since = d.availableAt;
    buf.events.push(d.event);
    buf.handedOverAt.push(d.availableAt);
    const out: Batch[] = [];
    if (buf.events.length >= this.opts.maxEvents) out.push(this.close(d.sourceCode, d.availableAt));
    this.dueResends(d.availableAt, out);
    return out;
  }

  /** Partial batches that waited long enough by `now`, and resends due by then. */
  due(now: number, maxWaitMs: number = this.opts.maxWaitMs): Batch[] {
    const out: Batch[] = [];
    for (const [source, buf] of this.open) {
      if (buf.events.length > 0 && now - buf.since >= maxWaitMs) out.push(this.close(source, now));
    }
    this.dueResends(now, out);
    return out;
  }

  /** Everything still open or pending, at the end of a run. */
  drain(now: number): Batch[] {
    const out: Batch[] = [];
    for (const [source, buf] of this.open) if (buf.events.length > 0) out.push(this.close(source, now));
    while (this.resends.size > 0) out.push(this.resends.pop()!);
    return out;
  }

  private close(source: string, now: number): Batch {
    const buf = this.open.get(source)!;
    const index = (this.counters.get(source) ?? 0) + 1;
    this.counters.set(source, index);
    const batch: Batch = { sourceCode: source, events: buf.events, handedOverAt: buf.handedOverAt, readyAt: now, index, resend: false };
    buf.events = [];
    buf.handedOverAt = [];
    if (unitHash(this.opts.seed, 'dup-batch', source, index) < this.opts.duplicateBatchRate) {
      this.stats.duplicateBatches++;
      const delay = (30 + Math.floor(unitHash(this.opts.seed, 'dup-delay', source, index) * 570)) * SECOND;
      this.resends.push(now + delay, { ...batch, readyAt: now + delay, resend: true });
    }
    return batch;
  }

  private dueResends(now: number, out: Batch[]): void {
    while (this.resends.size > 0 && this.resends.peekKey()! <= now) out.push(this.resends.pop()!);
  }
}

import { describe, expect, it } from 'vitest';
import { HttpError } from './client.js';
import { FakePlatform } from '../../../test/support/fake-platform.js';
import { formatReport, runSimulation, Sender, withSnapshots } from './runner.js';
import type { IngestEvent } from './events.js';
import { parseSimTime } from './time.js';
import type { Batch } from './faults.js';

const NOW = Date.parse('2026-03-09T10:00:00+08:00');

describe('runSimulation', () => {
  it('backfills through the signed API: registry set up, every event answered, faults visible in the replies', async () => {
    const platform = new FakePlatform(() => NOW);
    const quiet = () => undefined;
    const report = await runSimulation({ url: 'http://zhibo.test', password: 'pw', lots: 6, seed: 3, backfillDays: 0.25, faults: 'heavy', batchSize: 200, fetch: platform.fetch, now: () => NOW, log: quiet });
    expect(report.error).toBeNull();
    expect(report.mode).toBe('backfill');
    expect(report.registry.lotsCreated).toBe(6);
    const s = report.sent;
    expect(s.events).toBeGreaterThan(1000);
    expect(s.accepted + s.duplicates + s.rejected).toBe(s.events);
    expect(s.failedBatches).toBe(0);
    expect(platform.received).toHaveLength(s.events);
    // Nothing from the future, nothing outside the window.
    const times = platform.received.map((r) => parseSimTime(String(r.event.occurredAt)));
    expect(times.filter((t) => t >= NOW || t < NOW - 6 * 3_600_000)).toEqual([]);
    // Only the injected invalid events are rejected; resent batches come back as duplicates.
    const rejected = platform.received.filter((r) => r.status === 'rejected');
    expect(rejected.filter((r) => !String(r.event.eventId).endsWith('-BAD'))).toEqual([]);
    expect(s.rejected).toBeGreaterThan(0);
    expect(Object.keys(s.rejectCodes)).toEqual(['INVALID_PLATE']);
    if (report.faults.duplicateBatches > 0) expect(s.duplicates).toBeGreaterThan(0);
    expect(formatReport(report).join('\n')).toMatch(/accepted \d+, duplicates \d+, rejected \d+/);

    // Same seed again: the same history, so everything is a duplicate (or the same rejects).
    const again = await runSimulation({ url: 'http://zhibo.test', password: 'pw', lots: 6, seed: 3, backfillDays: 0.25, faults: 'heavy', batchSize: 200, fetch: platform.fetch, now: () => NOW, log: quiet });
    expect(again.registry).toMatchObject({ sourcesCreated: 0, lotsCreated: 0, lotsUnchanged: 6 });
    expect(again.sent.accepted).toBe(0);
  });

  it('live: catches up from midnight at the given speed and never sends an event ahead of the clock', async () => {
    let clock = NOW;
    const platform = new FakePlatform(() => clock);
    const report = await runSimulation({
      url: 'http://zhibo.test', password: 'pw', lots: 4, seed: 8, speed: 120, durationMinutes: 7, faults: 'none',
      fetch: platform.fetch, now: () => clock, log: () => undefined,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    expect(report.mode).toBe('live');
    expect(report.error).toBeNull();
    expect(report.from).toBe('2026-03-09T00:00:00+08:00');
    // 10 hours behind at ×120 is caught up after about 5 minutes; then it follows the clock.
    expect(parseSimTime(report.to)).toBe(NOW + 7 * 60_000);
    const ahead = platform.received.filter((r) => parseSimTime(String(r.event.occurredAt)) > r.receivedAt);
    expect(ahead).toEqual([]);
    expect(report.sent.accepted).toBe(report.sent.events);
    expect(platform.received.some((r) => parseSimTime(String(r.event.occurredAt)) > NOW)).toBe(true);
  });

  it('stops with a clear error when the ingest endpoint is missing', async () => {
    const platform = new FakePlatform(() => NOW);
    const fetch404: typeof fetch = async (input, init) =>
      String(input).endsWith('/api/v1/ingest/events') ? new Response('{"error":{"code":"NOT_FOUND","message":"Route POST:/api/v1/ingest/events not found"}}', { status: 404 }) : platform.fetch(input, init);
    const report = await runSimulation({ url: 'http://zhibo.test', password: 'pw', lots: 3, seed: 1, backfillDays: 0.05, faults: 'none', fetch: fetch404, now: () => NOW, log: () => undefined });
    expect(report.error).toMatch(/404 NOT_FOUND/);
    expect(report.sent.failedBatches).toBeGreaterThan(0);
  });
});

describe('snapshots', () => {
  const events: IngestEvent[] = Array.from({ length: 2000 }, (_, i): IngestEvent =>
    i % 3 === 2
      ? { type: 'status', eventId: `s${i}`, occurredAt: '2026-03-09 10:00:00', lotCode: 'L', totalSpaces: 10, freeSpaces: 5 }
      : { type: i % 3 ? 'exit' : 'entry', eventId: `e${i}`, occurredAt: '2026-03-09 10:00:00', lotCode: 'L', plate: '苏F12345' } as IngestEvent);
  const refs = ['photo:' + 'a'.repeat(64), 'photo:' + 'b'.repeat(64)];

  it('attaches a snapshot to about the given share of entries and exits, the same one for the same event', () => {
    const out = withSnapshots(events, refs, 0.2);
    const gate = out.filter((e) => e.type === 'entry' || e.type === 'exit');
    const withPhoto = gate.filter((e) => 'photoUrl' in e && e.photoUrl);
    expect(withPhoto.length / gate.length).toBeGreaterThan(0.15);
    expect(withPhoto.length / gate.length).toBeLessThan(0.25);
    expect(out.filter((e) => e.type === 'status' && 'photoUrl' in e)).toEqual([]);
    expect(new Set(withPhoto.map((e) => (e as { photoUrl: string }).photoUrl))).toEqual(new Set(refs));
    expect(withSnapshots(events, refs, 0.2)).toEqual(out);
    expect(withSnapshots(events, [], 0.2)).toBe(events);
  });

  it('goes on without photos when the upload is refused', async () => {
    const platform = new FakePlatform(() => NOW);
    const lines: string[] = [];
    const report = await runSimulation({ url: 'http://zhibo.test', password: 'pw', lots: 2, seed: 2, backfillDays: 0.02, faults: 'none', photoShare: 0.5, fetch: platform.fetch, now: () => NOW, log: (l) => lines.push(l) });
    expect(report.error).toBeNull();
    expect(lines.some((l) => l.includes('snapshot upload failed'))).toBe(true);
    expect(platform.received.some((r) => 'photoUrl' in r.event)).toBe(false);
  });
});

describe('Sender', () => {
  const batch = (sourceCode: string, index: number): Batch => ({ sourceCode, index, resend: false, readyAt: 0, handedOverAt: [0], events: [{ type: 'heartbeat', eventId: `${sourceCode}-${index}`, occurredAt: '2026-03-09 10:00:00' }] });

  it('keeps each source in order, one request at a time, and fails only the batches of a disabled source', async () => {
    const order: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const sender = new Sender(async (source, b) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await Promise.resolve();
      inFlight--;
      order.push(`${source}#${b.index}`);
      if (source === 'OFF') throw new HttpError(403, 'SOURCE_DISABLED', 'disabled', 'POST', '/api/v1/ingest/events');
      return { accepted: b.events.length, duplicates: 0, rejected: 0, results: [] };
    }, 2);
    for (let i = 1; i <= 3; i++) for (const s of ['A', 'B', 'OFF']) sender.enqueue(batch(s, i));
    await sender.idle();
    expect(sender.fatal).toBeNull();
    expect(maxInFlight).toBeLessThanOrEqual(2);
    for (const s of ['A', 'B', 'OFF']) expect(order.filter((o) => o.startsWith(`${s}#`))).toEqual([`${s}#1`, `${s}#2`, `${s}#3`]);
    expect(sender.stats).toMatchObject({ requests: 9, accepted: 6, failedBatches: 3, failedEvents: 3 });
  });

  it('stops everything on 401 (wrong secret, clocks apart)', async () => {
    const sender = new Sender(async () => {
      throw new HttpError(401, 'SIGNATURE_EXPIRED', 'clock', 'POST', '/api/v1/ingest/events');
    }, 1);
    for (let i = 1; i <= 5; i++) sender.enqueue(batch('A', i));
    await sender.idle();
    expect(sender.fatal).toBeInstanceOf(HttpError);
    expect(sender.stats.requests).toBe(1);
  });
});

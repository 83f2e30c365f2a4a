import { describe, expect, it } from 'vitest';
import { signatureMatches } from '../../platform/signing.js';
import { HttpError, parseRetryAfter, ZhiboClient } from './client.js';
import type { IngestEvent } from './events.js';
import { FakePlatform } from '../../../test/support/fake-platform.js';
import { buildLotSet } from './lot-set.js';

const events: IngestEvent[] = [{ type: 'heartbeat', eventId: 'HB-1', occurredAt: '2026-03-09 10:00:00' }];

function recordingFetch(replies: (Response | Error)[]) {
  const calls: { url: string; headers: Record<string, string>; body: string }[] = [];
  const f: typeof fetch = async (input, init) => {
    calls.push({ url: String(input), headers: Object.fromEntries(new Headers(init?.headers).entries()), body: String(init?.body ?? '') });
    const next = replies.shift() ?? new Response('{"accepted":1,"duplicates":0,"rejected":0,"results":[]}', { status: 200 });
    if (next instanceof Error) throw next;
    return next;
  };
  return { f, calls };
}

describe('simulator client', () => {
  it('signs ingest requests so that the server can verify them', async () => {
    const { f, calls } = recordingFetch([]);
    const client = new ZhiboClient({ baseUrl: 'http://zhibo.test/', fetch: f, now: () => new Date('2026-03-09T02:00:00Z') });
    client.setToken('admin-token');
    const reply = await client.postEvents('SIM-JS-01', 's3cret', events);
    expect(reply.accepted).toBe(1);
    const [call] = calls;
    expect(call!.url).toBe('http://zhibo.test/api/v1/ingest/events');
    expect(JSON.parse(call!.body)).toEqual({ events });
    expect(call!.headers['x-zhibo-source']).toBe('SIM-JS-01');
    expect(call!.headers['x-zhibo-timestamp']).toBe(String(Date.parse('2026-03-09T02:00:00Z') / 1000));
    expect(signatureMatches('s3cret', call!.headers['x-zhibo-timestamp']!, call!.body, call!.headers['x-zhibo-signature']!)).toBe(true);
    expect(signatureMatches('other', call!.headers['x-zhibo-timestamp']!, call!.body, call!.headers['x-zhibo-signature']!)).toBe(false);
    // The signature is the source's credential; the admin token is not sent along.
    expect(call!.headers.authorization).toBeUndefined();
  });

  it('retries 503, 429 and network errors with backoff, honouring Retry-After, and signs each attempt afresh', async () => {
    const { f, calls } = recordingFetch([
      new Response('{}', { status: 503, headers: { 'retry-after': '2' } }),
      new Response('{}', { status: 429, headers: { 'retry-after': '7' } }),
      new TypeError('fetch failed'),
    ]);
    const slept: number[] = [];
    let clock = Date.parse('2026-03-09T02:00:00Z');
    const client = new ZhiboClient({
      baseUrl: 'http://zhibo.test', fetch: f, random: () => 1, baseDelayMs: 100,
      sleep: async (ms) => {
        slept.push(ms);
        clock += ms;
      },
      now: () => new Date(clock),
    });
    const reply = await client.postEvents('S', 'k', events);
    expect(reply.accepted).toBe(1);
    expect(calls).toHaveLength(4);
    expect(slept).toEqual([2000, 7000, 400]);
    expect(client.retries).toBe(3);
    const stamps = calls.map((c) => Number(c.headers['x-zhibo-timestamp']));
    expect(stamps[3]! - stamps[0]!).toBe(9); // 2 s + 7 s + 0.4 s later
    for (const c of calls) expect(signatureMatches('k', c.headers['x-zhibo-timestamp']!, c.body, c.headers['x-zhibo-signature']!)).toBe(true);
  });

  it('does not retry other 4xx, and reports the server error code', async () => {
    const { f, calls } = recordingFetch([new Response(JSON.stringify({ error: { code: 'BAD_SIGNATURE', message: 'signature mismatch' } }), { status: 401 })]);
    const client = new ZhiboClient({ baseUrl: 'http://zhibo.test', fetch: f, sleep: async () => undefined });
    const err = await client.postEvents('S', 'k', events).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({ status: 401, code: 'BAD_SIGNATURE' });
    expect(calls).toHaveLength(1);
  });

  it('gives up after the configured number of retries', async () => {
    const { f, calls } = recordingFetch(Array.from({ length: 10 }, () => new Response('', { status: 503 })));
    const client = new ZhiboClient({ baseUrl: 'http://zhibo.test', fetch: f, retries: 2, sleep: async () => undefined });
    await expect(client.postEvents('S', 'k', events)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(calls).toHaveLength(3);
  });

  it('refuses batches over 1000 events', async () => {
    const client = new ZhiboClient({ baseUrl: 'http://zhibo.test', fetch: recordingFetch([]).f });
    const many = Array.from({ length: 1001 }, (_, i) => ({ ...events[0]!, eventId: `HB-${i}` }));
    await expect(client.postEvents('S', 'k', many)).rejects.toThrow(/1000/);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(null)).toBeNull();
    expect(parseRetryAfter('soon')).toBeNull();
  });

  it('creates sources and lots, binds lots to their source, numbers berths; a second run rotates unknown secrets and changes nothing else', async () => {
    const platform = new FakePlatform(() => Date.parse('2026-03-09T02:00:00Z'));
    const set = buildLotSet(3, 20);
    const client = new ZhiboClient({ baseUrl: 'http://zhibo.test', fetch: platform.fetch });
    await client.login('admin', 'pw');
    const first = await client.ensureRegistry(set);
    expect(first.summary).toMatchObject({ sourcesCreated: set.sources.length, sourcesRotated: 0, lotsCreated: 20, lotsUpdated: 0 });
    for (const s of set.sources) expect(first.secrets.get(s.code)).toBe(platform.sources.get(s.code)!.secret);
    for (const l of set.lots) {
      expect(platform.lots.get(l.code)).toMatchObject({ sourceCode: l.sourceCode, totalSpaces: l.totalSpaces, berthCount: l.kind === 'on_street' ? l.totalSpaces : 0 });
    }
    const known = Object.fromEntries([...first.secrets].slice(0, 1));
    const second = await client.ensureRegistry(set, known);
    expect(second.summary).toMatchObject({ sourcesCreated: 0, sourcesRotated: set.sources.length - 1, lotsCreated: 0, lotsUpdated: 0, lotsUnchanged: 20, berthsCreated: 0 });
    // A lot changed on the server (another seed used the code) is put back as simulated.
    platform.lots.get(set.lots[0]!.code)!.totalSpaces = 1;
    const third = await client.ensureRegistry(set, Object.fromEntries(second.secrets));
    expect(third.summary).toMatchObject({ lotsUpdated: 1, sourcesRotated: 0 });
    expect(platform.lots.get(set.lots[0]!.code)!.totalSpaces).toBe(set.lots[0]!.totalSpaces);
  });
});

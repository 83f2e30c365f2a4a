import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestEnv, describeDb, type Backend, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { expectedGaps, readFeed, recordsIn, shanghaiMonth, type FeedPlace } from '../../../test/support/snapshot-expect.js';
import { systemActor } from '../../platform/auth/permissions.js';
import { CODE_PATTERN } from '../registry/index.js';
import { cellValue, feedTime, registryCode, snapshotEventId } from './snapshot-feed.js';
import { importSnapshots, type SnapshotImportResult } from './snapshot-import.js';

/*
 * The snapshot-feed import in process: the small fixture with its awkward cases, and the real
 * week of German car parks (../shared/data/de-parking-2021-03), whose monthly sync report must
 * match a computation made here straight from the CSV files (test/support/snapshot-expect.ts).
 */

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/snapshots/', import.meta.url));
// The shared real data sits beside the checkout (../shared/data); a clone elsewhere (CI) finds it at
// ZHIBO_SHARED_DATA or the workplace's /work/shared/data.
const REAL_CANDIDATES = [
  ...(process.env.ZHIBO_SHARED_DATA ? [`${process.env.ZHIBO_SHARED_DATA.replace(/\/+$/, '')}/de-parking-2021-03/`] : []),
  fileURLToPath(new URL('../../../../shared/data/de-parking-2021-03/', import.meta.url)),
  '/work/shared/data/de-parking-2021-03/',
];
const REAL = REAL_CANDIDATES.find((dir) => existsSync(`${dir}meta-data.csv`)) ?? REAL_CANDIDATES[0]!;
const LONG_ID = 'beta-parken-Parkhaus Müller-Straße am Hauptbahnhof (Nord) – Ebene 2 bis 5, Einfahrt Bahnhofstraße';
const actor = systemActor('test:snapshots');
const MARCH = shanghaiMonth('2021-03');
const THRESHOLD = 120;

interface ReportLot {
  lotCode: string;
  sourceCode: string;
  records: number;
  gaps: { from: string; to: string; minutes: number }[];
  gapMinutes: number;
}

describe('snapshot feed mapping', () => {
  it('keeps valid ids as codes and derives stable, valid codes from the others', () => {
    expect(registryCode('apag-parken-Aachen-Parkhaus-Adalbertsteinweg')).toBe('apag-parken-Aachen-Parkhaus-Adalbertsteinweg');
    const derived = registryCode(LONG_ID);
    expect(derived).toMatch(CODE_PATTERN);
    expect(derived).toMatch(/^beta-parken-Parkhaus-Muller-Strasse-am-Hauptbahnhof-Nor-[0-9a-f]{8}$/);
    expect(registryCode(LONG_ID)).toBe(derived);
    // Same beginning, different ids: different codes.
    expect(registryCode(`${LONG_ID} Süd`)).not.toBe(derived);
    expect(registryCode('停车场')).toMatch(/^x-[0-9a-f]{8}$/);
    expect(registryCode('a'.repeat(65))).toMatch(CODE_PATTERN);
  });

  it('reads the feed times as UTC, with or without an offset, and makes one event id per lot and moment', () => {
    expect(feedTime('2021-03-01T00:00:01+00:00')?.toISOString()).toBe('2021-03-01T00:00:01.000Z');
    expect(feedTime('2021-03-01T02:30:00')?.toISOString()).toBe('2021-03-01T02:30:00.000Z');
    expect(feedTime('2021-03-01T08:00:00+08:00')?.toISOString()).toBe('2021-03-01T00:00:00.000Z');
    expect(feedTime('yesterday')).toBeNull();
    expect(snapshotEventId('L-1', '2021-03-01T00:00:01+00:00', feedTime('2021-03-01T00:00:01+00:00'))).toBe('L-1@20210301T000001Z');
    expect(snapshotEventId('L-1', 'yesterday', null)).toMatch(/^L-1@x[0-9a-f]{8}$/);
    expect([cellValue('12'), cellValue('-1'), cellValue('12.5'), cellValue('abc'), cellValue('1e3')]).toEqual([12, -1, 12.5, 'abc', '1e3']);
  });
});

describe('the independent expectation, checked by hand on the fixture', () => {
  // now = 2021-03-01 12:00Z; March (Shanghai) starts 2021-02-28T16:00Z. See test/fixtures/snapshots.
  const now = Date.parse('2021-03-01T12:00:00Z');
  const { places, unlisted, cells } = readFeed(FIXTURE);
  const z = (t: string) => Date.parse(`2021-${t}Z`);
  const gap = (from: string, to: string) => ({ from: z(from), to: z(to), minutes: Math.floor((z(to) - z(from)) / 60_000) });

  it('counts the accepted cells of March and lists the gaps clipped to the month', () => {
    expect(cells).toBe(25);
    expect(Object.fromEntries(unlisted)).toEqual({ 'alpha-parken-Unlisted': 2, 'gamma-Unknown': 2 });
    const p1 = places.get('alpha-parken-P1')!;
    // 12:00 is February in Shanghai; 01:00 held 12.5 (refused).
    expect(recordsIn(p1.times, MARCH)).toBe(4);
    expect(expectedGaps(p1.times, now, THRESHOLD, MARCH)).toEqual([
      gap('02-28T16:00:00', '02-28T20:00:00'), // 480 minutes of silence, 240 of them in March
      gap('02-28T21:00:00', '03-01T00:00:00'),
      gap('03-01T00:00:00', '03-01T02:30:00'), // the time without an offset is UTC
      gap('03-01T02:30:00', '03-01T12:00:00'),
    ]);
    const p2 = places.get('alpha-parken-P2')!;
    expect(recordsIn(p2.times, MARCH)).toBe(5);
    // 12:00 → 15:50 is a gap wholly in February: not listed.
    expect(expectedGaps(p2.times, now, THRESHOLD, MARCH)).toEqual([gap('02-28T16:10:00', '02-28T20:00:00'), gap('02-28T20:00:00', '03-01T00:00:00'), gap('03-01T02:30:00', '03-01T12:00:00')]);
    expect(expectedGaps(places.get('alpha-parken-P3')!.times, now, THRESHOLD, MARCH)).toEqual([gap('02-28T16:00:00', '02-28T16:10:00'), gap('02-28T16:10:00', '03-01T12:00:00')]);
    expect(expectedGaps(places.get('alpha-parken-Silent')!.times, now, THRESHOLD, MARCH)).toEqual([]);
    expect(places.get('beta-parken-B2')!.times).toEqual([]);
    expect(recordsIn(places.get(LONG_ID)!.times, MARCH)).toBe(4);
    // Exactly the threshold is not a gap; one millisecond more is.
    const t0 = z('03-01T00:00:00');
    expect(expectedGaps([t0, t0 + 120 * 60_000], t0 + 120 * 60_000, THRESHOLD, MARCH)).toEqual([]);
    expect(expectedGaps([t0, t0 + 120 * 60_000 + 1], t0 + 120 * 60_000 + 1, THRESHOLD, MARCH)).toEqual([{ from: t0, to: t0 + 120 * 60_000 + 1, minutes: 120 }]);
  });
});

/** Compares the report of March 2021 with the expectation computed from the files. */
async function checkSyncReport(env: TestEnv, places: Map<string, FeedPlace>, codeOf: (placeId: string) => string): Promise<void> {
  const token = await loginToken(env.app);
  const res = await env.app.inject({ method: 'GET', url: '/api/v1/reports/sync?month=2021-03&format=json', headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  const lots = new Map((res.json().lots as ReportLot[]).map((l) => [l.lotCode, l]));
  const now = env.clock.now().getTime();
  let compared = 0;
  for (const place of places.values()) {
    const code = codeOf(place.placeId);
    const got = lots.get(code);
    const records = recordsIn(place.times, MARCH);
    const gaps = expectedGaps(place.times, now, THRESHOLD, MARCH);
    if (!got) {
      // A report may leave out lots without data; it must not leave out any with data.
      expect(records, `${code} has data but is not in the report`).toBe(0);
      continue;
    }
    compared += 1;
    expect({ lot: code, sourceCode: got.sourceCode, records: got.records }).toEqual({ lot: code, sourceCode: registryCode(place.sourceId), records });
    expect({ lot: code, gaps: got.gaps.map((g) => ({ from: Date.parse(g.from), to: Date.parse(g.to), minutes: g.minutes })) }).toEqual({ lot: code, gaps });
    expect({ lot: code, gapMinutes: got.gapMinutes }).toEqual({ lot: code, gapMinutes: gaps.reduce((n, g) => n + g.minutes, 0) });
  }
  expect(compared).toBeGreaterThan(0);
}

/** lot_live.last_occurred_at of every lot with data is its newest accepted cell. */
async function checkFreshness(env: TestEnv, places: Map<string, FeedPlace>, codeOf: (placeId: string) => string): Promise<void> {
  const rows = await env.ctx.db
    .selectFrom('lots')
    .leftJoin('lot_live', 'lot_live.lot_id', 'lots.id')
    .select(['lots.code', 'lot_live.last_occurred_at'])
    .execute();
  const last = new Map(rows.map((r) => [r.code, r.last_occurred_at ? r.last_occurred_at.getTime() : null]));
  const expected = new Map([...places.values()].map((p) => [codeOf(p.placeId), p.times.length ? p.times[p.times.length - 1]! : null]));
  expect(new Map([...expected.keys()].map((c) => [c, last.get(c) ?? null]))).toEqual(expected);
}

describeDb('snapshot import: fixture', (backend) => {
  let env: TestEnv;
  let dry: SnapshotImportResult;
  let first: SnapshotImportResult;
  let afterDryRun: number[];
  const feed = readFeed(FIXTURE);
  const codeOf = (placeId: string) => registryCode(placeId);

  beforeAll(async () => {
    env = await createTestEnv(backend);
    env.clock.set('2021-03-01T12:00:00Z');
    dry = await importSnapshots(env.ctx, actor, { dir: FIXTURE, dryRun: true });
    const count = async (table: 'lots' | 'data_sources' | 'operators' | 'ingest_events' | 'ingest_quarantine' | 'lot_live') =>
      Number((await env.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    afterDryRun = [await count('lots'), await count('data_sources'), await count('operators'), await count('ingest_events'), await count('ingest_quarantine'), await count('lot_live')];
    first = await importSnapshots(env.ctx, actor, { dir: FIXTURE, batchSize: 4 });
  });
  afterAll(() => env?.close());

  it('creates the sources, operators and lots, with capacity and coordinates decided as documented', async () => {
    expect(first).toMatchObject({
      sources: { total: 2, created: 2, existing: 0 },
      operators: { created: 2, existing: 0 },
      lots: { total: 6, created: 6, existing: 0, failed: 0, renamed: 1, withoutCoordinates: 5, estimatedCapacity: 1, unknownCapacity: 1, silent: 2, boundElsewhere: 0 },
      unlisted: { columns: 1, cells: 2 },
      unmapped: { columns: ['gamma-Unknown'], cells: 2 },
    });
    const sources = await env.ctx.db.selectFrom('data_sources').leftJoin('operators', 'operators.id', 'data_sources.operator_id').select(['code', 'data_sources.district_code', 'data_sources.remark', 'operators.name as operator', 'operators.remark as operatorRemark']).orderBy('code').execute();
    expect(sources).toEqual([
      { code: 'alpha-parken', district_code: '320602', remark: expect.stringContaining('https://alpha.example/parken'), operator: 'alpha-parken', operatorRemark: expect.stringContaining('https://alpha.example/parken') },
      { code: 'beta-parken', district_code: '320602', remark: expect.stringContaining('https://beta.example/'), operator: 'beta-parken', operatorRemark: expect.stringContaining('https://beta.example/') },
    ]);
    const lots = await env.ctx.db.selectFrom('lots').select(['code', 'name', 'source_code', 'total_spaces', 'lng', 'lat', 'input_coord_system', 'kind', 'category', 'district_code', 'address', 'remark']).orderBy('code').execute();
    const byCode = new Map(lots.map((l) => [l.code, l]));
    expect(byCode.get('alpha-parken-P1')).toMatchObject({ name: 'Parkhaus Eins', source_code: 'alpha-parken', total_spaces: 100, lng: 6.099715, lat: 50.774352, input_coord_system: 'wgs84', kind: 'off_street', category: 'other', district_code: '320602', address: 'Parkhaus Eins, Hauptstraße 1, 12345, Alphastadt' });
    // (0,0) is "not filled in": kept without coordinates, and said so.
    expect(byCode.get('alpha-parken-P2')).toMatchObject({ total_spaces: 50, lng: null, lat: null, remark: expect.stringContaining('invalid coordinates') });
    // No num_all: the largest free count observed (42; "abc" does not count), flagged in the remark.
    expect(byCode.get('alpha-parken-P3')).toMatchObject({ total_spaces: 42, lng: null, remark: expect.stringContaining('largest free count observed (42)') });
    // num_all 0 and never reported: 0 until known.
    expect(byCode.get('beta-parken-B2')).toMatchObject({ total_spaces: 0, source_code: 'beta-parken', remark: expect.stringContaining('never reported') });
    const long = byCode.get(registryCode(LONG_ID))!;
    expect(long).toMatchObject({ source_code: 'beta-parken', total_spaces: 200, remark: expect.stringContaining(`place_id: ${LONG_ID}`) });
    expect(lots).toHaveLength(6);
  });

  it('sends every cell through ingest: out-of-range counts flagged, bad values and unlisted lots refused into quarantine', async () => {
    expect(first).toMatchObject({ cells: 23, accepted: 19, duplicates: 0, rejected: 4, flagged: 2 });
    expect(first.errors.map((e) => [e.fileName, e.row, e.placeId, e.code])).toEqual(
      expect.arrayContaining([
        ['2021-02-28.csv', 5, 'alpha-parken-P3', 'INVALID_FIELD'],
        ['2021-03-01.csv', 3, 'alpha-parken-P1', 'INVALID_FIELD'],
        ['2021-02-28.csv', 2, 'alpha-parken-Unlisted', 'UNKNOWN_LOT'],
        ['2021-03-01.csv', 4, 'alpha-parken-Unlisted', 'UNKNOWN_LOT'],
      ]),
    );
    const quarantine = await env.ctx.db.selectFrom('ingest_quarantine').select(['source_code', 'via', 'rejected']).execute();
    expect(quarantine.every((q) => q.source_code === 'alpha-parken' && q.via === 'import')).toBe(true);
    expect(quarantine.reduce((n, q) => n + q.rejected, 0)).toBe(4);
    expect(first.quarantined).toBe(quarantine.length);

    const reports = await env.ctx.db.selectFrom('lot_status_reports').innerJoin('lots', 'lots.id', 'lot_status_reports.lot_id').select(['lots.code', 'free_spaces', 'lot_status_reports.total_spaces', 'flagged']).where('flagged', '=', true).orderBy('free_spaces').execute();
    expect(reports).toEqual([
      { code: 'alpha-parken-P2', free_spaces: -1, total_spaces: 50, flagged: true },
      { code: 'alpha-parken-P2', free_spaces: 60, total_spaces: 50, flagged: true },
    ]);
    const events = await env.ctx.db.selectFrom('ingest_events').select(['source_code', 'via', 'type']).execute();
    expect(events).toHaveLength(19);
    expect(new Set(events.map((e) => `${e.type}/${e.via}`))).toEqual(new Set(['status/import']));
    const audited = await env.ctx.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', '=', 'ingest.import_snapshots').execute();
    expect(audited).toEqual([{ action: 'ingest.import_snapshots', target_id: 'snapshots' }]);
  });

  it('keeps lot_live at the newest accepted cell of each lot', () => checkFreshness(env, feed.places, codeOf));

  it('is idempotent: a second import creates nothing and adds no events', async () => {
    const again = await importSnapshots(env.ctx, actor, { dir: FIXTURE });
    expect(again).toMatchObject({ sources: { created: 0, existing: 2 }, lots: { created: 0, existing: 6 }, cells: 23, accepted: 0, duplicates: 19, rejected: 4, flagged: 0 });
    expect(await env.ctx.db.selectFrom('ingest_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 19 });
    expect(await env.ctx.db.selectFrom('lots').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).toEqual({ n: 6 });
  });

  it('a dry run first said what would happen, and wrote nothing', () => {
    expect(dry).toMatchObject({ dryRun: true, sources: { created: 2 }, operators: { created: 0 }, lots: { created: 6, failed: 0 }, cells: 23, accepted: 19, duplicates: 0, rejected: 4, flagged: 2, quarantined: 0 });
    expect(afterDryRun).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('refuses an unknown district and a directory without meta-data.csv', async () => {
    await expect(importSnapshots(env.ctx, actor, { dir: FIXTURE, districtCode: '999999' })).rejects.toMatchObject({ status: 400, code: 'UNKNOWN_DISTRICT' });
    await expect(importSnapshots(env.ctx, actor, { dir: fileURLToPath(new URL('.', import.meta.url)) })).rejects.toMatchObject({ status: 400, code: 'INVALID_FEED' });
  });

  it('the monthly sync report of March 2021 matches the computation from the files', () => checkSyncReport(env, feed.places, codeOf));
});

const realPresent = existsSync(`${REAL}meta-data.csv`);
if (!realPresent) console.warn(`snapshot import: the real week is not at ${REAL} — its test is skipped`);

// A quarter of a million real cells: imported once, on PostgreSQL when the suite has it (faster), else PGlite.
const realBackend: Backend = BACKENDS.includes('postgres') ? 'postgres' : 'pglite';
describe(`snapshot import: the real week de-parking-2021-03 [${realBackend}]`, () => {
  const backend = realBackend;
  if (!realPresent) {
    it.skip(`skipped: the real week is not at ${REAL}`, () => {});
    return;
  }
  let env: TestEnv;
  let result: SnapshotImportResult;
  const feed = readFeed(REAL);
  // Every place_id of this feed is a valid registry code, so the lot code is the place_id itself.
  const codeOf = (placeId: string) => placeId;

  beforeAll(async () => {
    env = await createTestEnv(backend);
    // After the last snapshot (2021-03-07 ~23:45Z): the trailing silence of every lot runs to here.
    env.clock.set('2021-03-08T12:00:00+08:00');
    result = await importSnapshots(env.ctx, actor, { dir: REAL });
  }, 900_000);
  afterAll(() => env?.close());

  it('imports the week: every listed place a lot, every integer cell of a listed place accepted', () => {
    expect([...feed.places.keys()].every((id) => CODE_PATTERN.test(id))).toBe(true);
    const accepted = [...feed.places.values()].reduce((n, p) => n + p.times.length, 0);
    const unlistedCells = [...feed.unlisted.values()].reduce((n, c) => n + c, 0);
    const sourceCount = new Set([...feed.places.values()].map((p) => p.sourceId)).size;
    const flagged = [...feed.places.values()].reduce((n, p) => {
      const total = Number(p.numAll) > 0 ? Number(p.numAll) : Math.max(0, ...p.free.values());
      return n + [...p.free.values()].filter((f) => f < 0 || f > total).length;
    }, 0);
    expect(result).toMatchObject({
      sources: { total: sourceCount, created: sourceCount },
      lots: { total: feed.places.size, created: feed.places.size, failed: 0, silent: [...feed.places.values()].filter((p) => p.times.length === 0).length },
      accepted,
      duplicates: 0,
      // The only refusals: cells of car parks meta-data.csv does not list.
      rejected: unlistedCells,
      flagged,
    });
    expect(result.errors.every((e) => e.code === 'UNKNOWN_LOT')).toBe(true);
    expect(result.cells).toBe(feed.cells);
  });

  it('keeps lot_live at the newest cell of each lot', () => checkFreshness(env, feed.places, codeOf));

  it('the monthly sync report of March 2021 matches the computation from the files', () => checkSyncReport(env, feed.places, codeOf), 120_000);
});

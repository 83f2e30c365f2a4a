/*
 * npm run bench:analytics — the analytics of a Nantong-sized city over one year (issue 6 §6).
 *
 * On a fresh database (PostgreSQL from ZHIBO_BENCH_DATABASE_URL or ZHIBO_TEST_DATABASE_URL,
 * created and dropped here; PGlite in a temporary directory) it writes a year of sessions and
 * status reports in bulk (bench/analytics-data.ts), then times:
 *   1. a full rebuild of the rollups over the year (rebuildAnalytics);
 *   2. the overview (buildOverview) and a set of analysis queries through queryKpis, each run
 *      BENCH_RUNS times after one warm-up: p50 / p95 against the dashboard target p95 ≤ 100 ms;
 *   3. rollup maintenance during ingestion: events through the real batch path (ingestBatch)
 *      with the change-capture triggers on and refreshAnalytics every 5,000 events, against the
 *      same ingestion with the analytics triggers disabled, in alternating rounds — once on the
 *      lots alone (before the load), once after the year;
 *   4. raw baselines in the same run: the same questions answered by scanning parking_sessions;
 *   5. the data-quality scores (数据清洗, GET /api/v1/quality/scores) over the whole range (at most
 *      366 days), by lot and by source: the direct count over every session and status report
 *      against the day counts of job quality.score-days (src/modules/quality/score-days.ts), after
 *      the job's first runs over the whole history (timed too); the two results must be equal.
 * Prints a summary and writes it into docs/performance.md between the bench:analytics markers
 * of the backend (one block per backend, so a run of one keeps the other's figures).
 *
 * Size: PostgreSQL 320 lots × 365 days × ~21 million sessions; PGlite 30 lots × 30 days at the
 * same density. BENCH_SCALE multiplies the session count (e.g. 0.25), BENCH_LOTS / BENCH_DAYS /
 * BENCH_SESSIONS set them outright; BENCH_BACKENDS=postgres (or pglite) runs one backend;
 * BENCH_RUNS (default 30) repetitions per query; BENCH_INGEST_EVENTS (default 50,000 per mode
 * on PostgreSQL, 10,000 on PGlite) and BENCH_INGEST_EVENTS_LATE (after the year: 2,000 on
 * PostgreSQL, where every batch's pairing lookup scans all sessions). Never run by the tests.
 */
import { noticeOutbox } from '../src/modules/notifications/index.js';
import type { DB, RootContext } from '../src/schema.js';
import { tablesOf } from '../src/platform/db.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Presets, SingleBar } from 'cli-progress';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { rebuildAnalytics } from '../src/modules/analytics/rebuild.js';
import { refreshAnalytics } from '../src/modules/analytics/refresh.js';
import { queryKpis, type KpiQuery } from '../src/modules/analytics/service.js';
import { ingestBatch } from '../src/modules/ingest/service.js';
import { refreshScoreDays } from '../src/modules/quality/score-days.js';
import { qualityScores } from '../src/modules/quality/scores.js';
import { qualityContext } from '../src/modules/quality/repo.js';
import { buildOverview } from '../src/modules/overview/service.js';
import { actorFor, systemActor, type Actor } from '../src/platform/auth/permissions.js';
import { ManualClock } from '../src/platform/clock.js';
import { SecretBox } from '../src/platform/secret-box.js';
import { FULL_CITY_LOTS, generate, kyselyExec, STATUS_MINUTES, type Exec, type Generated, type Plan } from './analytics-data.js';

type Backend = 'pglite' | 'postgres';
const TARGET_MS = 100;
const FULL = { lots: FULL_CITY_LOTS, days: 365, sessions: 21_000_000 };
/** The clock of the run: a Wednesday, 10:00 in Shanghai. The year ends here. */
const NOW = new Date('2026-11-25T02:00:00Z');
const DAY_MS = 86_400_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const REFRESH_EVERY = 5000;
const BATCH = 500;
/** Bars also print (every 30 s) when the output is a log file: full-size runs go to nohup. */
const LOG_BAR = { noTTYOutput: true, notTTYSchedule: 30_000 };

interface Timing { name: string; what: string; p50: number; p95: number; max: number; rows: number; baseline?: string }
interface Baseline { name: string; ms: number }
interface IngestFigures { label: string; events: number; offSeconds: number; onSeconds: number; refreshSeconds: number; refreshes: number }
interface Result {
  backend: Backend;
  version: string;
  plan: Plan;
  generated: Generated;
  generationSeconds: number;
  rebuildSeconds?: number;
  sizes: { name: string; rows: number; bytes: number }[];
  databaseBytes: number;
  timings: Timing[];
  baselines: Baseline[];
  ingest: IngestFigures[];
  /** 1-minute load average when the queries started (the machine is shared). */
  load?: number;
  /** 5. The quality scores: the job's first runs, then direct count vs day counts (median of 3, ms). */
  quality?: { from: string; to: string; lotDays: number; jobSeconds: number; rows: { by: string; directMs: number; daysMs: number }[] };
  /** Set while the run is under way: the figures so far. */
  partial: boolean;
}

const env = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
const shanghaiDay = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
const dayStart = (day: string) => new Date(`${day}T00:00:00+08:00`);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

function planFor(backend: Backend, staleSessionDays: number): Plan {
  const small = backend === 'pglite';
  const lots = env('BENCH_LOTS') ?? (small ? 30 : FULL.lots);
  const days = env('BENCH_DAYS') ?? (small ? 30 : FULL.days);
  const density = FULL.sessions / FULL.lots / FULL.days;
  const sessions = env('BENCH_SESSIONS') ?? Math.round(density * lots * days * (env('BENCH_SCALE') ?? 1));
  const start = dayStart(shanghaiDay(new Date(NOW.getTime() - days * DAY_MS)));
  return { lots, start, now: NOW, sessions, staleSessionDays };
}

interface Scratch { database: Database; exec: Exec; drop: () => Promise<void>; version: string }

async function scratch(backend: Backend): Promise<Scratch> {
  if (backend === 'pglite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'zhibo-bench-'));
    const database = await openDatabase({ databaseUrl: null, dataDir: dir });
    const exec = kyselyExec(database.kysely);
    const version = String((await exec('show server_version')).rows[0]!.server_version);
    return { database, exec, version: `PGlite (PostgreSQL ${version})`, drop: async () => { await database.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const admin = process.env.ZHIBO_BENCH_DATABASE_URL ?? process.env.ZHIBO_TEST_DATABASE_URL!;
  const name = `zhibo_bench_${randomBytes(4).toString('hex')}`;
  const run = async (q: string) => { const c = new pg.Client({ connectionString: admin }); await c.connect(); try { await c.query(q); } finally { await c.end(); } };
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
  // The bulk load runs on its own connection: session settings for a load, not for the measured parts.
  const loader = new pg.Client({ connectionString: url.toString() });
  await loader.connect();
  await loader.query("set synchronous_commit = off; set work_mem = '256MB'; set maintenance_work_mem = '1GB'");
  const exec: Exec = async (q, params) => ({ rows: (await loader.query(q, params ? [...params] : undefined)).rows as Record<string, unknown>[] });
  const version = String((await exec('show server_version')).rows[0]!.server_version);
  console.log(`scratch database ${name}`);
  return {
    database, exec, version: `PostgreSQL ${version}`,
    drop: async () => { await loader.end().catch(() => undefined); await database.close(); await run(`drop database if exists ${name} with (force)`); },
  };
}

interface Probe {
  name: string;
  what: string;
  run: () => Promise<number>;
  /** Raw baseline answering the same question over parking_sessions. */
  baseline?: string;
}

function probes(ctx: RootContext, city: Actor, district: Actor, plan: Plan, lotCode: string): Probe[] {
  const kpi = (actor: Actor, q: KpiQuery) => async () => (await queryKpis(ctx, actor, q)).rows.length;
  const today = shanghaiDay(plan.now);
  const yesterday = shanghaiDay(new Date(plan.now.getTime() - DAY_MS));
  // The last full month before the clock, and the whole year of data.
  const monthEnd = new Date(`${today.slice(0, 7)}-01T00:00:00+08:00`);
  const monthStartDay = shanghaiDay(new Date(monthEnd.getTime() - 20 * DAY_MS)).slice(0, 7) + '-01';
  const monthFrom = monthStartDay;
  const monthTo = shanghaiDay(new Date(monthEnd.getTime() - DAY_MS));
  const yearFrom = shanghaiDay(plan.start);
  const month = { from: monthFrom, to: monthTo };
  const year = { from: yearFrom, to: today };
  return [
    { name: 'overview', what: '全局概览 buildOverview, city', run: async () => (await buildOverview(ctx, city)).lots },
    { name: 'overview-district', what: '全局概览 as a district user', run: async () => (await buildOverview(ctx, district)).lots },
    { name: 'city-day-month', what: 'city by day, a month', run: kpi(city, { ...month, groupBy: ['day'] }), baseline: 'entries-day-month' },
    { name: 'district-month', what: 'by district, a month', run: kpi(city, { ...month, groupBy: ['district'] }), baseline: 'entries-district-month' },
    { name: 'district-day-month', what: 'district × day, a month', run: kpi(city, { ...month, groupBy: ['district', 'day'] }) },
    { name: 'lot-month', what: 'by lot (all lots), a month', run: kpi(city, { ...month, groupBy: ['lot'] }) },
    { name: 'lot-top10-year', what: 'by lot, top 10 by entries, the year', run: kpi(city, { ...year, groupBy: ['lot'], top: 10, sort: 'entries' }), baseline: 'top10-lots-year' },
    { name: 'district-month-year', what: 'district × month, the year', run: kpi(city, { ...year, groupBy: ['district', 'month'] }) },
    { name: 'category-week-year', what: 'category × week, the year', run: kpi(city, { ...year, groupBy: ['category', 'week'] }) },
    { name: 'channel-month', what: 'by pay channel, a month', run: kpi(city, { ...month, groupBy: ['channel'] }) },
    { name: 'hour-day', what: 'city by hour, yesterday', run: kpi(city, { from: yesterday, to: yesterday, groupBy: ['hour'] }) },
    { name: 'lot-hour-week', what: 'one lot by hour, 7 days', run: kpi(city, { from: shanghaiDay(new Date(plan.now.getTime() - 7 * DAY_MS)), to: yesterday, groupBy: ['hour'], lot: [lotCode] }) },
    { name: 'city-day-month-yoy', what: 'city by day, a month, with yoy', run: kpi(city, { ...month, groupBy: ['day'], compare: ['yoy'] }) },
    { name: 'district-month-year-yoy', what: 'district × month, the year, with yoy', run: kpi(city, { ...year, groupBy: ['district', 'month'], compare: ['yoy'] }) },
    { name: 'category-month-pop', what: 'by category, a month, with pop', run: kpi(city, { ...month, groupBy: ['category'], compare: ['pop'] }) },
    { name: 'district-user-day-month', what: 'district user: by day, a month', run: kpi(district, { ...month, groupBy: ['day'] }) },
    { name: 'year-total', what: 'city total, the year', run: kpi(city, { ...year, groupBy: [] }), baseline: 'count-year' },
  ];
}

/** The same questions scanning raw sessions (what a dashboard without rollups would do). */
function baselines(plan: Plan): Record<string, { what: string; q: string }> {
  const today = shanghaiDay(plan.now);
  const monthEnd = new Date(`${today.slice(0, 7)}-01T00:00:00+08:00`);
  const monthStart = new Date(`${shanghaiDay(new Date(monthEnd.getTime() - 20 * DAY_MS)).slice(0, 7)}-01T00:00:00+08:00`);
  const m0 = `timestamptz '${monthStart.toISOString()}'`;
  const m1 = `timestamptz '${monthEnd.toISOString()}'`;
  const y0 = `timestamptz '${plan.start.toISOString()}'`;
  const y1 = `timestamptz '${plan.now.toISOString()}'`;
  return {
    'entries-day-month': { what: 'entries per day, a month', q: `select date_trunc('day', entered_at at time zone 'Asia/Shanghai') d, count(*) from parking_sessions where entered_at >= ${m0} and entered_at < ${m1} and excluded_by is null group by 1` },
    'entries-district-month': { what: 'entries per district, a month', q: `select l.district_code, count(*) from parking_sessions s join lots l on l.id = s.lot_id where s.entered_at >= ${m0} and s.entered_at < ${m1} and s.excluded_by is null group by 1` },
    'top10-lots-year': { what: 'top 10 lots by entries, the year', q: `select lot_id, count(*) n from parking_sessions where entered_at >= ${y0} and entered_at < ${y1} and excluded_by is null group by 1 order by n desc limit 10` },
    'count-year': { what: 'count(*) of the year’s entries', q: `select count(*) from parking_sessions where entered_at >= ${y0} and entered_at < ${y1} and excluded_by is null` },
  };
}

async function timeProbe(p: Probe, runs: number): Promise<Omit<Timing, 'baseline'>> {
  let rows = await p.run(); // warm-up, not counted
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    rows = await p.run();
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  return { name: p.name, what: p.what, p50: quantile(ms, 0.5), p95: quantile(ms, 0.95), max: ms[ms.length - 1]!, rows };
}

/** Cars in and out of every lot over the last hours before the clock, batched per source. */
function ingestEvents(lots: { code: string; source_code: string; total_spaces: number }[], round: number, events: number, now: Date): { source: string; events: Record<string, unknown>[] }[] {
  const letter = 'PQRSTUVWXY'[round % 10]!;
  const bySource = new Map<string, Record<string, unknown>[]>();
  const cars = Math.ceil(events / 2.1); // an entry and an exit per car, a status report per tenth
  const span = 6 * 3_600_000;
  for (let i = 0; i < cars; i++) {
    const lot = lots[i % lots.length]!;
    const entered = now.getTime() - 8 * 3_600_000 + Math.floor((i / cars) * span);
    const exited = entered + 10 * 60_000 + ((i * 7919) % 110) * 60_000;
    const plate = `苏${letter}${String(i).padStart(5, '0')}`;
    const list = bySource.get(lot.source_code) ?? [];
    list.push({ type: 'entry', eventId: `b${round}-in-${i}`, occurredAt: new Date(entered).toISOString(), lotCode: lot.code, plate });
    list.push({
      type: 'exit', eventId: `b${round}-out-${i}`, occurredAt: new Date(Math.min(exited, now.getTime() - 1000)).toISOString(), lotCode: lot.code, plate,
      entryEventId: `b${round}-in-${i}`, receivableFen: 500, paidFen: 500, payChannel: i % 3 ? 'wechat' : 'alipay',
    });
    // Every tenth car the lot also reports its free spaces, as lot systems do every few minutes.
    if (i % 10 === 0) list.push({ type: 'status', eventId: `b${round}-st-${i}`, occurredAt: new Date(entered).toISOString(), lotCode: lot.code, totalSpaces: lot.total_spaces, freeSpaces: Math.floor(lot.total_spaces / 2) });
    bySource.set(lot.source_code, list);
  }
  const batches: { source: string; events: Record<string, unknown>[] }[] = [];
  const queues = [...bySource].map(([source, list]) => {
    list.sort((a, b) => String(a.occurredAt).localeCompare(String(b.occurredAt)));
    const out: { source: string; events: Record<string, unknown>[] }[] = [];
    for (let i = 0; i < list.length; i += BATCH) out.push({ source, events: list.slice(i, i + BATCH) });
    return out;
  });
  // Sources deliver side by side: interleave their batches.
  for (let i = 0; queues.some((q) => q.length > i); i++) for (const q of queues) if (q[i]) batches.push(q[i]!);
  return batches;
}

async function analyticsTriggers(db: Kysely<DB>, on: boolean): Promise<void> {
  const rows = await sql<{ table: string; name: string }>`
    select c.relname as table, t.tgname as name from pg_trigger t join pg_class c on c.oid = t.tgrelid
    where not t.tgisinternal and t.tgname like '%analytics%'`.execute(db);
  for (const r of rows.rows) await sql.raw(`alter table ${r.table} ${on ? 'enable' : 'disable'} trigger ${r.name}`).execute(db);
}

function logIngest(i: IngestFigures): void {
  console.log(`ingest, ${i.label}: ${i.events} events per mode, triggers off ${i.offSeconds.toFixed(1)} s, on ${i.onSeconds.toFixed(1)} s (of which ${i.refreshes} refreshes ${i.refreshSeconds.toFixed(1)} s), ratio ${(i.onSeconds / i.offSeconds).toFixed(2)}`);
}

/** `total` events per mode in 4 alternating rounds; `firstRound` keeps event ids and plates apart between calls. */
async function measureIngest(ctx: RootContext, label: string, total: number, firstRound: number): Promise<IngestFigures> {
  const lots = (await ctx.db.selectFrom('lots').select(['code', 'source_code', 'total_spaces']).orderBy('id').execute()).map((l) => ({ code: l.code, source_code: l.source_code!, total_spaces: l.total_spaces }));
  const rounds = 4; // off, on, off, on: neither mode gets the warmer cache or the bigger tables
  const figures: IngestFigures = { label, events: 0, offSeconds: 0, onSeconds: 0, refreshSeconds: 0, refreshes: 0 };
  const bar = new SingleBar({ format: 'ingest    {bar} {value}/{total} events  {mode}', hideCursor: true, ...LOG_BAR }, Presets.shades_classic);
  bar.start(0, 0, { mode: '' });
  let planned = 0;
  for (let round = 0; round < rounds; round++) {
    const on = round % 2 === 1;
    const batches = ingestEvents(lots, firstRound + round, total / 2, NOW);
    planned += batches.reduce((n, b) => n + b.events.length, 0);
    bar.setTotal(planned);
    await analyticsTriggers(ctx.db, on);
    let sinceRefresh = 0;
    const started = performance.now();
    for (const b of batches) {
      const out = await ingestBatch(ctx, b.source, b.events, { via: 'import' });
      if (out.accepted !== b.events.length) throw new Error(`batch refused: ${JSON.stringify(out.results.find((r) => r.status !== 'accepted'))}`);
      bar.increment(b.events.length, { mode: on ? 'triggers on' : 'triggers off' });
      sinceRefresh += b.events.length;
      if (on && sinceRefresh >= REFRESH_EVERY) {
        const t = performance.now();
        await refreshAnalytics(ctx);
        figures.refreshSeconds += (performance.now() - t) / 1000;
        figures.refreshes++;
        sinceRefresh = 0;
      }
    }
    if (on && sinceRefresh > 0) {
      const t = performance.now();
      await refreshAnalytics(ctx);
      figures.refreshSeconds += (performance.now() - t) / 1000;
      figures.refreshes++;
    }
    const seconds = (performance.now() - started) / 1000;
    if (on) figures.onSeconds += seconds;
    else figures.offSeconds += seconds;
    figures.events += batches.reduce((n, b) => n + b.events.length, 0);
  }
  await analyticsTriggers(ctx.db, true);
  bar.stop();
  figures.events /= 2;
  return figures;
}

async function bench(backend: Backend): Promise<Result> {
  const s = await scratch(backend);
  const { database } = s;
  try {
    await migrate(database);
    const config = { ...loadConfig({}), logLevel: 'silent' as const };
    const ctx: RootContext = { config, database, db: tablesOf<DB>(database.kysely), clock: new ManualClock(NOW), secrets: new SecretBox('bench'), log: pino({ level: 'silent' }), notices: noticeOutbox };
    const plan = planFor(backend, config.staleSessionDays);
    console.log(`${backend}: ${plan.lots} lots, ${shanghaiDay(plan.start)} – ${plan.now.toISOString()}, aiming at ${plan.sessions.toLocaleString('en')} sessions, status every ${STATUS_MINUTES} min`);

    // 0. The year, in bulk.
    // The bar starts with the bulk load, after the early ingestion's own bar.
    let genBar: SingleBar | undefined;
    const genStarted = performance.now();
    let early: IngestFigures | undefined;
    let earlyMs = 0;
    const generated = await generate(s.exec, plan, (done, total, label) => {
      if (!genBar) {
        genBar = new SingleBar({ format: 'generate  {bar} {value}/{total} steps  {label}', hideCursor: true, ...LOG_BAR }, Presets.shades_classic);
        genBar.start(total, 0, { label });
      }
      genBar.setTotal(total);
      genBar.update(done, { label });
    }, async () => {
      // 3a. Rollup maintenance on a database holding only the lots: nothing else in the time measured.
      const t = performance.now();
      early = await measureIngest(ctx, 'lots only, before the year is loaded', env('BENCH_INGEST_EVENTS') ?? (backend === 'pglite' ? 10_000 : 50_000), 0);
      logIngest(early);
      earlyMs = performance.now() - t;
    });
    const generationSeconds = (performance.now() - genStarted - earlyMs) / 1000;
    genBar?.stop();
    console.log(`generated ${generated.sessions.toLocaleString('en')} sessions (${generated.openSessions} open, ${generated.flaggedSessions} flagged), ${generated.statusReports.toLocaleString('en')} status reports in ${generationSeconds.toFixed(0)} s`, generated.seconds);
    // Figures are written after each step, so that a run cut short still leaves what it measured.
    const r: Result = { backend, version: s.version, plan, generated, generationSeconds, sizes: [], databaseBytes: 0, timings: [], baselines: [], ingest: early ? [early] : [], partial: true };
    const save = async () => {
      r.sizes = await tableSizes(s.exec, ['parking_sessions', 'lot_status_reports', ...(await rollupTables(ctx.db))]);
      r.databaseBytes = Number((await s.exec('select pg_database_size(current_database()) as b')).rows[0]!.b);
      writeReport(r);
    };
    await save();

    // 1. Full rebuild over the year.
    const rb = new SingleBar({ format: 'rebuild   {bar} {percentage}%  {value}/{total}  eta {eta_formatted}', hideCursor: true, ...LOG_BAR }, Presets.shades_classic);
    rb.start(1, 0);
    const rbStarted = performance.now();
    await rebuildAnalytics(ctx, plan.start, plan.now, (done: number, total: number) => { rb.setTotal(total); rb.update(done); });
    r.rebuildSeconds = (performance.now() - rbStarted) / 1000;
    rb.stop();
    console.log(`rebuild ${r.rebuildSeconds.toFixed(1)} s`);
    // Autovacuum would analyse the freshly written rollups; the planner needs the statistics.
    for (const t of await rollupTables(ctx.db)) await s.exec(`vacuum analyze ${t}`);
    await save();

    // 2. Dashboard queries, 4. their raw baselines.
    const city = systemActor('bench');
    const districtCode = String((await s.exec("select district_code from lots group by 1 order by count(*) desc limit 1")).rows[0]!.district_code);
    const district = actorFor({ id: 0, username: 'bench-district', role: 'district', district_code: districtCode }, null);
    const busyLot = String((await s.exec("select code from lots order by total_spaces desc limit 1")).rows[0]!.code);
    const raw = baselines(plan);
    const baselineMs = r.baselines;
    r.load = loadavg()[0];
    for (const [name, b] of Object.entries(raw)) {
      await s.exec(b.q); // warm-up
      const ms: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        await sql.raw(b.q).execute(ctx.db);
        ms.push(performance.now() - t);
      }
      baselineMs.push({ name, ms: ms.sort((a, b) => a - b)[1]! });
      console.log(`baseline ${b.what.padEnd(40)} ${baselineMs.at(-1)!.ms.toFixed(0)} ms`);
    }
    const timings = r.timings;
    for (const p of probes(ctx, city, district, plan, busyLot)) {
      const t = await timeProbe(p, RUNS);
      timings.push({ ...t, ...(p.baseline ? { baseline: p.baseline } : {}) });
      console.log(`${p.name.padEnd(26)} p50 ${t.p50.toFixed(1).padStart(7)} ms  p95 ${t.p95.toFixed(1).padStart(7)} ms  rows ${t.rows}  ${t.p95 <= TARGET_MS ? 'ok' : 'MISSES'}`);
    }

    // 5. The data-quality scores: direct count against the day counts.
    await save();
    {
      const qctx = qualityContext(ctx);
      const to = shanghaiDay(new Date(plan.now.getTime() - 1));
      const from = shanghaiDay(new Date(Math.max(plan.start.getTime(), dayStart(to).getTime() - 365 * 86_400_000)));
      const jobStarted = performance.now();
      // Until a run finds nothing left: the job is bounded per run.
      let lotDays = 0;
      for (let j = await refreshScoreDays(ctx); j.days > 0 || j.marks > 0; j = await refreshScoreDays(ctx)) lotDays += j.days;
      const q = { from, to, lotDays, jobSeconds: (performance.now() - jobStarted) / 1000, rows: [] as { by: string; directMs: number; daysMs: number }[] };
      console.log(`quality.score-days: ${lotDays} lot-days in ${q.jobSeconds.toFixed(1)} s`);
      const median3 = async (fn: () => Promise<unknown>) => {
        const ms: number[] = [];
        let last: unknown;
        for (let i = 0; i < 3; i++) {
          const t = performance.now();
          last = await fn();
          ms.push(performance.now() - t);
        }
        return { ms: ms.sort((a, b) => a - b)[1]!, last };
      };
      for (const by of ['lot', 'source']) {
        const direct = await median3(() => qualityScores(qctx, city, { by, from, to }, { direct: true }));
        const days = await median3(() => qualityScores(qctx, city, { by, from, to }));
        if (JSON.stringify(direct.last) !== JSON.stringify(days.last)) throw new Error(`quality scores by ${by}: the day counts differ from the direct count`);
        q.rows.push({ by, directMs: direct.ms, daysMs: days.ms });
        console.log(`quality scores by ${by.padEnd(6)} direct ${direct.ms.toFixed(0)} ms, day counts ${days.ms.toFixed(0)} ms`);
      }
      r.quality = q;
    }

    // 3b. Rollup maintenance after the year: fewer events, each batch's pairing lookup reads far more here.
    await save();
    const late = await measureIngest(ctx, 'after the year and its rebuild', env('BENCH_INGEST_EVENTS_LATE') ?? (backend === 'pglite' ? 10_000 : 2_000), 4);
    logIngest(late);
    r.ingest.push(late);
    r.partial = false;
    await save();
    return r;
  } finally {
    await s.drop();
  }
}

async function rollupTables(db: Kysely<DB>): Promise<string[]> {
  const rows = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = 'public' and tablename like 'analytics\\_%' and tablename not in ('analytics_dirty', 'analytics_state') order by 1`.execute(db);
  return rows.rows.map((r) => r.name);
}

async function tableSizes(exec: Exec, tables: string[]): Promise<Result['sizes']> {
  const out: Result['sizes'] = [];
  for (const t of tables) {
    const r = (await exec(`select count(*) as n, pg_total_relation_size('${t}') as b from ${t}`)).rows[0]!;
    out.push({ name: t, rows: Number(r.n), bytes: Number(r.b) });
  }
  return out;
}

function report(r: Result): string {
  const g = r.generated;
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const base = new Map(r.baselines.map((b) => [b.name, b.ms]));
  const rawQ = baselines(r.plan);
  const misses = r.timings.filter((t) => t.p95 > TARGET_MS);
  const lines = [
    ...(r.partial ? ['**Run under way or cut short: the figures so far.**', ''] : []),
    `Measured ${new Date().toISOString().slice(0, 16)}Z on ${process.platform} ${process.arch}, ${availableParallelism()} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}, ${r.version}` +
      `${r.load === undefined ? '' : `; load average ${r.load.toFixed(1)} when the queries started (shared machine)`}.`,
    '',
    `Data: ${g.lots} lots (${g.spaces.toLocaleString('en')} spaces) in ${g.districts} districts and ${g.categories} categories, ${shanghaiDay(r.plan.start)} to ${r.plan.now.toISOString().slice(0, 16)}Z; ` +
      `${g.sessions.toLocaleString('en')} sessions (${g.openSessions.toLocaleString('en')} open, ${g.flaggedSessions.toLocaleString('en')} flagged), ` +
      `${g.statusReports.toLocaleString('en')} status reports (every ${STATUS_MINUTES} min per lot). Generated in ${r.generationSeconds.toFixed(0)} s ` +
      `(${Object.entries(g.seconds).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(', ')}); database ${mb(r.databaseBytes)} MB.`,
  ];
  if (r.rebuildSeconds !== undefined) {
    lines.push('', `**Full rebuild** of all the data (rebuildAnalytics from the first day to the clock): ${r.rebuildSeconds.toFixed(1)} s (${Math.round(g.sessions / r.rebuildSeconds).toLocaleString('en')} sessions/s).`);
  }
  if (r.timings.length) {
    lines.push(
      '',
      `| query (${RUNS} runs after a warm-up) | rows | p50 (ms) | p95 (ms) | p95 ≤ ${TARGET_MS} ms | raw scan of sessions (ms, median of 3) | raw ÷ p50 |`,
      '|---|---:|---:|---:|:-:|---:|---:|',
      ...r.timings.map((t) => {
        const b = t.baseline ? base.get(t.baseline) : undefined;
        return `| ${t.what} | ${t.rows} | ${t.p50.toFixed(1)} | ${t.p95.toFixed(1)} | ${t.p95 <= TARGET_MS ? 'yes' : `**no** (+${(t.p95 - TARGET_MS).toFixed(0)})`} | ${b === undefined ? '' : `${b.toFixed(0)} (${rawQ[t.baseline!]!.what})`} | ${b === undefined ? '' : (b / t.p50).toFixed(0)} |`;
      }),
      '',
      misses.length ? `${misses.length} of ${r.timings.length} queries miss the target.` : `All ${r.timings.length} queries meet the target.`,
    );
  }
  if (r.ingest.length) {
    lines.push(
      '',
      `**Rollup maintenance during ingestion**: entries, exits and status reports of every lot through ingestBatch, per source in batches of up to ${BATCH} (sources interleaved), in four alternating rounds (off, on, off, on); ` +
        `"on" = change-capture triggers on plus refreshAnalytics after every ${REFRESH_EVERY.toLocaleString('en')} events and at the end of each round.`,
      '',
      '| database | events per mode | triggers off (s) | events/s | triggers on + refreshes (s) | of which refreshes (s) | events/s | on ÷ off |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...r.ingest.map((i) => `| ${i.label} | ${i.events.toLocaleString('en')} | ${i.offSeconds.toFixed(1)} | ${Math.round(i.events / i.offSeconds)} | ${i.onSeconds.toFixed(1)} | ${i.refreshSeconds.toFixed(1)} (${i.refreshes} runs) | ${Math.round(i.events / i.onSeconds)} | **${(i.onSeconds / i.offSeconds).toFixed(2)}** |`),
    );
  }
  if (r.quality) {
    const q = r.quality;
    lines.push(
      '',
      `**Data-quality scores** (${q.from} – ${q.to}, every lot): job quality.score-days counted ${q.lotDays.toLocaleString('en')} lot-days in ${q.jobSeconds.toFixed(1)} s on its first runs.`,
      '',
      '| scores by | direct count over the rows (ms, median of 3) | from day counts (ms, median of 3) |',
      '|---|---:|---:|',
      ...q.rows.map((x) => `| ${x.by} | ${x.directMs.toFixed(0)} | ${x.daysMs.toFixed(0)} |`),
    );
  }
  lines.push('', '| table | rows | size (MB) |', '|---|---:|---:|', ...r.sizes.map((t) => `| ${t.name} | ${t.rows.toLocaleString('en')} | ${mb(t.bytes)} |`));
  return lines.join('\n');
}

function writeReport(r: Result): void {
  const file = new URL('../docs/performance.md', import.meta.url);
  const start = `<!-- bench:analytics:${r.backend}:start -->`;
  const end = `<!-- bench:analytics:${r.backend}:end -->`;
  const block = `${start}\n${report(r)}\n${end}`;
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.includes(start) ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), () => block) : `${text.trimEnd()}\n\n${block}\n`);
}

const only = process.env.BENCH_BACKENDS;
const hasPg = Boolean(process.env.ZHIBO_BENCH_DATABASE_URL ?? process.env.ZHIBO_TEST_DATABASE_URL);
const backends: Backend[] = [];
if (!only || only.includes('pglite')) backends.push('pglite');
if ((!only || only.includes('postgres')) && hasPg) backends.push('postgres');
if (only?.includes('postgres') && !hasPg) {
  console.error('set ZHIBO_BENCH_DATABASE_URL (or ZHIBO_TEST_DATABASE_URL) to a PostgreSQL server');
  process.exit(2);
}
for (const b of backends) {
  const r = await bench(b);
  console.log(`\n${report(r)}\n`);
  writeReport(r);
}

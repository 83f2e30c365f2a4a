/*
 * npm run bench:ingest — sustained events/s through the signed HTTP API (batches of 500,
 * pairing included) against a plain batched INSERT of the same rows into the same database,
 * on PGlite and (when ZHIBO_BENCH_DATABASE_URL or ZHIBO_TEST_DATABASE_URL is set) PostgreSQL.
 * Writes the figures into docs/performance.md between the bench:ingest markers.
 */
import { noticeOutbox } from '../src/modules/notifications/index.js';
import type { DB, RootContext } from '../src/schema.js';
import { tablesOf } from '../src/platform/db.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import pg from 'pg';
import pino from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { scratchPostgres } from './scratch-db.js';
import { migrate } from '../src/db/migrate.js';
import { createSource } from '../src/modules/registry/sources.js';
import { createLot } from '../src/modules/registry/lots.js';
import { systemActor } from '../src/platform/auth/permissions.js';
import { systemClock } from '../src/platform/clock.js';
import { SecretBox } from '../src/platform/secret-box.js';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generate, kyselyExec } from './analytics-data.js';

const BATCH = 500;
const CONCURRENCY = 4;
const LOTS = 100;

interface Result {
  backend: string;
  /** 'empty' or the history it was loaded with, e.g. '5.0 M sessions, 10.0 M events'. */
  database: string;
  events: number;
  apiPerSec: number;
  rawPerSec: number;
  ratio: number;
  peakRssMb: number;
}

/** Entries then exits of distinct cars, spread over lots, times in the recent past. */
function makeEvents(n: number): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  const base = Date.now() - 3 * 86_400_000;
  const letters = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
  for (let i = 0; events.length < n; i++) {
    const lot = `BENCH-${i % LOTS}`;
    const plate = `苏${letters[i % 24]}${String(i).padStart(5, '0').slice(-5)}`;
    const at = base + i * 1000;
    events.push({ type: 'entry', eventId: `in-${i}`, occurredAt: new Date(at).toISOString(), lotCode: lot, plate });
    events.push({ type: 'exit', eventId: `out-${i}`, occurredAt: new Date(at + 3_600_000).toISOString(), lotCode: lot, plate, entryEventId: `in-${i}`, receivableFen: 500, paidFen: 500, payChannel: 'wechat' });
  }
  return events.slice(0, n);
}

async function scratch(backend: 'pglite' | 'postgres'): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (backend === 'pglite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'zhibo-bench-'));
    const database = await openDatabase({ databaseUrl: null, dataDir: dir });
    return { database, drop: async () => { await database.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const admin = process.env.ZHIBO_BENCH_DATABASE_URL ?? process.env.ZHIBO_TEST_DATABASE_URL!;
  const scratch = await scratchPostgres(admin);
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '' });
  return { database, drop: async () => { await database.close(); await scratch.drop(); } };
}

async function bench(backend: 'pglite' | 'postgres', n: number): Promise<Result> {
  const { database, drop } = await scratch(backend);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  try {
    await migrate(database);
    const ctx: RootContext = { config: { ...loadConfig({}), logLevel: 'silent' }, database, db: tablesOf<DB>(database.kysely), clock: systemClock, secrets: new SecretBox('bench'), log: pino({ level: 'silent' }), notices: noticeOutbox };
    const history = loaded ? await loadHistory(ctx, database, backend) : 'empty';
    const actor = systemActor('bench');
    const { secret } = await createSource(ctx, actor, { code: 'BENCH', name: 'bench' });
    for (let i = 0; i < LOTS; i++) {
      await createLot(ctx, actor, { code: `BENCH-${i}`, name: `压测 ${i}`, districtCode: '320602', kind: 'off_street', totalSpaces: 500, lng: 120.86, lat: 32.01, sourceCode: 'BENCH' });
    }
    const app = await buildApp(ctx);
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    const events = makeEvents(n);
    const batches: string[] = [];
    for (let i = 0; i < events.length; i += BATCH) batches.push(JSON.stringify({ events: events.slice(i, i + BATCH) }));

    const counts = batches.map((b) => (JSON.parse(b) as { events: unknown[] }).events.length);
    const bar = new SingleBar({ format: `${backend.padEnd(8)} API  {bar} {value}/{total} events`, hideCursor: true }, Presets.shades_classic);
    const apiSeconds = await new Promise<number>((resolve, reject) => {
      // The load generator runs in its own process (bench/ingest-load.ts); it signs every batch first.
      const child = fork(fileURLToPath(new URL('./ingest-load.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      child.on('message', (m: { ready?: boolean; progress?: number; seconds?: number; error?: string }) => {
        if (m.ready) { bar.start(events.length, 0); child.send({ go: true }); }
        if (m.progress) bar.increment(m.progress);
        if (m.seconds !== undefined) { child.kill(); resolve(m.seconds); }
        if (m.error) { child.kill(); reject(new Error(m.error)); }
      });
      child.on('exit', (code) => code && reject(new Error(`load generator exited with ${code}`)));
      child.send({ url, source: 'BENCH', secret, bodies: batches, counts, concurrency: CONCURRENCY });
    });
    bar.stop();
    await app.close();

    // Baseline: the same rows, plain batched INSERT into ingest_events itself (as another
    // source, so the ids are new): the same table, indexes and history the API wrote into.
    const lotIds = new Map((await ctx.db.selectFrom('lots').select(['id', 'code']).execute()).map((l) => [l.code, l.id]));
    const rawStarted = performance.now();
    const now = new Date();
    for (let i = 0; i < events.length; i += BATCH) {
      const rows = events.slice(i, i + BATCH).map((e) => ({
        source_code: 'RAW', event_id: e.eventId as string, type: e.type as 'entry', lot_id: lotIds.get(e.lotCode as string) ?? null,
        occurred_at: new Date(e.occurredAt as string), received_at: now, plate: e.plate as string, payload: JSON.stringify(e),
      }));
      await ctx.db.insertInto('ingest_events').values(rows).execute();
    }
    const rawSeconds = (performance.now() - rawStarted) / 1000;
    const apiPerSec = n / apiSeconds;
    const rawPerSec = n / rawSeconds;
    return { backend, database: history, events: n, apiPerSec, rawPerSec, ratio: apiPerSec / rawPerSec, peakRssMb: peakRss / 1024 / 1024 };
  } finally {
    clearInterval(sampler);
    await drop();
  }
}

function writeReport(results: Result[]): void {
  const file = new URL('../docs/performance.md', import.meta.url);
  const table = [
    `Measured ${new Date().toISOString().slice(0, 16)}Z on ${process.platform} ${process.arch}, Node ${process.version}, ${availableParallelism()} cores.`,
    '',
    '| database | holding | events | API events/s | raw INSERT events/s | ratio | peak RSS (MB) |',
    '|---|---|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.backend} | ${r.database} | ${r.events} | ${r.apiPerSec.toFixed(0)} | ${r.rawPerSec.toFixed(0)} | ${r.ratio.toFixed(2)} | ${r.peakRssMb.toFixed(0)} |`),
  ].join('\n');
  const text = readFileSync(file, 'utf8');
  // The empty and the loaded runs keep their own tables.
  const marker = loaded ? 'bench:ingest-loaded' : 'bench:ingest';
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const block = `${start}\n${table}\n${end}`;
  const next = text.includes(start) ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

/**
 * --loaded: before the measured part, a year of a Nantong-sized city in bulk (the simulator's
 * set-based generator, as bench:analytics): BENCH_LOADED_SESSIONS sessions (default 5 M) over
 * 320 lots with a status report an hour, and an entry and an exit event in ingest_events for each, so that every index the
 * API writes is a year deep. The benchmark's own 100 lots come on top.
 */
async function loadHistory(ctx: RootContext, database: Database, backend: 'pglite' | 'postgres'): Promise<string> {
  const sessions = Number(process.env.BENCH_LOADED_SESSIONS ?? 5_000_000);
  const now = new Date();
  const start = new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), now.getUTCDate()) - 8 * 3_600_000);
  let exec = kyselyExec(database.kysely);
  let close = async () => undefined as void;
  if (backend === 'postgres') {
    const loader = new pg.Client({ connectionString: database.url! });
    await loader.connect();
    await loader.query("set synchronous_commit = off; set work_mem = '256MB'; set maintenance_work_mem = '1GB'");
    exec = async (q, params) => ({ rows: (await loader.query(q, params ? [...params] : undefined)).rows as Record<string, unknown>[] });
    close = () => loader.end();
  }
  const bar = new SingleBar({ format: `${backend.padEnd(8)} load {bar} {value}/{total} steps  {label}`, hideCursor: true }, Presets.shades_classic);
  bar.start(1, 0, { label: 'plan' });
  try {
    const g = await generate(exec, { lots: 320, start, now, sessions, staleSessionDays: ctx.config.staleSessionDays, statusEveryMinutes: 60 }, (done, total, label) => {
      bar.setTotal(total);
      bar.update(done, { label });
    });
    bar.update(bar.getTotal(), { label: 'events' });
    console.log(`${backend}: generated ${g.sessions.toLocaleString('en')} sessions and ${g.statusReports.toLocaleString('en')} status reports in ${Object.values(g.seconds).reduce((a, b) => a + b, 0).toFixed(0)} s; writing their events`);
    // The events those sessions came from, as the API would have stored them.
    await exec(`insert into ingest_events (source_code, event_id, type, lot_id, occurred_at, received_at, plate, via, payload)
      select source_code, 'hist-' || kind || '-' || id, kind, lot_id, at, at, plate, 'api',
             jsonb_build_object('type', kind, 'eventId', 'hist-' || kind || '-' || id, 'occurredAt', at, 'plate', plate)
      from (select id, source_code, lot_id, plate, 'entry' as kind, entered_at as at from parking_sessions where entered_at is not null
            union all
            select id, source_code, lot_id, plate, 'exit', exited_at from parking_sessions where exited_at is not null) e`);
    await exec('vacuum analyze ingest_events');
    const events = Number((await exec('select count(*) as n from ingest_events')).rows[0]!.n);
    bar.stop();
    console.log(`${backend}: loaded ${g.sessions.toLocaleString('en')} sessions and ${events.toLocaleString('en')} events`);
    return `${(g.sessions / 1e6).toFixed(1)} M sessions, ${(events / 1e6).toFixed(1)} M events`;
  } finally {
    await close();
  }
}

const loaded = process.argv.includes('--loaded') || process.env.BENCH_LOADED === '1';
const n = Number(process.env.BENCH_EVENTS ?? 20_000);
// BENCH_BACKENDS=postgres (or pglite) runs one of them, e.g. for profiling.
const only = process.env.BENCH_BACKENDS;
const results: Result[] = [];
if (only ? only.includes('pglite') : !loaded) results.push(await bench('pglite', n));
if ((!only || only.includes('postgres')) && (process.env.ZHIBO_BENCH_DATABASE_URL ?? process.env.ZHIBO_TEST_DATABASE_URL)) results.push(await bench('postgres', Number(process.env.BENCH_EVENTS_PG ?? n * 2)));
for (const r of results) console.log(`${r.backend}: API ${r.apiPerSec.toFixed(0)} events/s, raw ${r.rawPerSec.toFixed(0)} events/s, ratio ${r.ratio.toFixed(2)}, peak RSS ${r.peakRssMb.toFixed(0)} MB`);
writeReport(results);

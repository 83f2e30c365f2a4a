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
import { randomBytes } from 'node:crypto';
import { SingleBar, Presets } from 'cli-progress';
import { sql } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { createSource } from '../src/modules/registry/sources.js';
import { createLot } from '../src/modules/registry/lots.js';
import { systemActor } from '../src/platform/auth/permissions.js';
import { systemClock } from '../src/platform/clock.js';
import { SecretBox } from '../src/platform/secret-box.js';
import { signedHeaders } from '../src/platform/signing.js';

const BATCH = 500;
const CONCURRENCY = 4;
const LOTS = 100;

interface Result {
  backend: string;
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
  const name = `zhibo_bench_${randomBytes(4).toString('hex')}`;
  const run = async (q: string) => { const c = new pg.Client({ connectionString: admin }); await c.connect(); await c.query(q); await c.end(); };
  await run(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '' });
  return { database, drop: async () => { await database.close(); await run(`drop database ${name} with (force)`); } };
}

async function bench(backend: 'pglite' | 'postgres', n: number): Promise<Result> {
  const { database, drop } = await scratch(backend);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  try {
    await migrate(database);
    const ctx: RootContext = { config: { ...loadConfig({}), logLevel: 'silent' }, database, db: tablesOf<DB>(database.kysely), clock: systemClock, secrets: new SecretBox('bench'), log: pino({ level: 'silent' }), notices: noticeOutbox };
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

    const bar = new SingleBar({ format: `${backend.padEnd(8)} API  {bar} {value}/{total} events`, hideCursor: true }, Presets.shades_classic);
    bar.start(events.length, 0);
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < batches.length) {
          const body = batches[next++]!;
          const res = await fetch(`${url}/api/v1/ingest/events`, { method: 'POST', headers: signedHeaders('BENCH', secret, body), body });
          const out = (await res.json()) as { accepted: number };
          if (res.status !== 200 || out.accepted !== JSON.parse(body).events.length) throw new Error(`batch refused: ${res.status} ${JSON.stringify(out).slice(0, 300)}`);
          bar.increment(out.accepted);
        }
      }),
    );
    const apiSeconds = (performance.now() - started) / 1000;
    bar.stop();
    await app.close();

    // Baseline: the same rows, plain batched INSERT into a copy of ingest_events with its indexes.
    await sql`create table bench_raw (like ingest_events including all)`.execute(ctx.db);
    const lotIds = new Map((await ctx.db.selectFrom('lots').select(['id', 'code']).execute()).map((l) => [l.code, l.id]));
    const rawStarted = performance.now();
    const now = new Date();
    for (let i = 0; i < events.length; i += BATCH) {
      const rows = events.slice(i, i + BATCH).map((e) => ({
        source_code: 'BENCH', event_id: e.eventId as string, type: e.type as 'entry', lot_id: lotIds.get(e.lotCode as string) ?? null,
        occurred_at: new Date(e.occurredAt as string), received_at: now, plate: e.plate as string, payload: JSON.stringify(e),
      }));
      await ctx.db.insertInto('bench_raw' as 'ingest_events').values(rows).execute();
    }
    const rawSeconds = (performance.now() - rawStarted) / 1000;
    const apiPerSec = n / apiSeconds;
    const rawPerSec = n / rawSeconds;
    return { backend, events: n, apiPerSec, rawPerSec, ratio: apiPerSec / rawPerSec, peakRssMb: peakRss / 1024 / 1024 };
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
    '| database | events | API events/s | raw INSERT events/s | ratio | peak RSS (MB) |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map((r) => `| ${r.backend} | ${r.events} | ${r.apiPerSec.toFixed(0)} | ${r.rawPerSec.toFixed(0)} | ${r.ratio.toFixed(2)} | ${r.peakRssMb.toFixed(0)} |`),
  ].join('\n');
  const text = readFileSync(file, 'utf8');
  const start = '<!-- bench:ingest:start -->';
  const end = '<!-- bench:ingest:end -->';
  const block = `${start}\n${table}\n${end}`;
  const next = text.includes(start) ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block) : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}

const n = Number(process.env.BENCH_EVENTS ?? 20_000);
// BENCH_BACKENDS=postgres (or pglite) runs one of them, e.g. for profiling.
const only = process.env.BENCH_BACKENDS;
const results: Result[] = [];
if (!only || only.includes('pglite')) results.push(await bench('pglite', n));
if ((!only || only.includes('postgres')) && (process.env.ZHIBO_BENCH_DATABASE_URL ?? process.env.ZHIBO_TEST_DATABASE_URL)) results.push(await bench('postgres', Number(process.env.BENCH_EVENTS_PG ?? n * 2)));
for (const r of results) console.log(`${r.backend}: API ${r.apiPerSec.toFixed(0)} events/s, raw ${r.rawPerSec.toFixed(0)} events/s, ratio ${r.ratio.toFixed(2)}, peak RSS ${r.peakRssMb.toFixed(0)} MB`);
writeReport(results);

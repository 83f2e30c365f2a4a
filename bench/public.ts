/*
 * npm run bench:public — the public nearby endpoint against a bare route (issue 16 §11).
 *
 * On a fresh database (PostgreSQL from ZHIBO_BENCH_DATABASE_URL or ZHIBO_TEST_DATABASE_URL,
 * created and dropped here; PGlite in a temporary directory when BENCH_BACKENDS=pglite) it
 * registers 1,000 lots spread over about 6 km around the centre of Chongchuan, gives 90 % of them
 * a live status report and 10 % an hours-old one, and a tariff to a third; then it serves the
 * real app and, in the same process, a bare Fastify route that returns a constant JSON body of the
 * same size as a nearby answer. The same autocannon client (in a worker thread) loads them
 * alternately in BENCH_ROUNDS rounds (default 5; BENCH_SECONDS in all per route, default 10, after
 * a 2 s warm-up each; BENCH_CONNECTIONS, default 10) and prints one line:
 *
 *   public nearby: N req/s, bare route: M req/s, ratio R, p99 X ms
 *
 * and writes it into docs/performance.md between the bench:public markers. Target: ratio ≥ 0.5
 * on PostgreSQL. It runs twice: with the nearby snapshot of src/modules/public/snapshot.ts at its
 * default age (ZHIBO_PUBLIC_CACHE_SECONDS, 5 s) and with every query read from the database. The per-IP public rate limit stays on (raised to its maximum): it is part of
 * what a real request costs. Never run by the tests.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { sql } from 'kysely';
import pino from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { scratchPostgres } from './scratch-db.js';
import { migrate } from '../src/db/migrate.js';
import { noticeOutbox } from '../src/modules/notifications/index.js';
import { systemActor } from '../src/platform/auth/permissions.js';
import { systemClock } from '../src/platform/clock.js';
import { tablesOf } from '../src/platform/db.js';
import { SecretBox } from '../src/platform/secret-box.js';
import { createLot } from '../src/modules/registry/lots.js';
import { createSource } from '../src/modules/registry/sources.js';
import type { DB, RootContext } from '../src/schema.js';

type Backend = 'pglite' | 'postgres';
const LOTS = Number(process.env.BENCH_LOTS ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const CENTRE: [number, number] = [120.8643, 32.0146];
const QUERY = `/api/v1/public/lots/nearby?lng=${CENTRE[0]}&lat=${CENTRE[1]}&radius=1000`;

async function scratch(backend: Backend): Promise<{ database: Database; drop: () => Promise<void> }> {
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

/** A deterministic spread of points: a golden-angle spiral over a disc of `radiusM` metres. */
function spread(i: number, n: number, radiusM: number): [number, number] {
  const r = radiusM * Math.sqrt((i + 0.5) / n);
  const a = i * 2.399963229728653;
  const dLat = (r * Math.cos(a)) / 111_320;
  const dLng = (r * Math.sin(a)) / (111_320 * Math.cos((CENTRE[1] * Math.PI) / 180));
  return [Math.round((CENTRE[0] + dLng) * 1e6) / 1e6, Math.round((CENTRE[1] + dLat) * 1e6) / 1e6];
}

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

interface Load { rps: number; p99: number; errors: number }

async function once(url: string, seconds: number): Promise<Load> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, workers: 1 });
  return { rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

/**
 * Both routes in turn, ROUNDS short rounds each (SECONDS in all per route), after a 2 s warm-up
 * of each: on a machine shared with other work the load drifts within a minute, and alternating
 * puts both routes under the same drift. Throughput is the mean over the rounds; p99 the median.
 */
async function loadBoth(nearbyUrl: string, bareUrl: string): Promise<{ nearby: Load; bare: Load }> {
  // The client runs in a worker thread, off the server's event loop, for both routes alike.
  await once(nearbyUrl, 2);
  await once(bareUrl, 2);
  const rounds: { nearby: Load; bare: Load }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const nearby = await once(nearbyUrl, Math.max(1, Math.round(SECONDS / ROUNDS)));
    const bare = await once(bareUrl, Math.max(1, Math.round(SECONDS / ROUNDS)));
    rounds.push({ nearby, bare });
  }
  const summary = (pick: (r: { nearby: Load; bare: Load }) => Load): Load => {
    const all = rounds.map(pick);
    const p99s = all.map((l) => l.p99).sort((a, b) => a - b);
    return { rps: all.reduce((s, l) => s + l.rps, 0) / all.length, p99: p99s[Math.floor(p99s.length / 2)]!, errors: all.reduce((s, l) => s + l.errors, 0) };
  };
  return { nearby: summary((r) => r.nearby), bare: summary((r) => r.bare) };
}

interface Result { backend: Backend; cacheSeconds: number; nearby: number; bare: number; ratio: number; p99: number; bareP99: number; lotsInAnswer: number; bodyBytes: number; errors: number }

async function bench(backend: Backend, cacheSeconds: number): Promise<Result> {
  const { database, drop } = await scratch(backend);
  try {
    await migrate(database);
    const config = { ...loadConfig({}), logLevel: 'silent' as const, publicRatePerMinute: 100_000, publicCacheSeconds: cacheSeconds };
    const ctx: RootContext = { config, database, db: tablesOf<DB>(database.kysely), clock: systemClock, secrets: new SecretBox('bench'), log: pino({ level: 'silent' }), notices: noticeOutbox };
    const actor = systemActor('bench');
    await createSource(ctx, actor, { code: 'BENCH', name: 'bench' });
    const now = Date.now();
    for (let i = 0; i < LOTS; i++) {
      const [lng, lat] = spread(i, LOTS, 6000);
      const lot = await createLot(ctx, actor, {
        code: `PB-${i}`, name: `公共停车场 ${i}`, districtCode: '320602', kind: i % 4 === 0 ? 'on_street' : 'off_street', category: i % 7 === 0 ? 'hospital' : 'commercial',
        totalSpaces: 200, lng, lat, sourceCode: 'BENCH', address: `崇川区某路 ${i} 号`,
      });
      const at = new Date(now - (i % 10 === 0 ? 5 * 3_600_000 : 60_000));
      await ctx.db.insertInto('lot_live').values({ lot_id: lot.id, total_spaces: 200, free_spaces: i % 200, status_at: at, last_occurred_at: at, last_received_at: at }).execute();
      if (i % 3 === 0) {
        await ctx.db.insertInto('lot_tariffs').values({ lot_id: lot.id, free_minutes: 15, first_period_minutes: 60, first_period_fen: 500, unit_minutes: 60, unit_fen: 200, daily_cap_fen: 3000, updated_at: new Date(now), updated_by: 'bench' }).execute();
      }
    }
    if (backend === 'postgres') await sql`analyze`.execute(ctx.db);
    const app = await buildApp(ctx);
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const sample = await fetch(`${base}${QUERY}`);
    if (sample.status !== 200) throw new Error(`nearby answered ${sample.status}`);
    const body = await sample.text();
    const lotsInAnswer = (JSON.parse(body) as { items: unknown[] }).items.length;

    const bare = Fastify({ logger: false });
    bare.get('/bare', (_req, reply) => reply.header('content-type', 'application/json; charset=utf-8').send(body));
    const bareBase = await bare.listen({ port: 0, host: '127.0.0.1' });

    const { nearby, bare: raw } = await loadBoth(`${base}${QUERY}`, `${bareBase}/bare`);
    await bare.close();
    await app.close();
    return {
      backend, cacheSeconds, nearby: nearby.rps, bare: raw.rps, ratio: nearby.rps / raw.rps, p99: nearby.p99, bareP99: raw.p99,
      lotsInAnswer, bodyBytes: Buffer.byteLength(body), errors: nearby.errors + raw.errors,
    };
  } finally {
    await drop();
  }
}

function line(r: Result): string {
  return `public nearby: ${Math.round(r.nearby)} req/s, bare route: ${Math.round(r.bare)} req/s, ratio ${r.ratio.toFixed(2)}, p99 ${r.p99} ms`;
}

function writeReport(results: Result[]): void {
  const file = new URL('../docs/performance.md', import.meta.url);
  const start = '<!-- bench:public:start -->';
  const end = '<!-- bench:public:end -->';
  const rows = results.map((r) => `| ${r.backend}, snapshot ${r.cacheSeconds} s | ${Math.round(r.nearby)} | ${Math.round(r.bare)} | **${r.ratio.toFixed(2)}** | ${r.p99} | ${r.bareP99} | ${r.lotsInAnswer} | ${r.bodyBytes.toLocaleString('en')} | ${r.errors} |`);
  const block = [
    start,
    `Measured ${new Date().toISOString().slice(0, 10)}, ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at the end (the machine is shared with other work); ${LOTS.toLocaleString('en')} lots, ${CONNECTIONS} connections, ${SECONDS} s per route in ${ROUNDS} alternating rounds after a 2 s warm-up each.`,
    '',
    '| backend | nearby req/s | bare route req/s | ratio | nearby p99 ms | bare p99 ms | lots in answer | body bytes | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...results.map((r) => `    ${line(r)}   (${r.backend}, snapshot ${r.cacheSeconds} s)`),
    end,
  ].join('\n');
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.includes(start) ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), () => block) : `${text.trimEnd()}\n\n${block}\n`);
}

const only = process.env.BENCH_BACKENDS ?? 'postgres';
const hasPg = Boolean(process.env.ZHIBO_BENCH_DATABASE_URL ?? process.env.ZHIBO_TEST_DATABASE_URL);
if (only.includes('postgres') && !hasPg) {
  console.error('set ZHIBO_BENCH_DATABASE_URL (or ZHIBO_TEST_DATABASE_URL) to a PostgreSQL server, or BENCH_BACKENDS=pglite');
  process.exit(2);
}
const results: Result[] = [];
// The default nearby snapshot (ZHIBO_PUBLIC_CACHE_SECONDS, 5 s), then every query read from the database.
const modes = [loadConfig({}).publicCacheSeconds ?? 5, 0];
for (const b of (['postgres', 'pglite'] as const).filter((x) => only.includes(x))) {
  for (const cacheSeconds of modes) {
    const r = await bench(b, cacheSeconds);
    console.log(`${line(r)}   (${b}, snapshot ${cacheSeconds} s)`);
    results.push(r);
  }
}
writeReport(results);

/*
 * npm run bench:themes — 市域专题 measures at size (issue 18 §7; docs/performance.md, bench:themes).
 *
 * On a fresh PostgreSQL database (ZHIBO_BENCH_DATABASE_URL or ZHIBO_TEST_DATABASE_URL, created and
 * dropped here; PGlite in a temporary directory when BENCH_BACKEND=pglite) it registers the
 * simulator's lots (BENCH_LIVE_LOTS, default 1,000) as plain rows like bench/analytics-data.ts,
 * bulk-writes a status report every BENCH_STATUS_MINUTES (default 5) for BENCH_DAYS (default 30)
 * days for the first BENCH_KPI_LOTS (default 100) lots with generate_series (a daily occupancy
 * wave, so some lot-minutes are saturated), gives every lot a lot_live row (90 % live, 10 % hours
 * old), runs the job themes.rollup (decision 0019), then times, in process and on a warm database
 * (after 2 warm-up calls, BENCH_RUNS calls each, default 20):
 *   - on the empty database first (lots and themes, no report): the month's KPIs and the live view;
 *   - themeKpis over the whole month for a theme of the 100 lots (from the lot-hour rollup, equal
 *     to the raw path: checked here), and for one day;
 *   - themeLive for a theme of all the lots;
 *   - the raw path of decision 0014 on the same month (BENCH_RAW_RUNS calls, default 3): the baseline.
 * Prints one line each and writes them into docs/performance.md between the bench:themes markers.
 * Target (issue 18): p95 ≤ 100 ms for both. Never run by the tests.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { scratchPostgres } from './scratch-db.js';
import { migrate } from '../src/db/migrate.js';
import { buildLotSet } from '../src/modules/simulator/lot-set.js';
import { noticeOutbox } from '../src/modules/notifications/index.js';
import { measureLots, themeKpis } from '../src/modules/themes/kpis.js';
import { themeLive } from '../src/modules/themes/live.js';
import { lotInfos, themesContext } from '../src/modules/themes/repo.js';
import { refreshThemeRollup } from '../src/modules/themes/rollup.js';
import { createTheme } from '../src/modules/themes/service.js';
import { systemActor } from '../src/platform/auth/permissions.js';
import { ManualClock } from '../src/platform/clock.js';
import { tablesOf } from '../src/platform/db.js';
import { SecretBox } from '../src/platform/secret-box.js';
import type { DB, RootContext } from '../src/schema.js';
import { kyselyExec, seedLots } from './analytics-data.js';

const LIVE_LOTS = Number(process.env.BENCH_LIVE_LOTS ?? 1000);
const KPI_LOTS = Number(process.env.BENCH_KPI_LOTS ?? 100);
const DAYS = Number(process.env.BENCH_DAYS ?? 30);
const STATUS_MINUTES = Number(process.env.BENCH_STATUS_MINUTES ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const RAW_RUNS = Number(process.env.BENCH_RAW_RUNS ?? 3);
const BACKEND = process.env.BENCH_BACKEND === 'pglite' ? 'pglite' : 'postgres';
// The month: 2026-11-01 … 2026-11-30 Shanghai; the clock at the end of its last day.
const FIRST_DAY = '2026-11-01';
const START = new Date(`${FIRST_DAY}T00:00:00+08:00`);
const NOW = new Date(START.getTime() + DAYS * 86_400_000 - 60_000);
const dayOf = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
const LAST_DAY = dayOf(NOW.getTime());

async function scratch(): Promise<{ database: Database; drop: () => Promise<void> }> {
  if (BACKEND === 'pglite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'zhibo-bench-'));
    const database = await openDatabase({ databaseUrl: null, dataDir: dir });
    return { database, drop: async () => { await database.close(); rmSync(dir, { recursive: true, force: true }); } };
  }
  const admin = process.env.ZHIBO_BENCH_DATABASE_URL ?? process.env.ZHIBO_TEST_DATABASE_URL;
  if (!admin) throw new Error('set ZHIBO_BENCH_DATABASE_URL (or BENCH_BACKEND=pglite)');
  const scratch = await scratchPostgres(admin);
  const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '' });
  return { database, drop: async () => { await database.close(); await scratch.drop(); } };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

async function time(fn: () => Promise<unknown>, runs = RUNS): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 2; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return { p50: pct(ms, 50), p95: pct(ms, 95) };
}

interface Line { what: string; p50: number; p95: number }

async function main(): Promise<void> {
  const t0 = performance.now();
  const { database, drop } = await scratch();
  try {
    await migrate(database);
    const clock = new ManualClock(NOW);
    const ctx: RootContext = { config: { ...loadConfig({}), logLevel: 'silent' as const }, database, db: tablesOf<DB>(database.kysely), clock, secrets: new SecretBox('bench'), log: pino({ level: 'silent' }), notices: noticeOutbox };
    const exec = kyselyExec(database.kysely);
    const set = buildLotSet(20261125, LIVE_LOTS);
    await seedLots(exec, set.lots, set.sources);
    const lots = await ctx.db.selectFrom('lots').select(['id', 'code', 'total_spaces']).orderBy('id').execute();
    const kpiLots = lots.slice(0, KPI_LOTS);
    const actor = systemActor('bench');
    const tctx = themesContext(ctx);
    await createTheme(tctx, actor, { code: 'BENCH-100', name: '百场专题', kind: 'custom', lotCodes: kpiLots.map((l) => l.code) });
    await createTheme(tctx, actor, { code: 'BENCH-ALL', name: '全市专题', kind: 'custom', lotCodes: lots.map((l) => l.code) });
    // The empty database: lots and themes, no report yet (the job has run once).
    await refreshThemeRollup(ctx);
    const empty: Line[] = [
      { what: `empty database: theme KPIs, ${DAYS} days × ${KPI_LOTS} lots`, ...(await time(() => themeKpis(tctx, actor, 'BENCH-100', { from: FIRST_DAY, to: LAST_DAY }))) },
      { what: `empty database: theme live view, ${LIVE_LOTS} lots`, ...(await time(() => themeLive(tctx, actor, 'BENCH-ALL'))) },
    ];
    // Reports: occupancy follows a daily wave (peak mid-afternoon) plus a per-lot phase, up to full.
    const g = performance.now();
    await sql`insert into lot_status_reports (lot_id, occurred_at, total_spaces, free_spaces, flagged)
      select l.id, t, l.total_spaces,
        greatest(0, least(l.total_spaces, round(l.total_spaces * (1 - (0.55 + 0.5 * sin(2 * pi() * (extract(epoch from t) / 86400.0 - 0.1) + l.id))))::int)),
        false
      from lots l
      cross join generate_series(${START}::timestamptz, ${NOW}::timestamptz, make_interval(mins => ${STATUS_MINUTES})) t
      where l.id <= ${kpiLots.at(-1)!.id}`.execute(ctx.db);
    const reports = Number((await sql<{ n: string }>`select count(*)::bigint as n from lot_status_reports`.execute(ctx.db)).rows[0]!.n);
    for (let i = 0; i < lots.length; i += 500) {
      await ctx.db.insertInto('lot_live').values(lots.slice(i, i + 500).map((l, j) => {
        const at = new Date(NOW.getTime() - ((i + j) % 10 === 0 ? 5 * 3_600_000 : 60_000));
        return { lot_id: l.id, total_spaces: l.total_spaces, free_spaces: (i + j) % Math.max(1, l.total_spaces), status_at: at, last_occurred_at: at, last_received_at: at };
      })).execute();
    }
    await sql`analyze`.execute(ctx.db);
    const seedSeconds = (performance.now() - g) / 1000;
    // The job's run after a month arrived at once (every lot-hour of the month), then the run of
    // a minute later with nothing new (the steady state: only the hour just ended, if any).
    let r = performance.now();
    const built = await refreshThemeRollup(ctx);
    const rollupSeconds = (performance.now() - r) / 1000;
    r = performance.now();
    await refreshThemeRollup(ctx);
    const idleRunMs = performance.now() - r;
    // As autovacuum would soon after a table grows from nothing (the planner's statistics).
    await sql`analyze theme_lot_hours`.execute(ctx.db);
    const month = await themeKpis(tctx, actor, 'BENCH-100', { from: FIRST_DAY, to: LAST_DAY });
    if (month.lotsKnown !== KPI_LOTS || month.occupancyAvg === null) throw new Error(`kpis saw ${month.lotsKnown} lots`);
    // The raw path (decision 0014) on the same month: the baseline, and the check that both agree.
    const w = { from: START.getTime(), to: START.getTime() + DAYS * 86_400_000, asOf: NOW.getTime() };
    const members = await lotInfos(tctx.db, ctx.config.lateThresholdMinutes, kpiLots.map((l) => l.id));
    const rawMonth = await measureLots(tctx, members, w);
    if (rawMonth.occupancyAvg !== month.occupancyAvg || rawMonth.saturatedShare !== month.saturatedShare || rawMonth.peakOccupancy !== month.peakOccupancy) {
      throw new Error(`rollup ${month.occupancyAvg} / ${month.saturatedShare} ≠ raw ${rawMonth.occupancyAvg} / ${rawMonth.saturatedShare}`);
    }
    const live = await themeLive(tctx, actor, 'BENCH-ALL');
    if (live.members.length !== LIVE_LOTS) throw new Error(`live saw ${live.members.length} members`);
    const rawLine: Line = { what: `raw baseline (decision 0014 path): theme KPIs, ${DAYS} days × ${KPI_LOTS} lots`, ...(await time(() => measureLots(tctx, members, w), RAW_RUNS)) };
    const lines: Line[] = [
      ...empty,
      { what: `theme KPIs, ${DAYS} days × ${KPI_LOTS} lots`, ...(await time(() => themeKpis(tctx, actor, 'BENCH-100', { from: FIRST_DAY, to: LAST_DAY }))) },
      { what: `theme KPIs, 1 day × ${KPI_LOTS} lots`, ...(await time(() => themeKpis(tctx, actor, 'BENCH-100', { from: LAST_DAY, to: LAST_DAY }))) },
      { what: `theme live view, ${LIVE_LOTS} lots`, ...(await time(() => themeLive(tctx, actor, 'BENCH-ALL'))) },
    ];
    const text = lines.map((l) => `${l.what}: p50 ${l.p50.toFixed(1)} ms, p95 ${l.p95.toFixed(1)} ms — ${l.p95 <= 100 ? 'meets' : 'MISSES'} p95 ≤ 100 ms`);
    const monthLine = lines.find((l) => l.what.startsWith('theme KPIs, '))!;
    text.push(`${rawLine.what}: p50 ${rawLine.p50.toFixed(1)} ms, p95 ${rawLine.p95.toFixed(1)} ms (${RAW_RUNS} calls) — the rollup's month is ${(monthLine.p50 / rawLine.p50).toFixed(4)} of it at p50; both give the same occupancyAvg, saturatedShare and peakOccupancy`);
    text.push(`rollup job: the month's ${built.rows.toLocaleString('en')} lot-hour rows built in ${rollupSeconds.toFixed(1)} s (one run after a bulk load); a run with nothing new ${idleRunMs.toFixed(0)} ms`);
    for (const l of text) console.log(l);
    const total = (performance.now() - t0) / 1000;
    console.log(`(${BACKEND}; ${reports.toLocaleString('en')} status reports every ${STATUS_MINUTES} min, seeded in ${seedSeconds.toFixed(1)} s; ${total.toFixed(0)} s in all)`);
    writeReport(text, reports, seedSeconds, total);
  } finally {
    await drop();
  }
}

function writeReport(text: string[], reports: number, seedSeconds: number, total: number): void {
  const file = new URL('../docs/performance.md', import.meta.url);
  const start = '<!-- bench:themes:start -->';
  const end = '<!-- bench:themes:end -->';
  const block = [
    start,
    `Measured ${new Date().toISOString().slice(0, 10)} on ${BACKEND}, ${availableParallelism()} cores (shared), load average ${loadavg()[0]!.toFixed(1)} at the end; ${reports.toLocaleString('en')} status reports (every ${STATUS_MINUTES} min, ${DAYS} days, ${KPI_LOTS} lots; seeded in ${seedSeconds.toFixed(1)} s), ${RUNS} timed calls each after 2 warm-up calls, in process; ${total.toFixed(0)} s in all.`,
    '',
    ...text.map((l) => `- ${l}`),
    end,
  ].join('\n');
  const doc = readFileSync(file, 'utf8');
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  writeFileSync(file, a >= 0 && b > a ? doc.slice(0, a) + block + doc.slice(b + end.length) : `${doc.trimEnd()}\n\n## 市域专题 (npm run bench:themes)\n\n${block}\n`);
}

await main();

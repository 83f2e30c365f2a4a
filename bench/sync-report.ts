/*
 * npm run bench:sync-report — how long the monthly sync report takes for 300 lots that
 * reported every 10 minutes for a month (≈1.3 million events in the month, ≈1.9 million in all,
 * each lot with one 5-hour outage), on a fresh PostgreSQL database of ZHIBO_BENCH_DATABASE_URL
 * or ZHIBO_TEST_DATABASE_URL (created and dropped here), against a raw baseline in the same run:
 * one plain `count(*) … group by lot_id` over the month's events, the least any per-lot report
 * must read. The report is timed twice: before job monitoring.sync-days has run (every day read
 * from the events: the full computation) and after it (closed days from their summaries,
 * src/modules/monitoring/sync-days.ts — the path the console and the documents take), with the
 * job's own time between; the three queries of the direct computation (sync-data.ts) are timed
 * too. Also times the 同步监控 board over those lots (GET /monitoring/freshness): one page
 * of 50 as the console asks for it, and all lots at once. `--lots N` for a smaller city (a quick
 * check on a loaded machine). Prints each query's time and writes the figures into
 * docs/performance.md between the bench:sync-report markers; never run by the tests.
 */
import { noticeOutbox } from '../src/modules/notifications/index.js';
import type { RootContext } from '../src/schema.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { scratchPostgres } from './scratch-db.js';
import { migrate } from '../src/db/migrate.js';
import { lotBounds, longIntervals, monthCounts, reportLots } from '../src/modules/monitoring/sync-data.js';
import { buildSyncReport } from '../src/modules/monitoring/sync-report.js';
import { refreshSyncDays } from '../src/modules/monitoring/sync-days.js';
import { listFreshness } from '../src/modules/monitoring/board.js';
import { systemActor } from '../src/platform/auth/permissions.js';
import { ManualClock } from '../src/platform/clock.js';
import { SecretBox } from '../src/platform/secret-box.js';

const lotsArg = process.argv.indexOf('--lots');
const LOTS = lotsArg > 0 ? Number(process.argv[lotsArg + 1]) : 300;
if (!Number.isInteger(LOTS) || LOTS < 1) {
  console.error('--lots takes a whole number of lots');
  process.exit(2);
}
const adminUrl = process.env.ZHIBO_BENCH_DATABASE_URL ?? process.env.ZHIBO_TEST_DATABASE_URL;
if (!adminUrl) {
  console.error('set ZHIBO_BENCH_DATABASE_URL (or ZHIBO_TEST_DATABASE_URL) to a PostgreSQL server');
  process.exit(2);
}


const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  const t = performance.now();
  const r = await fn();
  console.log(`${label.padEnd(34)} ${Math.round(performance.now() - t)} ms`);
  return r;
};

const scratch = await scratchPostgres(adminUrl);
const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '' });
try {
  await migrate(database);
  const db = database.kysely;
  await sql`insert into data_sources (code, name, secret_encrypted) values ('BENCH-SRC', '压测系统', 'x')`.execute(db);
  await sql`insert into lots (code, name, district_code, kind, total_spaces, source_code)
            select 'BENCH-' || g, '压测停车场 ' || g, '320602', 'off_street', 100, 'BENCH-SRC' from generate_series(1, ${LOTS}) g`.execute(db);
  await time('insert events', () => sql`
    insert into ingest_events (source_code, event_id, type, lot_id, occurred_at, received_at, payload)
    select 'BENCH-SRC', l.id || '-' || s.g, 'status', l.id, s.ts, s.ts + interval '1 minute', '{}'::jsonb
      from lots l,
           generate_series(timestamptz '2026-09-23 00:00+08', timestamptz '2026-11-07 00:00+08', interval '10 minutes') with ordinality as s(ts, g)
     where not (s.ts between timestamptz '2026-10-10 00:00+08' + (l.id % 20) * interval '1 day'
                         and timestamptz '2026-10-10 05:00+08' + (l.id % 20) * interval '1 day')`.execute(db));
  // Autovacuum does this for an insert-only table in production; index-only scans need it.
  await time('vacuum analyze', () => sql`vacuum analyze ingest_events`.execute(db));

  const ctx: RootContext = {
    config: loadConfig({}), database, db, clock: new ManualClock(new Date('2026-11-25T02:00:00Z')), secrets: new SecretBox('bench'), log: pino({ level: 'silent' }),
    notices: noticeOutbox,
  };
  const lots = await reportLots(db, systemActor(), 120);
  const period = { start: new Date('2026-09-30T16:00:00Z'), end: new Date('2026-10-31T16:00:00Z') };
  await time('monthCounts (records, days, late)', () => monthCounts(db, lots, period));
  await time('lotBounds', () => lotBounds(db, lots, period));
  await time('longIntervals (lag window)', () => longIntervals(db, lots, period));
  const rawStarted = performance.now();
  await time('baseline: count per lot in the month', () => sql`
    select lot_id, count(*) from ingest_events where occurred_at >= ${period.start} and occurred_at < ${period.end} group by lot_id`.execute(db));
  const rawMs = performance.now() - rawStarted;
  const reportStarted = performance.now();
  const report = await time('whole report 2026-10, no summaries', () => buildSyncReport(ctx, systemActor(), '2026-10'));
  const reportMs = performance.now() - reportStarted;
  console.log(`records ${report.summary.records}, gaps ${report.summary.gapCount}, gap minutes ${report.summary.gapMinutes}`);
  // The day summaries: the job's first runs over the whole history (it is bounded per run), then the report again.
  const jobStarted = performance.now();
  let summarised = 0;
  for (;;) {
    const r = await refreshSyncDays(ctx);
    summarised += r.days;
    if (r.days === 0 && r.marks === 0) break;
  }
  const jobMs = performance.now() - jobStarted;
  console.log(`monitoring.sync-days: ${summarised} lot-days in ${Math.round(jobMs)} ms`);
  const fastStarted = performance.now();
  const fast = await time('whole report 2026-10, summaries', () => buildSyncReport(ctx, systemActor(), '2026-10'));
  const fastMs = performance.now() - fastStarted;
  if (JSON.stringify(fast) !== JSON.stringify(report)) throw new Error('the report from day summaries differs from the full computation');
  // The board: each lot's newest data as ingest keeps it, then a page of 50 and the whole city.
  await sql`insert into lot_live (lot_id, last_occurred_at, last_received_at)
            select lot_id, max(occurred_at), max(received_at) from ingest_events group by lot_id`.execute(db);
  const boardPage = await timed(() => listFreshness(ctx, systemActor(), { limit: 50, offset: 0 }));
  const boardAll = await timed(() => listFreshness(ctx, systemActor(), {}));
  console.log(`board page of 50 of ${boardPage.value.total} lots ${boardPage.ms.toFixed(0)} ms, all lots ${boardAll.ms.toFixed(0)} ms`);
  writeFigures(report.summary.records, reportMs, fastMs, jobMs, rawMs, boardPage.ms, boardAll.ms);
} finally {
  await database.close();
  await scratch.drop();
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t };
}

function writeFigures(records: number, reportMs: number, fastMs: number, jobMs: number, rawMs: number, boardPageMs: number, boardAllMs: number): void {
  const file = new URL('../docs/performance.md', import.meta.url);
  const table = [
    `Measured ${new Date().toISOString().slice(0, 16)}Z on ${process.platform} ${process.arch}, Node ${process.version}, ${availableParallelism()} cores, PostgreSQL.`,
    '',
    '| lots | events in the month | whole report, full computation (ms) | whole report, day summaries (ms) | first summary runs (ms) | raw count per lot (ms) | full ÷ raw | board, page of 50 (ms) | board, all lots (ms) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${LOTS} | ${records} | ${reportMs.toFixed(0)} | ${fastMs.toFixed(0)} | ${jobMs.toFixed(0)} | ${rawMs.toFixed(0)} | ${(reportMs / rawMs).toFixed(1)} | ${boardPageMs.toFixed(0)} | ${boardAllMs.toFixed(0)} |`,
  ].join('\n');
  const start = '<!-- bench:sync-report:start -->';
  const end = '<!-- bench:sync-report:end -->';
  const text = readFileSync(file, 'utf8');
  const block = `${start}\n${table}\n${end}`;
  writeFileSync(file, text.includes(start) ? text.replace(new RegExp(`${start}[\\s\\S]*?${end}`), block) : `${text.trimEnd()}\n\n${block}\n`);
}

/*
 * npm run bench:archive — the data lifecycle's cost (docs/decisions/0032-archive-by-batched-delete.md):
 * ROWS events (default 1,000,000; ZHIBO_BENCH_ROWS) of one Shanghai month on 300 lots, with a
 * realistic payload, on a fresh PostgreSQL database of ZHIBO_BENCH_DATABASE_URL or
 * ZHIBO_TEST_DATABASE_URL (created and dropped here). Measures writing the month's archive file,
 * the batched delete (5,000 ids a statement: total, median and slowest statement — the longest
 * any lock is held), and, for comparison, one plain DELETE of a second month of the same size
 * (what holds its locks for the whole run). The file is streamed with COPY (decision 0032's
 * addendum); ZHIBO_BENCH_ARCHIVE_PAGED=1 writes it with the paged queries PGlite uses, to compare.
 * Prints the figures; never run by the tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { scratchPostgres } from './scratch-db.js';
import { migrate } from '../src/db/migrate.js';
import { archiveMonth } from '../src/modules/ingest/index.js';
import { noticeOutbox } from '../src/modules/notifications/index.js';
import { ManualClock } from '../src/platform/clock.js';
import { SecretBox } from '../src/platform/secret-box.js';
import type { RootContext } from '../src/schema.js';

const ROWS = Number(process.env.ZHIBO_BENCH_ROWS ?? 1_000_000);
const PAGED = process.env.ZHIBO_BENCH_ARCHIVE_PAGED === '1';
const adminUrl = process.env.ZHIBO_BENCH_DATABASE_URL ?? process.env.ZHIBO_TEST_DATABASE_URL;
if (!adminUrl) {
  console.error('set ZHIBO_BENCH_DATABASE_URL (or ZHIBO_TEST_DATABASE_URL) to a PostgreSQL server');
  process.exit(2);
}
const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  const t = performance.now();
  const r = await fn();
  console.log(`${label.padEnd(40)} ${Math.round(performance.now() - t)} ms`);
  return r;
};

const scratch = await scratchPostgres(adminUrl);
const database = await openDatabase({ databaseUrl: scratch.url, dataDir: '' });
const dir = await mkdtemp(path.join(tmpdir(), 'zhibo-bench-archive-'));
try {
  await migrate(database);
  const db = database.kysely;
  // A month of events spread evenly, ROWS of them, in each of 2025-09 and 2025-10 (Shanghai).
  const fill = (from: string, to: string, tag: string) => sql`
    insert into ingest_events (source_code, event_id, type, lot_id, occurred_at, received_at, plate, payload)
    select 'BENCH-SRC', ${tag} || g, 'entry', 1 + g % 300, t, t + interval '1 minute', '苏F' || lpad((g % 100000)::text, 5, '0'),
           jsonb_build_object('type', 'entry', 'eventId', ${tag} || g, 'lotCode', 'BENCH-' || (1 + g % 300), 'plate', '苏F' || lpad((g % 100000)::text, 5, '0'), 'occurredAt', t)
      from generate_series(0, ${ROWS - 1}) g,
           lateral (select ${from}::timestamptz + (${to}::timestamptz - ${from}::timestamptz) * (g::float8 / ${ROWS})) x(t)`.execute(db);
  await time(`insert ${ROWS} events of 2025-09`, () => fill('2025-09-01 00:00+08', '2025-10-01 00:00+08', 'a-'));
  await time(`insert ${ROWS} events of 2025-10`, () => fill('2025-10-01 00:00+08', '2025-11-01 00:00+08', 'b-'));
  await time('vacuum analyze', () => sql`vacuum analyze ingest_events`.execute(db));

  const ctx: RootContext = {
    config: loadConfig({}), database, db, clock: new ManualClock(new Date('2026-12-07T00:00:00Z')), secrets: new SecretBox('bench'), log: pino({ level: 'silent' }),
    notices: noticeOutbox,
  };
  const batches: number[] = [];
  let t0 = performance.now();
  let firstBatchAt = 0;
  const r = await archiveMonth(ctx, dir, 'ingest_events', '2025-09', {
    paged: PAGED,
    onBatch: (_rows, ms) => {
      if (!batches.length) firstBatchAt = performance.now() - ms;
      batches.push(ms);
    },
  });
  const total = performance.now() - t0;
  const writeMs = firstBatchAt - t0;
  const deleteMs = total - writeMs;
  batches.sort((a, b) => a - b);
  console.log(`archive file of 2025-09 (${r?.manifest.rows} rows, ${((r?.manifest.bytes ?? 0) / 1_048_576).toFixed(1)} MB gzip, ${PAGED ? 'paged queries' : 'COPY'})  write ${Math.round(writeMs)} ms`);
  console.log(`batched delete, ${batches.length} statements of 5,000            ${Math.round(deleteMs)} ms total; statement median ${batches[batches.length >> 1]!.toFixed(1)} ms, slowest ${batches[batches.length - 1]!.toFixed(1)} ms`);
  t0 = performance.now();
  await sql`delete from ingest_events where occurred_at >= '2025-10-01 00:00+08' and occurred_at < '2025-11-01 00:00+08'`.execute(db);
  console.log(`one DELETE of 2025-10 (${ROWS} rows), locks held throughout  ${Math.round(performance.now() - t0)} ms`);
} finally {
  await database.close();
  await scratch.drop();
  await rm(dir, { recursive: true, force: true });
}

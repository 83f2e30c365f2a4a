import { randomBytes } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { generateLegacyExport, LEGACY_FILES, legacyMapping, writeCsvExport, type LegacyExport } from '../../../test/support/legacy-export.js';
import { systemActor } from '../../platform/auth/permissions.js';
import { seedSampleRegistry } from '../registry/index.js';
import { importLegacy, openLegacySource, parseMapping, verifyMigration } from './index.js';

/*
 * A legacy database as the source (docs/系统迁移.md §1.2): MariaDB (Debian's package on this
 * machine and in CI; ZHIBO_TEST_MYSQL_URL, default root on 127.0.0.1:3306) and, when a PostgreSQL
 * server is configured for the tests, PostgreSQL. Each test creates its own legacy database with
 * DATETIME/timestamp columns in Shanghai wall-clock time and DECIMAL yuan, and drops it after.
 */

const actor = systemActor('test:migration');
const MYSQL_URL = process.env.ZHIBO_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

interface LegacyDb {
  url: string;
  exec(statement: string, params?: unknown[]): Promise<void>;
  drop(): Promise<void>;
}

/** The generated lots and sessions as tables of a legacy database (times as DATETIME without zone). */
async function fill(db: LegacyDb, data: LegacyExport, kind: 'mysql' | 'pg'): Promise<void> {
  const ts = kind === 'mysql' ? 'DATETIME' : 'timestamp';
  await db.exec(`CREATE TABLE t_park (park_id int PRIMARY KEY, park_no varchar(16), park_name varchar(64), area varchar(4), park_type int, spaces int, lng double precision, lat double precision)`);
  await db.exec(`CREATE TABLE t_parking_record (record_id bigint PRIMARY KEY, park_id int, car_no varchar(16), car_color varchar(2), in_time ${ts}, out_time ${ts}, should_pay decimal(10,2), actual_pay decimal(10,2), pay_type varchar(8))`);
  const ph = (n: number, from = 1) => Array.from({ length: n }, (_, i) => (kind === 'mysql' ? '?' : `$${from + i}`)).join(', ');
  for (const l of data.lots) await db.exec(`INSERT INTO t_park VALUES (${ph(8)})`, [l.park_id, l.park_no, l.park_name, l.area, l.park_type, l.spaces, l.lng, l.lat]);
  const cols = ['record_id', 'park_id', 'car_no', 'car_color', 'in_time', 'out_time', 'should_pay', 'actual_pay', 'pay_type'];
  for (let at = 0; at < data.sessions.length; at += 100) {
    const chunk = data.sessions.slice(at, at + 100);
    const values = chunk.map((_, i) => `(${ph(cols.length, i * cols.length + 1)})`).join(', ');
    await db.exec(`INSERT INTO t_parking_record VALUES ${values}`, chunk.flatMap((s) => cols.map((c) => (c.endsWith('_time') ? String(s[c]).replace(/\//g, '-') : s[c]))));
  }
}

/** The mapping of the generated export, narrowed to the two tables and the database's time format. */
function dbMapping(source: string) {
  const m = legacyMapping(source) as { tables: Record<string, unknown>; timeFormat: string };
  m.tables = { lots: m.tables.lots, sessions: m.tables.sessions };
  m.timeFormat = 'YYYY-MM-DD HH:mm:ss';
  return parseMapping(m);
}

async function mariadb(): Promise<LegacyDb> {
  const name = `zhibo_legacy_${randomBytes(5).toString('hex')}`;
  const admin = await mysql.createConnection({ uri: MYSQL_URL });
  await admin.query(`CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
  const url = new URL(MYSQL_URL);
  url.pathname = `/${name}`;
  const conn = await mysql.createConnection({ uri: url.toString() });
  return {
    url: url.toString(),
    exec: async (s, p) => void (await conn.query(s, p)),
    drop: async () => {
      await conn.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}

async function postgres(): Promise<LegacyDb> {
  const { url, drop } = await createPostgresDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    url,
    exec: async (s, p) => void (await client.query(s, p)),
    drop: async () => {
      await client.end();
      await drop();
    },
  };
}

const SOURCES: [string, () => Promise<LegacyDb>, 'mysql' | 'pg'][] = [['MariaDB', mariadb, 'mysql']];
if (process.env.ZHIBO_TEST_DATABASE_URL) SOURCES.push(['PostgreSQL', postgres, 'pg']);

describeDb('migration from a legacy database', (backend) => {
  for (const [label, open, kind] of SOURCES) {
    describe(`${label} source`, () => {
      let env: TestEnv;
      let legacy: LegacyDb;
      const data = generateLegacyExport({ sessions: 240, days: 3, seed: 11 });

      beforeAll(async () => {
        env = await createTestEnv(backend);
        await seedSampleRegistry(env.ctx);
        legacy = await open();
        await fill(legacy, data, kind);
      });
      afterAll(async () => {
        await legacy?.drop();
        await env?.close();
      });

      it('imports lots and parking records with every count equal, catches a fee changed at the source, and never writes twice', async () => {
        const mapping = dbMapping(`db-${kind}`);
        const source = await openLegacySource(legacy.url);
        try {
          const first = await importLegacy(env.ctx, actor, source, mapping);
          expect(first.issues).toEqual([]);
          expect(first.tables.map((t) => [t.table, t.rows, t.imported + t.adopted])).toEqual([['lots', 5, 5], ['sessions', 240, 240]]);
          const ok = await verifyMigration(env.ctx, actor, source, mapping);
          expect(ok.equal).toBe(true);
          expect(ok.tables.map((t) => [t.table, t.legacy, t.platform])).toEqual([['lots', 5, 5], ['sessions', 240, 240]]);
          expect(ok.days.reduce((n, d) => n + d.platformCount, 0)).toBe(240);

          // Record 500001 entered at 2026-10-01 00:10 Shanghai wall clock: stored as UTC, counted on 10-01.
          const s1 = await env.ctx.db.selectFrom('migration_id_map as m').innerJoin('parking_sessions as s', 's.id', 'm.target_id')
            .select(['s.entered_at', 's.paid_fen']).where('m.source', '=', mapping.source).where('m.legacy_id', '=', '500001').executeTakeFirstOrThrow();
          expect(s1.entered_at!.toISOString()).toBe('2026-09-30T16:10:00.000Z');
          expect(ok.days.some((d) => d.day === '2026-10-01' && d.lotCode === 'NT-CC-0001' && d.platformCount > 0)).toBe(true);

          // The legacy row changed after the import: listed, by record and field.
          const target = data.sessions[30]!;
          await legacy.exec(`UPDATE t_parking_record SET actual_pay = actual_pay + 1 WHERE record_id = ${Number(target.record_id)}`);
          const bad = await verifyMigration(env.ctx, actor, source, mapping);
          expect(bad.equal).toBe(false);
          expect(bad.differences).toEqual([expect.objectContaining({ table: 'sessions', legacyId: String(target.record_id), kind: 'field', field: 'paidFen' })]);
          expect(bad.days.filter((d) => !d.equal)).toHaveLength(1);

          // Again: nothing more written.
          const count = async () => Number((await env.ctx.db.selectFrom('parking_sessions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
          const before = await count();
          const again = await importLegacy(env.ctx, actor, source, mapping);
          expect(again.tables.map((t) => [t.table, t.imported, t.skipped])).toEqual([['lots', 0, 5], ['sessions', 0, 240]]);
          expect(await count()).toBe(before);
        } finally {
          await source.close();
        }
      });
    });
  }
});

describeDb('migration stopped half-way', (backend) => {
  let env: TestEnv;
  let dir: string;
  beforeAll(async () => {
    env = await createTestEnv(backend);
    await seedSampleRegistry(env.ctx);
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-legacy-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await env?.close();
  });

  it('resumes where it stopped: what committed is skipped, the rest imported, and the verification is equal', async () => {
    const data = generateLegacyExport({ sessions: 150, days: 2, seed: 3 });
    writeCsvExport(dir, data);
    const mapping = parseMapping(legacyMapping('half-way'));
    // The payments file is not there yet: the run stops at that table, after lots, users and sessions committed.
    const payments = path.join(dir, `${LEGACY_FILES.payments}.csv`);
    renameSync(payments, `${payments}.later`);
    const source = await openLegacySource(dir);
    await expect(importLegacy(env.ctx, actor, source, mapping)).rejects.toThrow(/没有 t_pay\.csv 或 t_pay\.xlsx/);
    const run = await env.ctx.db.selectFrom('migration_runs').select(['outcome']).where('source', '=', 'half-way').executeTakeFirstOrThrow();
    expect(run.outcome).toBe('failed');

    renameSync(`${payments}.later`, payments);
    const seen: string[] = [];
    const resumed = await importLegacy(env.ctx, actor, source, mapping, { start: (t, total) => seen.push(`${t}:${total}`), update: () => {}, end: () => {} });
    expect(seen).toEqual(['lots:5', 'users:3', 'sessions:150', `payments:${data.payments.length}`, 'tickets:12']);
    expect(resumed.tables.map((t) => [t.table, t.imported, t.skipped])).toEqual([
      ['lots', 0, 5], ['users', 0, 3], ['sessions', 0, 150], ['payments', data.payments.length, 0], ['tickets', 12, 0],
    ]);
    const v = await verifyMigration(env.ctx, actor, source, mapping);
    expect(v.tables.every((t) => t.equal)).toBe(true);
    expect(v.equal).toBe(true);
    await source.close();
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { BACKENDS, createPostgresDatabase, type Backend } from './support/backends.js';
import { assertBuilt, runCli, startServer, stopServer } from './support/cli.js';
import { createMariaDatabase, type MariaScratch } from './support/mariadb.js';

/*
 * Crash test of the connectors' cursor (docs/数据对接.md §4): `zhibo connectors pull` reads a real
 * MariaDB table into the platform and is killed with SIGKILL mid-run, three times, at different
 * pages; each time it starts again from its stored cursor. In the end the events and sessions
 * equal the source's rows exactly: the cursor never passed an uncommitted page (nothing lost)
 * and a page re-read after the crash changed nothing (nothing doubled).
 *
 * The killed process's lease would hold the connector for its 10 minutes; the test expires it by
 * hand, standing in for that time passing (tests do not sleep).
 */

const BIN = fileURLToPath(new URL('../bin/zhibo.js', import.meta.url));
const ADMIN_PASSWORD = 'Durable-Admin-1';
const SOURCE = 'CDUR-SRC';
const LOT = 'CDUR-LOT';
const ROWS = 600;
const PAGE = 20;
/** Kill after this many committed pages, on each of the three runs. */
const KILL_AFTER = [3, 9, 6];

interface Target {
  env: Record<string, string>;
  open(): Promise<Database>;
  cleanup(): Promise<void>;
}

async function target(backend: Backend, dataDir: string): Promise<Target> {
  if (backend === 'postgres') {
    const { url, drop } = await createPostgresDatabase();
    return { env: { ZHIBO_DATABASE_URL: url }, open: () => openDatabase({ databaseUrl: url, dataDir: '' }), cleanup: drop };
  }
  return { env: {}, open: () => openDatabase({ databaseUrl: null, dataDir: path.join(dataDir, 'pglite') }), cleanup: async () => undefined };
}

const local = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

for (const backend of BACKENDS) {
  describe(`a connector's pull survives kill -9 [${backend}]`, () => {
    let dataDir: string;
    let t: Target;
    let maria: MariaScratch;
    const env = () => ({ ZHIBO_ADMIN_PASSWORD: ADMIN_PASSWORD, ZHIBO_LOG_LEVEL: 'warn', ...t.env });

    beforeAll(async () => {
      assertBuilt();
      dataDir = mkdtempSync(path.join(tmpdir(), 'zhibo-conn-dur-'));
      t = await target(backend, dataDir);
      maria = await createMariaDatabase();
      await maria.conn.query('create table gate_log (id int primary key, car varchar(16), at datetime, lot varchar(8))');
      const base = Date.now() - 3 * 86400_000;
      for (let from = 1; from <= ROWS; from += 500) {
        const rows = Array.from({ length: Math.min(500, ROWS - from + 1) }, (_, i) => from + i).map((n) => [n, `苏F${String(n).padStart(5, '0')}`, local(new Date(base + n * 1000)), 'G1']);
        await maria.conn.query('insert into gate_log (id, car, at, lot) values ?', [rows]);
      }
    });
    afterAll(async () => {
      await maria?.drop();
      await t?.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('ends with every row once after three crashes', { timeout: 900_000 }, async () => {
      // The source, lot and connector, made through the API of a real server.
      // startServer waits for the 'listening on' line, which is logged at info.
      const s = await startServer(['--data-dir', dataDir], { ...env(), ZHIBO_LOG_LEVEL: 'info' });
      try {
        const login = await fetch(`${s.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
        const auth = { 'content-type': 'application/json', authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
        const post = async (url: string, body: object) => {
          const res = await fetch(`${s.url}${url}`, { method: 'POST', headers: auth, body: JSON.stringify(body) });
          expect(res.status, await res.clone().text()).toBe(201);
        };
        await post('/api/v1/sources', { code: SOURCE, name: '道闸日志' });
        await post('/api/v1/lots', { code: LOT, name: '崩溃测试停车场', districtCode: '320602', kind: 'off_street', totalSpaces: ROWS, lng: 120.86, lat: 32.01, sourceCode: SOURCE });
        await post('/api/v1/connectors', {
          code: 'gate', name: '道闸日志表', kind: 'database', sourceCode: SOURCE, secrets: { password: maria.reader.password },
          config: { engine: 'mysql', host: maria.host, port: maria.port, database: maria.database, user: maria.reader.user, table: 'gate_log', cursorMode: 'id', idColumn: 'id', pageSize: PAGE },
          mapping: {
            events: [{ type: { value: 'entry' }, eventId: { paths: ['id'], prefix: 'G-' }, fields: { occurredAt: { path: 'at' }, lotCode: { path: 'lot' }, plate: { path: 'car' } } }],
            valueMaps: { lotCode: { G1: LOT } },
          },
        });
      } finally {
        await stopServer(s.proc);
      }

      const expireLease = async () => {
        const db = await t.open();
        try {
          await sql`update job_leases set leased_until = now() where name = 'connectors.pull:gate'`.execute(db.kysely);
        } finally {
          await db.close();
        }
      };

      for (const after of KILL_AFTER) {
        const child = spawn(process.execPath, [BIN, '--data-dir', dataDir, 'connectors', 'pull', 'gate'], { env: { ...process.env, ZHIBO_DATABASE_URL: '', ...env() } });
        let out = '';
        let pages = 0;
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          pages = (out.match(/^page /gm) ?? []).length;
          if (pages >= after && child.exitCode === null) child.kill('SIGKILL');
        });
        const code = await exited;
        expect(code, `the pull ended by itself before page ${after}: ${out.slice(-500)}`).toBeNull();
        await expireLease();
      }

      // Killed three times, short of the end; now to the end.
      const last = runCli(['--data-dir', dataDir, 'connectors', 'pull', 'gate'], env());
      expect(last.code, last.stderr).toBe(0);
      expect(last.stdout).toContain(`caught up cursor={"id":${ROWS}}`);

      const db = await t.open();
      try {
        const ev = await sql<{ n: number; d: number }>`select count(*)::int as n, count(distinct event_id)::int as d from ingest_events where source_code = ${SOURCE}`.execute(db.kysely);
        const se = await sql<{ n: number }>`select count(*)::int as n from parking_sessions s join lots l on l.id = s.lot_id where l.code = ${LOT}`.execute(db.kysely);
        const q = await sql<{ n: number }>`select count(*)::int as n from ingest_quarantine where source_code = ${SOURCE}`.execute(db.kysely);
        expect({ events: Number(ev.rows[0]!.n), distinct: Number(ev.rows[0]!.d), sessions: Number(se.rows[0]!.n), quarantined: Number(q.rows[0]!.n) }).toEqual({ events: ROWS, distinct: ROWS, sessions: ROWS, quarantined: 0 });
        const health = await sql<{ records_total: number }>`select h.records_total from connector_health h join connectors c on c.id = h.connector_id where c.code = 'gate'`.execute(db.kysely);
        // Health is counted in the cursor's transaction: a page re-read after a crash is counted once too.
        expect(Number(health.rows[0]!.records_total)).toBe(ROWS);
      } finally {
        await db.close();
      }
    });
  });
}

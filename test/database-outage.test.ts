import { noticeOutbox } from '../src/modules/notifications/index.js';
import type { DB, RootContext } from '../src/schema.js';
import { tablesOf } from '../src/platform/db.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { runScheduledJob } from '../src/platform/jobs.js';
import { ManualClock } from '../src/platform/clock.js';
import { SecretBox } from '../src/platform/secret-box.js';
import { signedHeaders } from '../src/platform/signing.js';
import { createPostgresDatabase, testConfig } from './support/backends.js';
import { assertBuilt, startServer, stopServer } from './support/cli.js';

/*
 * An app node keeps running when PostgreSQL drops its connections (a restart, a failover,
 * pg_terminate_backend, a database closed to connections): requests answer 503
 * DATABASE_UNAVAILABLE with Retry-After, never 500, /api/health says so, and everything
 * comes back by itself. Acknowledged events are stored (docs/接入规范.md, retries).
 * PostgreSQL only: the embedded database cannot lose its connection.
 */

const ADMIN_URL = process.env.ZHIBO_TEST_DATABASE_URL;
const ADMIN_PASSWORD = 'Outage-Admin-1';
const SOURCE = 'OUT-SRC';
const LOT = 'OUT-LOT';
const PER_BATCH = 40;
const SENDERS = 4;
/** Rounds of pg_terminate_backend on every connection of the app. */
const MIN_ROUNDS = 4;
const MAX_ROUNDS = 20;

interface Reply {
  status: number;
  retryAfter: string | null;
  body: string;
}

const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe.skipIf(!ADMIN_URL)('an app node rides out lost PostgreSQL connections [postgres]', () => {
  let dataDir: string;
  let db: { url: string; drop: () => Promise<void> };
  let dbName: string;
  let admin: pg.Client;
  let proc: ChildProcess | null = null;
  let output: () => string = () => '';
  let url = '';
  let secret = '';
  let token = '';
  let batchNo = 0;

  /** Terminates every backend of the app's database; returns how many there were. */
  const terminateAll = async (): Promise<number> => {
    const r = await admin.query<{ n: number }>(
      'select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
      [dbName],
    );
    return r.rows[0]!.n;
  };
  const allowConnections = (allow: boolean) => admin.query(`alter database ${dbName} allow_connections ${allow}`);

  const nextBatch = (): { ids: string[]; body: string } => {
    const b = batchNo++;
    const at = Date.now() - 600_000;
    const events = Array.from({ length: PER_BATCH }, (_, i) => ({
      type: 'entry', eventId: `out-${b}-${i}`, occurredAt: new Date(at + i * 1000).toISOString(), lotCode: LOT, plate: `苏F${String((b * PER_BATCH + i) % 100_000).padStart(5, '0')}`,
    }));
    return { ids: events.map((e) => e.eventId), body: JSON.stringify({ events }) };
  };
  const post = async (body: string): Promise<Reply> => {
    const res = await fetch(`${url}/api/v1/ingest/events`, { method: 'POST', headers: signedHeaders(SOURCE, secret, body), body, signal: AbortSignal.timeout(30_000) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
  };
  const get = async (p: string, auth = false): Promise<Reply> => {
    const res = await fetch(`${url}${p}`, { headers: auth ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(30_000) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
  };
  const storedCount = async (ids: string[]): Promise<number> => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const r = await client.query<{ n: number }>('select count(distinct event_id)::int as n from ingest_events where source_code = $1 and event_id = any($2)', [SOURCE, ids]);
      return r.rows[0]!.n;
    } finally {
      await client.end();
    }
  };
  const alive = () => proc !== null && proc.exitCode === null && proc.signalCode === null;
  const expectUnavailable = (r: Reply, what: string) => {
    expect(r.status, `${what}: ${r.body.slice(0, 300)}`).toBe(503);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'DATABASE_UNAVAILABLE' } });
    expect(Number(r.retryAfter), `${what}: Retry-After`).toBeGreaterThan(0);
  };

  beforeAll(async () => {
    assertBuilt();
    dataDir = mkdtempSync(path.join(tmpdir(), 'zhibo-outage-'));
    db = await createPostgresDatabase();
    dbName = new URL(db.url).pathname.slice(1);
    admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    const s = await startServer(['--data-dir', dataDir], { ZHIBO_ADMIN_PASSWORD: ADMIN_PASSWORD, ZHIBO_DATABASE_URL: db.url });
    proc = s.proc;
    output = s.output;
    url = s.url;
    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
    expect(login.status).toBe(200);
    token = ((await login.json()) as { token: string }).token;
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const source = await fetch(`${url}/api/v1/sources`, { method: 'POST', headers: auth, body: JSON.stringify({ code: SOURCE, name: '断连测试系统' }) });
    expect(source.status).toBe(201);
    secret = ((await source.json()) as { secret: string }).secret;
    const lot = await fetch(`${url}/api/v1/lots`, {
      method: 'POST', headers: auth,
      body: JSON.stringify({ code: LOT, name: '断连测试停车场', districtCode: '320602', kind: 'off_street', totalSpaces: 100_000, lng: 120.86, lat: 32.01, sourceCode: SOURCE }),
    });
    expect(lot.status, await lot.clone().text()).toBe(201);
  }, 120_000);

  afterAll(async () => {
    if (proc && alive()) await stopServer(proc);
    if (admin) {
      await allowConnections(true).catch(() => undefined);
      await admin.end();
    }
    await db?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 (never 500) while its connections are terminated under signed ingest load, and keeps every acknowledged event', { timeout: 180_000 }, async () => {
    const acknowledged: string[] = [];
    const statuses = new Map<number, number>();
    const problems: string[] = [];
    let unavailable = 0;
    let stop = false;

    // Each sender resends the same batch until it is acknowledged, as docs/接入规范.md tells vendors.
    const sender = async () => {
      while (!stop && alive()) {
        const { ids, body } = nextBatch();
        for (let attempt = 0; ; attempt++) {
          let r: Reply;
          try {
            r = await post(body);
          } catch (err) {
            problems.push(`request failed: ${(err as Error).message}`);
            return;
          }
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status === 200) {
            const reply = JSON.parse(r.body) as { accepted: number; duplicates: number; rejected: number };
            if (reply.accepted + reply.duplicates !== PER_BATCH) problems.push(`batch answered ${r.body.slice(0, 200)}`);
            acknowledged.push(...ids);
            break;
          }
          if (r.status === 503 && r.retryAfter && /DATABASE_UNAVAILABLE/.test(r.body)) {
            unavailable++;
            if (attempt > 200) {
              problems.push('still 503 after 200 retries');
              return;
            }
            await new Promise((res) => setTimeout(res, 20)); // short, to keep the test fast (Retry-After is 5 s)
            continue;
          }
          problems.push(`answered ${r.status} retry-after=${r.retryAfter} ${r.body.slice(0, 200)}`);
          return;
        }
      }
    };
    const senders = Array.from({ length: SENDERS }, sender);

    let rounds = 0;
    let terminated = 0;
    try {
      while (rounds < MAX_ROUNDS && (rounds < MIN_ROUNDS || unavailable === 0) && alive() && problems.length === 0) {
        const before = acknowledged.length;
        await until('batches acknowledged between two terminations', () => acknowledged.length >= before + 2 * PER_BATCH || !alive() || problems.length > 0);
        terminated += await terminateAll();
        rounds++;
      }
      // Load goes on a little after the last termination.
      const before = acknowledged.length;
      await until('batches acknowledged after the last termination', () => acknowledged.length >= before + SENDERS * PER_BATCH || !alive() || problems.length > 0);
    } finally {
      stop = true;
      await Promise.all(senders);
    }

    expect(alive(), `the server died: ${output().slice(-3000)}`).toBe(true);
    expect(problems).toEqual([]);
    expect(terminated).toBeGreaterThan(0);
    expect([...statuses.keys()].sort()).toEqual(unavailable ? [200, 503] : [200]);
    expect(unavailable, 'no request met a terminated connection').toBeGreaterThan(0);
    expect(output(), 'a database error reached the last-resort handler').not.toMatch(/Unhandled|uncaught|escaped its handler/i);

    // Every acknowledged event is stored once.
    expect(new Set(acknowledged).size).toBe(acknowledged.length);
    expect(await storedCount(acknowledged)).toBe(acknowledged.length);
    expect((await get('/api/health')).status).toBe(200);
  });

  it('says 503 with Retry-After while the database refuses connections, and recovers by itself', { timeout: 60_000 }, async () => {
    expect((await get('/api/health')).status).toBe(200);
    await allowConnections(false);
    try {
      await terminateAll();
      const batch = nextBatch();
      expectUnavailable(await post(batch.body), 'ingest');
      expectUnavailable(await get('/api/v1/lots', true), 'console API (sign-in check)');
      const health = await get('/api/health');
      expect(health.status, health.body).toBe(503);
      expect(JSON.parse(health.body)).toMatchObject({ status: 'unavailable', database: 'postgres' });
      expect(Number(health.retryAfter)).toBeGreaterThan(0);
      expect(alive(), output().slice(-3000)).toBe(true);
    } finally {
      await allowConnections(true);
    }

    // Back without a restart: health turns 200 and the same batch goes in.
    await until('health to recover', async () => (await get('/api/health')).status === 200, 20_000);
    const health = JSON.parse((await get('/api/health')).body) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', database: 'postgres' });
    const batch = nextBatch();
    const r = await post(batch.body);
    expect(r.status, r.body).toBe(200);
    expect(await storedCount(batch.ids)).toBe(PER_BATCH);
    expect((await get('/api/v1/lots', true)).status).toBe(200);
    expect(alive()).toBe(true);
    expect(output(), 'a database error reached the last-resort handler').not.toMatch(/Unhandled|uncaught|escaped its handler/i);
  });

  it('lets a scheduled job fail softly while the database is down, and run at the next tick', { timeout: 60_000 }, async () => {
    const lines: { level: number; msg: string; job?: string }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const database: Database = await openDatabase({ databaseUrl: db.url, dataDir: '' });
    const ctx: RootContext = { config: testConfig(), database, db: tablesOf<DB>(database.kysely), clock: new ManualClock(), secrets: new SecretBox('k'), log, notices: noticeOutbox };
    try {
      let ran = 0;
      const job = async () => {
        await database.kysely.selectFrom('job_leases').select('name').execute();
        ran++;
      };
      await allowConnections(false);
      try {
        await terminateAll();
        await expect(runScheduledJob(ctx, 'outage.probe', 60_000, job)).resolves.toBeUndefined();
        expect(ran).toBe(0);
        const entry = lines.find((l) => l.job === 'outage.probe');
        expect(entry, JSON.stringify(lines)).toMatchObject({ level: 40 }); // warn, not error
      } finally {
        await allowConnections(true);
      }
      await runScheduledJob(ctx, 'outage.probe', 60_000, job);
      expect(ran).toBe(1);
    } finally {
      await database.close();
    }
  });
});

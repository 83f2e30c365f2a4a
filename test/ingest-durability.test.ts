import { tablesOf } from '../src/platform/db.js';
import type { DB } from '../src/schema.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { signedHeaders } from '../src/platform/signing.js';
import { BACKENDS, createPostgresDatabase, type Backend } from './support/backends.js';
import { assertBuilt, startServer, stopServer } from './support/cli.js';

/*
 * Crash test of the ingest contract (docs/接入规范.md "200 means committed"): the
 * real server is killed with SIGKILL while batches are in flight. Every batch that got a 200
 * must be stored in full after the restart, every batch is all-or-nothing, and resending all
 * of them (acknowledged or not) leaves exactly one copy of each event.
 *
 * PGlite: the embedded database dies with the process. PostgreSQL (when
 * ZHIBO_TEST_DATABASE_URL is set): the database survives, the app node dies.
 */

const ADMIN_PASSWORD = 'Durable-Admin-1';
const SOURCE = 'DUR-SRC';
const LOT = 'DUR-LOT';
const BATCHES = 14;
const PER_BATCH = 100;
/** Batches acknowledged one by one before the crash. */
const BEFORE_CRASH = 6;
/** Batches fired together right before the kill: all the rest. */
const IN_FLIGHT = BATCHES - BEFORE_CRASH;

interface Server {
  proc: ChildProcess;
  url: string;
}

interface Target {
  env: Record<string, string>;
  open(): Promise<Database>;
  cleanup(): Promise<void>;
}

/** A fresh PostgreSQL database for the server (support/backends.ts creates and drops it). */
async function postgresTarget(dataDir: string): Promise<Target> {
  const { url, drop } = await createPostgresDatabase();
  return {
    env: { ZHIBO_DATABASE_URL: url },
    open: () => openDatabase({ databaseUrl: url, dataDir: '' }),
    cleanup: async () => {
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function pgliteTarget(dataDir: string): Target {
  return {
    env: {},
    // Only while no server holds the directory: the embedded database belongs to one process.
    open: () => openDatabase({ databaseUrl: null, dataDir: path.join(dataDir, 'pglite') }),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

const plateOf = (n: number) => `苏F${String(n).padStart(5, '0')}`;

/** Batch `b`: entries of distinct plates with ids unique across the run; the body text is fixed so a resend is byte-identical. */
function batchBody(b: number, base: Date): string {
  const events = Array.from({ length: PER_BATCH }, (_, i) => {
    const n = b * PER_BATCH + i;
    return { type: 'entry', eventId: `dur-${b}-${i}`, occurredAt: new Date(base.getTime() - (BATCHES * PER_BATCH - n) * 1000).toISOString(), lotCode: LOT, plate: plateOf(n) };
  });
  return JSON.stringify({ events });
}

for (const backend of BACKENDS) describeCrash(backend);

function describeCrash(backend: Backend) {
  describe(`ingest survives kill -9 of the server [${backend}]`, () => {
    let dataDir: string;
    let target: Target;
    let server: Server | null = null;
    let secret = '';
    const base = new Date(Date.now() - 3600_000);
    const bodies = Array.from({ length: BATCHES }, (_, b) => batchBody(b, base));
    /** Batches that got a 200, with the reply. */
    const acknowledged = new Map<number, { accepted: number; duplicates: number; rejected: number }>();
    /** Batches whose request failed (connection reset or refused by the crash). */
    const lost = new Set<number>();
    /** Events stored after the crash and restart. */
    let storedAfterCrash = 0;

    const start = async () => {
      const s = await startServer(['--data-dir', dataDir], { ZHIBO_ADMIN_PASSWORD: ADMIN_PASSWORD, ...target.env });
      server = { proc: s.proc, url: s.url };
      return server;
    };
    const stop = async () => {
      if (server) await stopServer(server.proc);
      server = null;
    };
    const send = (s: Server, b: number) =>
      fetch(`${s.url}/api/v1/ingest/events`, { method: 'POST', headers: signedHeaders(SOURCE, secret, bodies[b]!), body: bodies[b]! });

    /** Event ids stored for the source, read from the database with no server running. */
    const storedIds = async (): Promise<{ ids: string[]; sessions: number }> => {
      const db = await target.open();
      try {
        const rows = await tablesOf<DB>(db.kysely).selectFrom('ingest_events').select('event_id').where('source_code', '=', SOURCE).execute();
        const sessions = await sql<{ n: number }>`select count(*)::int as n from parking_sessions s join lots l on l.id = s.lot_id where l.code = ${LOT}`.execute(db.kysely);
        return { ids: rows.map((r) => r.event_id), sessions: Number(sessions.rows[0]!.n) };
      } finally {
        await db.close();
      }
    };

    beforeAll(async () => {
      assertBuilt();
      dataDir = mkdtempSync(path.join(tmpdir(), 'zhibo-durability-'));
      target = backend === 'postgres' ? await postgresTarget(dataDir) : pgliteTarget(dataDir);
    });
    afterAll(async () => {
      const left = server?.proc;
      if (left && left.exitCode === null) {
        const gone = new Promise((resolve) => left.once('exit', resolve));
        left.kill('SIGKILL');
        await gone;
      }
      await target?.cleanup();
    });

    it('keeps every acknowledged batch when the server is killed mid-stream', { timeout: 240_000 }, async () => {
      const s = await start();
      const login = await fetch(`${s.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) });
      expect(login.status).toBe(200);
      const auth = { 'content-type': 'application/json', authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
      const source = await fetch(`${s.url}/api/v1/sources`, { method: 'POST', headers: auth, body: JSON.stringify({ code: SOURCE, name: '崩溃测试系统' }) });
      expect(source.status).toBe(201);
      secret = ((await source.json()) as { secret: string }).secret;
      const lot = await fetch(`${s.url}/api/v1/lots`, {
        method: 'POST', headers: auth,
        body: JSON.stringify({ code: LOT, name: '崩溃测试停车场', districtCode: '320602', kind: 'off_street', totalSpaces: BATCHES * PER_BATCH, lng: 120.86, lat: 32.01, sourceCode: SOURCE }),
      });
      expect(lot.status, await lot.clone().text()).toBe(201);

      // Acknowledged one by one.
      for (let b = 0; b < BEFORE_CRASH; b++) {
        const res = await send(s, b);
        expect(res.status).toBe(200);
        const reply = (await res.json()) as { accepted: number; duplicates: number; rejected: number };
        expect(reply).toMatchObject({ accepted: PER_BATCH, duplicates: 0, rejected: 0 });
        acknowledged.set(b, reply);
      }

      // A burst in flight; kill -9 as soon as the first of it is acknowledged.
      const exited = new Promise<void>((resolve) => s.proc.once('exit', () => resolve()));
      const burst = Array.from({ length: IN_FLIGHT }, (_, k) => BEFORE_CRASH + k).map(async (b) => {
        try {
          const res = await send(s, b);
          const text = await res.text();
          expect(res.status, `batch ${b} answered ${res.status} ${text.slice(0, 200)}`).toBe(200);
          acknowledged.set(b, JSON.parse(text));
        } catch (err) {
          if ((err as Error).name === 'AssertionError') throw err;
          lost.add(b); // the connection died with the server
        }
        return b;
      });
      await Promise.race(burst);
      s.proc.kill('SIGKILL');
      await exited;
      server = null;
      await Promise.all(burst);
      expect(acknowledged.size + lost.size).toBe(BATCHES);
      expect(acknowledged.size).toBeGreaterThan(BEFORE_CRASH);

      // The server starts again on the same data (recovery after the crash)...
      const again = await start();
      const health = await fetch(`${again.url}/api/health`);
      expect(health.status).toBe(200);
      await stop();

      // ... and every event of every acknowledged batch is stored; each batch is all or nothing.
      const { ids, sessions } = await storedIds();
      const stored = new Set(ids);
      expect(ids.length).toBe(stored.size);
      for (const b of acknowledged.keys()) {
        const missing = Array.from({ length: PER_BATCH }, (_, i) => `dur-${b}-${i}`).filter((id) => !stored.has(id));
        expect(missing, `acknowledged batch ${b} lost events`).toEqual([]);
      }
      for (const b of lost) {
        const present = Array.from({ length: PER_BATCH }, (_, i) => `dur-${b}-${i}`).filter((id) => stored.has(id)).length;
        expect([0, PER_BATCH], `unacknowledged batch ${b} is partly stored (${present} of ${PER_BATCH})`).toContain(present);
      }
      // The events' effects were committed with them: one session per stored entry.
      expect(sessions).toBe(stored.size);
      storedAfterCrash = stored.size;
    });

    it('stores each event exactly once when every batch is sent again', { timeout: 240_000 }, async () => {
      expect(secret, 'the crash test ran first').not.toBe('');
      const s = await start();
      let accepted = 0;
      for (let b = 0; b < BATCHES; b++) {
        const res = await send(s, b);
        expect(res.status).toBe(200);
        const reply = (await res.json()) as { accepted: number; duplicates: number; rejected: number };
        expect(reply.rejected).toBe(0);
        expect(reply.accepted + reply.duplicates).toBe(PER_BATCH);
        if (acknowledged.has(b)) expect(reply, `acknowledged batch ${b} resent`).toMatchObject({ accepted: 0, duplicates: PER_BATCH });
        else expect([0, PER_BATCH], `unacknowledged batch ${b} resent`).toContain(reply.accepted);
        accepted += reply.accepted;
      }
      // Twice more for good measure: nothing new.
      const twice = (await (await send(s, BATCHES - 1)).json()) as { accepted: number; duplicates: number };
      expect(twice).toMatchObject({ accepted: 0, duplicates: PER_BATCH });
      await stop();

      const { ids, sessions } = await storedIds();
      expect(ids.length).toBe(BATCHES * PER_BATCH);
      expect(new Set(ids).size).toBe(BATCHES * PER_BATCH);
      expect(sessions).toBe(BATCHES * PER_BATCH);
      // What the resend added is exactly what the crash had lost.
      expect(accepted).toBe(BATCHES * PER_BATCH - storedAfterCrash);
    });
  });
}

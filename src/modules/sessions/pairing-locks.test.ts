import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestEnv, type TestEnv } from '../../../test/support/backends.js';
import { loginToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents, type TestSource } from '../../../test/support/ingest.js';

/*
 * Which batches wait for which (src/modules/sessions/pairing.ts, lockBatch): a batch locks each of
 * its lots shared and each (lot, plate) exclusively, or, above 256 pairs, its lots exclusively.
 * Another transaction holds the locks a concurrent batch would hold; PostgreSQL's pg_locks shows
 * whether the ingest waits for them. PostgreSQL only (PGlite has one connection).
 */
const LOT_LOCK_SPACE = 7_140_010;

describe.skipIf(!process.env.ZHIBO_TEST_DATABASE_URL)('pairing locks [postgres]', () => {
  let env: TestEnv;
  let source: TestSource;
  let lotId: number;

  beforeAll(async () => {
    env = await createTestEnv('postgres');
    env.clock.set(new Date('2026-12-08T02:00:00Z'));
    source = await createSourceWithLots(env, await loginToken(env.app), 'LOCKS', [{ code: 'LK-1' }]);
    lotId = (await env.ctx.db.selectFrom('lots').select('id').where('code', '=', 'LK-1').executeTakeFirstOrThrow()).id;
  });
  afterAll(() => env.close());

  /** Holds `locks` in a transaction of its own until the returned release is called. */
  async function hold(locks: (trx: Kysely<never>) => Promise<unknown>) {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let taken!: () => void;
    const held = new Promise<void>((r) => (taken = r));
    const done = env.ctx.db.transaction().execute(async (trx) => {
      await locks(trx as unknown as Kysely<never>);
      taken();
      await released;
    });
    await held;
    return async () => { release(); await done; };
  }

  /** Backends waiting for an advisory lock on (key1, key2). */
  const waitingOn = async (key1: number, key2: string) => {
    const { rows } = await sql<{ n: string }>`select count(*) as n from pg_locks
      where locktype = 'advisory' and not granted and objsubid = 2 and classid::bigint = ${key1} and objid::bigint = (${sql.raw(key2)})`.execute(env.ctx.db);
    return Number(rows[0]!.n);
  };
  const entry = (id: string, plate: string, at = '2026-12-08 08:00:00') => ({ type: 'entry', eventId: id, occurredAt: at, lotCode: 'LK-1', plate });

  it('a batch of other vehicles in the same lot does not wait for a batch pairing one', async () => {
    const release = await hold(async (trx) => {
      await sql`select pg_advisory_xact_lock_shared(${LOT_LOCK_SPACE}, ${lotId})`.execute(trx);
      await sql`select pg_advisory_xact_lock(${lotId}, hashtext(${'苏F22222'}))`.execute(trx);
    });
    try {
      const res = await postEvents(env, source, [entry('other-1', '苏F33333')]);
      expect(res.json()).toMatchObject({ accepted: 1 });
    } finally {
      await release();
    }
  });

  it('an exit naming its entry under a misread plate waits for the vehicle the entry was', async () => {
    expect((await postEvents(env, source, [entry('mis-in', '苏F11111')])).json()).toMatchObject({ accepted: 1 });
    const release = await hold((trx) => sql`select pg_advisory_xact_lock(${lotId}, hashtext(${'苏F11111'}))`.execute(trx));
    const exit = { type: 'exit', eventId: 'mis-out', occurredAt: '2026-12-08 09:00:00', lotCode: 'LK-1', plate: '苏F11117', entryEventId: 'mis-in', receivableFen: 500, paidFen: 500, payChannel: 'cash' };
    const pending = postEvents(env, source, [exit]);
    try {
      await expect.poll(() => waitingOn(lotId, `hashtext('苏F11111')::bigint & 4294967295`)).toBe(1);
    } finally {
      await release();
    }
    expect((await pending).json()).toMatchObject({ accepted: 1 });
    const sessions = await env.ctx.db.selectFrom('parking_sessions').select(['entry_event_id', 'exit_event_id']).where('entry_event_id', '=', 'mis-in').execute();
    expect(sessions).toEqual([{ entry_event_id: 'mis-in', exit_event_id: 'mis-out' }]);
  });

  it('a batch of more than 256 vehicles locks its lots whole, and waits for batches in them', async () => {
    const release = await hold((trx) => sql`select pg_advisory_xact_lock_shared(${LOT_LOCK_SPACE}, ${lotId})`.execute(trx));
    const many = Array.from({ length: 257 }, (_, i) => entry(`many-${i}`, `苏F5${String(i).padStart(4, '0')}`, '2026-12-08 10:00:00'));
    const pending = postEvents(env, source, many);
    try {
      await expect.poll(() => waitingOn(LOT_LOCK_SPACE, String(lotId))).toBe(1);
    } finally {
      await release();
    }
    expect((await pending).json()).toMatchObject({ accepted: 257 });
  });
});

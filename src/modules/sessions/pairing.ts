import { sql } from 'kysely';
import type { AnyDb } from '../../platform/db.js';
import { runGateListeners } from './gate-listeners.js';
import { PairingBook, type EntryFact, type ExitFact, type SessionState } from './pairing-book.js';
import type { SessionFlag } from './tables.js';
import { type SessionsDb, sessionsDb } from './repo.js';

export type { EntryFact, ExitFact } from './pairing-book.js';
export type GateFact = ({ kind: 'entry' } & EntryFact) | ({ kind: 'exit' } & ExitFact);

const LOT_LOCK_SPACE = 7_140_010;
const WRITE_CHUNK = 500;

/**
 * Applies a batch's entries and exits (in occurredAt order) to the parking sessions, inside
 * the caller's transaction: a few statements per batch, not per event. Batches touching the
 * same lots take turns (a transaction lock per lot, in lot order, so they cannot deadlock).
 */
export async function pairBatch(anyDb: AnyDb, facts: GateFact[], now: Date): Promise<void> {
  const db = sessionsDb(anyDb);
  if (facts.length === 0) return;
  const lotIds = [...new Set(facts.map((f) => f.lotId))].sort((a, b) => a - b);
  await sql`select pg_advisory_xact_lock(${LOT_LOCK_SPACE}, l) from unnest(${sql.val(lotIds)}::int[]) as l`.execute(db);

  const book = new PairingBook(await loadKnown(db, facts));
  for (const f of facts) {
    if (f.kind === 'entry') book.entry(f);
    else book.exit(f);
  }
  const { inserts, updates } = book.changes();
  for (let i = 0; i < inserts.length; i += WRITE_CHUNK) {
    await db
      .insertInto('parking_sessions')
      .values(inserts.slice(i, i + WRITE_CHUNK).map(({ id: _id, flags, ...s }) => ({ ...s, flags: sql<SessionFlag[]>`${sql.val(flags)}::text[]`, created_at: now, updated_at: now })))
      .execute();
  }
  for (let i = 0; i < updates.length; i += WRITE_CHUNK) await updateSessions(db, updates.slice(i, i + WRITE_CHUNK), now);
  // Modules listening to the gate (shared parking) see the paired batch; pairing does not wait on their outcome.
  await runGateListeners(anyDb, facts, now);
}

/**
 * The stored sessions the batch can touch: open or entry-less ones of its lots and plates, and
 * those its exits name. Two index lookups joined to the batch's keys and merged with UNION: as
 * one query with OR, PostgreSQL could use neither index and scanned every session on each batch
 * (7 s a batch at 21 M sessions, bench:analytics).
 */
async function loadKnown(db: SessionsDb, facts: GateFact[]): Promise<SessionState[]> {
  const pairs = [...new Set(facts.map((f) => `${f.lotId}\u0000${f.plate}`))].map((k) => k.split('\u0000'));
  const named = facts.flatMap((f) => (f.kind === 'exit' && f.entryEventId ? [[String(f.lotId), f.entryEventId]] : []));
  const cols = sql.raw(KNOWN_COLUMNS.map((c) => `p.${c}`).join(', '));
  const byPlate = sql`
    select ${cols} from unnest(${sql.val(pairs.map((p) => p[0]))}::int[], ${sql.val(pairs.map((p) => p[1]))}::text[]) as t(l, pl)
    join parking_sessions p on p.lot_id = t.l and p.plate = t.pl
    where p.state = 'open' or p.flags && array['no_entry','entry_from_exit']::text[]`;
  const byEntry = sql`
    select ${cols} from unnest(${sql.val(named.map((n) => Number(n[0])))}::int[], ${sql.val(named.map((n) => n[1]))}::text[]) as t(l, e)
    join parking_sessions p on p.lot_id = t.l and p.entry_event_id = t.e`;
  const { rows } = await sql<SessionState>`${named.length ? sql`${byPlate} union ${byEntry}` : byPlate} order by id`.execute(db);
  return rows.map((r) => ({ ...r, id: Number(r.id) }));
}

const KNOWN_COLUMNS = ['id', 'lot_id', 'source_code', 'plate', 'plate_raw', 'plate_color', 'berth_code', 'entry_event_id', 'exit_event_id', 'entered_at', 'exited_at', 'receivable_fen', 'paid_fen', 'pay_channel', 'state', 'flags'];

async function updateSessions(db: SessionsDb, rows: SessionState[], now: Date): Promise<void> {
  const values = rows.map(
    (s) =>
      sql`(${s.id}::bigint, ${s.entry_event_id}::text, ${s.exit_event_id}::text, ${s.entered_at}::timestamptz, ${s.exited_at}::timestamptz,
        ${s.receivable_fen}::int, ${s.paid_fen}::int, ${s.pay_channel}::text, ${s.state}::text, ${sql.val(s.flags)}::text[], ${s.plate_color}::text, ${s.berth_code}::text)`,
  );
  await sql`
    update parking_sessions as s set
      entry_event_id = v.entry_event_id, exit_event_id = v.exit_event_id, entered_at = v.entered_at, exited_at = v.exited_at,
      receivable_fen = v.receivable_fen, paid_fen = v.paid_fen, pay_channel = v.pay_channel, state = v.state, flags = v.flags,
      plate_color = v.plate_color, berth_code = v.berth_code, updated_at = ${now}
    from (values ${sql.join(values)}) as v(id, entry_event_id, exit_event_id, entered_at, exited_at, receivable_fen, paid_fen, pay_channel, state, flags, plate_color, berth_code)
    where s.id = v.id`.execute(db);
}

/** Flags entries still open after `days` days: their exit was probably lost. Returns how many. */
export async function flagStaleSessions(anyDb: AnyDb, now: Date, days: number): Promise<number> {
  const db = sessionsDb(anyDb);
  const result = await db
    .updateTable('parking_sessions')
    .set({ flags: sql<SessionFlag[]>`array_append(flags, 'stale')`, updated_at: now })
    .where('state', '=', 'open')
    .where('entered_at', '<', new Date(now.getTime() - days * 86_400_000))
    .where(sql<boolean>`not ('stale' = any(flags))`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

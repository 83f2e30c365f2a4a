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
 * same vehicles take turns; see lockBatch.
 */
export async function pairBatch(anyDb: AnyDb, facts: GateFact[], now: Date): Promise<void> {
  const db = sessionsDb(anyDb);
  if (facts.length === 0) return;
  const locked = await lockBatch(db, facts);
  let known = await loadKnown(db, facts);
  // An exit may name its entry's event while carrying another plate (a misread): the session it
  // touches is then another vehicle's, which this batch has not locked yet. Lock it and read again.
  for (let round = 0; locked && round < 3; round++) {
    const more = known.filter((s) => !locked.has(pairKey(s.lot_id, s.plate)));
    if (more.length === 0) break;
    await lockPairs(db, more.map((s) => [s.lot_id, s.plate]), locked);
    known = await loadKnown(db, facts);
  }

  const book = new PairingBook(known);
  for (const f of facts) {
    if (f.kind === 'entry') book.entry(f);
    else book.exit(f);
  }
  const { inserts, updates } = book.changes();
  for (let i = 0; i < inserts.length; i += WRITE_CHUNK) await insertSessions(db, inserts.slice(i, i + WRITE_CHUNK), now);
  for (let i = 0; i < updates.length; i += WRITE_CHUNK) await updateSessions(db, updates.slice(i, i + WRITE_CHUNK), now);
  // Modules listening to the gate (shared parking) see the paired batch; pairing does not wait on their outcome.
  await runGateListeners(anyDb, facts, now);
}

/**
 * Most distinct (lot, plate) pairs a batch locks one by one; a larger batch locks its lots whole.
 * Each lock is one entry in PostgreSQL's shared lock table (max_locks_per_transaction ×
 * max_connections: 6,400 by default): two app nodes of ten connections each, every one pairing a
 * large batch, hold about 20 × (256 + its lots) — inside it, and docs/deployment.md §4 asks for
 * more headroom.
 */
const PAIR_LOCK_LIMIT = 256;
const pairKey = (lotId: number, plate: string) => `${lotId}\u0000${plate}`;

/**
 * Two batches must not pair the same vehicle at once, or both would read the sessions before
 * either wrote (an exit-only session beside an open entry). Batches of different vehicles need
 * not wait for each other: a vendor's concurrent batches for the same lots used to take turns on
 * whole-lot locks, and one batch's writes and commit then held back all the others
 * (docs/performance.md, ingest experiments). So a batch takes each of its lots' lock shared and an
 * exclusive lock per (lot, plate); a batch with more than PAIR_LOCK_LIMIT pairs takes its lots'
 * locks exclusively instead. Always lots first in lot order, then pairs in (lot, hash) order, so
 * no two batches wait for each other in a circle (a deadlock would still be retried by the caller).
 * Returns the pairs locked, or null when whole lots are.
 */
async function lockBatch(db: SessionsDb, facts: GateFact[]): Promise<Set<string> | null> {
  const lotIds = [...new Set(facts.map((f) => f.lotId))].sort((a, b) => a - b);
  const pairs = new Map<string, [number, string]>();
  for (const f of facts) pairs.set(pairKey(f.lotId, f.plate), [f.lotId, f.plate]);
  if (pairs.size > PAIR_LOCK_LIMIT) {
    await sql`select pg_advisory_xact_lock(${LOT_LOCK_SPACE}, l) from unnest(${sql.val(lotIds)}::int[]) as l`.execute(db);
    return null;
  }
  await sql`select pg_advisory_xact_lock_shared(${LOT_LOCK_SPACE}, l) from unnest(${sql.val(lotIds)}::int[]) as l`.execute(db);
  const locked = new Set<string>();
  await lockPairs(db, [...pairs.values()], locked);
  return locked;
}

/** Exclusive locks on (lot id, hash of the plate), taken in that order; adds them to `locked`. */
async function lockPairs(db: SessionsDb, pairs: [number, string][], locked: Set<string>): Promise<void> {
  const fresh = pairs.filter(([l, p]) => !locked.has(pairKey(l, p)));
  if (fresh.length === 0) return;
  // The subquery sorts before the outer select calls the lock function, row by row in that order.
  await sql`select pg_advisory_xact_lock(k.l, k.h) from (
      select distinct l, hashtext(p) as h from unnest(${sql.val(fresh.map((x) => x[0]))}::int[], ${sql.val(fresh.map((x) => x[1]))}::text[]) as t(l, p) order by 1, 2
    ) as k`.execute(db);
  for (const [l, p] of fresh) locked.add(pairKey(l, p));
}

/**
 * The stored sessions the batch can touch: open or entry-less ones of its lots and plates, and
 * those its exits name. Two index lookups joined to the batch's keys and merged with UNION: as
 * one query with OR, PostgreSQL could use neither index and scanned every session on each batch
 * (7 s a batch at 21 M sessions, bench:analytics).
 */
async function loadKnown(db: SessionsDb, facts: GateFact[]): Promise<SessionState[]> {
  const pairs = [...new Set(facts.map((f) => `${f.lotId}\u0000${f.plate}`))].map((k) => k.split('\u0000'));
  // An exit naming an entry of this same batch needs no lookup by that id: the entry is new (the
  // caller passes only events not stored before), so the only stored session that can carry its id
  // is an exit-only one an earlier exit left waiting for it, which the lookup by plate finds (a
  // second exit under another plate naming the same entry in the same batch is not looked for).
  const entriesHere = new Set(facts.flatMap((f) => (f.kind === 'entry' ? [`${f.lotId}\u0000${f.eventId}`] : [])));
  const named = facts.flatMap((f) => (f.kind === 'exit' && f.entryEventId && !entriesHere.has(`${f.lotId}\u0000${f.entryEventId}`) ? [[String(f.lotId), f.entryEventId]] : []));
  const cols = sql.raw(KNOWN_COLUMNS.map((c) => `p.${c}`).join(', '));
  const byPlate = sql`
    select ${cols} from unnest(${sql.val(pairs.map((p) => p[0]))}::int[], ${sql.val(pairs.map((p) => p[1]))}::text[]) as t(l, pl)
    join parking_sessions p on p.lot_id = t.l and p.plate = t.pl
    where p.state = 'open' or p.flags && array['no_entry','entry_from_exit']::text[]`;
  const byEntry = sql`
    select ${cols} from unnest(${sql.val(named.map((n) => Number(n[0])))}::int[], ${sql.val(named.map((n) => n[1]))}::text[]) as t(l, e)
    join parking_sessions p on p.lot_id = t.l and p.entry_event_id = t.e`;
  // UNION ALL and one row per id here: UNION compared whole rows (3.5 ms against 0.4 for 250 keys).
  const { rows } = await sql<SessionState>`${named.length ? sql`${byPlate} union all ${byEntry}` : byPlate}`.execute(db);
  const byId = new Map<number, SessionState>();
  for (const r of rows) byId.set(Number(r.id), { ...r, id: Number(r.id) });
  return [...byId.values()].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}

const KNOWN_COLUMNS = ['id', 'lot_id', 'source_code', 'plate', 'plate_raw', 'plate_color', 'berth_code', 'entry_event_id', 'exit_event_id', 'entered_at', 'exited_at', 'receivable_fen', 'paid_fen', 'pay_channel', 'entry_photo', 'exit_photo', 'state', 'flags'];

/**
 * Session rows as one array per column, for unnest: a batch is a handful of parameters, not one
 * per value (docs/performance.md, ingest experiments). Flags travel as one comma-joined text
 * each (flag names have no commas), since PostgreSQL arrays of arrays must be rectangular.
 */
function columns(rows: SessionState[]) {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    lot: sql.val(rows.map((s) => s.lot_id)), source: sql.val(rows.map((s) => s.source_code)), plate: sql.val(rows.map((s) => s.plate)),
    plateRaw: sql.val(rows.map((s) => s.plate_raw)), color: sql.val(rows.map((s) => s.plate_color)), berth: sql.val(rows.map((s) => s.berth_code)),
    entryId: sql.val(rows.map((s) => s.entry_event_id)), exitId: sql.val(rows.map((s) => s.exit_event_id)),
    entered: sql.val(rows.map((s) => iso(s.entered_at))), exited: sql.val(rows.map((s) => iso(s.exited_at))),
    receivable: sql.val(rows.map((s) => s.receivable_fen)), paid: sql.val(rows.map((s) => s.paid_fen)), channel: sql.val(rows.map((s) => s.pay_channel)),
    state: sql.val(rows.map((s) => s.state)), flags: sql.val(rows.map((s) => s.flags.join(','))),
    entryPhoto: sql.val(rows.map((s) => s.entry_photo)), exitPhoto: sql.val(rows.map((s) => s.exit_photo)),
  };
}

async function insertSessions(db: SessionsDb, rows: SessionState[], now: Date): Promise<void> {
  const c = columns(rows);
  await sql`
    insert into parking_sessions (lot_id, source_code, plate, plate_raw, plate_color, berth_code, entry_event_id, exit_event_id, entered_at, exited_at,
                                  receivable_fen, paid_fen, pay_channel, state, flags, entry_photo, exit_photo, created_at, updated_at)
    select v.lot_id, v.source_code, v.plate, v.plate_raw, v.plate_color, v.berth_code, v.entry_event_id, v.exit_event_id, v.entered_at, v.exited_at,
           v.receivable_fen, v.paid_fen, v.pay_channel, v.state, coalesce(string_to_array(nullif(v.flags, ''), ','), '{}'), v.entry_photo, v.exit_photo, ${now}, ${now}
    from unnest(${c.lot}::int[], ${c.source}::text[], ${c.plate}::text[], ${c.plateRaw}::text[], ${c.color}::text[], ${c.berth}::text[], ${c.entryId}::text[],
                ${c.exitId}::text[], ${c.entered}::timestamptz[], ${c.exited}::timestamptz[], ${c.receivable}::int[], ${c.paid}::int[], ${c.channel}::text[],
                ${c.state}::text[], ${c.flags}::text[], ${c.entryPhoto}::text[], ${c.exitPhoto}::text[])
      as v(lot_id, source_code, plate, plate_raw, plate_color, berth_code, entry_event_id, exit_event_id, entered_at, exited_at, receivable_fen, paid_fen, pay_channel, state, flags,
           entry_photo, exit_photo)`.execute(db);
}

async function updateSessions(db: SessionsDb, rows: SessionState[], now: Date): Promise<void> {
  const c = columns(rows);
  await sql`
    update parking_sessions as s set
      entry_event_id = v.entry_event_id, exit_event_id = v.exit_event_id, entered_at = v.entered_at, exited_at = v.exited_at,
      receivable_fen = v.receivable_fen, paid_fen = v.paid_fen, pay_channel = v.pay_channel, state = v.state,
      flags = coalesce(string_to_array(nullif(v.flags, ''), ','), '{}'), plate_color = v.plate_color, berth_code = v.berth_code,
      entry_photo = v.entry_photo, exit_photo = v.exit_photo, updated_at = ${now}
    from unnest(${sql.val(rows.map((s) => s.id))}::bigint[], ${c.entryId}::text[], ${c.exitId}::text[], ${c.entered}::timestamptz[], ${c.exited}::timestamptz[],
                ${c.receivable}::int[], ${c.paid}::int[], ${c.channel}::text[], ${c.state}::text[], ${c.flags}::text[], ${c.color}::text[], ${c.berth}::text[],
                ${c.entryPhoto}::text[], ${c.exitPhoto}::text[])
      as v(id, entry_event_id, exit_event_id, entered_at, exited_at, receivable_fen, paid_fen, pay_channel, state, flags, plate_color, berth_code, entry_photo, exit_photo)
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

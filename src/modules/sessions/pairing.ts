import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { SessionFlag } from './tables.js';

/*
 * Turns entries and exits into parking sessions, whatever order they arrive in.
 * Called by ingest inside the transaction that stores the events, in occurredAt order.
 */

/** Two entries of one plate this close together are one car read twice. */
const DOUBLE_READ_MS = 5 * 60_000;

export interface EntryFact {
  lotId: number;
  sourceCode: string;
  eventId: string;
  plate: string;
  plateRaw: string;
  plateColor: string | null;
  berthCode: string | null;
  at: Date;
}

export interface ExitFact {
  lotId: number;
  sourceCode: string;
  eventId: string;
  plate: string;
  plateRaw: string;
  at: Date;
  entryEventId: string | null;
  enteredAt: Date | null;
  receivableFen: number | null;
  paidFen: number | null;
  payChannel: string | null;
}

const withoutFlags = (remove: SessionFlag[]) =>
  sql<SessionFlag[]>`array(select f from unnest(flags) f where f <> all(${sql.val(remove)}::text[]))`;
const withFlag = (flag: SessionFlag) => sql<SessionFlag[]>`case when ${flag} = any(flags) then flags else array_append(flags, ${flag}::text) end`;

export async function applyEntry(db: Kysely<DB>, e: EntryFact, now: Date): Promise<void> {
  // 1. An exit that came first and waits for this entry: named by id, else the plate's
  //    earliest entry-less exit after this entry.
  const waiting = await db
    .selectFrom('parking_sessions')
    .select(['id'])
    .where('lot_id', '=', e.lotId)
    .where('plate', '=', e.plate)
    .where('state', '=', 'closed')
    .where((eb) =>
      eb.or([
        eb('entry_event_id', '=', e.eventId),
        eb.and([eb('entry_event_id', 'is', null), eb('exited_at', '>=', e.at)]),
      ]),
    )
    .where(sql<boolean>`flags && array['no_entry','entry_from_exit']::text[]`)
    .orderBy(sql`(entry_event_id = ${e.eventId}) desc nulls last`)
    .orderBy('exited_at')
    .limit(1)
    .executeTakeFirst();
  if (waiting) {
    await db
      .updateTable('parking_sessions')
      .set({
        entered_at: e.at,
        entry_event_id: e.eventId,
        plate_color: e.plateColor,
        berth_code: e.berthCode,
        flags: withoutFlags(['no_entry', 'entry_from_exit']),
        updated_at: now,
      })
      .where('id', '=', waiting.id)
      .execute();
    return;
  }

  // 2. The same car read twice at the gate: keep one session.
  const open = await db
    .selectFrom('parking_sessions')
    .select(['id', 'entered_at'])
    .where('lot_id', '=', e.lotId)
    .where('plate', '=', e.plate)
    .where('state', '=', 'open')
    .orderBy('entered_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (open?.entered_at && Math.abs(open.entered_at.getTime() - e.at.getTime()) <= DOUBLE_READ_MS) {
    await db.updateTable('parking_sessions').set({ flags: withFlag('duplicate_entry'), updated_at: now }).where('id', '=', open.id).execute();
    return;
  }

  await db
    .insertInto('parking_sessions')
    .values({
      lot_id: e.lotId,
      source_code: e.sourceCode,
      plate: e.plate,
      plate_raw: e.plateRaw,
      plate_color: e.plateColor,
      berth_code: e.berthCode,
      entry_event_id: e.eventId,
      exit_event_id: null,
      entered_at: e.at,
      exited_at: null,
      receivable_fen: null,
      paid_fen: null,
      pay_channel: null,
      state: 'open',
      created_at: now,
      updated_at: now,
    })
    .execute();
}

export async function applyExit(db: Kysely<DB>, x: ExitFact, now: Date): Promise<void> {
  // The entry this exit closes: named by id, else the plate's latest open entry before the exit.
  const match = await db
    .selectFrom('parking_sessions')
    .select(['id', 'state', 'entered_at'])
    .where('lot_id', '=', x.lotId)
    .$if(x.entryEventId !== null, (qb) => qb.where('entry_event_id', '=', x.entryEventId!))
    .$if(x.entryEventId === null, (qb) =>
      qb.where('plate', '=', x.plate).where('state', '=', 'open').where('entered_at', '<=', x.at).orderBy('entered_at', 'desc'),
    )
    .limit(1)
    .executeTakeFirst();

  const closing = {
    exit_event_id: x.eventId,
    exited_at: x.at,
    receivable_fen: x.receivableFen,
    paid_fen: x.paidFen,
    pay_channel: x.payChannel,
    state: 'closed' as const,
    updated_at: now,
  };

  if (match && match.state === 'open') {
    const negative = match.entered_at !== null && match.entered_at > x.at;
    await db
      .updateTable('parking_sessions')
      .set({ ...closing, flags: negative ? withFlag('negative_duration') : withoutFlags(['stale']) })
      .where('id', '=', match.id)
      .execute();
    return;
  }
  if (match) return; // that entry already has its exit: a resend under a new id changes nothing

  // No entry yet (it may still come) or never: keep the exit as a session of its own.
  await db
    .insertInto('parking_sessions')
    .values({
      lot_id: x.lotId,
      source_code: x.sourceCode,
      plate: x.plate,
      plate_raw: x.plateRaw,
      plate_color: null,
      berth_code: null,
      entry_event_id: x.entryEventId,
      entered_at: x.enteredAt,
      ...closing,
      flags: sql<SessionFlag[]>`array[${x.enteredAt ? 'entry_from_exit' : 'no_entry'}]::text[]`,
      created_at: now,
    })
    .execute();
}

/** Flags entries still open after `days` days: their exit was probably lost. Returns how many. */
export async function flagStaleSessions(db: Kysely<DB>, now: Date, days: number): Promise<number> {
  const result = await db
    .updateTable('parking_sessions')
    .set({ flags: withFlag('stale'), updated_at: now })
    .where('state', '=', 'open')
    .where('entered_at', '<', new Date(now.getTime() - days * 86_400_000))
    .where(sql<boolean>`not ('stale' = any(flags))`)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

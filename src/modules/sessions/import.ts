import { sql } from 'kysely';
import type { AnyDb } from '../../platform/db.js';
import { sessionsDb } from './repo.js';

/*
 * Parking records carried over from a legacy system (zhibo migrate-from, docs/系统迁移.md). The
 * legacy system paired its entries and exits already: each row becomes one session as it was,
 * not two events through pairing (which could pair them differently). The caller checks the
 * values (plate normalised and valid, lot known, money in fen) and writes its own record of what
 * it imported in the same transaction (`db` is the caller's transaction). The analytics triggers
 * (migration 0014) queue the imported days for the rollups as for any session.
 */
export interface ImportedSession {
  lotId: number;
  sourceCode: string;
  plate: string;
  plateRaw: string;
  plateColor: string | null;
  berthCode: string | null;
  enteredAt: Date | null;
  exitedAt: Date | null;
  receivableFen: number | null;
  paidFen: number | null;
  payChannel: string | null;
}

/** Inserts the sessions; returns their ids in the order given. A session without an exit stays open. */
export async function importSessions(anyDb: AnyDb, rows: readonly ImportedSession[], now: Date): Promise<number[]> {
  if (rows.length === 0) return [];
  const db = sessionsDb(anyDb);
  // Ids drawn first, so that each legacy row knows its session without relying on RETURNING's order.
  const drawn = await sql<{ id: string }>`select nextval(pg_get_serial_sequence('parking_sessions', 'id')) as id from generate_series(1, ${rows.length})`.execute(db);
  const ids = drawn.rows.map((r) => Number(r.id));
  await db
    .insertInto('parking_sessions')
    .values(rows.map((s, i) => ({
      id: ids[i]!,
      lot_id: s.lotId,
      source_code: s.sourceCode,
      plate: s.plate,
      plate_raw: s.plateRaw,
      plate_color: s.plateColor,
      berth_code: s.berthCode,
      entry_event_id: null,
      exit_event_id: null,
      entered_at: s.enteredAt,
      exited_at: s.exitedAt,
      receivable_fen: s.receivableFen,
      paid_fen: s.paidFen,
      pay_channel: s.payChannel,
      state: s.exitedAt ? ('closed' as const) : ('open' as const),
      created_at: now,
      updated_at: now,
    })))
    .execute();
  return ids;
}

import { sql } from 'kysely';
import type { AnyDb } from '../../platform/db.js';
import { setAside, takeBack, type Exclusion } from '../../platform/set-aside.js';
import { sessionsDb } from './repo.js';

/*
 * Corrections of parking records, as data cleaning (modules/quality) makes them. The sessions
 * module owns parking_sessions, so the quality module changes it only through these functions
 * (space status reports are ingest's, corrected through ingest's index the same way).
 *
 * Nothing is deleted: a suspect row is set aside with `excluded_by` = the quality fix that did
 * it (every KPI ignores such rows), and a changed value can be put back. Every function runs in
 * the caller's transaction and writes set-based: a scan may set aside thousands of rows at once.
 * The analytics triggers (migration 0014) queue the changed ranges for the rollups.
 */

/** The fields of a session that a correction may change or check, as stored. */
export interface SessionFacts {
  id: number;
  lotId: number;
  sourceCode: string;
  plate: string;
  enteredAt: Date | null;
  exitedAt: Date | null;
  receivableFen: number | null;
  paidFen: number | null;
  excludedBy: number | null;
}

export interface SessionPatch {
  receivableFen?: number | null;
  paidFen?: number | null;
  /** Normalised and valid (the caller checks it); the raw value as received stays. */
  plate?: string;
}

export type { Exclusion };

/** The sessions as stored, locked for the caller's transaction when `lock`. */
export async function readSessions(anyDb: AnyDb, ids: readonly number[], lock = false): Promise<Map<number, SessionFacts>> {
  const db = sessionsDb(anyDb);
  const out = new Map<number, SessionFacts>();
  if (ids.length === 0) return out;
  const rows = await sql<{
    id: number; lot_id: number; source_code: string; plate: string; entered_at: Date | null; exited_at: Date | null;
    receivable_fen: number | null; paid_fen: number | null; excluded_by: number | null;
  }>`
    select id, lot_id, source_code, plate, entered_at, exited_at, receivable_fen, paid_fen, excluded_by
    from parking_sessions where id = any(${sql.val([...ids])}::bigint[]) order by id
    ${lock ? sql`for update` : sql``}`.execute(db);
  for (const r of rows.rows) {
    out.set(Number(r.id), {
      id: Number(r.id), lotId: r.lot_id, sourceCode: r.source_code, plate: r.plate, enteredAt: r.entered_at, exitedAt: r.exited_at,
      receivableFen: r.receivable_fen, paidFen: r.paid_fen, excludedBy: r.excluded_by === null ? null : Number(r.excluded_by),
    });
  }
  return out;
}

/** Sets sessions aside, each by its fix; only those not already set aside. Returns the ids changed. */
export async function excludeSessions(anyDb: AnyDb, rows: readonly Exclusion[], now: Date): Promise<number[]> {
  return setAside(sessionsDb(anyDb), 'parking_sessions', rows, sql`, updated_at = ${now}`);
}

/** Takes sessions back in: only those still set aside by that fix. Returns the ids changed. */
export async function includeSessions(anyDb: AnyDb, rows: readonly Exclusion[], now: Date): Promise<number[]> {
  return takeBack(sessionsDb(anyDb), 'parking_sessions', rows, sql`, updated_at = ${now}`);
}

/** Changes values of one session; returns false when it does not exist. */
export async function correctSession(anyDb: AnyDb, id: number, patch: SessionPatch, now: Date): Promise<boolean> {
  const db = sessionsDb(anyDb);
  const sets = [];
  if (patch.receivableFen !== undefined) sets.push(sql`receivable_fen = ${patch.receivableFen}`);
  if (patch.paidFen !== undefined) sets.push(sql`paid_fen = ${patch.paidFen}`);
  if (patch.plate !== undefined) sets.push(sql`plate = ${patch.plate}`);
  if (sets.length === 0) return true;
  const r = await sql`update parking_sessions set ${sql.join(sets)}, updated_at = ${now} where id = ${id}`.execute(db);
  return Number(r.numAffectedRows ?? 0) === 1;
}

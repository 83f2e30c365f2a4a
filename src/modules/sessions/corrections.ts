import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

/*
 * Corrections of stored parking data, as data cleaning (modules/quality) makes them. The
 * sessions module owns parking_sessions, so the quality module changes it only through these
 * functions. Space status reports (lot_status_reports, written by ingest) are set aside here
 * too: the same one column, the same rules.
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

export interface Exclusion {
  id: number;
  fixId: number;
}

/** The sessions as stored, locked for the caller's transaction when `lock`. */
export async function readSessions(db: Kysely<DB>, ids: readonly number[], lock = false): Promise<Map<number, SessionFacts>> {
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
export async function excludeSessions(db: Kysely<DB>, rows: readonly Exclusion[], now: Date): Promise<number[]> {
  return setAside(db, 'parking_sessions', rows, now);
}

/** Takes sessions back in: only those still set aside by that fix. Returns the ids changed. */
export async function includeSessions(db: Kysely<DB>, rows: readonly Exclusion[], now: Date): Promise<number[]> {
  return takeBack(db, 'parking_sessions', rows, now);
}

/** Changes values of one session; returns false when it does not exist. */
export async function correctSession(db: Kysely<DB>, id: number, patch: SessionPatch, now: Date): Promise<boolean> {
  const sets = [];
  if (patch.receivableFen !== undefined) sets.push(sql`receivable_fen = ${patch.receivableFen}`);
  if (patch.paidFen !== undefined) sets.push(sql`paid_fen = ${patch.paidFen}`);
  if (patch.plate !== undefined) sets.push(sql`plate = ${patch.plate}`);
  if (sets.length === 0) return true;
  const r = await sql`update parking_sessions set ${sql.join(sets)}, updated_at = ${now} where id = ${id}`.execute(db);
  return Number(r.numAffectedRows ?? 0) === 1;
}

export function excludeStatusReports(db: Kysely<DB>, rows: readonly Exclusion[], now: Date): Promise<number[]> {
  return setAside(db, 'lot_status_reports', rows, now);
}

export function includeStatusReports(db: Kysely<DB>, rows: readonly Exclusion[], now: Date): Promise<number[]> {
  return takeBack(db, 'lot_status_reports', rows, now);
}

type Table = 'parking_sessions' | 'lot_status_reports';

// lot_status_reports has no updated_at: only sessions record when they changed.
const touched = (table: Table, now: Date) => (table === 'parking_sessions' ? sql`, updated_at = ${now}` : sql``);

async function setAside(db: Kysely<DB>, table: Table, rows: readonly Exclusion[], now: Date): Promise<number[]> {
  if (rows.length === 0) return [];
  const r = await sql<{ id: number }>`
    update ${sql.table(table)} as t set excluded_by = v.fix_id ${touched(table, now)}
    from unnest(${sql.val(rows.map((x) => x.id))}::bigint[], ${sql.val(rows.map((x) => x.fixId))}::bigint[]) as v(id, fix_id)
    where t.id = v.id and t.excluded_by is null
    returning t.id`.execute(db);
  return r.rows.map((x) => Number(x.id));
}

async function takeBack(db: Kysely<DB>, table: Table, rows: readonly Exclusion[], now: Date): Promise<number[]> {
  if (rows.length === 0) return [];
  const r = await sql<{ id: number }>`
    update ${sql.table(table)} as t set excluded_by = null ${touched(table, now)}
    from unnest(${sql.val(rows.map((x) => x.id))}::bigint[], ${sql.val(rows.map((x) => x.fixId))}::bigint[]) as v(id, fix_id)
    where t.id = v.id and t.excluded_by = v.fix_id
    returning t.id`.execute(db);
  return r.rows.map((x) => Number(x.id));
}

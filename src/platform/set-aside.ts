import { sql, type RawBuilder } from 'kysely';
import type { AnyDb } from './db.js';

/*
 * Setting stored rows aside, as data cleaning does it (docs/architecture.md, "Data cleaning"):
 * a fix never deletes; it writes its id into the row's `excluded_by` (every KPI ignores such
 * rows), and a revert takes back only the rows still set aside by that fix. The module that owns
 * a table calls these for it (sessions: parking_sessions, ingest: lot_status_reports), set-based
 * and in the caller's transaction; the analytics triggers (migration 0014) queue what changed.
 */

export interface Exclusion {
  id: number;
  fixId: number;
}

/**
 * Sets rows of `table` aside, each by its fix; only those not already set aside. `alsoSet`
 * adds assignments (`, updated_at = …`). Returns the ids changed.
 */
export async function setAside(db: AnyDb, table: string, rows: readonly Exclusion[], alsoSet: RawBuilder<unknown> = sql``): Promise<number[]> {
  if (rows.length === 0) return [];
  const r = await sql<{ id: number }>`
    update ${sql.table(table)} as t set excluded_by = v.fix_id ${alsoSet}
    from unnest(${sql.val(rows.map((x) => x.id))}::bigint[], ${sql.val(rows.map((x) => x.fixId))}::bigint[]) as v(id, fix_id)
    where t.id = v.id and t.excluded_by is null
    returning t.id`.execute(db);
  return r.rows.map((x) => Number(x.id));
}

/** Takes rows of `table` back in: only those still set aside by that fix. Returns the ids changed. */
export async function takeBack(db: AnyDb, table: string, rows: readonly Exclusion[], alsoSet: RawBuilder<unknown> = sql``): Promise<number[]> {
  if (rows.length === 0) return [];
  const r = await sql<{ id: number }>`
    update ${sql.table(table)} as t set excluded_by = null ${alsoSet}
    from unnest(${sql.val(rows.map((x) => x.id))}::bigint[], ${sql.val(rows.map((x) => x.fixId))}::bigint[]) as v(id, fix_id)
    where t.id = v.id and t.excluded_by = v.fix_id
    returning t.id`.execute(db);
  return r.rows.map((x) => Number(x.id));
}

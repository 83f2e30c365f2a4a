import type { AnyDb } from '../../platform/db.js';
import { setAside, takeBack, type Exclusion } from '../../platform/set-aside.js';
import { ingestDb } from './repo.js';

/*
 * Corrections of space status reports, as data cleaning (modules/quality) makes them: ingest
 * owns lot_status_reports, so the quality module sets reports aside and takes them back only
 * through these (docs/architecture.md, "Data cleaning"). Set-based, in the caller's transaction;
 * lot_status_reports has no updated_at.
 */

/** Sets status reports aside, each by its fix; only those not already set aside. Returns the ids changed. */
export function excludeStatusReports(anyDb: AnyDb, rows: readonly Exclusion[], _now: Date): Promise<number[]> {
  return setAside(ingestDb(anyDb), 'lot_status_reports', rows);
}

/** Takes status reports back in: only those still set aside by that fix. Returns the ids changed. */
export function includeStatusReports(anyDb: AnyDb, rows: readonly Exclusion[], _now: Date): Promise<number[]> {
  return takeBack(ingestDb(anyDb), 'lot_status_reports', rows);
}

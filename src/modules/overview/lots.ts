import type { Actor } from '../../platform/auth/permissions.js';
import { districtScope } from '../../platform/scope.js';
import type { LotCategory, LotKind } from '../registry/index.js';
import type { OverviewDb } from './repo.js';

/*
 * What the overview knows of registry lots and their latest space status, in one place and
 * read-only: the registry's lots and districts and ingest's lot_live (the newest status report
 * of each lot). Neither module offers "every lot with its coordinates and live counts", and these
 * are plain reads of a few columns; the overview never writes those tables. Every query takes
 * the actor's district scope.
 */

export interface OverviewLot {
  id: number;
  code: string;
  name: string;
  districtCode: string;
  category: LotCategory;
  /** 场库 off_street / 路内 on_street. */
  kind: LotKind;
  totalSpaces: number;
  /** GCJ-02 as stored; null for lots registered without coordinates. */
  lng: number | null;
  lat: number | null;
  /** The lot's own late threshold (the source's and the default come from monitoring). */
  thresholdMinutes: number | null;
  /** Newest status report (lot_live): null when the lot never sent one. */
  status: { at: Date; total: number; free: number } | null;
}

/** The lots in the actor's scope (one lot with `code`). */
export async function overviewLots(db: OverviewDb, actor: Actor, code?: string): Promise<OverviewLot[]> {
  const scope = districtScope(actor);
  const rows = await db
    .selectFrom('lots as l')
    .leftJoin('lot_live as ll', 'll.lot_id', 'l.id')
    .select([
      'l.id', 'l.code', 'l.name', 'l.district_code', 'l.category', 'l.kind', 'l.total_spaces', 'l.lng', 'l.lat', 'l.late_threshold_minutes',
      'll.status_at', 'll.total_spaces as status_total', 'll.free_spaces as status_free',
    ])
    .$if(scope !== null, (qb) => qb.where('l.district_code', '=', scope!))
    .$if(code !== undefined, (qb) => qb.where('l.code', '=', code!))
    .orderBy('l.code')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    districtCode: r.district_code,
    category: r.category,
    kind: r.kind,
    totalSpaces: r.total_spaces,
    lng: r.lng,
    lat: r.lat,
    thresholdMinutes: r.late_threshold_minutes,
    status:
      r.status_at !== null && r.status_total !== null && r.status_free !== null
        ? { at: new Date(r.status_at), total: r.status_total, free: r.status_free }
        : null,
  }));
}

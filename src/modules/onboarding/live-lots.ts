import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { districtScope } from '../../platform/scope.js';
import type { LotCategory, LotKind } from '../registry/index.js';
import type { OnboardingDb } from './repo.js';

/*
 * What onboarding knows of registry lots and their data, in one place and read-only: a lot's
 * facts (registry), whether it has reported (ingest's lot_live), and when it first delivered data
 * (our own onboarding_lot_first_data). Neither service offers "lots with their data state" and
 * these are plain reads of a few columns; onboarding never writes those modules' tables.
 * Every query takes the actor's district scope.
 */

export interface LiveLot {
  id: number;
  code: string;
  name: string;
  districtCode: string;
  kind: LotKind;
  category: LotCategory;
  totalSpaces: number;
  status: 'active' | 'suspended';
  /** Has received at least one event (lot_live.last_occurred_at is set). */
  reporting: boolean;
  /** When it first delivered data: noted by the sync job, else its latest receipt. null: never. */
  firstDataAt: Date | null;
}

function lotsWithData(db: OnboardingDb, actor: Actor) {
  const scope = districtScope(actor);
  return db
    .selectFrom('lots')
    .leftJoin('lot_live', 'lot_live.lot_id', 'lots.id')
    .leftJoin('onboarding_lot_first_data as f', 'f.lot_id', 'lots.id')
    .select([
      'lots.id', 'lots.code', 'lots.name', 'lots.district_code', 'lots.kind', 'lots.category', 'lots.total_spaces', 'lots.status',
      sql<boolean>`lot_live.last_occurred_at is not null`.as('reporting'),
      sql<Date | null>`case when lot_live.last_occurred_at is null then null else coalesce(f.first_at, lot_live.last_received_at, lot_live.last_occurred_at) end`.as('first_data_at'),
    ])
    .$if(scope !== null, (qb) => qb.where('lots.district_code', '=', scope!));
}

type Row = Awaited<ReturnType<ReturnType<typeof lotsWithData>['execute']>>[number];

const toLiveLot = (r: Row): LiveLot => ({
  id: r.id,
  code: r.code,
  name: r.name,
  districtCode: r.district_code,
  kind: r.kind,
  category: r.category,
  totalSpaces: r.total_spaces,
  status: r.status,
  reporting: r.reporting === true,
  firstDataAt: r.first_data_at ? new Date(r.first_data_at) : null,
});

/**
 * Lots of the actor's districts that had reported: at all (`asOf` null: by now), or with their
 * first data before `asOf` (a past quarter's end). Suspended ones included; callers filter.
 */
export async function reportedLots(db: OnboardingDb, actor: Actor, asOf: Date | null): Promise<LiveLot[]> {
  const rows = await lotsWithData(db, actor)
    .where('lot_live.last_occurred_at', 'is not', null)
    .$if(asOf !== null, (qb) => qb.where(sql<boolean>`coalesce(f.first_at, lot_live.last_received_at, lot_live.last_occurred_at) < ${asOf}`))
    .orderBy('lots.district_code')
    .orderBy('lots.code')
    .execute();
  return rows.map(toLiveLot);
}

/** Lots by code within the actor's scope (others are simply absent), for linking entries. */
export async function lotsByCode(db: OnboardingDb, actor: Actor, codes: readonly string[]): Promise<Map<string, LiveLot>> {
  const out = new Map<string, LiveLot>();
  const unique = [...new Set(codes)];
  for (let i = 0; i < unique.length; i += 1000) {
    const rows = await lotsWithData(db, actor).where('lots.code', 'in', unique.slice(i, i + 1000)).execute();
    for (const r of rows) out.set(r.code, toLiveLot(r));
  }
  return out;
}

/**
 * Notes when lots that have started reporting first delivered data: their earliest received
 * event (one indexed look per newly seen lot, once), else their latest receipt. Returns how many.
 */
export async function noteFirstData(db: OnboardingDb, now: Date): Promise<number> {
  const result = await sql`
    insert into onboarding_lot_first_data (lot_id, first_at)
    select ll.lot_id,
           least(coalesce((select min(e.received_at) from ingest_events e where e.lot_id = ll.lot_id), ll.last_received_at, ${now}), ${now})
      from lot_live ll
     where ll.last_occurred_at is not null
       and not exists (select 1 from onboarding_lot_first_data f where f.lot_id = ll.lot_id)
    on conflict (lot_id) do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

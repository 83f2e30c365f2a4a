import { sql } from 'kysely';
import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type ReadOnly, type Trx } from '../../platform/db.js';
import type { RegistryTables } from '../registry/index.js';
import type { SessionsTables } from '../sessions/index.js';
import { enforcementCutoff, type EscalationSettings } from './rules.js';
import type { RawBuilder } from 'kysely';
import type { ArrearsTables } from './tables.js';

/*
 * Data access of 欠费追缴. The ledger is a reporting query over the parking sessions (sessions'
 * table, read only) with the lots' names and districts; this module writes only its own tables
 * (bills, settlements, write-offs, settings). A session's arrears: closed, not set aside by data
 * cleaning, receivable above paid by more than its settlements here cover — paid or written off,
 * less what refunds reopened (docs/指标口径.md, 欠费追缴).
 */
type Tables = ArrearsTables & ReadOnly<Pick<SessionsTables, 'parking_sessions'> & Pick<RegistryTables, 'lots' | 'districts'>>;
export type ArrearsDb = Db<Tables>;
export type ArrearsTrx = Trx<Tables>;
export type ArrearsContext = AppContext<Tables>;
export const arrearsDb = (db: AnyDb): ArrearsDb => tablesOf<Tables>(db);
export const arrearsContext = (ctx: AppContext): ArrearsContext => contextOf<Tables>(ctx);

/**
 * What the settlements of a session cover now, in SQL (alias s): paid and written off, less what
 * refunds reopened (migration 0044).
 */
export const coveredFen = sql<string>`coalesce((select sum(case when cv.kind = 'refunded' then -cv.fen else cv.fen end)
  from arrears_settlements cv where cv.session_id = s.id), 0)`;
/** The outstanding amount of one session, in SQL (alias s): receivable − paid − covered by settlements. */
export const owedFen = sql<string>`(s.receivable_fen - coalesce(s.paid_fen, 0) - ${coveredFen})`;
/** When a session's arrears began: its exit, or its entry when the exit is unknown. */
export const owedSince = sql<Date>`coalesce(s.exited_at, s.entered_at)`;

/** Sessions with outstanding arrears (alias s, lots as l), optionally in one district. */
export function owingSessions(db: ArrearsDb, districtCode: string | null) {
  return db.selectFrom('parking_sessions as s').innerJoin('lots as l', 'l.id', 's.lot_id')
    .where('s.state', '=', 'closed').where('s.excluded_by', 'is', null)
    .where(sql<boolean>`s.receivable_fen > coalesce(s.paid_fen, 0)`)
    .where(sql<boolean>`${owedFen} > 0`)
    .$if(districtCode !== null, (b) => b.where('l.district_code', '=', districtCode!));
}

export interface ArrearsSettings extends EscalationSettings {
  channelCode: string;
  updatedAt: string;
  updatedBy: string;
}

export async function readSettings(db: ArrearsDb): Promise<ArrearsSettings> {
  const r = await db.selectFrom('arrears_settings').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  const sources = (typeof r.refusal_sources === 'string' ? JSON.parse(r.refusal_sources) : r.refusal_sources) as string[];
  return {
    enforceAfterDays: r.enforce_after_days, enforceAboveFen: r.enforce_above_fen === null ? null : Number(r.enforce_above_fen),
    refusalEnabled: r.refusal_enabled, refusalSources: sources, channelCode: r.channel_code, updatedAt: r.updated_at.toISOString(), updatedBy: r.updated_by,
  };
}

/**
 * The enforcement rule in SQL over a plate's oldest arrears and total (the same cut-offs as
 * `escalationOf`): true when either enabled rule holds.
 */
export function enforcedSql(s: EscalationSettings, now: Date, oldest: RawBuilder<unknown>, total: RawBuilder<unknown>): RawBuilder<boolean> {
  const cut = enforcementCutoff(s, now);
  const byAge = cut.oldestAtOrBefore === null ? sql`false` : sql`${oldest} <= ${cut.oldestAtOrBefore}`;
  const byAmount = cut.totalAtLeastFen === null ? sql`false` : sql`${total} >= ${cut.totalAtLeastFen}`;
  return sql<boolean>`(${byAge} or ${byAmount})`;
}

const PLATE_LOCK_SPACE = 38_001;
/** Serialises what settles or reopens one plate's arrears (bill paid, refund, write-off) in the caller's transaction. */
export async function lockPlate(db: ArrearsDb, plate: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(${PLATE_LOCK_SPACE}, hashtext(${plate}))`.execute(db);
}

import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { readDb } from '../../platform/read-db.js';
import { paymentsContext } from './repo.js';

/*
 * 渠道收款与对账 (docs/指标口径.md §2.11): what the platform's own channels collected for lots over a
 * period, and how much of it an imported bill confirmed. For analytics, through index.ts; the
 * district scope is applied here, on the district each order stated for its lots.
 *
 * - A transaction counts on the Shanghai day of the channel's success time (occurred_at).
 * - Only transactions naming one of our orders that states its lots (pay_order_lots) count; each is
 *   shared among the order's lots in proportion to their fen (exact when the amount is the order's,
 *   rounded to the fen per lot otherwise). A notification naming no order of ours counts nowhere
 *   here (it waits in reconciliation as unmatched).
 * - channelPaidFen is the payments, gross; refunds are channelRefundFen on the day they succeeded,
 *   not subtracted (net = channelPaidFen − channelRefundFen), so that 0 ≤ reconciled ≤ paid.
 * - reconciledFen: payments with a `matched` line (same channel, kind and key) in an imported bill;
 *   short, amount mismatch or a day not yet imported leave a payment unreconciled.
 */

export type ChannelRevenueKey = 'day' | 'district' | 'lot';

export interface ChannelRevenueQuery {
  from: Date;
  /** Exclusive. */
  to: Date;
  /** The actor's district scope (null: the city). */
  scope: string | null;
  districts?: readonly string[];
  lots?: readonly string[];
  groupBy: readonly ChannelRevenueKey[];
}

export interface ChannelRevenueRow {
  day?: string;
  districtCode?: string;
  lotCode?: string;
  /** Payments through the channels, fen (gross). */
  channelPaidFen: number;
  /** Refunds through the channels, fen (not subtracted above). */
  channelRefundFen: number;
  /** Of channelPaidFen, the payments matched line by line in imported bills, fen. */
  reconciledFen: number;
}

export async function channelRevenue(anyCtx: AppContext, q: ChannelRevenueQuery): Promise<ChannelRevenueRow[]> {
  // A reporting read: on the replica while it is fresh (docs/architecture.md, "read replica").
  const db = readDb(paymentsContext(anyCtx));
  const byDay = q.groupBy.includes('day');
  const byDistrict = q.groupBy.includes('district');
  const byLot = q.groupBy.includes('lot');
  const share = sql<number>`round(t.amount_fen::numeric * a.fen / o.amount_fen)`;
  const reconciled = sql<boolean>`exists (select 1 from pay_recon_lines rl join pay_recon_imports ri on ri.id = rl.import_id
    where rl.result = 'matched' and rl.kind = t.kind and rl.key = t.external_id and ri.channel_code = t.channel_code)`;
  const day = sql<string>`to_char(t.occurred_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD')`;
  const rows = await db.selectFrom('pay_transactions as t')
    .innerJoin('pay_orders as o', 'o.id', 't.order_id')
    .innerJoin('pay_order_lots as a', 'a.order_id', 'o.id')
    .where('t.occurred_at', '>=', q.from).where('t.occurred_at', '<', q.to)
    .$if(q.scope !== null, (b) => b.where('a.district_code', '=', q.scope!))
    .$if(q.districts !== undefined && q.districts.length > 0, (b) => b.where('a.district_code', 'in', [...q.districts!]))
    .$if(q.lots !== undefined && q.lots.length > 0, (b) => b.where('a.lot_code', 'in', [...q.lots!]))
    .select([
      sql<string>`coalesce(sum(${share}) filter (where t.kind = 'payment'), 0)`.as('paid'),
      sql<string>`coalesce(sum(${share}) filter (where t.kind = 'refund'), 0)`.as('refund'),
      sql<string>`coalesce(sum(${share}) filter (where t.kind = 'payment' and ${reconciled}), 0)`.as('reconciled'),
    ])
    .$if(byDay, (b) => b.select(day.as('day')).groupBy(day))
    .$if(byDistrict, (b) => b.select('a.district_code').groupBy('a.district_code'))
    .$if(byLot, (b) => b.select('a.lot_code').groupBy('a.lot_code'))
    .execute();
  return rows.map((r) => {
    const row = r as typeof r & { day?: string; district_code?: string; lot_code?: string };
    return {
      ...(byDay ? { day: row.day! } : {}),
      ...(byDistrict ? { districtCode: row.district_code! } : {}),
      ...(byLot ? { lotCode: row.lot_code! } : {}),
      channelPaidFen: Number(r.paid), channelRefundFen: Number(r.refund), reconciledFen: Number(r.reconciled),
    };
  });
}

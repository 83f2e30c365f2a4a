import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { can, type Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest, notFound } from '../../platform/errors.js';
import { maskPlate, plateFilterFor } from '../../platform/plates.js';
import { readContext } from '../../platform/read-db.js';
import { districtScope } from '../../platform/scope.js';
import { formatShanghai } from '../../platform/time.js';
import { enforcedSql, owedFen, owedSince, owingSessions, readSettings, type ArrearsContext, type ArrearsSettings } from './repo.js';
import { ageDays, escalationOf, type Escalation } from './rules.js';

/*
 * 欠费台账 (docs/用户手册.md 第 24 章): one row per plate over every lot and source — what it
 * owes, in how many sessions, since when — with its escalation level. Plates are masked in the
 * list and the export unless the actor has pii (then the export is audited); the detail of a
 * plate shows it unmasked only with pii, each such read audited (arrears.read_pii).
 */

export const LEDGER_EXPORT_MAX = 50_000;

export interface LedgerQuery {
  plate?: string;
  lotCode?: string;
  districtCode?: string;
  level?: Escalation;
  minFen?: number;
  maxFen?: number;
  minDays?: number;
  sort?: 'total' | 'oldest' | 'sessions';
  limit?: number;
  offset?: number;
}

export interface LedgerRow {
  /** The plate's oldest owing session: the key of its detail (no plate in URLs). */
  key: number;
  plate: string;
  sessions: number;
  lots: number;
  totalFen: number;
  oldestAt: string;
  newestAt: string;
  ageDays: number;
  level: Escalation;
  reasons: ('age' | 'amount')[];
  refuseEntry: boolean;
}

function ledgerQuery(ctx: ArrearsContext, actor: Actor, q: LedgerQuery, s: ArrearsSettings) {
  const plate = plateFilterFor(actor, q.plate);
  const now = ctx.clock.now();
  const scope = districtScope(actor);
  if (scope !== null && q.districtCode !== undefined && q.districtCode !== scope) throw notFound(`县市区 ${q.districtCode}`);
  const enforced = enforcedSql(s, now, sql`min(${owedSince})`, sql`sum(${owedFen})`);
  return owingSessions(ctx.db, scope)
    .$if(plate?.kind === 'exact', (b) => b.where('s.plate', '=', plate!.value))
    .$if(plate?.kind === 'contains', (b) => b.where('s.plate', 'like', `%${plate!.value.replace(/[%_\\]/g, '\\$&')}%`))
    .$if(q.lotCode !== undefined, (b) => b.where('l.code', '=', q.lotCode!))
    .$if(q.districtCode !== undefined, (b) => b.where('l.district_code', '=', q.districtCode!))
    .groupBy('s.plate')
    .select([
      's.plate', sql<string>`min(s.id)`.as('key'), sql<string>`count(*)`.as('sessions'), sql<string>`count(distinct s.lot_id)`.as('lots'),
      sql<string>`sum(${owedFen})`.as('total_fen'), sql<Date>`min(${owedSince})`.as('oldest_at'), sql<Date>`max(${owedSince})`.as('newest_at'),
    ])
    .$if(q.minFen !== undefined, (b) => b.having(sql<boolean>`sum(${owedFen}) >= ${q.minFen!}`))
    .$if(q.maxFen !== undefined, (b) => b.having(sql<boolean>`sum(${owedFen}) <= ${q.maxFen!}`))
    .$if(q.minDays !== undefined, (b) => b.having(sql<boolean>`min(${owedSince}) <= ${new Date(now.getTime() - q.minDays! * 86_400_000)}`))
    .$if(q.level === 'enforcement', (b) => b.having(enforced))
    .$if(q.level === 'open', (b) => b.having(sql<boolean>`not ${enforced}`));
}

type Raw = { plate: string; key: string; sessions: string; lots: string; total_fen: string; oldest_at: Date; newest_at: Date };

function toRow(r: Raw, s: ArrearsSettings, now: Date, showPlate: boolean): LedgerRow {
  const totalFen = Number(r.total_fen);
  const oldestAt = new Date(r.oldest_at);
  const e = escalationOf({ totalFen, oldestAt }, s, now);
  return {
    key: Number(r.key), plate: showPlate ? r.plate : maskPlate(r.plate), sessions: Number(r.sessions), lots: Number(r.lots), totalFen,
    oldestAt: oldestAt.toISOString(), newestAt: new Date(r.newest_at).toISOString(), ageDays: ageDays(oldestAt, now), level: e.level, reasons: e.reasons, refuseEntry: e.refuseEntry,
  };
}

const ORDER = { total: 'total_fen desc', oldest: 'oldest_at asc', sessions: 'sessions desc' } as const;

/** The ledger page: plates masked (the detail shows one unmasked to pii holders, audited). */
export async function listLedger(ctx: ArrearsContext, actor: Actor, q: LedgerQuery): Promise<{ items: LedgerRow[]; total: number; totalFen: number }> {
  const s = await readSettings(ctx.db);
  const base = ledgerQuery(ctx, actor, q, s);
  const limit = Math.min(q.limit ?? 50, 500);
  const [rows, sum] = await Promise.all([
    ctx.db.selectFrom(base.as('p')).selectAll()
      .orderBy(sql.raw(`p.${ORDER[q.sort ?? 'total']}`)).orderBy('p.plate').limit(limit).offset(q.offset ?? 0).execute(),
    ctx.db.selectFrom(base.as('p')).select([sql<string>`count(*)`.as('n'), sql<string>`coalesce(sum(p.total_fen), 0)`.as('fen')]).executeTakeFirstOrThrow(),
  ]);
  const now = ctx.clock.now();
  return { items: rows.map((r) => toRow(r as Raw, s, now, false)), total: Number(sum.n), totalFen: Number(sum.fen) };
}

export interface OwedSession {
  sessionId: number;
  lotCode: string;
  lotName: string;
  districtCode: string;
  sourceCode: string;
  enteredAt: string | null;
  exitedAt: string | null;
  receivableFen: number;
  paidFen: number;
  owedFen: number;
  payChannel: string | null;
}

/** The outstanding sessions of a plate, oldest first. */
export async function owedSessionsOf(ctx: ArrearsContext, plate: string, districtCode: string | null): Promise<OwedSession[]> {
  const rows = await owingSessions(ctx.db, districtCode).where('s.plate', '=', plate)
    .select(['s.id', 'l.code', 'l.name', 'l.district_code', 's.source_code', 's.entered_at', 's.exited_at', 's.receivable_fen', 's.paid_fen', 's.pay_channel', owedFen.as('owed_fen')])
    .orderBy(owedSince).orderBy('s.id').limit(1000).execute();
  return rows.map((r) => ({
    sessionId: Number(r.id), lotCode: r.code, lotName: r.name, districtCode: r.district_code, sourceCode: r.source_code,
    enteredAt: r.entered_at?.toISOString() ?? null, exitedAt: r.exited_at?.toISOString() ?? null,
    receivableFen: r.receivable_fen ?? 0, paidFen: r.paid_fen ?? 0, owedFen: Number(r.owed_fen), payChannel: r.pay_channel,
  }));
}

export interface SettlementView {
  sessionId: number;
  fen: number;
  /** paid, written off, or refunded: a refund of the bill's payment reopened this much (docs/指标口径.md). */
  kind: 'paid' | 'written_off' | 'refunded';
  settledAt: string;
  settledBy: string;
  orderNo: string | null;
  writeoffId: number | null;
}

/**
 * One plate's arrears (key: a session of the plate, as the list gives it): its outstanding
 * sessions, what was settled and how, its write-off requests. Unmasked with pii, audited.
 */
export async function plateDetail(ctx: ArrearsContext, actor: Actor, key: number) {
  const scope = districtScope(actor);
  const found = await ctx.db.selectFrom('parking_sessions as s').innerJoin('lots as l', 'l.id', 's.lot_id').select(['s.plate', 'l.district_code'])
    .where('s.id', '=', key).executeTakeFirst();
  if (!found || (scope !== null && found.district_code !== scope)) throw notFound(`欠费记录 ${key}`);
  const plate = found.plate;
  const s = await readSettings(ctx.db);
  const now = ctx.clock.now();
  const [sessions, settled, writeoffs] = await Promise.all([
    owedSessionsOf(ctx, plate, scope),
    ctx.db.selectFrom('arrears_settlements as st').leftJoin('arrears_bills as b', 'b.id', 'st.bill_id')
      .select(['st.session_id', 'st.fen', 'st.kind', 'st.settled_at', 'st.settled_by', 'b.order_no', 'st.writeoff_id'])
      .where('st.plate', '=', plate).orderBy('st.settled_at', 'desc').orderBy('st.id', 'desc').limit(500).execute(),
    ctx.db.selectFrom('arrears_writeoffs').select(['id', 'amount_fen', 'reason', 'status', 'requested_by', 'requested_at', 'decided_by', 'decided_at', 'decision_note', 'session_ids'])
      .where('plate', '=', plate).orderBy('id', 'desc').limit(100).execute(),
  ]);
  const showPlate = can(actor, 'pii');
  if (showPlate) {
    await audit(ctx, ctx.db, actor, { action: 'arrears.read_pii', targetType: 'plate', targetId: maskPlate(plate), detail: { plate, key, sessions: sessions.length } });
  }
  const totalFen = sessions.reduce((a, x) => a + x.owedFen, 0);
  const oldest = sessions[0] ? new Date(sessions[0].exitedAt ?? sessions[0].enteredAt!) : null;
  const e = oldest ? escalationOf({ totalFen, oldestAt: oldest }, s, now) : { level: 'open' as const, reasons: [], refuseEntry: false };
  return {
    key, plate: showPlate ? plate : maskPlate(plate), plateMasked: maskPlate(plate), totalFen, ageDays: oldest ? ageDays(oldest, now) : 0,
    level: e.level, reasons: e.reasons, refuseEntry: e.refuseEntry, sessions,
    settlements: settled.map((r): SettlementView => ({
      sessionId: Number(r.session_id), fen: Number(r.fen), kind: r.kind, settledAt: r.settled_at.toISOString(), settledBy: r.settled_by, orderNo: r.order_no ?? null,
      writeoffId: r.writeoff_id === null ? null : Number(r.writeoff_id),
    })),
    writeoffs: writeoffs.map((w) => ({
      id: Number(w.id), amountFen: Number(w.amount_fen), reason: w.reason, status: w.status, requestedBy: w.requested_by, requestedAt: w.requested_at.toISOString(),
      decidedBy: w.decided_by, decidedAt: w.decided_at?.toISOString() ?? null, decisionNote: w.decision_note,
      sessionIds: ((typeof w.session_ids === 'string' ? JSON.parse(w.session_ids) : w.session_ids) as number[]),
    })),
  };
}

const LEVEL_LABEL: Record<Escalation, string> = { open: '待追缴', enforcement: '列入执法' };
const yuan = (fen: number) => Math.round(fen) / 100;

/** The filtered ledger as .xlsx: masked plates, or whole ones for pii holders (audited). */
export async function ledgerXlsx(ctx: ArrearsContext, actor: Actor, q: LedgerQuery): Promise<{ fileName: string; asciiName: string; body: Buffer; rows: number }> {
  // The settings as just saved (primary); the ledger's rows from the replica when there is one (src/platform/read-db.ts).
  const s = await readSettings(ctx.db);
  const read = readContext(ctx);
  const rows = await read.db.selectFrom(ledgerQuery(read, actor, q, s).as('p')).selectAll()
    .orderBy(sql.raw(`p.${ORDER[q.sort ?? 'total']}`)).orderBy('p.plate').limit(LEDGER_EXPORT_MAX + 1).execute();
  if (rows.length > LEDGER_EXPORT_MAX) throw badRequest('EXPORT_TOO_LARGE', `超过 ${LEDGER_EXPORT_MAX} 行，请缩小筛选范围 / more than ${LEDGER_EXPORT_MAX} rows: narrow the filters`);
  const now = ctx.clock.now();
  const showPlate = can(actor, 'pii');
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  const sheet = wb.addWorksheet('欠费台账');
  sheet.columns = [14, 10, 10, 14, 20, 20, 10, 12, 14].map((width) => ({ width }));
  sheet.addRow(['车牌 Plate', '笔数 Sessions', '车场数 Lots', '欠费（元）Owed (yuan)', '最早欠费 Oldest', '最近欠费 Newest', '欠费天数 Age (days)', '状态 Level', '拒绝入场 Refuse entry']).font = { bold: true };
  for (const raw of rows) {
    const r = toRow(raw as Raw, s, now, showPlate);
    const row = sheet.addRow([r.plate, r.sessions, r.lots, yuan(r.totalFen), formatShanghai(new Date(r.oldestAt)), formatShanghai(new Date(r.newestAt)), r.ageDays, LEVEL_LABEL[r.level], r.refuseEntry ? '是' : '否']);
    row.getCell(4).numFmt = '0.00';
  }
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  await audit(ctx, ctx.db, actor, { action: 'arrears.export', targetType: 'arrears_ledger', detail: { filter: { ...q, plate: q.plate ? maskPlate(q.plate) : undefined }, rows: rows.length, unmasked: showPlate } });
  const stamp = formatShanghai(now).slice(0, 10);
  return { fileName: `欠费台账-${stamp}.xlsx`, asciiName: `arrears-ledger-${stamp}.xlsx`, body: Buffer.from(await wb.xlsx.writeBuffer()), rows: rows.length };
}

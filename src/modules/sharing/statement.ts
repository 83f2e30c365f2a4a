import ExcelJS from 'exceljs';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { conflict, forbidden, notFound } from '../../platform/errors.js';
import { maskPlate } from '../../platform/plates.js';
import { readDb } from '../../platform/read-db.js';
import { formatShanghai } from '../../platform/time.js';
import { kpiFigures, revenueFen, usedHours } from './kpi-rules.js';
import { monthBookings, offeredHours } from './kpis.js';
import { scopeOf, type SharingContext } from './repo.js';
import { XLSX_TYPE } from '../../platform/http/download.js';

/*
 * The monthly statement of an owner (共享停车月度结算单, docs/共享停车规则.md, "结算"): one row
 * per booking starting in the month (cancelled ones listed with zero amounts), and the summary:
 * bookings, hours used, revenue, the platform's share (percent, default 10) and the owner's.
 * Every summary figure is the plain sum of the rows' column; the test reads the file back.
 */

export { XLSX_TYPE };
export const DEFAULT_PLATFORM_SHARE_PERCENT = 10;

const STATUS_ZH: Record<string, string> = {
  booked: '已预约', entered: '已入场', completed: '已完成', cancelled: '已取消', cancelled_by_owner: '单位取消', no_show: '爽约',
};

export interface Statement {
  ownerCode: string;
  ownerName: string;
  month: string;
  bookings: number;
  usedHours: number;
  bookingFeeFen: number;
  overstayFeeFen: number;
  revenueFen: number;
  platformSharePercent: number;
  platformShareFen: number;
  ownerShareFen: number;
  noShows: number;
  overstays: number;
  offeredHours: number;
}

const yuan = (fen: number) => fen / 100;
const hours2 = (h: number) => Math.round(h * 100) / 100;

/**
 * An owner's statement of a month. The month's bookings and offered hours are read from `figuresDb`:
 * the read replica when there is one for a download (src/platform/read-db.ts), the primary when
 * the figures are to be confirmed and kept (confirmStatement). The owner, the actor's scope and
 * whether the month is confirmed are read from the primary: a statement downloaded right after
 * its confirmation says it is confirmed.
 */
export async function ownerStatement(ctx: SharingContext, actor: Actor, q: { month: string; ownerCode: string; platformSharePercent?: number }, figuresDb: SharingContext['db'] = readDb(ctx)): Promise<{ fileName: string; body: Buffer; statement: Statement }> {
  const scope = await scopeOf(ctx.db, actor);
  const owner = await ctx.db.selectFrom('sharing_owners').select(['id', 'code', 'name']).where('code', '=', q.ownerCode)
    .$if(scope.ownerId !== null, (qq) => qq.where('id', '=', scope.ownerId!)).executeTakeFirst();
  if (!owner) throw notFound(`共享单位 ${q.ownerCode} / owner ${q.ownerCode}`);
  const ownerScope = { ownerId: owner.id, districtCode: scope.districtCode };
  const bookings = await monthBookings(figuresDb, ownerScope, q.month);
  const offered = (await offeredHours(figuresDb, ownerScope, q.month)).reduce((s, o) => s + o.hours, 0);
  const now = ctx.clock.now();
  const percent = q.platformSharePercent ?? DEFAULT_PLATFORM_SHARE_PERCENT;

  const rows = bookings.map((b) => {
    const used = hours2(usedHours(b, now));
    const fee = revenueFen(b) - b.overstayFeeFen;
    return { b, used, fee, overstay: b.overstayFeeFen, total: fee + b.overstayFeeFen };
  });
  const figures = kpiFigures(offered, bookings, now);
  const revenue = rows.reduce((s, r) => s + r.total, 0);
  const platformShareFen = Math.round((revenue * percent) / 100);
  const statement: Statement = {
    ownerCode: owner.code, ownerName: owner.name, month: q.month,
    bookings: figures.bookings,
    usedHours: hours2(rows.reduce((s, r) => s + r.used, 0)),
    bookingFeeFen: rows.reduce((s, r) => s + r.fee, 0),
    overstayFeeFen: rows.reduce((s, r) => s + r.overstay, 0),
    revenueFen: revenue,
    platformSharePercent: percent,
    platformShareFen,
    ownerShareFen: revenue - platformShareFen,
    noShows: figures.noShows,
    overstays: figures.overstays,
    offeredHours: figures.offeredHours,
  };

  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  const title = `共享停车月度结算单 ${owner.name} ${q.month}`;
  wb.title = title;
  const summary = wb.addWorksheet('汇总');
  summary.columns = [{ width: 26 }, { width: 22 }];
  summary.addRow([title]).font = { bold: true, size: 14 };
  const money = '0.00';
  const lines: [string, number | string, string?][] = [
    ['共享单位编码', owner.code],
    ['结算月份', q.month],
    ['预约笔数（不含取消）', statement.bookings],
    ['爽约笔数', statement.noShows],
    ['超时笔数', statement.overstays],
    ['共享泊位小时', statement.offeredHours],
    ['使用小时', statement.usedHours],
    ['预约费（元）', yuan(statement.bookingFeeFen), money],
    ['超时费（元）', yuan(statement.overstayFeeFen), money],
    ['收入合计（元）', yuan(statement.revenueFen), money],
    ['平台分成比例（%）', percent],
    ['平台分成（元）', yuan(platformShareFen), money],
    ['单位应得（元）', yuan(statement.ownerShareFen), money],
  ];
  for (const [k, v, fmt] of lines) {
    const row = summary.addRow([k, v]);
    if (fmt) row.getCell(2).numFmt = fmt;
  }
  const confirmed = await ctx.db.selectFrom('sharing_statements').select(['confirmed_at', 'confirmed_by', 'revenue_fen']).where('owner_id', '=', owner.id).where('month', '=', q.month).executeTakeFirst();
  if (confirmed) {
    summary.addRow(['市城管局确认', `${formatShanghai(new Date(confirmed.confirmed_at))} ${confirmed.confirmed_by}`]);
    if (confirmed.revenue_fen !== revenue) summary.addRow(['确认后收入变动（元）', yuan(revenue - confirmed.revenue_fen)]).getCell(2).numFmt = money;
  } else summary.addRow(['市城管局确认', '未确认']);
  summary.addRow([`生成时间 ${formatShanghai(now)}（上海时间）；金额以分计算，显示为元。`]);

  const detail = wb.addWorksheet('明细');
  detail.columns = [8, 20, 12, 12, 20, 20, 10, 10, 12, 10, 12, 12].map((width) => ({ width }));
  const header = detail.addRow(['预约号', '方案', '停车场', '号牌', '开始', '结束', '状态', '使用小时', '预约费（元）', '超时分钟', '超时费（元）', '合计（元）']);
  header.font = { bold: true };
  for (const r of rows) {
    const row = detail.addRow([
      r.b.id, r.b.offerName, r.b.lotCode, maskPlate(r.b.plate), formatShanghai(r.b.start), formatShanghai(r.b.end), STATUS_ZH[r.b.status] ?? r.b.status,
      r.used, yuan(r.fee), r.b.overstayMinutes, yuan(r.overstay), yuan(r.total),
    ]);
    for (const c of [9, 11, 12]) row.getCell(c).numFmt = money;
  }
  detail.views = [{ state: 'frozen', ySplit: 1 }];
  const body = Buffer.from(await wb.xlsx.writeBuffer());
  return { fileName: `共享停车结算单-${owner.code}-${q.month}.xlsx`, body, statement };
}

export interface ConfirmedStatement {
  ownerCode: string;
  month: string;
  bookings: number;
  usedHours: number;
  revenueFen: number;
  platformSharePercent: number;
  platformShareFen: number;
  ownerShareFen: number;
  confirmedAt: string;
  confirmedBy: string;
}

/**
 * The bureau confirms an owner's statement of a month (sharing:approve): its figures are kept as
 * confirmed; confirming twice is 409 SHARE_STATEMENT_CONFIRMED. Audited.
 */
export async function confirmStatement(ctx: SharingContext, actor: Actor, q: { month: string; ownerCode: string; platformSharePercent?: number }): Promise<ConfirmedStatement> {
  if (!actor.permissions.has('sharing:approve')) throw forbidden('需要权限 sharing:approve / requires permission sharing:approve');
  // The figures kept are the primary's: a booking paid a moment ago is in them.
  const { statement } = await ownerStatement(ctx, actor, q, ctx.db);
  return ctx.db.transaction().execute(async (trx) => {
    const owner = await trx.selectFrom('sharing_owners').select('id').where('code', '=', q.ownerCode).executeTakeFirstOrThrow();
    const exists = await trx.selectFrom('sharing_statements').select('id').where('owner_id', '=', owner.id).where('month', '=', q.month).executeTakeFirst();
    if (exists) throw conflict('SHARE_STATEMENT_CONFIRMED', `${q.ownerCode} ${q.month} 的结算单已确认 / already confirmed`);
    const now = ctx.clock.now();
    await trx.insertInto('sharing_statements').values({
      owner_id: owner.id, month: q.month, bookings: statement.bookings, used_hours: statement.usedHours, revenue_fen: statement.revenueFen,
      platform_share_pct: statement.platformSharePercent, platform_share_fen: statement.platformShareFen, owner_share_fen: statement.ownerShareFen,
      confirmed_at: now, confirmed_by: actor.username,
    }).execute();
    await audit(ctx, trx, actor, { action: 'sharing.statement.confirm', targetType: 'sharing_owner', targetId: q.ownerCode, detail: { month: q.month, revenueFen: statement.revenueFen, platformShareFen: statement.platformShareFen } });
    return {
      ownerCode: q.ownerCode, month: q.month, bookings: statement.bookings, usedHours: statement.usedHours, revenueFen: statement.revenueFen,
      platformSharePercent: statement.platformSharePercent, platformShareFen: statement.platformShareFen, ownerShareFen: statement.ownerShareFen,
      confirmedAt: now.toISOString(), confirmedBy: actor.username,
    };
  });
}

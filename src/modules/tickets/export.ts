import ExcelJS from 'exceljs';
import type { Actor } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { readContext } from '../../platform/read-db.js';
import { formatShanghai, shanghaiDay } from '../../platform/time.js';
import { listDistricts } from '../registry/index.js';
import { auditPlateSearch, filteredQuery, type TicketQuery } from './list.js';
import { type TicketRow, type TicketView, type TicketsContext } from './repo.js';
import { auditPersonalRead, viewsOf } from './tickets.js';
import { CATEGORY_LABELS, CHANNEL_LABELS, PRIORITY_LABELS, STATE_LABELS } from './vocab.js';
import { XLSX_TYPE } from '../../platform/http/download.js';

/*
 * The work-order ledger (工单台账) as .xlsx, with the list's filters. Personal data is masked as in
 * the list; an unmasked export leaves one audit row with the filter and the row count.
 */

export { XLSX_TYPE };
export const MAX_EXPORT_ROWS = 50_000;

export const LEDGER_COLUMNS: readonly { header: string; width: number; value: (t: TicketView, district: (code: string | null) => string) => string | number }[] = [
  { header: '工单编号', width: 18, value: (t) => t.no },
  { header: '来源渠道', width: 10, value: (t) => CHANNEL_LABELS[t.channel] },
  { header: '外部单号', width: 18, value: (t) => t.externalNo ?? '' },
  { header: '诉求分类', width: 12, value: (t) => CATEGORY_LABELS[t.category] },
  { header: '优先级', width: 8, value: (t) => PRIORITY_LABELS[t.priority] },
  { header: '标题', width: 30, value: (t) => t.title },
  { header: '诉求内容', width: 50, value: (t) => t.description },
  { header: '诉求人', width: 10, value: (t) => t.citizenName ?? '' },
  { header: '联系电话', width: 15, value: (t) => t.citizenPhone ?? '' },
  { header: '县市区', width: 10, value: (t, d) => d(t.districtCode) },
  { header: '车场编码', width: 14, value: (t) => t.lotCode ?? '' },
  { header: '车牌', width: 11, value: (t) => t.plate ?? '' },
  { header: '状态', width: 10, value: (t) => STATE_LABELS[t.state] },
  { header: '处理人', width: 12, value: (t) => t.assignee ?? '' },
  { header: '处理组', width: 12, value: (t) => t.team ?? '' },
  { header: '受理时间', width: 20, value: (t) => time(t.createdAt) },
  { header: '响应时限', width: 20, value: (t) => time(t.responseDueAt) },
  { header: '首次响应时间', width: 20, value: (t) => time(t.firstResponseAt) },
  { header: '办结时限', width: 20, value: (t) => time(t.resolveDueAt) },
  { header: '办结时间', width: 20, value: (t) => time(t.resolvedAt) },
  { header: '是否超时', width: 9, value: (t) => (t.late ? '是' : '否') },
  { header: '办结结果', width: 40, value: (t) => t.resolution ?? '' },
  { header: '反馈时间', width: 20, value: (t) => time(t.feedbackAt) },
  { header: '市民确认时间', width: 20, value: (t) => time(t.confirmedAt) },
  { header: '关闭时间', width: 20, value: (t) => time(t.closedAt) },
  { header: '重开次数', width: 9, value: (t) => t.reopenCount },
  { header: '撤销原因', width: 24, value: (t) => t.cancelReason ?? '' },
  { header: '合并至', width: 18, value: (t) => (t.mergedInto === null ? '' : String(t.mergedInto)) },
];

function time(iso: string | null): string {
  return iso ? formatShanghai(new Date(iso)) : '';
}

export async function exportTickets(ctx: TicketsContext, actor: Actor, q: TicketQuery): Promise<{ body: Buffer; fileName: string; asciiName: string }> {
  // The ledger reads the replica when there is one (src/platform/read-db.ts); its audit rows go to the primary.
  const read = readContext(ctx);
  const base = await filteredQuery(read, actor, q);
  const rows = (await base.selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(MAX_EXPORT_ROWS + 1).execute()) as TicketRow[];
  if (rows.length > MAX_EXPORT_ROWS) throw badRequest('EXPORT_TOO_LARGE', `最多导出 ${MAX_EXPORT_ROWS} 条，请缩小范围 / at most ${MAX_EXPORT_ROWS} rows: narrow the filter`);
  const views = await viewsOf(read, read.db, actor, rows);
  const names = new Map((await listDistricts(read, actor)).map((d) => [d.code, d.name]));
  const district = (code: string | null) => (code === null ? '' : (names.get(code) ?? code));
  const primaryIds = [...new Set(rows.filter((r) => r.merged_into !== null).map((r) => Number(r.merged_into)))];
  const mergedNos = new Map(primaryIds.length
    ? (await read.db.selectFrom('tickets').select(['id', 'no']).where('id', 'in', primaryIds).execute()).map((r) => [Number(r.id), r.no])
    : []);

  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  const sheet = wb.addWorksheet('工单台账');
  sheet.columns = LEDGER_COLUMNS.map((c, i) => ({ header: c.header, key: `c${i}`, width: c.width }));
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  for (const v of views) {
    const cells: Record<string, string | number> = {};
    LEDGER_COLUMNS.forEach((c, i) => {
      cells[`c${i}`] = c.value(v, district);
    });
    // A merged duplicate names its primary by number.
    if (v.mergedInto !== null) cells[`c${LEDGER_COLUMNS.length - 1}`] = mergedNos.get(v.mergedInto) ?? String(v.mergedInto);
    sheet.addRow(cells);
  }
  await auditPersonalRead(ctx, actor, views, { export: 'xlsx', filter: q });
  await auditPlateSearch(ctx, actor, q, { count: views.length, export: 'xlsx' });
  const day = shanghaiDay(ctx.clock.now());
  return { body: Buffer.from(await wb.xlsx.writeBuffer()), fileName: `工单台账-${day}.xlsx`, asciiName: `tickets-${day}.xlsx` };
}

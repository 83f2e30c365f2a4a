import ExcelJS from 'exceljs';
import type { Actor } from '../auth/permissions.js';
import type { AppContext } from '../context.js';
import { badRequest } from '../errors.js';
import { readContext, readDb } from '../read-db.js';
import { formatShanghai } from '../time.js';
import { filteredAudit, type AuditQuery } from './query.js';
import { recordAudit, verifyAuditChain } from './record.js';

/*
 * The audit log as a workbook for an assessor (docs/等保自查.md, "安全审计"): sheet 审计日志 with
 * every row matching the filters, oldest first, times in Asia/Shanghai, each row's hash and its
 * predecessor's (anyone can recompute the chain); sheet 校验 with the chain check of the whole
 * log at export time. At most AUDIT_EXPORT_MAX rows: narrow the dates for more. The export is
 * itself audited.
 */

export const AUDIT_EXPORT_MAX = 100_000;
const HEADERS = ['编号 ID', '时间 Time', '操作人 Actor', '角色 Role', '操作 Action', '对象类型 Target type', '对象 Target', 'IP', '结果 Outcome', '详情 Detail', '前一哈希 Prev hash', '哈希 Hash'];
const WIDTHS = [10, 20, 16, 10, 24, 14, 20, 16, 10, 60, 20, 20];

export async function auditXlsx(ctx: AppContext, actor: Actor, q: Omit<AuditQuery, 'beforeId' | 'limit'>): Promise<Buffer> {
  // The rows and the chain check read the replica when there is one (src/platform/read-db.ts); the export's own audit row goes to the primary.
  const rows = await filteredAudit(readContext(ctx), q)
    .orderBy('id', 'asc')
    .limit(AUDIT_EXPORT_MAX + 1)
    .execute();
  if (rows.length > AUDIT_EXPORT_MAX) {
    throw badRequest('EXPORT_TOO_LARGE', `超过 ${AUDIT_EXPORT_MAX} 条，请缩小时间范围 / more than ${AUDIT_EXPORT_MAX} rows: narrow the dates`);
  }
  const chain = await verifyAuditChain(readDb(ctx));
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  wb.title = '审计日志 / audit log';
  const sheet = wb.addWorksheet('审计日志');
  sheet.columns = WIDTHS.map((width) => ({ width }));
  sheet.addRow(HEADERS).font = { bold: true };
  for (const r of rows) {
    sheet.addRow([Number(r.id), formatShanghai(r.at), r.actor, r.actor_role ?? '', r.action, r.target_type ?? '', r.target_id ?? '', r.ip ?? '', r.outcome, r.detail === null ? '' : JSON.stringify(r.detail), r.prev_hash, r.hash]);
  }
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  const check = wb.addWorksheet('校验');
  check.columns = [{ width: 28 }, { width: 60 }];
  check.addRows([
    ['导出时间 Exported at', formatShanghai(ctx.clock.now())],
    ['导出人 Exported by', actor.username],
    ['筛选 Filters', JSON.stringify(q)],
    ['行数 Rows', rows.length],
    ['哈希链 Hash chain', chain.ok ? '完整 intact' : `断裂 broken at ${chain.firstBroken?.id}: ${chain.firstBroken?.reason}`],
    ['校验行数 Rows checked', chain.checked],
    ['防篡改 Tamper protection', '数据库触发器拒绝对 audit_log 的 UPDATE、DELETE、TRUNCATE / database triggers refuse UPDATE, DELETE and TRUNCATE on audit_log'],
  ]);
  await recordAudit(ctx.db, ctx.clock, actor, { action: 'audit.export', targetType: 'audit_log', detail: { filter: q, count: rows.length } });
  return Buffer.from(await wb.xlsx.writeBuffer());
}

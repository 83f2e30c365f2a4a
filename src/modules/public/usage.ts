import ExcelJS from 'exceljs';
import { sql } from 'kysely';
import { badRequest } from '../../platform/errors.js';
import { shanghaiDay, shanghaiDayStart } from '../../platform/time.js';
import { CATEGORY_LABELS, type TicketCategory } from '../tickets/index.js';
import type { PublicContext, PublicDb } from './repo.js';

/*
 * How much the public service is used (console 公众服务 → 使用情况; docs/用户手册.md): queries per
 * Shanghai day, the districts searched most, the verification success rate, and complaints from
 * the public channel by category. Read queries are counted in memory per node and flushed every
 * 30 s (and before a usage report): counting must not cost a write per citizen query.
 */

export class UsageBuffer {
  private counts = new Map<string, number>();

  add(now: Date, metric: string, key = ''): void {
    const id = `${shanghaiDay(now)}\u0000${metric}\u0000${key.slice(0, 64)}`;
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  async flush(db: PublicDb): Promise<void> {
    if (!this.counts.size) return;
    const entries = [...this.counts];
    this.counts = new Map();
    const values = entries.map(([id, count]) => {
      const [day, metric, key] = id.split('\u0000') as [string, string, string];
      return { day, metric, key, count };
    });
    try {
      await db.insertInto('public_usage_daily').values(values)
        .onConflict((oc) => oc.columns(['day', 'metric', 'key']).doUpdateSet({ count: sql<number>`public_usage_daily.count + excluded.count` }))
        .execute();
    } catch (err) {
      // Put them back: the next flush tries again.
      for (const [id, n] of entries) this.counts.set(id, (this.counts.get(id) ?? 0) + n);
      throw err;
    }
  }
}

export const USAGE_METRICS = ['nearby', 'lot', 'estimate', 'guidance', 'verification.sent', 'verification.confirmed', 'verification.failed', 'verification.refused', 'records.read'] as const;

const MAX_DAYS = 366;

function range(q: { from?: string; to?: string }, now: Date) {
  const to = q.to || shanghaiDay(now);
  const from = q.from || shanghaiDay(new Date(now.getTime() - 29 * 86_400_000));
  const start = shanghaiDayStart(from);
  const end = shanghaiDayStart(to);
  if (!start || !end) throw badRequest('INVALID_DATE', '日期格式应为 YYYY-MM-DD / dates must be YYYY-MM-DD');
  if (end.getTime() < start.getTime()) throw badRequest('INVALID_RANGE', '结束日期早于开始日期 / to is before from');
  if ((end.getTime() - start.getTime()) / 86_400_000 >= MAX_DAYS) throw badRequest('INVALID_RANGE', '最长 366 天 / at most 366 days');
  return { from, to, start, endExclusive: new Date(end.getTime() + 86_400_000) };
}

export interface UsageDay {
  day: string;
  nearby: number;
  lot: number;
  estimate: number;
  guidance: number;
  verificationsSent: number;
  verificationsConfirmed: number;
  verificationsFailed: number;
  recordsRead: number;
}

export async function usageReport(ctx: PublicContext, buffer: UsageBuffer, q: { from?: string; to?: string }) {
  await buffer.flush(ctx.db);
  const r = range(q, ctx.clock.now());
  const [rows, districts, complaints] = await Promise.all([
    ctx.db.selectFrom('public_usage_daily').select(['day', 'metric', 'key', 'count']).where('day', '>=', r.from).where('day', '<=', r.to).execute(),
    ctx.db.selectFrom('districts').select(['code', 'name']).execute(),
    ctx.db.selectFrom('tickets').select(['category', (eb) => eb.fn.countAll<string>().as('n')])
      .where('channel', '=', 'web').where('created_at', '>=', r.start).where('created_at', '<', r.endExclusive)
      .groupBy('category').orderBy('category').execute(),
  ]);
  const days = new Map<string, UsageDay>();
  for (let t = r.start.getTime(); t < r.endExclusive.getTime(); t += 86_400_000) {
    const day = shanghaiDay(new Date(t));
    days.set(day, { day, nearby: 0, lot: 0, estimate: 0, guidance: 0, verificationsSent: 0, verificationsConfirmed: 0, verificationsFailed: 0, recordsRead: 0 });
  }
  const field: Record<string, keyof Omit<UsageDay, 'day'>> = {
    nearby: 'nearby', lot: 'lot', estimate: 'estimate', guidance: 'guidance', 'verification.sent': 'verificationsSent',
    'verification.confirmed': 'verificationsConfirmed', 'verification.failed': 'verificationsFailed', 'records.read': 'recordsRead',
  };
  const areas = new Map<string, number>();
  for (const row of rows) {
    const d = days.get(row.day);
    const f = field[row.metric];
    if (d && f) d[f] += row.count;
    if (row.metric === 'nearby' && row.key) areas.set(row.key, (areas.get(row.key) ?? 0) + row.count);
  }
  const list = [...days.values()];
  const sent = list.reduce((s, d) => s + d.verificationsSent, 0);
  const confirmed = list.reduce((s, d) => s + d.verificationsConfirmed, 0);
  const names = new Map(districts.map((d) => [d.code, d.name]));
  return {
    from: r.from, to: r.to, days: list,
    topAreas: [...areas].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 10)
      .map(([code, queries]) => ({ districtCode: code, districtName: names.get(code) ?? code, queries })),
    verificationsSent: sent, verificationsConfirmed: confirmed,
    verificationSuccessRate: sent > 0 ? Math.round((confirmed / sent) * 10_000) / 10_000 : null,
    complaintsByCategory: complaints.map((c) => ({ category: c.category, label: CATEGORY_LABELS[c.category as TicketCategory] ?? c.category, count: Number(c.n) })),
  };
}

export type UsageReport = Awaited<ReturnType<typeof usageReport>>;

/** The usage report as the office's .xlsx: one sheet per table, Chinese headers. */
export async function usageXlsx(report: UsageReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  const daily = wb.addWorksheet('每日使用量');
  daily.columns = [
    { header: '日期', key: 'day', width: 12 }, { header: '附近查询', key: 'nearby', width: 10 }, { header: '停车场详情', key: 'lot', width: 11 },
    { header: '费用估算', key: 'estimate', width: 10 }, { header: '诱导屏数据', key: 'guidance', width: 11 }, { header: '发送验证码', key: 'verificationsSent', width: 11 },
    { header: '验证成功', key: 'verificationsConfirmed', width: 10 }, { header: '验证失败', key: 'verificationsFailed', width: 10 }, { header: '查询本人记录', key: 'recordsRead', width: 12 },
  ];
  for (const d of report.days) daily.addRow(d);
  daily.getRow(1).font = { bold: true };
  const areas = wb.addWorksheet('热门查询区域');
  areas.columns = [{ header: '县市区代码', key: 'districtCode', width: 12 }, { header: '县市区', key: 'districtName', width: 14 }, { header: '附近查询次数', key: 'queries', width: 14 }];
  for (const a of report.topAreas) areas.addRow(a);
  areas.getRow(1).font = { bold: true };
  const complaints = wb.addWorksheet('公众投诉分类');
  complaints.columns = [{ header: '分类', key: 'label', width: 16 }, { header: '分类代码', key: 'category', width: 16 }, { header: '件数', key: 'count', width: 8 }];
  for (const c of report.complaintsByCategory) complaints.addRow(c);
  complaints.getRow(1).font = { bold: true };
  const summary = wb.addWorksheet('汇总');
  summary.addRows([
    ['统计期间', `${report.from} 至 ${report.to}`],
    ['发送验证码', report.verificationsSent],
    ['验证成功', report.verificationsConfirmed],
    ['验证成功率', report.verificationSuccessRate === null ? '—' : `${(report.verificationSuccessRate * 100).toFixed(1)}%`],
  ]);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

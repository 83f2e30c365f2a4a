import ExcelJS from 'exceljs';
import { formatShanghai } from '../../platform/time.js';
import { CATEGORY_LABELS, type LotCategory } from '../registry/index.js';
import type { KpiQuery } from './kpi-query.js';
import type { KpiRow, KpiValues } from './kpi-rows.js';
import type { KpiResult } from './service.js';

/*
 * The KPI rows as a workbook for people: a title row with the period and the filters, Chinese
 * headers, money in 元 (fen ÷ 100, two decimals), ratios as percentage-formatted fractions (the
 * cell holds 0.4231 and shows 42.31%, so sums and charts in Excel still work), null as an empty
 * cell. Comparison columns (同比 / 环比) follow when asked for.
 */

export const TITLE = '停车运营指标';
export const SHEET = '指标';

type Fmt = 'int' | 'pct' | 'dec2' | 'dec1' | 'yuan';
const KPI_COLUMNS: readonly { key: keyof KpiValues; header: string; fmt: Fmt }[] = [
  { key: 'entries', header: '驶入车次', fmt: 'int' },
  { key: 'exits', header: '驶出车次', fmt: 'int' },
  { key: 'turnoverRate', header: '泊位周转率(次/泊位/日)', fmt: 'dec2' },
  { key: 'utilisation', header: '泊位利用率', fmt: 'pct' },
  { key: 'occupancyAvg', header: '平均占用率', fmt: 'pct' },
  { key: 'occupancyPeak', header: '峰值占用率', fmt: 'pct' },
  { key: 'avgDwellMinutes', header: '平均停放时长(分钟)', fmt: 'dec1' },
  { key: 'receivableFen', header: '应收金额(元)', fmt: 'yuan' },
  { key: 'paidFen', header: '实收金额(元)', fmt: 'yuan' },
  { key: 'arrearsFen', header: '欠费金额(元)', fmt: 'yuan' },
  { key: 'completeness', header: '数据完整率', fmt: 'pct' },
  { key: 'flaggedShare', header: '异常记录占比', fmt: 'pct' },
];
const NUM_FMT: Record<Fmt, string> = { int: '0', pct: '0.00%', dec2: '0.00', dec1: '0.0', yuan: '#,##0.00' };

const KEY_COLUMNS: readonly { key: keyof KpiRow; header: string; width: number; show: (q: KpiQuery) => boolean; label?: (v: string) => string }[] = [
  { key: 'hour', header: '小时', width: 20, show: (q) => q.groupBy.includes('hour'), label: (v) => v.slice(0, 16).replace('T', ' ') },
  { key: 'day', header: '日期', width: 12, show: (q) => q.groupBy.includes('day') },
  { key: 'week', header: '周', width: 10, show: (q) => q.groupBy.includes('week') },
  { key: 'month', header: '月份', width: 10, show: (q) => q.groupBy.includes('month') },
  { key: 'lotCode', header: '停车场编码', width: 16, show: (q) => q.groupBy.includes('lot') },
  { key: 'lotName', header: '停车场名称', width: 26, show: (q) => q.groupBy.includes('lot') },
  { key: 'districtCode', header: '县市区代码', width: 12, show: (q) => q.groupBy.includes('district') },
  { key: 'districtName', header: '县市区', width: 12, show: (q) => q.groupBy.includes('district') },
  { key: 'category', header: '停车场类别', width: 12, show: (q) => q.groupBy.includes('category'), label: (v) => CATEGORY_LABELS[v as LotCategory] ?? v },
  { key: 'payChannel', header: '支付渠道', width: 12, show: (q) => q.groupBy.includes('channel'), label: (v) => v || '未记录' },
];

const COMPARE_LABELS = { yoy: '同比', pop: '环比' } as const;

/** analytics-kpis-2026-11-01-2026-11-30.xlsx; ISO times lose the characters a file name cannot hold. */
export function kpiFileName(from: string, to: string): string {
  const clean = (s: string) => s.replace(/[^0-9A-Za-z-]+/g, '').slice(0, 32);
  return `analytics-kpis-${clean(from)}-${clean(to)}.xlsx`;
}

function filtersText(q: KpiQuery): string {
  const parts: string[] = [];
  if (q.groupBy.length) parts.push(`分组：${q.groupBy.join('、')}`);
  if (q.lot?.length) parts.push(`停车场：${q.lot.join('、')}`);
  if (q.district?.length) parts.push(`县市区：${q.district.join('、')}`);
  if (q.category?.length) parts.push(`类别：${q.category.map((c) => CATEGORY_LABELS[c as LotCategory] ?? c).join('、')}`);
  if (q.top !== undefined) parts.push(`前 ${q.top} 名（按 ${q.sort ?? 'entries'}）`);
  return parts.join('；') || '全部停车场';
}

function value(v: number | null, fmt: Fmt): number | null {
  if (v === null) return null;
  return fmt === 'yuan' ? v / 100 : v;
}

export async function kpiXlsx(result: KpiResult, q: KpiQuery, now: Date): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  wb.title = `${TITLE}（${q.from} 至 ${q.to}）`;
  wb.created = now;
  const sheet = wb.addWorksheet(SHEET);

  const keys = KEY_COLUMNS.filter((c) => c.show(q));
  const compares = (q.compare ?? []).filter((c, i, all) => all.indexOf(c) === i);
  const kpiCols = [
    ...KPI_COLUMNS.map((c) => ({ ...c, from: null as null | 'yoy' | 'pop' })),
    ...compares.flatMap((k) => KPI_COLUMNS.map((c) => ({ ...c, header: `${COMPARE_LABELS[k]}-${c.header}`, from: k }))),
  ];
  const width = keys.length + kpiCols.length;

  sheet.addRow([`${TITLE}（${q.from} 至 ${q.to}）`]).font = { bold: true, size: 14 };
  sheet.mergeCells(1, 1, 1, Math.max(width, 1));
  const asOf = result.asOf ? `；汇总截至 ${formatShanghai(new Date(result.asOf))}` : '；尚未汇总';
  sheet.addRow([`筛选：${filtersText(q)}${asOf}；比率以百分比显示，金额单位 元`]);
  sheet.mergeCells(2, 1, 2, Math.max(width, 1));

  const head = sheet.addRow([...keys.map((c) => c.header), ...kpiCols.map((c) => c.header)]);
  head.font = { bold: true };
  head.eachCell((c) => {
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8EEF7' } };
  });
  keys.forEach((c, i) => (sheet.getColumn(i + 1).width = c.width));
  kpiCols.forEach((c, i) => {
    const col = sheet.getColumn(keys.length + i + 1);
    col.width = Math.max(12, c.header.length * 2);
    col.numFmt = NUM_FMT[c.fmt];
  });
  sheet.views = [{ state: 'frozen', ySplit: 3 }];

  for (const r of result.rows) {
    const keyCells = keys.map((c) => {
      const v = r[c.key] as string | undefined;
      return v === undefined ? '' : c.label ? c.label(v) : v;
    });
    const kpiCells = kpiCols.map((c) => {
      const values = c.from ? r[c.from] : r;
      return values ? value(values[c.key], c.fmt) : null;
    });
    sheet.addRow([...keyCells, ...kpiCells]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

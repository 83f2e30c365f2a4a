import ExcelJS from 'exceljs';
import { periodText, reasonsText, REPORT_TITLE, shanghai, STATE_LABELS } from './sync-labels.js';
import type { SyncReport } from './sync-report.js';

/*
 * The report as a workbook: 概况 (counts, by district, definitions), 停车场 (one row a lot,
 * abnormal ones highlighted), 接入系统 (one row a source), 数据断档 (one row a gap). Numbers
 * stay numbers so that the bureau can sum and sort them. A month is a few hundred lots and
 * their gaps: built in memory.
 */

export const SHEETS = { summary: '概况', lots: '停车场', sources: '接入系统', gaps: '数据断档' } as const;

export const LOT_HEADERS = ['停车场编码', '停车场名称', '县市区', '接入系统编码', '接入系统', '阈值(分钟)', '数据条数', '有数据天数', '断档次数', '断档时长(分钟)', '迟报条数', '覆盖率(%)', '月末状态', '是否异常', '异常原因'] as const;
export const SOURCE_HEADERS = ['接入系统编码', '接入系统', '运营单位', '停车场数', '有数据停车场数', '异常停车场数', '数据条数', '断档次数', '断档时长(分钟)', '迟报条数', '覆盖率(%)'] as const;
export const GAP_HEADERS = ['停车场编码', '停车场名称', '县市区', '接入系统编码', '断档开始(北京时间)', '断档结束(北京时间)', '时长(分钟)'] as const;
export const DISTRICT_HEADERS = ['县市区代码', '县市区', '停车场数', '有数据停车场数', '异常停车场数', '数据条数', '断档次数', '断档时长(分钟)', '迟报条数'] as const;

export const ABNORMAL_FILL = 'FFFDE2E2';
const HEAD_FILL = 'FFE8EEF7';

export const DEFINITIONS = [
  '数据条数：发生时间（occurredAt）在本月内的已接收事件数，不论何时上报。',
  '数据断档：同一停车场按发生时间相邻两条数据的间隔，或最后一条数据至今的间隔，整段超过该停车场的超时阈值即为一次断档；首条数据之前不计；列出与本月有重叠的断档，按本月起止截取，时长向下取整到分钟。',
  '迟报：发生时间在本月内、上报时间晚于发生时间超过阈值的数据。',
  '覆盖率：停车场在本月的观测时段（本月开始与首条数据中较晚者，至本月结束与当前时刻中较早者）中不处于断档的时间占比，保留一位小数；无观测时段时为空。',
  '异常：本月有断档（断档时长大于 0 分钟）、有迟报，或截至月末从未上报。',
];

function header(sheet: ExcelJS.Worksheet, headers: readonly string[], widths: number[]): void {
  sheet.columns = headers.map((h, i) => ({ header: h, width: widths[i] ?? 12 }));
  const row = sheet.getRow(1);
  row.font = { bold: true };
  row.eachCell((c) => {
    c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: HEAD_FILL } };
  });
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
}

export async function syncReportXlsx(r: SyncReport): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  wb.title = `${REPORT_TITLE}（${r.monthLabel}）`;
  wb.created = new Date(r.generatedAt);

  const s = r.summary;
  const sum = wb.addWorksheet(SHEETS.summary);
  sum.columns = [{ width: 22 }, { width: 16 }, { width: 14 }, { width: 16 }, { width: 14 }, { width: 12 }, { width: 12 }, { width: 16 }, { width: 12 }];
  sum.addRow([`${REPORT_TITLE}（${r.monthLabel}）`]).font = { bold: true, size: 16 };
  sum.mergeCells(1, 1, 1, 9);
  sum.addRow(['统计周期', periodText(r)]);
  sum.addRow(['生成时间', shanghai(r.generatedAt)]);
  sum.addRow(['默认超时阈值(分钟)', r.defaultThresholdMinutes]);
  sum.addRow([]);
  sum.addRow(['统计项', '数值']).font = { bold: true };
  const counts: [string, number][] = [
    ['停车场数', s.lots],
    ['有数据停车场数', s.reportingLots],
    ['异常停车场数', s.abnormalLots],
    ['接入系统数', s.sources],
    ['数据条数', s.records],
    ['断档次数', s.gapCount],
    ['断档时长(分钟)', s.gapMinutes],
    ['迟报条数', s.lateDeliveries],
    [`月末状态：${STATE_LABELS.ok}`, s.states.ok],
    [`月末状态：${STATE_LABELS.late}`, s.states.late],
    [`月末状态：${STATE_LABELS.never}`, s.states.never],
    [`月末状态：${STATE_LABELS.paused}`, s.states.paused],
  ];
  for (const row of counts) sum.addRow(row);
  sum.addRow([]);
  sum.addRow(['按县市区']).font = { bold: true };
  const head = sum.addRow([...DISTRICT_HEADERS]);
  head.font = { bold: true };
  for (const d of s.byDistrict) sum.addRow([d.districtCode, d.districtName, d.lots, d.reportingLots, d.abnormalLots, d.records, d.gapCount, d.gapMinutes, d.lateDeliveries]);
  sum.addRow([]);
  sum.addRow(['口径说明']).font = { bold: true };
  for (const line of DEFINITIONS) sum.addRow([line]);

  const lots = wb.addWorksheet(SHEETS.lots);
  header(lots, LOT_HEADERS, [16, 28, 10, 16, 22, 10, 10, 10, 10, 14, 10, 10, 12, 8, 22]);
  for (const l of r.lots) {
    const row = lots.addRow([
      l.lotCode, l.lotName, l.districtName, l.sourceCode, l.sourceName, l.thresholdMinutes, l.records, l.daysWithData, l.gaps.length, l.gapMinutes, l.lateDeliveries,
      l.coveragePercent, STATE_LABELS[l.state], l.abnormal ? '是' : '否', reasonsText(l.abnormalReasons),
    ]);
    row.getCell(12).numFmt = '0.0';
    if (l.abnormal) {
      row.eachCell({ includeEmpty: true }, (c) => {
        c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: ABNORMAL_FILL } };
      });
    }
  }

  const sources = wb.addWorksheet(SHEETS.sources);
  header(sources, SOURCE_HEADERS, [16, 24, 26, 10, 14, 12, 10, 10, 14, 10, 10]);
  for (const x of r.sources) {
    const row = sources.addRow([x.sourceCode, x.sourceName, x.operatorName ?? '', x.lots, x.reportingLots, x.abnormalLots, x.records, x.gapCount, x.gapMinutes, x.lateDeliveries, x.coveragePercent]);
    row.getCell(11).numFmt = '0.0';
  }

  const gaps = wb.addWorksheet(SHEETS.gaps);
  header(gaps, GAP_HEADERS, [16, 28, 10, 16, 20, 20, 12]);
  for (const l of r.lots) {
    for (const g of l.gaps) gaps.addRow([l.lotCode, l.lotName, l.districtName, l.sourceCode, shanghai(g.from), shanghai(g.to), g.minutes]);
  }

  return Buffer.from(await wb.xlsx.writeBuffer());
}

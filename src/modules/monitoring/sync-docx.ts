import { COLOR, figure, heading, para, reportDocx, table as houseTable, type CellValue } from '../../platform/docx.js';
import { CHART_HEIGHT, CHART_TITLE, CHART_WIDTH, districtGapChart } from './sync-chart.js';
import { coverageText, periodText, reasonsText, REPORT_TITLE, shanghai, STATE_LABELS } from './sync-labels.js';
import type { SyncLotRow, SyncReport } from './sync-report.js';
import { DEFINITIONS } from './sync-xlsx.js';

/*
 * The formal report for the bureau (.docx): title and period, 一、总体情况 with the counts, a
 * table by district and the chart, 二、异常停车场, 三、各停车场数据同步情况 (every lot),
 * 四、各接入系统情况, 五、口径说明 — the tables on landscape pages, abnormal rows filled red. The
 * house style (宋体 body, 黑体 headings, …) is src/platform/docx.ts's.
 */

const ABNORMAL_SHADE = COLOR.alertFill;

export const LOT_TABLE_HEADERS = ['序号', '停车场编码', '停车场名称', '县市区', '接入系统', '数据条数', '有数据天数', '断档次数', '断档时长(分钟)', '迟报条数', '覆盖率', '月末状态', '是否异常'];
export const ABNORMAL_TABLE_HEADERS = ['序号', '停车场编码', '停车场名称', '县市区', '接入系统', '断档次数', '断档时长(分钟)', '迟报条数', '覆盖率', '月末状态', '异常原因'];
export const DISTRICT_TABLE_HEADERS = ['县市区', '停车场数', '有数据停车场数', '异常停车场数', '数据条数', '断档次数', '断档时长(分钟)', '迟报条数'];
export const SOURCE_TABLE_HEADERS = ['接入系统编码', '接入系统', '运营单位', '停车场数', '有数据停车场数', '异常停车场数', '数据条数', '断档时长(分钟)', '迟报条数', '覆盖率'];

/** A table of rows that each may be filled (abnormal); a row is kept on one page. */
const table = (headers: readonly string[], rows: { cells: CellValue[]; shade?: string }[]) =>
  houseTable(headers, rows.map((r) => r.cells), { fill: (i) => rows[i]!.shade, keepRows: true });

const lotCells = (l: SyncLotRow, i: number) => [
  i + 1, l.lotCode, l.lotName, l.districtName, l.sourceName, l.records, l.daysWithData, l.gaps.length, l.gapMinutes, l.lateDeliveries,
  coverageText(l.coveragePercent), STATE_LABELS[l.state], l.abnormal ? '是' : '否',
];

export function summaryText(r: SyncReport): string[] {
  const s = r.summary;
  return [
    `本月纳入监控的停车场共 ${s.lots} 个，分属 ${s.sources} 个接入系统，其中有数据上报的 ${s.reportingLots} 个；共接收发生在本月的数据 ${s.records} 条。`,
    `本月发生数据断档 ${s.gapCount} 次，累计 ${s.gapMinutes} 分钟；迟报数据 ${s.lateDeliveries} 条；标记为异常的停车场 ${s.abnormalLots} 个。`,
    `${r.complete ? '月末' : '截至统计时'}状态：${STATE_LABELS.ok} ${s.states.ok} 个，${STATE_LABELS.late} ${s.states.late} 个，${STATE_LABELS.never} ${s.states.never} 个，${STATE_LABELS.paused} ${s.states.paused} 个。`,
  ];
}

export function syncReportDocx(r: SyncReport): Promise<Buffer> {
  const s = r.summary;
  const chart = districtGapChart(s.byDistrict);
  const abnormal = r.lots.filter((l) => l.abnormal);

  const intro = [
    para(`统计周期：${periodText(r)}（北京时间）`),
    para(`生成时间：${shanghai(r.generatedAt)}\u3000\u3000编制：智泊平台运维组`),
    heading('一、总体情况'),
    ...summaryText(r).map((t) => para(t)),
    table(DISTRICT_TABLE_HEADERS, [
      ...s.byDistrict.map((d) => ({ cells: [d.districtName, d.lots, d.reportingLots, d.abnormalLots, d.records, d.gapCount, d.gapMinutes, d.lateDeliveries], shade: d.abnormalLots > 0 ? ABNORMAL_SHADE : undefined })),
      { cells: ['合计', s.lots, s.reportingLots, s.abnormalLots, s.records, s.gapCount, s.gapMinutes, s.lateDeliveries] },
    ]),
    figure({ ...chart, width: CHART_WIDTH, height: CHART_HEIGHT, title: CHART_TITLE }),
    para(`图 1\u3000${CHART_TITLE}（红色为有异常停车场的县市区）`, { center: true }),
  ];

  const tables = [
    heading('二、异常停车场'),
    ...(abnormal.length === 0
      ? [para('本月无异常停车场。')]
      : [
        para(`本月共有 ${abnormal.length} 个停车场数据同步异常，请相关运营单位核查整改：`),
        table(ABNORMAL_TABLE_HEADERS, abnormal.map((l, i) => ({
          cells: [i + 1, l.lotCode, l.lotName, l.districtName, l.sourceName, l.gaps.length, l.gapMinutes, l.lateDeliveries, coverageText(l.coveragePercent), STATE_LABELS[l.state], reasonsText(l.abnormalReasons)],
        }))),
      ]),
    heading('三、各停车场数据同步情况'),
    r.lots.length === 0 ? para('无纳入监控的停车场。') : table(LOT_TABLE_HEADERS, r.lots.map((l, i) => ({ cells: lotCells(l, i), shade: l.abnormal ? ABNORMAL_SHADE : undefined }))),
    heading('四、各接入系统情况'),
    r.sources.length === 0 ? para('无接入系统。') : table(SOURCE_TABLE_HEADERS, r.sources.map((x) => ({
      cells: [x.sourceCode, x.sourceName, x.operatorName ?? '', x.lots, x.reportingLots, x.abnormalLots, x.records, x.gapMinutes, x.lateDeliveries, coverageText(x.coveragePercent)],
      shade: x.abnormalLots > 0 ? ABNORMAL_SHADE : undefined,
    }))),
    heading('五、口径说明'),
    ...DEFINITIONS.map((d) => para(d)),
    para(`超时阈值：停车场单独设置的优先，其次为接入系统的设置，均未设置时为平台默认 ${r.defaultThresholdMinutes} 分钟。时间均为北京时间。`),
  ];

  return reportDocx({
    title: REPORT_TITLE,
    subtitle: `（${r.monthLabel}）`,
    documentTitle: `${REPORT_TITLE}（${r.monthLabel}）`,
    sections: [{ children: intro }, { landscape: true, children: tables }],
  });
}

import {
  AlignmentType, Document, HeadingLevel, ImageRun, Packer, PageOrientation, Paragraph, ShadingType, Table, TableCell, TableRow, TextRun, WidthType,
  type IRunOptions,
} from 'docx';
import { CHART_HEIGHT, CHART_TITLE, CHART_WIDTH, districtGapChart } from './sync-chart.js';
import { coverageText, periodText, reasonsText, REPORT_TITLE, shanghai, STATE_LABELS } from './sync-labels.js';
import type { SyncLotRow, SyncReport } from './sync-report.js';
import { DEFINITIONS } from './sync-xlsx.js';

/*
 * The formal report for the bureau (.docx): title and period, 一、总体情况 with the counts, a
 * table by district and the chart, 二、异常停车场, 三、各停车场数据同步情况 (every lot),
 * 四、各接入系统情况, 五、口径说明. Chinese text is set in 宋体 (headings 黑体) through the
 * East Asian font slot, which is the one Word uses for CJK characters.
 */

const BODY_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia: '宋体' };
const HEADING_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', cs: 'Times New Roman', eastAsia: '黑体' };
const ABNORMAL_SHADE = 'FDE2E2';
const HEAD_SHADE = 'E8EEF7';
const TABLE_TEXT = 18; // 9 pt, in half-points

export const LOT_TABLE_HEADERS = ['序号', '停车场编码', '停车场名称', '县市区', '接入系统', '数据条数', '有数据天数', '断档次数', '断档时长(分钟)', '迟报条数', '覆盖率', '月末状态', '是否异常'];
export const ABNORMAL_TABLE_HEADERS = ['序号', '停车场编码', '停车场名称', '县市区', '接入系统', '断档次数', '断档时长(分钟)', '迟报条数', '覆盖率', '月末状态', '异常原因'];
export const DISTRICT_TABLE_HEADERS = ['县市区', '停车场数', '有数据停车场数', '异常停车场数', '数据条数', '断档次数', '断档时长(分钟)', '迟报条数'];
export const SOURCE_TABLE_HEADERS = ['接入系统编码', '接入系统', '运营单位', '停车场数', '有数据停车场数', '异常停车场数', '数据条数', '断档时长(分钟)', '迟报条数', '覆盖率'];

const text = (t: string, opts: IRunOptions = {}) => new TextRun({ text: t, ...opts });
const para = (t: string, opts: { bold?: boolean; align?: (typeof AlignmentType)[keyof typeof AlignmentType] } = {}) =>
  new Paragraph({ children: [text(t, { bold: opts.bold })], alignment: opts.align, spacing: { after: 120, line: 360 } });
const heading = (t: string) => new Paragraph({ text: t, heading: HeadingLevel.HEADING_1, spacing: { before: 240, after: 120 } });

function table(headers: readonly string[], rows: { cells: (string | number)[]; shade?: string }[]): Table {
  const cell = (value: string | number, opts: { bold?: boolean; shade?: string }) =>
    new TableCell({
      children: [new Paragraph({ children: [text(String(value), { bold: opts.bold, size: TABLE_TEXT })], alignment: typeof value === 'number' ? AlignmentType.RIGHT : AlignmentType.LEFT })],
      shading: opts.shade ? { type: ShadingType.CLEAR, color: 'auto', fill: opts.shade } : undefined,
    });
  return new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: headers.map((h) => cell(h, { bold: true, shade: HEAD_SHADE })) }),
      ...rows.map((r) => new TableRow({ cantSplit: true, children: r.cells.map((c) => cell(c, { shade: r.shade })) })),
    ],
  });
}

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

export async function syncReportDocx(r: SyncReport): Promise<Buffer> {
  const s = r.summary;
  const chart = districtGapChart(s.byDistrict);
  const abnormal = r.lots.filter((l) => l.abnormal);

  const intro = [
    new Paragraph({ children: [text(REPORT_TITLE, { bold: true, size: 44, font: HEADING_FONT })], heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, spacing: { after: 120 } }),
    new Paragraph({ children: [text(`（${r.monthLabel}）`, { size: 32 })], alignment: AlignmentType.CENTER, spacing: { after: 240 } }),
    para(`统计周期：${periodText(r)}（北京时间）`),
    para(`生成时间：${shanghai(r.generatedAt)}\u3000\u3000编制：智泊平台运维组`),
    heading('一、总体情况'),
    ...summaryText(r).map((t) => para(t)),
    table(DISTRICT_TABLE_HEADERS, [
      ...s.byDistrict.map((d) => ({ cells: [d.districtName, d.lots, d.reportingLots, d.abnormalLots, d.records, d.gapCount, d.gapMinutes, d.lateDeliveries], shade: d.abnormalLots > 0 ? ABNORMAL_SHADE : undefined })),
      { cells: ['合计', s.lots, s.reportingLots, s.abnormalLots, s.records, s.gapCount, s.gapMinutes, s.lateDeliveries] },
    ]),
    new Paragraph({
      alignment: AlignmentType.CENTER,
      spacing: { before: 240 },
      children: [
        new ImageRun({
          type: 'svg',
          data: Buffer.from(chart.svg, 'utf8'),
          fallback: { type: 'png', data: chart.png },
          transformation: { width: CHART_WIDTH, height: CHART_HEIGHT },
          altText: { name: 'chart', title: CHART_TITLE, description: CHART_TITLE },
        }),
      ],
    }),
    para(`图 1\u3000${CHART_TITLE}（红色为有异常停车场的县市区）`, { align: AlignmentType.CENTER }),
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

  const doc = new Document({
    creator: '智泊 Zhibo',
    title: `${REPORT_TITLE}（${r.monthLabel}）`,
    styles: {
      default: {
        document: { run: { font: BODY_FONT, size: 21 } },
        title: { run: { font: HEADING_FONT, size: 44, bold: true, color: '000000' } },
        heading1: { run: { font: HEADING_FONT, size: 28, bold: true, color: '000000' } },
      },
    },
    sections: [
      { children: intro },
      { properties: { page: { size: { orientation: PageOrientation.LANDSCAPE } } }, children: tables },
    ],
  });
  return Packer.toBuffer(doc);
}

import { CATEGORY_LABELS, KIND_LABELS } from '../registry/index.js';
import type { Coverage } from './coverage.js';
import type { ConnectedItem, InProgressItem, OnboardingReport } from './report.js';
import { STAGE_LABELS } from './vocab.js';
import { DOCX_TYPE, XLSX_TYPE } from '../../platform/http/download.js';

/*
 * The columns and wording of the quarterly list, shared by the .xlsx and the .docx so that both
 * say the same thing in the same order.
 */

export const REPORT_TITLE = '县市区停车场接入进展清单';
export { XLSX_TYPE, DOCX_TYPE };

export const fileNames = (r: OnboardingReport, ext: 'xlsx' | 'docx' | 'json') => ({
  fileName: `${REPORT_TITLE}-${r.quarter}.${ext}`,
  asciiName: `onboarding-progress-${r.quarter}.${ext}`,
});

export const subtitle = (r: OnboardingReport) =>
  `${r.label}（${r.from} 至 ${r.to}），统计截至 ${r.asOfDay}${r.asOfDay < r.to ? '（季度进行中）' : ''}`;

export const SUMMARY_HEADERS = ['县市区', '已接入停车场（个）', '本季度新接入（个）', '已接入泊位', '正在对接（个）', '其中逾期（个）', '待接入泊位', '已知泊位', '接入覆盖率'] as const;

export const percentText = (p: number | null) => (p === null ? '—' : `${p.toFixed(1)}%`);

export function summaryCells(name: string, c: Coverage, connectedThisQuarter: number, inProgress: number, overdue: number): (string | number)[] {
  return [name, c.connectedLots, connectedThisQuarter, c.connectedSpaces, inProgress, overdue, c.pendingSpaces, c.knownSpaces, percentText(c.coveragePercent)];
}

export const coverageLine = (c: Coverage) =>
  `已接入泊位 ${c.connectedSpaces} / 已知泊位 ${c.knownSpaces}，接入覆盖率 ${percentText(c.coveragePercent)}；已接入停车场 ${c.connectedLots} 个，正在对接 ${c.pendingEntries} 个（待接入泊位 ${c.pendingSpaces}）`;

export const COVERAGE_NOTE =
  '口径：已接入泊位 = 本县市区已登记且至少上报过一次数据的正常状态停车场总泊位之和；已知泊位 = 已接入泊位 + 尚未接入的接入条目的已知泊位之和；接入覆盖率 = 已接入泊位 ÷ 已知泊位。';

export const CONNECTED_HEADERS = ['序号', '停车场编码', '名称', '类型', '类别', '泊位数', '接入日期', '本季度新增', '对应接入条目'] as const;

export function connectedCells(i: ConnectedItem, n: number): (string | number)[] {
  return [n, i.lotCode ?? '', i.name, KIND_LABELS[i.kind], CATEGORY_LABELS[i.category], i.spaces, i.connectedOn ?? '', i.newThisQuarter ? '是' : '', i.entryName ?? ''];
}

export const PROGRESS_HEADERS = ['序号', '名称', '地址', '类型', '泊位数', '运营单位', '联系人', '联系电话', '重点区域', '高频使用', '阶段', '阶段日期', '目标日期', '是否逾期', '最新进展'] as const;

export const notesText = (i: InProgressItem) => i.notes.map((n) => `${n.date} ${STAGE_LABELS[n.stage]}：${n.note}`).join('\n');

export const overdueText = (i: InProgressItem) => (i.overdue ? `逾期 ${i.overdueDays} 天` : '');

export function progressCells(i: InProgressItem, n: number): (string | number)[] {
  return [
    n, i.name, i.address ?? '', KIND_LABELS[i.kind], i.knownSpaces, i.operatorName ?? '', i.contactName ?? '', i.contactPhone ?? '',
    i.keyArea ? '是' : '', i.highFrequency ? '是' : '', STAGE_LABELS[i.stage], i.stageDate, i.targetDate ?? '', overdueText(i), notesText(i),
  ];
}

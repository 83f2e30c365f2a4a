import { type Block, heading, none, note, para, reportDocx as houseDocx, table } from '../../platform/docx.js';
import {
  CONNECTED_HEADERS, connectedCells, COVERAGE_NOTE, coverageLine, PROGRESS_HEADERS, progressCells, REPORT_TITLE, subtitle, SUMMARY_HEADERS, summaryCells,
} from './report-labels.js';
import type { DistrictSection, OnboardingReport } from './report.js';

/*
 * The quarterly list as a Word document, as it is printed and filed: title, the summary table,
 * then per district a heading, its coverage, and a table for each of 已接入 and 正在对接 (overdue
 * flags in bold red), on landscape A4 for the wide tables; the house style is src/platform/docx.ts's.
 */

function districtPart(d: DistrictSection): Block[] {
  const overdueCol = PROGRESS_HEADERS.indexOf('是否逾期');
  return [
    heading(d.districtName),
    para(coverageLine(d.coverage)),
    heading(`已接入（${d.connected.length}）`, 2),
    d.connected.length ? table(CONNECTED_HEADERS, d.connected.map((i, n) => connectedCells(i, n + 1))) : none(),
    heading(`正在对接（${d.inProgress.length}）`, 2),
    d.inProgress.length ? table(PROGRESS_HEADERS, d.inProgress.map((i, n) => progressCells(i, n + 1)), { emphasis: (r, col) => col === overdueCol && d.inProgress[r]!.overdue }) : none(),
  ];
}

export function reportDocx(r: OnboardingReport): Promise<Buffer> {
  const summaryRows = [
    ...r.districts.map((d) => summaryCells(d.districtName, d.coverage, d.connected.filter((i) => i.newThisQuarter).length, d.inProgress.length, d.inProgress.filter((i) => i.overdue).length)),
    summaryCells('合计', r.totals, r.totals.connectedThisQuarter, r.totals.inProgress, r.totals.overdue),
  ];
  return houseDocx({
    title: REPORT_TITLE,
    subtitle: subtitle(r),
    documentTitle: `${REPORT_TITLE}（${r.label}）`,
    sections: [{
      landscape: true,
      children: [
        heading('汇总'),
        table(SUMMARY_HEADERS, summaryRows),
        note(COVERAGE_NOTE),
        ...r.districts.flatMap(districtPart),
      ],
    }],
  });
}

import * as echarts from 'echarts';
import { Raster } from './png.js';
import type { SyncDistrictRow } from './sync-report.js';

/*
 * The report's chart: gap minutes by district, drawn on the server with ECharts' SSR renderer
 * as SVG for the .docx, plus a raster copy of the same bars (no text) that Word needs as the
 * fallback of an SVG picture.
 */

export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 320;
export const CHART_TITLE = '各县市区数据断档时长（分钟）';

const BAR = 0x5470c6;
const ABNORMAL_BAR = 0xd9534f;
const hex = (rgb: number) => `#${rgb.toString(16).padStart(6, '0')}`;

export interface ChartImages {
  svg: string;
  png: Buffer;
}

export function districtGapChart(rows: readonly SyncDistrictRow[]): ChartImages {
  return { svg: chartSvg(rows), png: chartPng(rows) };
}

function chartSvg(rows: readonly SyncDistrictRow[]): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: CHART_WIDTH, height: CHART_HEIGHT });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      // No quotes: ECharts writes the family into a double-quoted style attribute unescaped.
      textStyle: { fontFamily: 'SimSun, Songti SC, Noto Serif CJK SC, serif' },
      title: { text: CHART_TITLE, left: 'center', top: 8, textStyle: { fontSize: 14 } },
      grid: { left: 64, right: 24, top: 48, bottom: 56 },
      xAxis: {
        type: 'category',
        data: rows.map((r) => `${r.districtName}\n异常 ${r.abnormalLots} 个`),
        axisLabel: { interval: 0, fontSize: 11 },
      },
      yAxis: { type: 'value', name: '分钟', minInterval: 1 },
      series: [
        {
          type: 'bar',
          barMaxWidth: 36,
          data: rows.map((r) => ({ value: r.gapMinutes, itemStyle: { color: hex(r.abnormalLots > 0 ? ABNORMAL_BAR : BAR) } })),
          label: { show: true, position: 'top', fontSize: 11 },
        },
      ],
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

function chartPng(rows: readonly SyncDistrictRow[]): Buffer {
  const r = new Raster(CHART_WIDTH, CHART_HEIGHT);
  const left = 64;
  const right = CHART_WIDTH - 24;
  const top = 48;
  const bottom = CHART_HEIGHT - 56;
  const max = Math.max(1, ...rows.map((d) => d.gapMinutes));
  r.fill(left, top, 1, bottom - top, 0x6e7079); // y axis
  r.fill(left, bottom, right - left, 1, 0x6e7079); // x axis
  const slot = rows.length ? (right - left) / rows.length : 0;
  rows.forEach((d, i) => {
    const h = ((bottom - top) * d.gapMinutes) / max;
    const w = Math.min(36, slot * 0.6);
    r.fill(left + slot * i + (slot - w) / 2, bottom - h, w, h, d.abnormalLots > 0 ? ABNORMAL_BAR : BAR);
  });
  return r.toPng();
}

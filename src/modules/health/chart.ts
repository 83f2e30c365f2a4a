import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';

/*
 * Charts inside the health module's .docx reports (docs/decisions/0021-server-side-charts.md):
 * ECharts renders the option to an SVG string on the server (its SSR mode, no DOM, no browser) —
 * the same library and look as the console — and resvg rasterises that SVG to the PNG Word shows
 * where it cannot draw SVG. ECharts escapes every text it writes into the SVG.
 */

export interface ChartSpec {
  title: string;
  /** Bars per category, one colour per series. */
  categories: string[];
  series: { name: string; data: number[]; color?: string }[];
  /** Stack the series (e.g. ok / warn / fail of one run). */
  stacked?: boolean;
}

export const CHART_WIDTH = 640;
export const CHART_HEIGHT = 300;
const FONT = 'WenQuanYi Micro Hei, Noto Sans CJK SC, Microsoft YaHei, SimHei, sans-serif';

export function chartSvg(spec: ChartSpec): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: CHART_WIDTH, height: CHART_HEIGHT });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { fontFamily: FONT },
      title: { text: spec.title, left: 'center', textStyle: { fontSize: 14, fontFamily: FONT } },
      legend: { show: spec.series.length > 1, bottom: 0, textStyle: { fontFamily: FONT } },
      grid: { left: 48, right: 24, top: 40, bottom: spec.series.length > 1 ? 56 : 32, containLabel: true },
      xAxis: { type: 'category', data: spec.categories, axisLabel: { interval: 0, fontFamily: FONT } },
      yAxis: { type: 'value', minInterval: 1 },
      series: spec.series.map((s) => ({
        type: 'bar', name: s.name, data: s.data, barMaxWidth: 48,
        ...(spec.stacked ? { stack: 'all' } : {}),
        ...(s.color ? { itemStyle: { color: s.color } } : {}),
        label: { show: true, position: spec.stacked ? 'inside' : 'top', formatter: (p: { value: unknown }) => (Number(p.value) ? String(p.value) : '') },
      })),
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** The SVG as a PNG (2× for print), CJK text drawn with the system's fonts. */
export function svgToPng(svg: string): Buffer {
  const r = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'WenQuanYi Micro Hei' }, background: '#ffffff' });
  return Buffer.from(r.render().asPng());
}

export function renderChart(spec: ChartSpec): { svg: string; png: Buffer } {
  const svg = chartSvg(spec);
  return { svg, png: svgToPng(svg) };
}

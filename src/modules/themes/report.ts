import * as echarts from 'echarts';
import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { figure, heading, para, reportDocx, table } from '../../platform/docx.js';
import { readContext } from '../../platform/read-db.js';
import { formatShanghai } from '../../platform/time.js';
import { Raster } from '../monitoring/index.js';
import { dayRange, themeKpis, type ThemeKpis } from './kpis.js';
import { measureWindow } from './rollup-read.js';
import type { ThemesContext } from './repo.js';
import { existingTheme, membersOf } from './service.js';
import { PRESSURE_LABELS, THEME_KIND_LABELS } from './vocab.js';
import { DOCX_TYPE } from '../../platform/http/download.js';

/*
 * The theme report (.docx) for a period: the measures of docs/指标口径.md section 5, the hourly
 * occupancy as a chart (SVG by ECharts' server renderer, with the PNG copy Word needs), and each
 * member's own occupancy, in the house style of src/platform/docx.ts. Every download is
 * audited (themes.report.download).
 */

export { DOCX_TYPE };
const WIDTH = 640;
const HEIGHT = 280;

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);

function chart(k: ThemeKpis): { svg: string; png: Buffer } {
  const c = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  let svg: string;
  try {
    c.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { fontFamily: 'SimSun, Songti SC, Noto Serif CJK SC, serif' },
      grid: { left: 56, right: 24, top: 24, bottom: 48 },
      xAxis: { type: 'category', data: k.hours.map((h) => formatShanghai(new Date(h.at)).slice(5, 13)), axisLabel: { fontSize: 10 } },
      yAxis: { type: 'value', min: 0, max: 100, axisLabel: { formatter: '{value}%' } },
      series: [{ type: 'line', showSymbol: false, data: k.hours.map((h) => Math.round(h.occupancy * 1000) / 10) }],
    });
    svg = c.renderToSVGString();
  } finally {
    c.dispose();
  }
  // The raster copy: one bar per hour, no text.
  const r = new Raster(WIDTH, HEIGHT);
  const left = 56;
  const bottom = HEIGHT - 48;
  const top = 24;
  r.fill(left, top, 1, bottom - top, 0x6e7079);
  r.fill(left, bottom, WIDTH - 24 - left, 1, 0x6e7079);
  const slot = k.hours.length ? (WIDTH - 24 - left) / k.hours.length : 0;
  k.hours.forEach((h, i) => {
    const y = (bottom - top) * h.occupancy;
    r.fill(left + slot * i, bottom - y, Math.max(1, slot), y, 0x5470c6);
  });
  return { svg, png: r.toPng() };
}

export async function themeReport(writeCtx: ThemesContext, actor: Actor, code: string, q: { from?: string; to?: string }): Promise<{ fileName: string; asciiName: string; body: Buffer }> {
  // The report's reads go to the replica when there is one (src/platform/read-db.ts); its audit row to the primary.
  const ctx = readContext(writeCtx);
  const now = ctx.clock.now();
  const k = await themeKpis(ctx, actor, code, q);
  const theme = await existingTheme(ctx.db, actor, code);
  const range = dayRange(q, now);
  const lots = (await membersOf(ctx, ctx.db, theme)).map((m) => m.lot);
  const w = { from: range.start.getTime(), to: range.end.getTime(), asOf: now.getTime() };
  const perLot = new Map<number, { occupancyAvg: number | null; saturatedShare: number | null }>();
  for (const [id, s] of (await measureWindow(ctx.db, lots, w)).perLot) {
    perLot.set(id, { occupancyAvg: s.known > 0 ? s.occupied / s.total : null, saturatedShare: s.known > 0 ? s.saturated / s.known : null });
  }
  const img = chart(k);
  const body = await reportDocx({
    title: `市域专题报告：${theme.name}`,
    sections: [{
      children: [
        para(`专题：${theme.name}（${theme.code}，${THEME_KIND_LABELS[theme.kind]}），成员停车场 ${k.lots} 个，总泊位 ${k.totalSpaces}。`),
        para(`统计周期：${k.from} 至 ${k.to}（北京时间，含首尾两日）；生成时间：${formatShanghai(now)}。口径见《指标口径》第 5 节。`),
        heading('一、主要指标'),
        table(['指标', '数值'], [
          ['停车压力指数', k.pressureIndex === null ? '—' : `${k.pressureIndex}（${PRESSURE_LABELS[k.pressureLevel as keyof typeof PRESSURE_LABELS]}）`],
          ['平均占用率（按车位、时间加权）', pct(k.occupancyAvg)],
          ['饱和时长占比（占用率 ≥ 90%）', pct(k.saturatedShare)],
          ['峰值占用率（整点小时）', k.peakAt ? `${pct(k.peakOccupancy)}（${formatShanghai(new Date(k.peakAt)).slice(0, 16)} 起一小时）` : '—'],
          ['已知停车场分钟', k.knownMinutes.toFixed(0)],
          ['驶入车次', String(k.entries)],
          ['泊位周转率（次/泊位·日）', k.turnover === null ? '—' : k.turnover.toFixed(2)],
          ['平均停放时长（分钟）', k.avgDwellMinutes === null ? '—' : k.avgDwellMinutes.toFixed(1)],
        ]),
        heading('二、逐小时占用率'),
        figure({ ...img, width: WIDTH, height: HEIGHT, title: '逐小时占用率' }),
        heading('三、成员停车场'),
        table(['编码', '名称', '泊位', '平均占用率', '饱和时长占比'], lots
          .map((l) => ({ l, m: perLot.get(l.id) }))
          .sort((a, b) => (b.m?.occupancyAvg ?? -1) - (a.m?.occupancyAvg ?? -1))
          .map(({ l, m }) => [l.code, l.name, String(l.totalSpaces), pct(m?.occupancyAvg ?? null), pct(m?.saturatedShare ?? null)])),
      ],
    }],
  });
  await audit(writeCtx, writeCtx.db, actor, { action: 'themes.report.download', targetType: 'theme', targetId: theme.code, detail: { from: k.from, to: k.to, format: 'docx' } });
  return { fileName: `市域专题报告-${theme.name}-${k.from}-${k.to}.docx`, asciiName: `theme-report-${theme.code}-${k.from}-${k.to}.docx`, body };
}

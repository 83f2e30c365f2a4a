/** The figures the comparison views chart, and how a value shows (ratios as %, the index as is). */
export const COMPARE_FIGURES = ['occupancyAvg', 'saturatedShare', 'pressureIndex'] as const;
export type CompareFigure = (typeof COMPARE_FIGURES)[number];

/** A figure's value for the chart's axis: ratios in percent with one decimal, the pressure index as is. */
export function chartValue(figure: CompareFigure, v: number | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  return figure === 'pressureIndex' ? Math.round(v * 10) / 10 : Math.round(v * 1000) / 10;
}

export function showValue(figure: CompareFigure, v: number | null | undefined): string {
  const c = chartValue(figure, v);
  return c === null ? '—' : figure === 'pressureIndex' ? String(c) : `${c}%`;
}

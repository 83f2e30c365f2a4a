// Number formats of the big screen: money in yuan from fen, ratios as percentages.

/** Fen as yuan with two decimals, grouped: 123456 → '1,234.56'; '—' for nothing. */
export function formatYuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '—';
  return (fen / 100).toLocaleString('zh-CN', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** A fraction as a percentage with one decimal: 0.4474 → '44.7%'; '—' when unknown. */
export function percent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? '—' : `${(ratio * 100).toFixed(1)}%`;
}

/** Fen as whole yuan, grouped, for the big figures: 15495000 → '154,950'. */
export function formatYuanWhole(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '—';
  return Math.round(fen / 100).toLocaleString('zh-CN');
}

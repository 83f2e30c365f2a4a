/*
 * Yuan strings as the channels send them ("0.01", "12.30") to integer fen, exactly: by the
 * digits, never through a float (docs/支付通道接入.md, "金额").
 */
const YUAN_RE = /^(\d{1,12})(?:\.(\d{1,2}))?$/;

/** Fen of a yuan amount with at most two decimals; null when the text is not one. */
export function yuanToFen(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const m = YUAN_RE.exec(text.trim());
  if (!m) return null;
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(fen) ? fen : null;
}

/** "12.30" for 1230 fen: how the channels write yuan. */
export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

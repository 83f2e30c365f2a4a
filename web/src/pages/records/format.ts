// Display of parking records: money is stored in fen and shown in yuan.

/** 1250 → '¥12.50'; null → '—'. Integer arithmetic, no float rounding. */
export function formatYuan(fen: number | null | undefined): string {
  if (fen === null || fen === undefined) return '—';
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100).toLocaleString('zh-CN');
  return `${sign}¥${yuan}.${String(abs % 100).padStart(2, '0')}`;
}

/** Whole minutes as hours and minutes: { h: 2, m: 30 }. */
export function splitMinutes(minutes: number): { h: number; m: number } {
  const sign = minutes < 0 ? -1 : 1;
  const abs = Math.abs(minutes);
  return { h: sign * Math.floor(abs / 60), m: abs % 60 };
}

/**
 * A stored plate as shown: a 无牌车 (vehicle without a plate, docs/接入规范.md §6.2) is stored as
 * `无牌车#<ticket>` (masked: `无牌车****81`) — shown as a tag and its ticket; others as they are.
 */
export function plateDisplay(plate: string): { noPlate: boolean; text: string } {
  if (!plate.startsWith('无牌车')) return { noPlate: false, text: plate };
  return { noPlate: true, text: plate.slice(plate.startsWith('无牌车#') ? 4 : 3) };
}

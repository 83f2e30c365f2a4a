/*
 * A lot's tariff (quality's lot_tariffs, money in fen) told to citizens in yuan
 * (docs/公众服务接口.md): a one-line summary for the list, the whole rule for the detail page.
 * The charge itself is computed by quality's tariff engine only (tariffChargeFen); this file
 * only words the same numbers.
 */

import type { TariffInput } from '../quality/index.js';

/** 500 → "5", 250 → "2.5", 5 → "0.05". */
export function yuan(fen: number): string {
  return (fen / 100).toFixed(2).replace(/\.?0+$/, '');
}

/** 60 → "1小时", 90 → "90分钟", 30 → "30分钟". */
export function duration(minutes: number): string {
  return minutes > 0 && minutes % 60 === 0 ? `${minutes / 60}小时` : `${minutes}分钟`;
}

/** "15分钟内免费，首1小时5元，之后每1小时2元，每日最高30元" */
export function tariffSummary(t: TariffInput): string {
  const parts: string[] = [];
  if (t.freeMinutes > 0) parts.push(`${duration(t.freeMinutes)}内免费`);
  if (t.firstPeriodMinutes > 0) parts.push(`首${duration(t.firstPeriodMinutes)}${yuan(t.firstPeriodFen)}元`);
  parts.push(`${t.firstPeriodMinutes > 0 ? '之后' : ''}每${duration(t.unitMinutes)}${yuan(t.unitFen)}元`);
  if (t.dailyCapFen !== null) parts.push(`每日最高${yuan(t.dailyCapFen)}元`);
  return parts.join('，');
}

/** The whole rule, as the engine applies it. */
export function tariffText(t: TariffInput): string {
  const lines: string[] = [];
  if (t.freeMinutes > 0) lines.push(`停车不超过${duration(t.freeMinutes)}免费；超过则自入场时起计费。`);
  if (t.firstPeriodMinutes > 0) lines.push(`首${duration(t.firstPeriodMinutes)}收费${yuan(t.firstPeriodFen)}元。`);
  lines.push(`${t.firstPeriodMinutes > 0 ? '此后' : ''}每${duration(t.unitMinutes)}收费${yuan(t.unitFen)}元，不足${duration(t.unitMinutes)}按${duration(t.unitMinutes)}计。`);
  if (t.dailyCapFen !== null) lines.push(`自入场时起每24小时最高收费${yuan(t.dailyCapFen)}元。`);
  return lines.join('');
}

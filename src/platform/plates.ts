/*
 * Licence plates (GUIDE §4). Normalised before storing; the raw value is kept too.
 * Masked for roles without `pii`.
 */

const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
const SEPARATORS = /[\s·•・.．\-－_]/g;
const REGULAR = new RegExp(`^[${PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警港澳]$`);
const NEW_ENERGY = new RegExp(`^[${PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{6}$`);

export const PLATE_COLORS = ['blue', 'yellow', 'green', 'white', 'black', 'yellow_green'] as const;
export type PlateColor = (typeof PLATE_COLORS)[number];

/** Trim, full-width → half-width (NFKC), upper-case, drop separators: `苏F·１２３４５` → `苏F12345`. */
export function normalizePlate(raw: string): string {
  return raw.normalize('NFKC').replace(SEPARATORS, '').toUpperCase();
}

/** A normalised plate of the 7-character regular or 8-character new-energy form. */
export function isValidPlate(normalized: string): boolean {
  return REGULAR.test(normalized) || NEW_ENERGY.test(normalized);
}

/** `苏F12345` → `苏F1**45`: province, letter and one more character, then the last two. */
export function maskPlate(plate: string): string {
  const chars = [...plate];
  if (chars.length <= 5) return chars.map((c, i) => (i === 0 ? c : '*')).join('');
  return chars.slice(0, 3).join('') + '*'.repeat(chars.length - 5) + chars.slice(-2).join('');
}

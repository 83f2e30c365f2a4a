/*
 * Legacy times (docs/系统迁移.md §2.3): legacy systems write local wall-clock times without an
 * offset, in a format of their own. A mapping names the format — tokens YYYY MM DD HH mm ss SSS,
 * any other character literal; `iso` (an ISO 8601 time, an offset in it wins over the zone);
 * `epoch` / `epoch_ms` (seconds / milliseconds since 1970, already UTC) — and the IANA zone the
 * wall clock is in (Asia/Shanghai by default). Stored as UTC instants. Pure: no clock, no I/O.
 */

const TOKENS: Record<string, string> = { YYYY: '(\\d{4})', MM: '(\\d{1,2})', DD: '(\\d{1,2})', HH: '(\\d{1,2})', mm: '(\\d{1,2})', ss: '(\\d{1,2})', SSS: '(\\d{1,3})' };
const TOKEN_RE = /YYYY|MM|DD|HH|mm|ss|SSS/g;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

interface Compiled {
  re: RegExp;
  order: string[];
}

const compiled = new Map<string, Compiled>();

function compile(format: string): Compiled {
  let c = compiled.get(format);
  if (!c) {
    const order: string[] = [];
    let re = '';
    let last = 0;
    for (const m of format.matchAll(TOKEN_RE)) {
      re += format.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + TOKENS[m[0]];
      order.push(m[0]);
      last = m.index + m[0].length;
    }
    re += format.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    c = { re: new RegExp(`^${re}$`), order };
    compiled.set(format, c);
  }
  return c;
}

/** Why a time format cannot be read, or null. */
export function timeFormatProblem(format: string): string | null {
  if (format === 'iso' || format === 'epoch' || format === 'epoch_ms') return null;
  const order = compile(format).order;
  for (const t of ['YYYY', 'MM', 'DD']) {
    if (!order.includes(t)) return `时间格式须含 ${t} / the time format needs ${t} (tokens YYYY MM DD HH mm ss SSS, or iso, epoch, epoch_ms)`;
  }
  if (new Set(order).size !== order.length) return '时间格式中有重复的标记 / a token appears twice in the time format';
  return null;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let fmt = formatters.get(zone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, fmt);
  }
  return fmt;
}

/** Why a time zone is not one, or null. */
export function zoneProblem(zone: string): string | null {
  try {
    formatter(zone);
    return null;
  } catch {
    return `未知时区 / unknown time zone "${zone}" (an IANA name such as Asia/Shanghai)`;
  }
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(zone: string, utcMs: number): number {
  const parts = Object.fromEntries(formatter(zone).formatToParts(new Date(utcMs)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** The instant of a wall-clock time in a zone (the earlier one in a repeated hour). */
export function zonedToUtc(wall: { y: number; mo: number; d: number; h: number; mi: number; s: number; ms: number }, zone: string): Date | null {
  const local = Date.UTC(wall.y, wall.mo - 1, wall.d, wall.h, wall.mi, wall.s, wall.ms);
  const check = new Date(local);
  if (check.getUTCFullYear() !== wall.y || check.getUTCMonth() !== wall.mo - 1 || check.getUTCDate() !== wall.d || wall.h > 23 || wall.mi > 59 || wall.s > 59) return null;
  const first = local - offsetAt(zone, local);
  return new Date(local - offsetAt(zone, first));
}

/** A cell as the sources give it: text, a number, or a date cell of a spreadsheet (its UTC fields are the wall clock). */
export type Cell = string | number | boolean | Date | null;

/** The instant of a legacy time; null for an empty cell; throws a message for one that is not a time. */
export function parseLegacyTime(cell: Cell, format: string, zone: string): Date | null {
  if (cell === null || cell === '') return null;
  if (cell instanceof Date) {
    return zonedToUtc({ y: cell.getUTCFullYear(), mo: cell.getUTCMonth() + 1, d: cell.getUTCDate(), h: cell.getUTCHours(), mi: cell.getUTCMinutes(), s: cell.getUTCSeconds(), ms: cell.getUTCMilliseconds() }, zone);
  }
  const text = String(cell).trim();
  const fail = (): never => {
    throw new Error(`"${text.slice(0, 40)}" 不符合时间格式 ${format} / is not a time in the format ${format}`);
  };
  if (format === 'epoch' || format === 'epoch_ms') {
    if (!/^\d{1,13}(\.\d+)?$/.test(text)) fail();
    return new Date(Math.round(Number(text) * (format === 'epoch' ? 1000 : 1)));
  }
  if (format === 'iso') {
    const m = ISO_RE.exec(text) ?? fail();
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', offset] = m;
    const wall = { y: Number(y), mo: Number(mo), d: Number(d), h: Number(h), mi: Number(mi), s: Number(s), ms: Number(frac.padEnd(3, '0').slice(0, 3)) };
    if (!offset) return zonedToUtc(wall, zone) ?? fail();
    const utc = zonedToUtc(wall, 'UTC') ?? fail();
    if (offset.toUpperCase() === 'Z') return utc;
    const digits = offset.slice(1).replace(':', '');
    const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    return new Date(utc.getTime() - (offset.startsWith('-') ? -1 : 1) * minutes * 60_000);
  }
  const { re, order } = compile(format);
  const m = re.exec(text) ?? fail();
  const v: Record<string, number> = { YYYY: 0, MM: 1, DD: 1, HH: 0, mm: 0, ss: 0, SSS: 0 };
  order.forEach((token, i) => {
    v[token] = Number(token === 'SSS' ? m[i + 1]!.padEnd(3, '0') : m[i + 1]);
  });
  return zonedToUtc({ y: v.YYYY!, mo: v.MM!, d: v.DD!, h: v.HH!, mi: v.mm!, s: v.ss!, ms: v.SSS! }, zone) ?? fail();
}

/** The calendar day of an instant in a zone, 'YYYY-MM-DD' (the verification groups by Asia/Shanghai). */
export function dayIn(date: Date, zone: string): string {
  const parts = Object.fromEntries(formatter(zone).formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

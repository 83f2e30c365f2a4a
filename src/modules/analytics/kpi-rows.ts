import type { GroupKey, KpiName, Range } from './kpi-query.js';
import type { LotSums, OccSums, RegistryLot } from './kpi-read.js';
import { periodOfKey, TIME_KEYS, timeKeyTuples } from './kpi-time.js';

/*
 * From rollup sums to KPI rows (definitions: docs/指标口径.md, brief §KPI):
 *   turnoverRate = Σ entries ÷ (Σ total_spaces × days), days = the row's period ÷ 24 h, over
 *                  lots with spaces > 0 (a lot: the mean of its daily values; a group: Σ entries ÷
 *                  Σ spaces per day, averaged over the days); null for hour rows.
 *   utilisation  = Σ occupied seconds ÷ (Σ total_spaces × period seconds), lots with spaces > 0.
 *   The period of a row is its time keys' period clipped to [from, min(to, as-of)): the current
 *   period counts only its elapsed part; nothing after as-of is known.
 *   occupancyAvg / Peak: a lot's from its own rollups; a group of lots from analytics_group_* when
 *   the row's lots are exactly a stored group (district × category, '*' = all). Otherwise — e.g.
 *   lot=A,B of a district with more lots, or district=X,Y without district grouping — occupancy of
 *   several lots cannot be put together from per-lot figures (it is Σ occupied ÷ Σ total over the
 *   lots known at each moment), so it is computed from lot rows only when at most one of them was
 *   known during the period, and is null otherwise: null rather than a wrong number.
 *   With `channel` grouping only exits, avgDwellMinutes and revenue are filled.
 * Rows are dense: every period of the range up to as-of × every lot / district / category of the
 * selection, zeros included (a lot with no entries is a finding); channels only as they occur.
 */

export interface KpiValues {
  entries: number | null;
  exits: number | null;
  turnoverRate: number | null;
  utilisation: number | null;
  occupancyAvg: number | null;
  occupancyPeak: number | null;
  avgDwellMinutes: number | null;
  receivableFen: number | null;
  paidFen: number | null;
  arrearsFen: number | null;
  completeness: number | null;
  flaggedShare: number | null;
}

export interface KpiRow extends KpiValues {
  hour?: string;
  day?: string;
  week?: string;
  month?: string;
  lotCode?: string;
  lotName?: string;
  districtCode?: string;
  districtName?: string;
  category?: string;
  payChannel?: string;
  yoy?: KpiValues | null;
  pop?: KpiValues | null;
}

/** A row before it is shaped for output: its keys by group, the period it covers. */
export interface BuiltRow {
  keys: Partial<Record<GroupKey, string>>;
  /** start of the row's period (clipped to the range): what a comparison shifts */
  start: Date;
  values: KpiValues;
}

const SECONDS_PER_DAY = 86_400;
const ratio = (a: number, b: number, digits = 4) => (b > 0 ? Math.round((a / b) * 10 ** digits) / 10 ** digits : null);

export const rowId = (keys: Partial<Record<GroupKey, string>>, groupBy: readonly GroupKey[]) => groupBy.map((g) => keys[g] ?? '').join('\u0001');

export interface RowInputs {
  groupBy: readonly GroupKey[];
  range: Range;
  asOf: Date | null;
  /** the lots of the selection (scope and filters applied) */
  lots: readonly RegistryLot[];
  /** every lot of the registry: whether a selection is a whole stored group */
  allLots: readonly RegistryLot[];
  sums: readonly LotSums[];
  /** group occupancy, by time keys + district + category */
  groupOcc: readonly OccSums[];
}

interface LotSet {
  keys: Partial<Record<GroupKey, string>>;
  lots: RegistryLot[];
}

const DIM_OF: Partial<Record<GroupKey, (l: RegistryLot) => string>> = { lot: (l) => l.code, district: (l) => l.districtCode, category: (l) => l.category };

/** The lot / district / category combinations of the selection, each with its lots. */
export function lotSets(lots: readonly RegistryLot[], groupBy: readonly GroupKey[]): Map<string, LotSet> {
  const dims = groupBy.filter((g) => DIM_OF[g]);
  const sets = new Map<string, LotSet>();
  for (const l of lots) {
    const keys: Partial<Record<GroupKey, string>> = {};
    for (const g of dims) keys[g] = DIM_OF[g]!(l);
    const id = rowId(keys, dims);
    const set = sets.get(id) ?? { keys, lots: [] };
    set.lots.push(l);
    sets.set(id, set);
  }
  return sets;
}

/** The stored group (district, category) that is exactly these lots, or null. */
export function exactGroup(lots: readonly RegistryLot[], allLots: readonly RegistryLot[]): [string, string] | null {
  const first = lots[0];
  if (!first) return null;
  const d = lots.every((l) => l.districtCode === first.districtCode) ? first.districtCode : '*';
  const c = lots.every((l) => l.category === first.category) ? first.category : '*';
  const members = allLots.filter((l) => (d === '*' || l.districtCode === d) && (c === '*' || l.category === c));
  return members.length === lots.length ? [d, c] : null;
}

/** The period a row covers: its time keys' periods ∩ [from, end). */
export function rowPeriod(keys: Partial<Record<GroupKey, string>>, from: Date, end: Date): { start: Date; seconds: number } {
  let s = from.getTime();
  let e = end.getTime();
  for (const k of TIME_KEYS) {
    const key = keys[k];
    if (key === undefined) continue;
    const p = periodOfKey(k, key);
    if (!p) continue;
    s = Math.max(s, p.start.getTime());
    e = Math.min(e, p.end.getTime());
  }
  return { start: new Date(Math.max(s, from.getTime())), seconds: Math.max(0, (e - s) / 1000) };
}

const EMPTY: Omit<LotSums, 'keys'> = {
  entries: 0, exits: 0, spaceEntries: 0, occupiedSeconds: 0, dwellSeconds: 0, dwellCount: 0, receivableFen: 0, paidFen: 0, arrearsFen: 0,
  sessions: 0, completeSessions: 0, flaggedSessions: 0, occKnownSeconds: 0, occRatioSeconds: 0, occPeak: null, knownLots: 0,
};

/** Pairs (district, category) whose stored group occupancy the rows need. */
export function groupPairsNeeded(lots: readonly RegistryLot[], allLots: readonly RegistryLot[], groupBy: readonly GroupKey[]): [string, string][] {
  if (groupBy.includes('channel') || groupBy.includes('lot')) return [];
  const pairs = new Map<string, [string, string]>();
  for (const set of lotSets(lots, groupBy).values()) {
    if (set.lots.length < 2) continue;
    const g = exactGroup(set.lots, allLots);
    if (g) pairs.set(g.join('\u0001'), g);
  }
  return [...pairs.values()];
}

/** Every KPI row of the query, in no particular order. */
export function buildRows(inp: RowInputs): BuiltRow[] {
  const { groupBy, range } = inp;
  const channel = groupBy.includes('channel');
  const timeKinds = TIME_KEYS.filter((k) => groupBy.includes(k));
  const end = new Date(Math.min(range.to.getTime(), inp.asOf === null ? range.from.getTime() : Math.max(range.from.getTime(), inp.asOf.getTime())));
  const sets = lotSets(inp.lots, groupBy);
  const setDims = groupBy.filter((g) => DIM_OF[g]);
  const sums = new Map(inp.sums.map((s) => [rowId(s.keys, groupBy), s]));
  const occKinds: GroupKey[] = [...timeKinds, 'district', 'category'];
  const groupOcc = new Map(inp.groupOcc.map((o) => [rowId(o.keys, occKinds), o]));
  const exact = new Map<string, [string, string] | null>();
  for (const [id, set] of sets) exact.set(id, exactGroup(set.lots, inp.allLots));

  // Dense keys: every period up to as-of × every combination of the selection; channel rows as found.
  const ids = new Map<string, Partial<Record<GroupKey, string>>>();
  if (!channel) {
    const tuples = timeKinds.length ? timeKeyTuples(timeKinds, range.from, end) : [{ start: range.from, keys: [] as string[] }];
    for (const t of tuples) {
      for (const set of sets.values()) {
        const keys: Partial<Record<GroupKey, string>> = { ...set.keys };
        timeKinds.forEach((k, i) => (keys[k] = t.keys[i]));
        ids.set(rowId(keys, groupBy), keys);
      }
    }
  }
  for (const s of inp.sums) {
    const id = rowId(s.keys, groupBy);
    if (!ids.has(id) && (channel || sets.has(rowId(s.keys, setDims)))) ids.set(id, s.keys);
  }

  const out: BuiltRow[] = [];
  for (const [id, keys] of ids) {
    const s = sums.get(id) ?? { keys, ...EMPTY };
    const { start, seconds } = rowPeriod(keys, range.from, end);
    const dwell = s.dwellCount > 0 ? Math.round((s.dwellSeconds / s.dwellCount / 60) * 10) / 10 : null;
    const money = { receivableFen: s.receivableFen, paidFen: s.paidFen, arrearsFen: s.arrearsFen };
    if (channel) {
      out.push({
        keys, start,
        values: { entries: null, exits: s.exits, turnoverRate: null, utilisation: null, occupancyAvg: null, occupancyPeak: null, avgDwellMinutes: dwell, ...money, completeness: null, flaggedShare: null },
      });
      continue;
    }
    const setId = rowId(keys, setDims);
    const set = sets.get(setId);
    const spaces = (set?.lots ?? []).reduce((n, l) => n + Math.max(0, l.totalSpaces), 0);
    let occupancyAvg: number | null = null;
    let occupancyPeak: number | null = null;
    if (set && (set.lots.length === 1 || s.knownLots <= 1)) {
      occupancyAvg = ratio(s.occRatioSeconds, s.occKnownSeconds);
      occupancyPeak = s.occKnownSeconds > 0 && s.occPeak !== null ? Math.round(s.occPeak * 10_000) / 10_000 : null;
    } else if (set && exact.get(setId)) {
      const [d, c] = exact.get(setId)!;
      const o = groupOcc.get(rowId({ ...keys, district: d, category: c }, occKinds));
      if (o) {
        occupancyAvg = ratio(o.occRatioSeconds, o.occKnownSeconds);
        occupancyPeak = o.occKnownSeconds > 0 && o.occPeak !== null ? Math.round(o.occPeak * 10_000) / 10_000 : null;
      }
    }
    out.push({
      keys, start,
      values: {
        entries: s.entries,
        exits: s.exits,
        turnoverRate: groupBy.includes('hour') ? null : ratio(s.spaceEntries, spaces * (seconds / SECONDS_PER_DAY)),
        utilisation: ratio(s.occupiedSeconds, spaces * seconds),
        occupancyAvg,
        occupancyPeak,
        avgDwellMinutes: dwell,
        ...money,
        completeness: ratio(s.completeSessions, s.sessions),
        flaggedShare: ratio(s.flaggedSessions, s.sessions),
      },
    });
  }
  return out;
}

/** Time keys first (in groupBy order), then the codes. */
export function sortRows(rows: BuiltRow[], groupBy: readonly GroupKey[], sort?: KpiName): BuiltRow[] {
  const order = [...groupBy.filter((g) => (TIME_KEYS as readonly string[]).includes(g)), ...groupBy.filter((g) => !(TIME_KEYS as readonly string[]).includes(g))];
  const byKeys = (a: BuiltRow, b: BuiltRow) => {
    for (const g of order) {
      const x = a.keys[g] ?? '';
      const y = b.keys[g] ?? '';
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };
  return rows.sort((a, b) => {
    if (sort) {
      const x = a.values[sort];
      const y = b.values[sort];
      if (x !== y) {
        if (x === null) return 1;
        if (y === null) return -1;
        return y - x;
      }
    }
    return byKeys(a, b);
  });
}

export function shapeRow(r: BuiltRow, lotsByCode: ReadonlyMap<string, RegistryLot>, districtNames: ReadonlyMap<string, string>): KpiRow {
  const k = r.keys;
  const row: KpiRow = {} as KpiRow;
  if (k.hour !== undefined) row.hour = k.hour;
  if (k.day !== undefined) row.day = k.day;
  if (k.week !== undefined) row.week = k.week;
  if (k.month !== undefined) row.month = k.month;
  if (k.lot !== undefined) {
    row.lotCode = k.lot;
    row.lotName = lotsByCode.get(k.lot)?.name ?? k.lot;
  }
  if (k.district !== undefined) {
    row.districtCode = k.district;
    row.districtName = districtNames.get(k.district) ?? k.district;
  }
  if (k.category !== undefined) row.category = k.category;
  if (k.channel !== undefined) row.payChannel = k.channel;
  return Object.assign(row, r.values);
}

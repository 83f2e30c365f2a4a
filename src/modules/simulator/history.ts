import { CompiledQuery, type Kysely } from 'kysely';
import type { LotCategory, LotKind } from '../registry/index.js';
import { arrivalRate, dayTypeOf, isSchoolVacation, type DayType } from './demand.js';
import { episode, FAULT_PRESETS, type FaultConfig } from './faults.js';
import { tariffFor, type PayChannel } from './fees.js';
import type { ParkedCar } from './generator.js';
import type { LotSet, SimLot, SimSource } from './lot-set.js';
import { NO_PLATE, type PlateColor } from '../../platform/plates.js';
import { NO_PLATE_SHARE } from './plates.js';
import { PlateFactory, poolSizeOf, regularPools, regularShareOf } from './pools.js';
import { unitHash } from './random.js';
import { HOUR, localParts, midnightOf, MINUTE, SECOND } from './time.js';

/*
 * History written set-based, straight into the tables (docs/architecture.md, "Simulator"):
 * `insert … select … generate_series` over lots × hours, not event by event through ingestion —
 * a month of a 300-lot city through the batch path took hours, here it takes seconds. Used by
 * `zhibo demo` (before the server listens) and by `npm run bench:analytics`.
 *
 * The same city as the live simulator (generator.ts): the lots and sources of buildLotSet, the
 * arrival curves of demand.ts (category, kind of lot, workday / weekend / public holiday, school
 * vacations), dwell shaped like sampleDwellMinutes, the tariffs and settlement of fees.ts (free
 * period, units, daily cap; pass holders, coupons, on-street arrears and the share of them paid
 * later, prepayment at pay stations), the regulars of each lot from the same disjoint pools, and
 * the simulator's fault mix at its rates (faults.ts): entries never sent leave exit-only sessions
 * (`entry_from_exit` / `no_entry`), late-upload episodes per lot and silent sources per day (the
 * same episodes the live simulator draws) delay receipt and hold back what is not yet received,
 * invalid status twins are stored flagged. Duplicate batches and out-of-order entries leave no
 * trace in stored data once paired, so there is nothing to write for them.
 *
 * What is written: parking_sessions (closed, and open for cars still parked at `to`; `stale`
 * after staleSessionDays), payments (prepayments, arrears paid later), lot_status_reports every
 * `statusEveryMinutes` per lot with the occupancy the sessions imply, and — with `events` — the
 * status reports and each source's last heartbeat as ingest_events (what the sync report, the
 * lot timeline and the receipts of monitoring read), lot_live and source_live as ingestion would
 * have left them. Entry and exit events are not written to ingest_events (a session's event trail
 * in the records page is empty for history); the quarantine gets nothing here (`zhibo demo` posts
 * the simulator's invalid entries of the last day through the API: src/cli/demo-city.ts).
 *
 * No plate is in two places at once: regulars come from each lot's pool (pools are disjoint),
 * visitors from a ring of plates reused about weekly, and any session that would overlap another
 * of its plate gets a plate of its own. The cars still parked at `to` are returned (`parked`) so
 * that the live simulator drives them out at the time drawn here instead of inventing a second
 * car park.
 *
 * The caller has created the lots and sources (registry) and runs `zhibo analytics rebuild`
 * (rebuildAnalytics) over [from, to) afterwards: the analytics change-capture triggers are off
 * during the load, and the secondary indexes are dropped and built again after it.
 */

/** Runs one statement; all statements of a run go to one connection (temporary tables). */
export type Exec = (statement: string, params?: readonly unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

/** An Exec on a Kysely instance or connection (PGlite has one connection anyway). */
export const kyselyExec = (db: Pick<Kysely<unknown>, 'executeQuery'>): Exec => async (statement, params = []) => {
  const r = await db.executeQuery(CompiledQuery.raw(statement, [...params]));
  return { rows: r.rows as Record<string, unknown>[] };
};

export interface HistoryOptions {
  /** Lots and sources, as the registry holds them (by code). */
  set: LotSet;
  /** Epoch ms: history runs over [from, to); cars parked at `to` stay open. */
  from: number;
  to: number;
  seed: number;
  /** Default: the simulator's default preset. */
  faults?: FaultConfig;
  /** Status report period per lot, minutes; default 15. */
  statusEveryMinutes?: number;
  staleSessionDays: number;
  /** Multiplies the simulator's arrival rates; default 1 (the simulator's city). */
  density?: number;
  /** Status reports and last heartbeats into ingest_events; default true. */
  events?: boolean;
  /** Arrivals simulated before `from` so that lots open occupied; default 48. */
  warmupHours?: number;
  /**
   * Snapshots already stored (`photo:<sha256>` references, docs/接入规范.md §6.7): a share of the
   * entries and exits since `sinceMs` carry one, as the live simulation's do (runner.ts
   * withSnapshots), so that the demo's records of the last day show photos from the start.
   */
  snapshots?: { refs: readonly string[]; share: number; sinceMs: number };
  progress?: (done: number, total: number, label: string) => void;
}

export interface HistoryResult {
  sessions: number;
  openSessions: number;
  flaggedSessions: number;
  statusReports: number;
  events: number;
  payments: number;
  /** Sessions that got a plate of their own because theirs was parked elsewhere then. */
  replated: number;
  lateEpisodes: number;
  silentEpisodes: number;
  /** Cars inside at `to`, with the exit drawn for them. */
  parked: ParkedCar[];
  /** Wall and CPU seconds of this process per step (PGlite runs in it; PostgreSQL's work is elsewhere). */
  seconds: Record<string, number>;
  cpuSeconds: Record<string, number>;
}

const DAY_TYPES: readonly DayType[] = ['workday', 'weekend', 'holiday'];
const CATEGORIES: readonly LotCategory[] = ['commercial', 'hospital', 'school', 'residential', 'office', 'scenic', 'transport', 'government', 'other'];

/** Shares of monthly pass holders, as fees.ts settles them. */
const PASS_SHARE: Record<LotCategory, number> = {
  residential: 0.75, office: 0.55, government: 0.5, school: 0.4, hospital: 0.1, commercial: 0.05, transport: 0.03, scenic: 0, other: 0.1,
};
/** generator.ts: prepayments among paid off-street stays; arrears paid later; exits naming their entry, and carrying enteredAt. */
const PREPAY_SHARE = 0.15;
const ARREARS_PAID_LATER = 0.3;
const EXIT_WITHOUT_ENTRY_ID = 0.07;
const EXIT_WITH_ENTERED_AT = 0.7;
/** Visitor plates come back after about this many days' worth of visitors. */
const VISITOR_RETURN_DAYS = 7;

/** Dwell as a mixture: with probability p log-normal(ma, sa) minutes, else log-normal(mb, sb). */
export interface Dwell { p: number; ma: number; sa: number; mb: number; sb: number }

/** Shaped after sampleDwellMinutes (demand.ts) for a car arriving in the middle of local hour `h`. */
export function dwellFor(category: LotCategory, kind: LotKind, h: number, day: DayType): Dwell {
  const at = h + 0.5;
  const untilEvening = (leave: number) => Math.max(6 * 60, (leave - at) * 60);
  let d: Dwell;
  switch (category) {
    case 'hospital': d = { p: 0.08, ma: 8, sa: 0.4, mb: 105, sb: 0.45 }; break;
    case 'commercial': d = { p: 0.06, ma: 8, sa: 0.4, mb: 115, sb: 0.5 }; break;
    case 'office':
      d = day === 'workday' && at >= 6.5 && at < 10.5 ? { p: 0.85, ma: untilEvening(17.9), sa: 0.08, mb: 80, sb: 0.6 } : { p: 0, ma: 1, sa: 0, mb: 80, sb: 0.6 };
      break;
    case 'residential':
      if (at >= 16 || at < 3) {
        const leave = 24 + (day === 'workday' ? 7.75 : 10) - (at < 3 ? 24 : 0);
        d = { p: 0.88, ma: (leave - at) * 60, sa: 0.1, mb: (leave + 24 - at) * 60, sb: 0.15 };
      } else d = { p: 0.1, ma: 8, sa: 0.4, mb: 150, sb: 0.6 };
      break;
    case 'school':
      if ((at >= 6.5 && at < 8) || (at >= 15.5 && at < 18)) d = { p: 0.85, ma: 12, sa: 0.5, mb: 8 * 60, sb: 0.1 };
      else if (at >= 8 && at < 9) d = { p: 0, ma: 1, sa: 0, mb: 8 * 60, sb: 0.1 };
      else d = { p: 0, ma: 1, sa: 0, mb: 60, sb: 0.5 };
      break;
    case 'scenic': d = { p: 0, ma: 1, sa: 0, mb: 170, sb: 0.4 }; break;
    case 'transport': d = { p: 0.84, ma: 22, sa: 0.5, mb: 600, sb: 0.9 }; break;
    case 'government':
      d = day === 'workday' && at >= 7 && at < 9 ? { p: 0.5, ma: untilEvening(17.5), sa: 0.05, mb: 50, sb: 0.5 } : { p: 0, ma: 1, sa: 0, mb: 50, sb: 0.5 };
      break;
    default: d = { p: 0, ma: 1, sa: 0, mb: 90, sb: 0.6 };
  }
  if (kind === 'on_street' && category !== 'residential') d = { ...d, ma: d.ma * 0.5, mb: d.mb * 0.5 };
  return d;
}

export interface HourRow { at: number; day: DayType; hour: number; vacation: boolean }

/** The local hours whose arrivals make [from, to): from `warmupHours` before `from`, hour-aligned. */
export function historyHours(from: number, to: number, warmupHours: number): HourRow[] {
  const out: HourRow[] = [];
  for (let at = Math.floor((from - warmupHours * HOUR) / HOUR) * HOUR; at < to; at += HOUR) {
    const p = localParts(at);
    out.push({ at, day: dayTypeOf(p.date), hour: p.hour, vacation: isSchoolVacation(p.date) });
  }
  return out;
}

/** Mean arrivals over the hours, as the simulator's curves give them (× density). */
export function expectedArrivals(lots: readonly SimLot[], hours: readonly HourRow[], density = 1): number {
  let n = 0;
  for (const l of lots) {
    for (const h of hours) n += l.totalSpaces * l.popularity * arrivalRate(l.category, l.kind, h.hour, h.day) * (l.category === 'school' && h.vacation ? 0.2 : 1);
  }
  return n * density;
}

/** The local days that [from, to) touches, 'YYYY-MM-DD' (and the day before: an episode may run past midnight). */
export function daysOf(from: number, to: number): string[] {
  const out: string[] = [];
  for (let d = midnightOf(localParts(from).date) - 24 * HOUR; d < to; d += 24 * HOUR) out.push(localParts(d + 12 * HOUR).date);
  return out;
}

export interface Episode { key: string; start: number; end: number }

/**
 * The late-upload episodes of lots and the silences of sources over [from, to): the very ones
 * faults.ts injects into the live feed (same seed, key and day), so a lot that is late when the
 * history ends stays late in the live run until its episode is over.
 */
export function faultEpisodes(set: LotSet, from: number, to: number, seed: number, faults: FaultConfig): { late: Episode[]; silent: Episode[] } {
  const days = daysOf(from, to);
  const late: Episode[] = [];
  const silent: Episode[] = [];
  for (const date of days) {
    for (const l of set.lots) {
      const w = episode(seed, 'late', l.code, date, faults.lateRate, faults.lateHours);
      if (w && w.end > from && w.start < to) late.push({ key: l.code, ...w });
    }
    for (const s of set.sources) {
      const w = episode(seed, 'silent', s.code, date, faults.silentRate, faults.silentHours);
      if (w && w.end > from && w.start < to) silent.push({ key: s.code, ...w });
    }
  }
  return { late, silent };
}

/** First instant of a lot's status reports at or after `from`: the live generator's phase. */
export function statusOrigin(lotCode: string, from: number, periodMs: number, seed: number): number {
  const phase = Math.floor(unitHash(seed, 'status-phase', lotCode) * (periodMs / 1000)) * 1000;
  return Math.ceil((from - phase) / periodMs) * periodMs + phase;
}

const ts = (ms: number) => `timestamptz '${new Date(ms).toISOString()}'`;
const iso = (ms: number) => new Date(ms).toISOString();

/** Non-primary, non-constraint indexes of a table: dropped before a bulk load, built again after. */
async function secondaryIndexes(exec: Exec, table: string): Promise<{ name: string; def: string }[]> {
  const { rows } = await exec(`select i.indexname as name, i.indexdef as def from pg_indexes i
    join pg_class c on c.relname = i.indexname join pg_index x on x.indexrelid = c.oid
    where i.schemaname = current_schema() and i.tablename = $1 and not x.indisprimary
      and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid)
    order by i.indexname`, [table]);
  return rows as { name: string; def: string }[];
}



/** Unique constraints of an empty table (a full one keeps them: the load must not break them). */
async function uniqueConstraints(exec: Exec, table: string): Promise<{ name: string; def: string }[]> {
  const { rows } = await exec(`select k.conname as name, pg_get_constraintdef(k.oid) as def from pg_constraint k join pg_class c on c.oid = k.conrelid
    where c.relname = $1 and c.relnamespace = to_regnamespace(current_schema()) and k.contype = 'u'
      and not exists (select 1 from ${table}) order by k.conname`, [table]);
  return rows as { name: string; def: string }[];
}

const LOADED = ['parking_sessions', 'lot_status_reports', 'ingest_events', 'payments'] as const;

/** Mean arrivals of one lot in one hour: the simulator's rate per space × spaces × popularity (× density). */
export const meanArrivals = (l: SimLot, h: HourRow, density = 1): number =>
  l.totalSpaces * l.popularity * density * arrivalRate(l.category, l.kind, h.hour, h.day) * (l.category === 'school' && h.vacation ? 0.2 : 1);

/**
 * Ordinals for the cars of each (lot, hour), lots × hours in order: a lot-hour draws at most
 * floor(1.2 · mean) + 1 cars (see the count in the statement), so its range of ordinals, that
 * wide and a little more, never meets another's. `cityBase` numbers the whole city's cars (event
 * ids, the visitors' plates), `lotBase` the lot's own (the regulars' turn in the pool).
 */
export interface Slot { lot: number; hour: number; mean: number; cityBase: number; lotBase: number; width: number }

export function planSlots(lots: readonly SimLot[], hours: readonly HourRow[], density = 1): Slot[] {
  const out: Slot[] = [];
  const lotBase = new Array<number>(lots.length).fill(0);
  let city = 0;
  for (let n = 0; n < hours.length; n++) {
    for (let i = 0; i < lots.length; i++) {
      const mean = meanArrivals(lots[i]!, hours[n]!, density);
      if (mean <= 0) continue;
      const width = Math.ceil(1.2 * mean) + 2;
      out.push({ lot: i, hour: n, mean, cityBase: city, lotBase: lotBase[i]!, width });
      city += width;
      lotBase[i]! += width;
    }
  }
  return out;
}

/** Writes the history; see the comment at the top. */
export async function generateHistory(exec: Exec, o: HistoryOptions): Promise<HistoryResult> {
  const seconds: Record<string, number> = {};
  const cpuSeconds: Record<string, number> = {};
  const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const c = process.cpuUsage();
    try {
      return await fn();
    } finally {
      const used = process.cpuUsage(c);
      seconds[label] = (seconds[label] ?? 0) + (performance.now() - t) / 1000;
      cpuSeconds[label] = (cpuSeconds[label] ?? 0) + (used.user + used.system) / 1e6;
    }
  };
  const faults = o.faults ?? FAULT_PRESETS.default;
  const periodMs = (o.statusEveryMinutes ?? 15) * MINUTE;
  const density = o.density ?? 1;
  const withEvents = o.events ?? true;
  const { set, from, to, seed } = o;
  const hours = historyHours(from, to, o.warmupHours ?? 48);
  const chunk = 24 * 7;
  const steps = Math.ceil(hours.length / chunk) + 6;
  let step = 0;
  const progress = (label: string) => o.progress?.(++step, steps, label);
  o.progress?.(0, steps, 'plan');

  // setseed: the same options give the same history on one backend.
  await exec(`select setseed(${((seed % 1000) / 1000 - 0.5).toFixed(6)})`);
  const { rows: lotRows } = await exec('select id, code from lots where code = any($1::text[])', [set.lots.map((l) => l.code)]);
  const idOf = new Map(lotRows.map((r) => [String(r.code), Number(r.id)]));
  const missing = set.lots.filter((l) => !idOf.has(l.code));
  if (missing.length) throw new Error(`history: ${missing.length} lot(s) not in the registry, e.g. ${missing[0]!.code}`);
  const sourceOf = new Map(set.sources.map((s) => [s.code, s]));

  // Ordinals per lot-hour; plates: each lot's regulars (disjoint pools), then the visitors' ring,
  // about a week of the city's ordinals long, so a visitor's plate comes back about weekly and
  // never while the car is still parked (stays end within 4 days).
  const slots = planSlots(set.lots, hours, density);
  const totalWidth = slots.reduce((n, s) => n + s.width, 0);
  const span = Math.max(1, (to - hours[0]!.at) / (24 * HOUR));
  const visitors = Math.max(1000, Math.ceil((totalWidth * Math.min(span, VISITOR_RETURN_DAYS)) / span));
  const pools = regularPools(set, seed);
  const plates: { plate: string; raw: string; color: PlateColor }[] = [];
  const poolFrom = new Map<string, number>();
  for (const l of set.lots) {
    const pool = pools.get(l.code);
    if (!pool) continue;
    poolFrom.set(l.code, plates.length);
    for (const p of pool) plates.push({ plate: p.plate, raw: p.raw, color: p.color });
  }
  const factory = new PlateFactory(seed, 'history', plates.map((p) => p.plate));
  const visitorFrom = plates.length;
  for (const p of factory.take(visitors)) plates.push({ plate: p.plate, raw: p.raw, color: p.color });

  let lateEpisodes = 0;
  let silentEpisodes = 0;
  await timed('plan', async () => {
    for (const t of TEMP_TABLES) await exec(`drop table if exists ${t}`);
    await exec(`create temporary table h_lot (lot_id int primary key, code text, source_code text, category text, kind text, spaces int,
      pass float8, regular float8, pool_from int, pool_size int, berth_prefix text, time_style text, origin timestamptz, last_k int,
      free_min int, first_min int, first_fen int, unit_min int, unit_fen int, cap_fen int)`);
    const lotCols: unknown[][] = Array.from({ length: 20 }, () => []);
    for (const l of set.lots) {
      const t = tariffFor(l);
      const origin = statusOrigin(l.code, from, periodMs, seed);
      const share = regularShareOf(l.category);
      [idOf.get(l.code), l.code, l.sourceCode, l.category, l.kind, l.totalSpaces, PASS_SHARE[l.category],
        share, poolFrom.get(l.code) ?? 0, share > 0 ? poolSizeOf(l) : 0, l.berthPrefix ?? null, sourceOf.get(l.sourceCode)?.timeStyle ?? 'iso',
        iso(origin), Math.max(-1, Math.floor((to - 1 - origin) / periodMs)),
        t.freeMinutes, t.firstPeriodMinutes, t.firstPeriodFen, t.unitMinutes, t.unitFen, t.dailyCapFen ?? 1_000_000].forEach((v, i) => lotCols[i]!.push(v));
    }
    await exec(`insert into h_lot select * from unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::float8[], $8::float8[],
      $9::int[], $10::int[], $11::text[], $12::text[], $13::timestamptz[], $14::int[], $15::int[], $16::int[], $17::int[], $18::int[], $19::int[], $20::int[])`, lotCols);
    await exec('create temporary table h_hour (n int primary key, at timestamptz, day_type text, hour int, vacation boolean, ymd text)');
    await exec('insert into h_hour select * from unnest($1::int[], $2::timestamptz[], $3::text[], $4::int[], $5::boolean[], $6::text[])',
      [hours.map((_, i) => i), hours.map((h) => iso(h.at)), hours.map((h) => h.day), hours.map((h) => h.hour), hours.map((h) => h.vacation),
        hours.map((h) => localParts(h.at).date.replaceAll('-', ''))]);
    await exec(`create temporary table h_curve (category text, kind text, day_type text, hour int,
      p float8, ma float8, sa float8, mb float8, sb float8, primary key (category, kind, day_type, hour))`);
    const curve: unknown[][] = Array.from({ length: 9 }, () => []);
    for (const c of CATEGORIES) for (const k of ['off_street', 'on_street'] as const) for (const d of DAY_TYPES) for (let h = 0; h < 24; h++) {
      const w = dwellFor(c, k, h, d);
      [c, k, d, h, w.p, w.ma, w.sa, w.mb, w.sb].forEach((v, i) => curve[i]!.push(v));
    }
    await exec('insert into h_curve select * from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::float8[], $6::float8[], $7::float8[], $8::float8[], $9::float8[])', curve);
    await exec('create temporary table h_slot (n int, lot_id int, mean float8, cb bigint, lb bigint)');
    for (let i = 0; i < slots.length; i += 200_000) {
      const part = slots.slice(i, i + 200_000);
      await exec('insert into h_slot select * from unnest($1::int[], $2::int[], $3::float8[], $4::bigint[], $5::bigint[])',
        [part.map((x) => x.hour), part.map((x) => idOf.get(set.lots[x.lot]!.code)), part.map((x) => x.mean), part.map((x) => x.cityBase), part.map((x) => x.lotBase)]);
    }
    await exec('create index on h_slot (n)');
    await exec('create temporary table h_plate (n int primary key, plate text, raw text, color text)');
    await insertPlates(exec, plates, 0);
    const episodes = faultEpisodes(set, from, to, seed, faults);
    await exec('create temporary table h_episode (kind text, key text, s timestamptz, e timestamptz)');
    const all = [...episodes.late.map((e) => ['late', e] as const), ...episodes.silent.map((e) => ['silent', e] as const)];
    await exec('insert into h_episode select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[])',
      [all.map(([k]) => k), all.map(([, e]) => e.key), all.map(([, e]) => iso(e.start)), all.map(([, e]) => iso(e.end))]);
    await exec('create temporary table h_open (lot_id int, entry_event_id text, exit_at timestamptz, receivable int, paid int, channel text)');
    for (const t of ['h_lot', 'h_hour', 'h_curve', 'h_slot', 'h_plate', 'h_episode']) await exec(`analyze ${t}`);
    lateEpisodes = episodes.late.filter((e) => e.start >= from).length;
    silentEpisodes = episodes.silent.filter((e) => e.start >= from).length;
  });
  progress('plan');

  const loadIndexes: { name: string; def: string }[] = [];
  const loadConstraints: { table: string; name: string; def: string }[] = [];
  for (const t of LOADED) {
    loadIndexes.push(...(await secondaryIndexes(exec, t)));
    loadConstraints.push(...(await uniqueConstraints(exec, t)).map((c) => ({ table: t, ...c })));
  }
  let replated: number;
  await exec('alter table parking_sessions disable trigger user');
  await exec('alter table lot_status_reports disable trigger user');
  try {
    for (const i of loadIndexes) await exec(`drop index ${i.name}`);
    for (const c of loadConstraints) await exec(`alter table ${c.table} drop constraint ${c.name}`);

    // Stays, a week of hours per statement, straight into parking_sessions: arrival, dwell,
    // charge, settlement, plate, the shape its events leave (entries never sent: exit-only);
    // the cars still parked at `to` also into h_open with the exit drawn for them.
    const closed = `g.exited_at < ${ts(to)}`;
    const orphan = `(${closed} and g.u_orphan < ${faults.orphanExitRate})`;
    const withId = `g.u_style >= ${EXIT_WITHOUT_ENTRY_ID}`;
    const withEnteredAt = `(not ${withId} or g.u_style >= ${1 - EXIT_WITH_ENTERED_AT})`;
    // Event ids `<lot>-h<seed>-<YYYYMMDD>-E<n>` (live runs use `-s<seed>`, so the two never meet);
    // arrivals stay in their local hour, so the hour's date is the entry's.
    const ids = `g.code || '-h${seed}-' || g.ymd`;
    const eid = `${ids} || '-E' || g.ordinal`;
    for (let lo = 0; lo < hours.length; lo += chunk) {
      await timed('sessions', () => exec(`
        with g as materialized (
          select s.*, s.entered_at + s.minutes * interval '1 minute' as exited_at,
                 case when s.paid > 0 then
                   case when s.kind = 'on_street' then
                          case when s.u_ch < 45 / 88.0 then 'wechat' when s.u_ch < 75 / 88.0 then 'alipay' when s.u_ch < 83 / 88.0 then 'unionpay' else 'cash' end
                        else case when s.u_ch < 45 / 95.0 then 'wechat' when s.u_ch < 75 / 95.0 then 'alipay' when s.u_ch < 83 / 95.0 then 'unionpay'
                                  when s.u_ch < 90 / 95.0 then 'etc' else 'cash' end end end as channel,
                 random() as u_orphan, random() as u_style, random() as u_berth
          from (
            select d.*,
                   case when d.receivable = 0 then 0
                        when d.kind = 'on_street' and d.u_pay < 0.10 then 0
                        when d.kind = 'on_street' and d.u_pay < 0.13 then (floor(d.receivable * (0.3 + 0.5 * d.u_cut) / 100) * 100)::int
                        when d.kind = 'on_street' then d.receivable
                        when d.category = 'commercial' and d.u_pay < 0.12 then greatest(0, d.receivable - case when d.u_cut < 0.5 then 500 else 1000 end)
                        when d.u_pay >= 0.99 then (floor(d.receivable / 200.0) * 100)::int
                        else d.receivable end as paid
            from (
              select e.*,
                     case when e.u_pass < e.pass * (case when e.minutes >= 360 then 1 else 0.25 end) or e.minutes <= e.free_min then 0
                          else (floor(e.minutes / 1440) * least(e.first_fen + ceil(greatest(0, 1440 - e.first_min)::float8 / e.unit_min) * e.unit_fen, e.cap_fen)
                               + case when e.minutes % 1440 = 0 then 0
                                      else least(e.first_fen + ceil(greatest(0, e.minutes % 1440 - e.first_min)::float8 / e.unit_min) * e.unit_fen, e.cap_fen) end)::int
                     end as receivable
              from (
                select l.lot_id, l.code, l.source_code, l.category, l.kind, l.spaces, l.pass, l.free_min, l.first_min, l.first_fen, l.unit_min, l.unit_fen, l.cap_fen,
                       l.berth_prefix, b.cb + g.g - 1 as ordinal, h.ymd,
                       case when random() < l.regular then l.pool_from + ((b.lb + g.g - 1) % l.pool_size)::int
                            else ${visitorFrom} + ((b.cb + g.g - 1) % ${visitors})::int end as pn,
                       h.at + random() * interval '1 hour' as entered_at,
                       round(least(5760, greatest(2, exp(case when random() < c.p then ln(c.ma) + c.sa * z.z else ln(c.mb) + c.sb * z.z end))))::int as minutes,
                       random() as u_pass, random() as u_pay, random() as u_ch, random() as u_cut
                from h_slot b
                join h_hour h on h.n = b.n
                join h_lot l on l.lot_id = b.lot_id
                join h_curve c on c.category = l.category and c.kind = l.kind and c.day_type = h.day_type and c.hour = h.hour
                cross join lateral generate_series(1, floor(b.mean * (0.8 + 0.4 * random()) + random())::int) as g(g)
                cross join lateral (select sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) + 0 * g.g as z) as z
                where b.n >= ${lo} and b.n < ${lo + chunk}
              ) e
            ) d
          ) s
          where s.entered_at < ${ts(to)} and s.entered_at + s.minutes * interval '1 minute' >= ${ts(from)}
        ),
        stored as (
          insert into parking_sessions (lot_id, source_code, plate, plate_raw, plate_color, berth_code, entry_event_id, exit_event_id, entered_at, exited_at,
                                        receivable_fen, paid_fen, pay_channel, state, flags, created_at, updated_at)
          select g.lot_id, g.source_code, p.plate, p.raw,
                 case when ${orphan} then null else p.color end,
                 case when ${orphan} or g.kind <> 'on_street' then null else g.berth_prefix || lpad((1 + floor(g.u_berth * g.spaces))::int::text, 3, '0') end,
                 case when ${orphan} and not ${withId} then null else ${eid} end,
                 case when ${closed} then ${ids} || '-X' || g.ordinal end,
                 case when ${orphan} and not ${withEnteredAt} then null else g.entered_at end,
                 case when ${closed} then g.exited_at end,
                 case when ${closed} then g.receivable end,
                 case when ${closed} then g.paid end,
                 case when ${closed} then g.channel end,
                 case when ${closed} then 'closed' else 'open' end,
                 case when ${orphan} then array[case when ${withEnteredAt} then 'entry_from_exit' else 'no_entry' end]
                      when not ${closed} and g.entered_at < ${ts(to)} - interval '${o.staleSessionDays} days' then array['stale']
                      else '{}'::text[] end,
                 case when ${closed} then g.exited_at else g.entered_at end,
                 case when ${closed} then g.exited_at else g.entered_at end
          from g join h_plate p on p.n = g.pn
        )
        insert into h_open (lot_id, entry_event_id, exit_at, receivable, paid, channel)
        select g.lot_id, ${eid}, g.exited_at, g.receivable, g.paid, g.channel from g where not ${closed}`));
      progress('sessions');
    }

    // A stay that would overlap another of its plate (a regular back before the last stay of
    // that plate ended) gets a plate of its own. Open stays last past `to`.
    replated = await timed('plates', async () => {
      await exec(`create temporary table h_clash as
        select id, row_number() over (order by id)::int as k from (
          select id, entered_at < max(coalesce(exited_at, 'infinity')) over (partition by plate order by entered_at, id rows between unbounded preceding and 1 preceding) as clash
          from parking_sessions where entered_at is not null) x
        where clash`);
      const n = Number((await exec('select count(*)::int as n from h_clash')).rows[0]!.n);
      if (n > 0) {
        const first = plates.length;
        const spare = factory.take(n);
        plates.push(...spare);
        await insertPlates(exec, spare, first);
        await exec(`update parking_sessions s set plate = p.plate, plate_raw = p.raw, plate_color = case when s.plate_color is null then null else p.color end
          from h_clash c join h_plate p on p.n = ${first} + c.k - 1 where s.id = c.id`);
      }
      return n;
    });
    // About NO_PLATE_SHARE of the stays are cars without a plate, on a ticket (plates.ts): keyed
    // `无牌车#<ticket>` as ingestion stores them, the ticket and the word sent drawn from the stay's id.
    await timed('plates: no plate', () => exec(`
      update parking_sessions s set plate = '${NO_PLATE}#T' || upper(substr(md5(x.ref || ':ticket'), 1, 10)),
             plate_raw = case when get_byte(decode(md5(x.ref || ':word'), 'hex'), 0) < 128 then '${NO_PLATE}' else '临时车' end,
             plate_color = null
      from (select id, coalesce(entry_event_id, exit_event_id) as ref from parking_sessions
            where lot_id in (select lot_id from h_lot) and coalesce(entry_event_id, exit_event_id) like '%-h${seed}-%') x
      where s.id = x.id and ('x' || substr(md5('${seed}:no-plate:' || x.ref), 1, 8))::bit(32)::bigint < ${Math.round(NO_PLATE_SHARE * 2 ** 32)}`));
    progress('plates');

    const snap = o.snapshots;
    if (snap && snap.refs.length > 0 && snap.share > 0) {
      if (!snap.refs.every((r) => /^photo:[0-9a-f]{64}$/.test(r))) throw new Error('history: snapshot references must be photo:<sha256>');
      const refs = `array[${snap.refs.map((r) => `'${r}'`).join(', ')}]::text[]`;
      const since = `'${new Date(snap.sinceMs).toISOString()}'::timestamptz`;
      const h = (col: string) => `('x' || substr(md5('${seed}:photo:' || ${col}), 1, 8))::bit(32)::bigint`;
      const pick = (at: string, id: string) => `case when ${at} >= ${since} and ${id} is not null and ${h(id)} < ${Math.round(snap.share * 2 ** 32)}
                   then (${refs})[1 + ${h(id)} % ${snap.refs.length}] end`;
      await timed('snapshots', () => exec(`
        update parking_sessions set entry_photo = ${pick('entered_at', 'entry_event_id')}, exit_photo = ${pick('exited_at', 'exit_event_id')}
        where lot_id in (select lot_id from h_lot) and (entered_at >= ${since} or exited_at >= ${since})`));
    }

    await timed('payments', () => exec(`
      insert into payments (lot_id, order_no, plate, amount_fen, channel, paid_at, event_id)
      select lot_id, prefix || to_char(paid_at at time zone 'Asia/Shanghai', 'YYYYMMDDHH24MISS') || right(regexp_replace(code, '[^A-Z0-9]', '', 'g'), 6)
             || lpad((substring(ref from '(\\d+)$')::bigint % 100000)::text, 5, '0'), plate, amount, channel, paid_at,
             regexp_replace(ref, '-[EX](\\d+)$', '-' || left(prefix, 1) || '\\1')
      from (
        select s.lot_id, l.code, coalesce(s.entry_event_id, s.exit_event_id) as ref, s.plate, 'PP' as prefix, s.paid_fen as amount, s.pay_channel as channel,
               greatest(s.entered_at + interval '1 minute', s.exited_at - (2 + 10 * random()) * interval '1 minute') as paid_at, s.exited_at as until
        from parking_sessions s join h_lot l on l.lot_id = s.lot_id
        where l.kind = 'off_street' and s.state = 'closed' and s.paid_fen > 0 and s.entered_at is not null and random() < ${PREPAY_SHARE}
        union all
        select s.lot_id, l.code, coalesce(s.entry_event_id, s.exit_event_id), s.plate, 'BJ', s.receivable_fen - s.paid_fen,
               case when s.id % 3 = 0 then 'alipay' else 'wechat' end, s.exited_at + (1 + 119 * random()) * interval '1 hour', ${ts(to)}
        from parking_sessions s join h_lot l on l.lot_id = s.lot_id
        where l.kind = 'on_street' and s.state = 'closed' and s.receivable_fen > s.paid_fen and random() < ${ARREARS_PAID_LATER}
      ) x
      where paid_at < until and paid_at < ${ts(to)}
      on conflict do nothing`));

    // Status: the occupancy the stays imply at each report (entries minus exits so far, clamped
    // to capacity), received a few seconds later, or when a late upload or a silence ends; what
    // is not received by `to` is not there yet. Invalid twins (free > total) are stored flagged.
    await timed('status: occupancy', async () => {
      const k = (t: string) => `greatest(0, ceil(extract(epoch from ${t} - l.origin) / ${periodMs / 1000}))::int`;
      await exec(`create temporary table h_status as
        with delta as (
          select lot_id, k, sum(d)::int as d from (
            select s.lot_id, ${k('s.entered_at')} as k, 1 as d from parking_sessions s join h_lot l on l.lot_id = s.lot_id where s.entered_at is not null
            union all
            select s.lot_id, ${k('s.exited_at')}, -1 from parking_sessions s join h_lot l on l.lot_id = s.lot_id
            where s.entered_at is not null and s.exited_at >= s.entered_at
          ) e group by lot_id, k
        ),
        occ as (
          select l.lot_id, g.k, l.origin + g.k * interval '${periodMs / 1000} seconds' as at, l.spaces,
                 least(l.spaces, greatest(0, sum(coalesce(d.d, 0)) over (partition by l.lot_id order by g.k)))::int as occupied
          from h_lot l cross join lateral generate_series(0, l.last_k) g(k)
          left join delta d on d.lot_id = l.lot_id and d.k = g.k
        )
        select o.lot_id, o.at, o.spaces, o.spaces - o.occupied as free, random() as u, random() as u2,
               o.at + random() * interval '5 seconds' as received_at, to_char(o.at at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS') as lt
        from occ o`);
      await exec('analyze h_status');
    });
    await timed('status: receipt', async () => {
      // Held back by a late upload of the lot or a silence of its source: received when it ends.
      await exec(`update h_status h set received_at = greatest(h.received_at, x.e + random() * x.jitter)
        from (select l.lot_id, e.s, e.e, case when e.kind = 'late' then interval '300 seconds' else interval '120 seconds' end as jitter
              from h_episode e join h_lot l on (e.kind = 'late' and e.key = l.code) or (e.kind = 'silent' and e.key = l.source_code)) x
        where h.lot_id = x.lot_id and h.at >= x.s and h.at < x.e`);
      await exec(`delete from h_status where received_at > ${ts(to)}`);
    });
    await timed('status: insert', () => exec(`insert into lot_status_reports (lot_id, occurred_at, total_spaces, free_spaces, flagged)
        select lot_id, at, spaces, free, false from h_status
        union all
        select lot_id, at, spaces, spaces + 1 + floor(u2 * 20)::int, true from h_status where u < ${faults.invalidRate}`));
    progress('status reports');

    if (withEvents) {
      await timed('events', async () => {
        // The event as its source sent it: ids by lot and minute, occurredAt in the source's style.
        const id = `l.code || '-h${seed}-S' || translate(left(x.lt, 16), '- :', '') || case when bad then '-BAD' else '' end`;
        const occurredAt = `case when l.time_style = 'naive' or (l.time_style = 'mixed' and x.u2 < 0.3) then x.lt else replace(x.lt, ' ', 'T') || '+08:00' end`;
        await exec(`insert into ingest_events (source_code, event_id, type, lot_id, occurred_at, received_at, plate, via, payload)
          select l.source_code, ${id}, 'status', x.lot_id, x.at, x.received_at, null, 'import',
                 jsonb_build_object('type', 'status', 'eventId', ${id}, 'occurredAt', ${occurredAt}, 'lotCode', l.code, 'totalSpaces', x.spaces, 'freeSpaces', x.free)
          from (select lot_id, at, lt, received_at, spaces, free, u2, false as bad from h_status
                union all
                select lot_id, at, lt, received_at, spaces, spaces + 1 + floor(u2 * 20)::int, u2, true from h_status where u < ${faults.invalidRate}) x
          join h_lot l on l.lot_id = x.lot_id
          on conflict do nothing`);
      });
    }
    progress('events');
  } finally {
    await timed('indexes', async () => {
      for (const i of loadIndexes) await exec(i.def);
      for (const c of loadConstraints) await exec(`alter table ${c.table} add constraint ${c.name} ${c.def}`);
    });
    await exec('alter table parking_sessions enable trigger user');
    await exec('alter table lot_status_reports enable trigger user');
  }
  progress('indexes');

  // What ingestion keeps as data arrives: each lot's newest status and freshness, each source's.
  await timed('live state', async () => {
    await exec(`insert into lot_live (lot_id, total_spaces, free_spaces, status_at, status_flagged, last_occurred_at, last_received_at)
      select distinct on (lot_id) lot_id, spaces, free, at, false, at, received_at from h_status order by lot_id, at desc
      on conflict (lot_id) do update set total_spaces = excluded.total_spaces, free_spaces = excluded.free_spaces, status_at = excluded.status_at,
        status_flagged = excluded.status_flagged, last_occurred_at = greatest(lot_live.last_occurred_at, excluded.last_occurred_at),
        last_received_at = greatest(lot_live.last_received_at, excluded.last_received_at)`);
    // Heartbeats every minute, none while a source is silent: the last one before `to`.
    const beats = set.sources.map((s) => {
      const phase = Math.floor(unitHash(seed, 'heartbeat-phase', s.code) * 60) * 1000;
      let last = Math.floor((to - 1 - phase) / MINUTE) * MINUTE + phase;
      for (const e of faultEpisodes({ ...set, sources: [s], lots: [] }, last - 12 * HOUR, to, seed, faults).silent) {
        if (last >= e.start && last < e.end) last = Math.floor((e.start - 1 - phase) / MINUTE) * MINUTE + phase;
      }
      return { source: s, at: last };
    });
    await exec(`insert into source_live (source_code, last_occurred_at, last_received_at)
      select * from unnest($1::text[], $2::timestamptz[], $3::timestamptz[])
      on conflict (source_code) do update set last_occurred_at = greatest(source_live.last_occurred_at, excluded.last_occurred_at),
        last_received_at = greatest(source_live.last_received_at, excluded.last_received_at)`,
    [beats.map((b) => b.source.code), beats.map((b) => iso(b.at)), beats.map((b) => iso(b.at + 2 * SECOND))]);
    if (withEvents) {
      const id = (b: { source: SimSource; at: number }) => `${b.source.code}-h${seed}-H${compactLocal(b.at)}`;
      await exec(`insert into ingest_events (source_code, event_id, type, lot_id, occurred_at, received_at, plate, via, payload)
        select code, id, 'heartbeat', null, at, at + interval '2 seconds', null, 'import', jsonb_build_object('type', 'heartbeat', 'eventId', id, 'occurredAt', occurred)
        from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) as b(code, id, at, occurred)
        on conflict do nothing`,
      [beats.map((b) => b.source.code), beats.map(id), beats.map((b) => iso(b.at)), beats.map((b) => new Date(b.at + 8 * HOUR).toISOString().slice(0, 19) + '+08:00')]);
    }
  });

  // The cars inside at `to`, for the live simulator.
  const parked = await timed('parked', async () => {
    const { rows } = await exec(`select l.code, s.plate, s.plate_raw, s.plate_color, s.entered_at, o.exit_at, o.receivable, o.paid, o.channel, s.entry_event_id, s.berth_code
      from h_open o join parking_sessions s on s.lot_id = o.lot_id and s.entry_event_id = o.entry_event_id join h_lot l on l.lot_id = o.lot_id
      order by o.exit_at`);
    return rows.map((r): ParkedCar => ({
      lotCode: String(r.code),
      plate: String(r.plate),
      plateRaw: String(r.plate_raw),
      color: (r.plate_color ?? 'blue') as PlateColor,
      entryAt: new Date(r.entered_at as string).getTime(),
      exitAt: new Date(r.exit_at as string).getTime(),
      entryEventId: String(r.entry_event_id),
      berthCode: (r.berth_code as string | null) ?? null,
      receivableFen: Number(r.receivable),
      paidFen: Number(r.paid),
      payChannel: (r.channel as PayChannel | null) ?? null,
    }));
  });

  await timed('analyze', async () => {
    for (const t of LOADED) await exec(`analyze ${t}`);
  });
  const { rows } = await exec(`select (select count(*) from parking_sessions)::int as sessions,
      (select count(*) from parking_sessions where state = 'open')::int as open,
      (select count(*) from parking_sessions where flags <> '{}')::int as flagged,
      (select count(*) from lot_status_reports)::int as status,
      (select count(*) from payments)::int as payments,
      (select count(*) from ingest_events)::int as events`);
  for (const t of TEMP_TABLES) await exec(`drop table if exists ${t}`);
  progress('done');
  const r = rows[0]!;
  return {
    sessions: Number(r.sessions),
    openSessions: Number(r.open),
    flaggedSessions: Number(r.flagged),
    statusReports: Number(r.status),
    events: Number(r.events),
    payments: Number(r.payments),
    replated,
    lateEpisodes,
    silentEpisodes,
    parked,
    seconds,
    cpuSeconds,
  };
}

const TEMP_TABLES = ['h_lot', 'h_hour', 'h_curve', 'h_slot', 'h_plate', 'h_episode', 'h_open', 'h_clash', 'h_status'];

const compactLocal = (ms: number) => new Date(ms + 8 * HOUR).toISOString().slice(0, 16).replace(/[-T:]/g, '');

async function insertPlates(exec: Exec, plates: readonly { plate: string; raw: string; color: PlateColor }[], first: number): Promise<void> {
  for (let i = 0; i < plates.length; i += 100_000) {
    const part = plates.slice(i, i + 100_000);
    await exec('insert into h_plate select * from unnest($1::int[], $2::text[], $3::text[], $4::text[])',
      [part.map((_, j) => first + i + j), part.map((p) => p.plate), part.map((p) => p.raw), part.map((p) => p.color)]);
  }
}

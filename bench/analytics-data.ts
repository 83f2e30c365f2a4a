/*
 * The year of a Nantong-sized city for npm run bench:analytics, written straight into
 * parking_sessions and lot_status_reports with set-based SQL (generate_series), not through
 * ingestion: 20 million sessions through the API would take the better part of a day here.
 *
 * Lots and sources are the simulator's (buildLotSet: districts, categories, capacities,
 * coordinates). Arrivals per lot and hour follow the simulator's curves (arrivalRate: category,
 * kind, workday / weekend / holiday, school vacations) scaled to the session count asked for;
 * dwell is a two-part log-normal per category and hour shaped like sampleDwellMinutes (office
 * commuters until the evening, residents overnight, transport pick-ups and travellers); fees follow
 * the simulator's tariffs (free period, first period, units, daily cap), monthly-pass holders,
 * on-street arrears and shopping coupons; channels in the simulator's shares. A few sessions are
 * flawed as in real data: lost exits (open, stale after staleSessionDays), exits without entry,
 * duplicate entries, negative durations; cars still parked at the clock's time are open.
 * Status reports every 15 minutes per lot carry the occupancy the sessions imply (entries minus
 * exits so far, clamped to the capacity), with one 5-hour outage per lot and month and a few
 * reports outside capacity (flagged).
 *
 * The analytics change-capture triggers are disabled during the load (a full rebuild follows, as
 * after any bulk import), and the secondary indexes are dropped and rebuilt afterwards, which is
 * several times faster than maintaining them row by row.
 */
import type { DB } from '../src/schema.js';
import { sql, type Kysely } from 'kysely';
import { arrivalRate, dayTypeOf, type DayType } from '../src/modules/simulator/demand.js';
import { tariffFor } from '../src/modules/simulator/fees.js';
import { buildLotSet, type SimLot } from '../src/modules/simulator/lot-set.js';
import type { LotCategory, LotKind } from '../src/modules/registry/tables.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SHANGHAI_MS = 8 * HOUR_MS;
export const STATUS_MINUTES = 15;
/** Lots of the full-size city. */
export const FULL_CITY_LOTS = 320;

/** Runs one statement: on PostgreSQL through a dedicated connection (session settings stick). */
export type Exec = (statement: string) => Promise<{ rows: Record<string, unknown>[] }>;

export interface Plan {
  lots: number;
  /** First instant of the data: a Shanghai midnight. */
  start: Date;
  /** The clock: data runs up to here; sessions still parked then are open. */
  now: Date;
  /** Sessions to aim for (the curves are scaled to it). */
  sessions: number;
  staleSessionDays: number;
}

export interface Generated {
  sessions: number;
  openSessions: number;
  flaggedSessions: number;
  statusReports: number;
  lots: number;
  spaces: number;
  districts: number;
  categories: number;
  seconds: Record<string, number>;
}

const CATEGORIES: readonly LotCategory[] = ['commercial', 'hospital', 'school', 'residential', 'office', 'scenic', 'transport', 'government', 'other'];
const DAY_TYPES: readonly DayType[] = ['workday', 'weekend', 'holiday'];

/** Shares of monthly pass holders (as fees.ts), charged nothing. */
const PASS_SHARE: Record<LotCategory, number> = {
  residential: 0.75, office: 0.55, government: 0.5, school: 0.4, hospital: 0.1, commercial: 0.05, transport: 0.03, scenic: 0, other: 0.1,
};

/** Dwell as a mixture: with probability p log-normal(ma, sa) minutes, else log-normal(mb, sb). */
interface Dwell { p: number; ma: number; sa: number; mb: number; sb: number }

/** Shaped after sampleDwellMinutes for a car arriving at the middle of the local hour `h`. */
function dwellFor(category: LotCategory, kind: LotKind, h: number, day: DayType): Dwell {
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

const shanghaiDate = (ms: number) => new Date(ms + SHANGHAI_MS).toISOString().slice(0, 10);
const schoolVacation = (date: string) => {
  const md = date.slice(5);
  return (md >= '07-05' && md <= '08-31') || (md >= '01-22' && md <= '02-20');
};
const lit = (v: string | null) => (v === null ? 'null' : `'${v.replace(/'/g, "''")}'`);
const num = (v: number | null) => (v === null ? 'null' : String(v));

/** Multi-row VALUES in slices, for the small planning tables. */
async function insertRows(exec: Exec, table: string, columns: string, rows: string[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) await exec(`insert into ${table} (${columns}) values ${rows.slice(i, i + 2000).join(',')}`);
}

/** Non-primary-key indexes of a table, to drop before a bulk load and create again after. */
async function secondaryIndexes(exec: Exec, table: string): Promise<{ name: string; def: string }[]> {
  const { rows } = await exec(`select i.indexname as name, i.indexdef as def from pg_indexes i
    join pg_class c on c.relname = i.indexname join pg_index x on x.indexrelid = c.oid
    where i.schemaname = 'public' and i.tablename = '${table}' and not x.indisprimary order by i.indexname`);
  return rows as { name: string; def: string }[];
}

/** Lots and sources; returns the lots as inserted. */
export async function seedLots(exec: Exec, lots: SimLot[], sources: ReturnType<typeof buildLotSet>['sources']): Promise<void> {
  await insertRows(exec, 'data_sources', 'code, name, vendor, district_code, secret_encrypted',
    sources.map((s) => `(${lit(s.code)}, ${lit(s.name)}, ${lit(s.vendor)}, ${lit(s.districtCode)}, 'bench')`));
  await insertRows(exec, 'lots', 'code, name, district_code, kind, category, total_spaces, address, lng, lat, source_code',
    lots.map((l) => `(${lit(l.code)}, ${lit(l.name)}, ${lit(l.districtCode)}, ${lit(l.kind)}, ${lit(l.category)}, ${l.totalSpaces}, ${lit(l.address)}, ${l.lng}, ${l.lat}, ${lit(l.sourceCode)})`));
}

/**
 * Writes the year. `progress(done, total, label)` after each chunk; `afterLots` runs once the
 * lots exist, before the bulk load. The caller has migrated the database; `exec` runs on one connection.
 */
export async function generate(exec: Exec, plan: Plan, progress: (done: number, total: number, label: string) => void, afterLots?: () => Promise<void>): Promise<Generated> {
  const seconds: Record<string, number> = {};
  const timed = async (label: string, fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    seconds[label] = (seconds[label] ?? 0) + (performance.now() - t) / 1000;
  };
  await exec('select setseed(0.1125)');

  const hours: { at: number; day: DayType; hour: number; vacation: boolean }[] = [];
  for (let at = plan.start.getTime(); at < plan.now.getTime(); at += HOUR_MS) {
    const date = shanghaiDate(at);
    hours.push({ at, day: dayTypeOf(date), hour: new Date(at + SHANGHAI_MS).getUTCHours(), vacation: schoolVacation(date) });
  }
  // The simulator's curves are arrivals per space, tuned so that lots run near full at their peak.
  // To reach the session count asked for at that realism, lots are resized (their share of the
  // city stays), then what rounding left is taken up by the rates.
  // A smaller city takes every n-th lot of the full one, so that it still spans the districts.
  const full = buildLotSet(20261125, Math.max(plan.lots, FULL_CITY_LOTS));
  const step = full.lots.length / plan.lots;
  const picked = Array.from({ length: plan.lots }, (_, i) => full.lots[Math.floor(i * step)]!);
  const sourceCodes = new Set(picked.map((l) => l.sourceCode));
  const set = { lots: picked, sources: full.sources.filter((s) => sourceCodes.has(s.code)) };
  const expectedFor = (lots: readonly SimLot[]) => {
    let n = 0;
    for (const l of lots) for (const h of hours) n += l.totalSpaces * l.popularity * arrivalRate(l.category, l.kind, h.hour, h.day) * (l.category === 'school' && h.vacation ? 0.2 : 1);
    return n;
  };
  const resize = plan.sessions / expectedFor(set.lots);
  const lots = set.lots.map((l) => ({ ...l, totalSpaces: Math.max(5, Math.round(l.totalSpaces * resize)) }));
  const scale = plan.sessions / expectedFor(lots);
  await timed('lots', () => seedLots(exec, lots, set.sources));
  await afterLots?.();
  const { rows: lotIds } = await exec('select id, code from lots');
  const idOf = new Map(lotIds.map((r) => [r.code as string, Number(r.id)]));

  // Planning tables: the lots with their tariffs, the hours with their kind of day, the curves.
  await exec(`create temporary table bench_lot (lot_id int primary key, source_code text, category text, kind text, district_code text,
    spaces int, weight double precision, pass double precision,
    free_min int, first_min int, first_fen int, unit_min int, unit_fen int, cap_fen int)`);
  await insertRows(exec, 'bench_lot', 'lot_id, source_code, category, kind, district_code, spaces, weight, pass, free_min, first_min, first_fen, unit_min, unit_fen, cap_fen',
    lots.map((l) => {
      const t = tariffFor(l);
      return `(${idOf.get(l.code)}, ${lit(l.sourceCode)}, ${lit(l.category)}, ${lit(l.kind)}, ${lit(l.districtCode)}, ${l.totalSpaces}, ${l.totalSpaces * l.popularity}, ${PASS_SHARE[l.category]},
        ${t.freeMinutes}, ${t.firstPeriodMinutes}, ${t.firstPeriodFen}, ${t.unitMinutes}, ${t.unitFen}, ${num(t.dailyCapFen ?? 1_000_000)})`;
    }));

  await exec('create temporary table bench_hour (n int primary key, at timestamptz, day_type text, hour int, vacation boolean)');
  await insertRows(exec, 'bench_hour', 'n, at, day_type, hour, vacation',
    hours.map((h, n) => `(${n}, '${new Date(h.at).toISOString()}', '${h.day}', ${h.hour}, ${h.vacation})`));

  await exec(`create temporary table bench_curve (category text, kind text, day_type text, hour int, rate double precision,
    p double precision, ma double precision, sa double precision, mb double precision, sb double precision,
    primary key (category, kind, day_type, hour))`);
  const curve: string[] = [];
  for (const c of CATEGORIES) for (const k of ['off_street', 'on_street'] as const) for (const d of DAY_TYPES) for (let h = 0; h < 24; h++) {
    const w = dwellFor(c, k, h, d);
    curve.push(`('${c}', '${k}', '${d}', ${h}, ${arrivalRate(c, k, h, d)}, ${w.p}, ${w.ma}, ${w.sa}, ${w.mb}, ${w.sb})`);
  }
  await insertRows(exec, 'bench_curve', 'category, kind, day_type, hour, rate, p, ma, sa, mb, sb', curve);

  // Sessions, a month of hours per statement, without the secondary indexes and the triggers.
  const sessionIndexes = await secondaryIndexes(exec, 'parking_sessions');
  const statusIndexes = await secondaryIndexes(exec, 'lot_status_reports');
  await exec('alter table parking_sessions disable trigger user');
  await exec('alter table lot_status_reports disable trigger user');
  for (const i of [...sessionIndexes, ...statusIndexes]) await exec(`drop index ${i.name}`);

  const now = `timestamptz '${plan.now.toISOString()}'`;
  const stale = `${now} - interval '${plan.staleSessionDays} days'`;
  const chunk = 24 * 30;
  for (let from = 0; from < hours.length; from += chunk) {
    await timed('sessions', () => exec(`
      insert into parking_sessions (lot_id, source_code, plate, plate_raw, entry_event_id, exit_event_id, entered_at, exited_at,
                                    receivable_fen, paid_fen, pay_channel, state, flags, created_at, updated_at)
      select lot_id, source_code, plate, plate, entry_id,
             case when state = 'closed' then 'x' || entry_id end,
             case when flag = 'no_entry' then null else entered_at end,
             case when state = 'open' then null when flag = 'negative_duration' then entered_at - interval '5 minutes' else exited_at end,
             case when state = 'closed' then receivable end,
             case when state = 'closed' then paid end,
             case when state = 'closed' and paid > 0 then channel end,
             state,
             case when flag is null then '{}'::text[] else array[flag] end,
             coalesce(least(exited_at, ${now}), entered_at), coalesce(least(exited_at, ${now}), entered_at)
      from (
        select s.*,
               case when s.u_flag < 0.0003 or s.exited_at > ${now} then 'open' else 'closed' end as state,
               case when s.u_flag < 0.0003 then (case when s.entered_at < ${stale} then 'stale' end)
                    when s.u_flag < 0.0023 and s.exited_at <= ${now} then 'no_entry'
                    when s.u_flag < 0.0033 then 'duplicate_entry'
                    when s.u_flag < 0.0034 and s.exited_at <= ${now} then 'negative_duration' end as flag,
               case when s.receivable = 0 or s.u_pass < s.pass * (case when s.minutes >= 360 then 1 else 0.25 end) then 0
                    when s.kind = 'on_street' and s.u_pay < 0.10 then 0
                    when s.kind = 'on_street' and s.u_pay < 0.13 then floor(s.receivable * (0.3 + 0.5 * s.u_pass) / 100) * 100
                    when s.category = 'commercial' and s.u_pay < 0.12 then greatest(0, s.receivable - 500)
                    else s.receivable end as paid,
               case when s.kind = 'on_street' then
                      case when s.u_ch < 45 / 88.0 then 'wechat' when s.u_ch < 75 / 88.0 then 'alipay' when s.u_ch < 83 / 88.0 then 'unionpay' else 'cash' end
                    else case when s.u_ch < 0.45 / 0.95 then 'wechat' when s.u_ch < 0.75 / 0.95 then 'alipay' when s.u_ch < 0.83 / 0.95 then 'unionpay'
                              when s.u_ch < 0.90 / 0.95 then 'etc' else 'cash' end end as channel
        from (
          select d.*, d.entered_at + d.minutes * interval '1 minute' as exited_at,
                 case when d.minutes <= d.free_min then 0
                      else floor(d.minutes / 1440) * least(d.first_fen + ceil(greatest(0, 1440 - d.first_min)::numeric / d.unit_min) * d.unit_fen, d.cap_fen)
                           + least(d.first_fen + ceil(greatest(0, d.minutes - floor(d.minutes / 1440) * 1440 - d.first_min)::numeric / d.unit_min) * d.unit_fen, d.cap_fen)
                 end::int as receivable
          from (
            select l.lot_id, l.source_code, l.category, l.kind, l.pass, l.free_min, l.first_min, l.first_fen, l.unit_min, l.unit_fen, l.cap_fen,
                   h.at + random() * interval '1 hour' as entered_at,
                   round(least(5760, greatest(2, exp(case when random() < c.p then ln(c.ma) + c.sa * z.z else ln(c.mb) + c.sb * z.z end))))::int as minutes,
                   '苏' || substr('ABCDEFGHJKLMN', 1 + floor(random() * 13)::int, 1) || lpad(floor(random() * 100000)::int::text, 5, '0') as plate,
                   l.lot_id || '-' || h.n || '-' || g.g as entry_id,
                   random() as u_flag, random() as u_pass, random() as u_pay, random() as u_ch
            from bench_hour h
            cross join bench_lot l
            join bench_curve c on c.category = l.category and c.kind = l.kind and c.day_type = h.day_type and c.hour = h.hour
            cross join lateral generate_series(1, floor(l.weight * c.rate * ${scale}
                 * (case when l.category = 'school' and h.vacation then 0.2 else 1 end) * (0.8 + 0.4 * random()) + random())::int) as g(g)
            cross join lateral (select sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) + 0 * g.g as z) as z
            where h.n >= ${from} and h.n < ${from + chunk}
          ) d
        ) s
        where s.entered_at < ${now}
      ) v`));
    progress(Math.min(hours.length, from + chunk), hours.length + 2, 'sessions');
  }

  // Status every 15 minutes from what the sessions imply, lot by lot in slices.
  const ids = [...idOf.values()].sort((a, b) => a - b);
  const origin = `timestamptz '${plan.start.toISOString()}'`;
  const slice = Math.max(1, Math.ceil(ids.length / 8));
  for (let i = 0; i < ids.length; i += slice) {
    const lo = ids[i]!;
    const hi = ids[Math.min(ids.length, i + slice) - 1]!;
    await timed('status reports', () => exec(`
      insert into lot_status_reports (lot_id, occurred_at, total_spaces, free_spaces, flagged)
      select lot_id, at, spaces,
             case when u < 0.001 then spaces + 3 else greatest(0, spaces - least(spaces, greatest(0, occupied))) end,
             u < 0.001
      from (
        select l.lot_id, l.spaces, sl.slot + interval '${STATUS_MINUTES} minutes' - random() * interval '60 seconds' as at, random() as u,
               sum(coalesce(e.n, 0)) over w as occupied
        from bench_lot l
        cross join generate_series(${origin}, ${now} - interval '${STATUS_MINUTES} minutes', interval '${STATUS_MINUTES} minutes') sl(slot)
        left join (
          select lot_id, slot, sum(n) as n from (
            select lot_id, date_bin('${STATUS_MINUTES} minutes', entered_at, ${origin}) as slot, 1 as n
              from parking_sessions where lot_id between ${lo} and ${hi} and entered_at is not null
            union all
            select lot_id, date_bin('${STATUS_MINUTES} minutes', exited_at, ${origin}), -1
              from parking_sessions where lot_id between ${lo} and ${hi} and entered_at is not null and exited_at >= entered_at
          ) ev group by lot_id, slot
        ) e on e.lot_id = l.lot_id and e.slot = sl.slot
        where l.lot_id between ${lo} and ${hi}
        window w as (partition by l.lot_id order by sl.slot)
      ) r
      -- one 5-hour outage per lot and month, at night
      where not ((floor(extract(epoch from at - ${origin}) / 86400)::int + lot_id) % 30 = 0
                 and extract(hour from at at time zone 'Asia/Shanghai') between 1 and 5)`));
  }
  progress(hours.length + 1, hours.length + 2, 'indexes');

  await timed('indexes', async () => {
    for (const i of [...sessionIndexes, ...statusIndexes]) await exec(i.def);
  });
  await exec('alter table parking_sessions enable trigger user');
  await exec('alter table lot_status_reports enable trigger user');

  // What ingestion keeps up to date as data arrives: the lots' live state and freshness.
  await timed('live state', async () => {
    await exec('delete from lot_live');
    await exec('delete from source_live');
    await exec(`insert into lot_live (lot_id, total_spaces, free_spaces, status_at, status_flagged, last_occurred_at, last_received_at)
      select distinct on (lot_id) lot_id, total_spaces, free_spaces, occurred_at, flagged, occurred_at, occurred_at + interval '20 seconds'
      from lot_status_reports order by lot_id, occurred_at desc`);
    await exec(`insert into source_live (source_code, last_occurred_at, last_received_at)
      select l.source_code, max(v.last_occurred_at), max(v.last_received_at) from lot_live v join lots l on l.id = v.lot_id group by l.source_code`);
  });
  // Autovacuum does this after a bulk load in production; the planner and index-only scans need it.
  await timed('vacuum analyze', async () => {
    await exec('vacuum analyze parking_sessions');
    await exec('vacuum analyze lot_status_reports');
    await exec('analyze lots');
  });
  progress(hours.length + 2, hours.length + 2, 'done');

  const { rows } = await exec(`select
      (select count(*) from parking_sessions) as sessions,
      (select count(*) from parking_sessions where state = 'open') as open,
      (select count(*) from parking_sessions where flags <> '{}') as flagged,
      (select count(*) from lot_status_reports) as status,
      (select count(*) from lots) as lots, (select sum(total_spaces) from lots) as spaces,
      (select count(distinct district_code) from lots) as districts, (select count(distinct category) from lots) as categories`);
  const r = rows[0]!;
  return {
    sessions: Number(r.sessions), openSessions: Number(r.open), flaggedSessions: Number(r.flagged), statusReports: Number(r.status),
    lots: Number(r.lots), spaces: Number(r.spaces), districts: Number(r.districts), categories: Number(r.categories), seconds,
  };
}

/** A Kysely-backed Exec (PGlite, one connection). */
export const kyselyExec = (db: Kysely<DB>): Exec => async (statement) => {
  const r = await sql.raw(statement).execute(db);
  return { rows: r.rows as Record<string, unknown>[] };
};

export const DAY = DAY_MS;

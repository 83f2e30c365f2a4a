import { sql, type RawBuilder } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { qualityContext, type QualityDb } from './repo.js';

/*
 * The data-quality scores from day counts (issue 15 §4; the definition: docs/用户手册.md §14.9). A score
 * is a sum over Shanghai days of rows and affected rows per lot (scores.ts), so job
 * quality.score-days (`refreshScoreDays`) keeps, per lot and closed day, the counts of its
 * sessions (per the session's own source) and status reports in `quality_score_days`
 * (migration 0045; `quality_score_days_done` says which lot-days are counted, those without a
 * row too). Triggers mark a lot-day in `quality_score_dirty` when one of its rows is added,
 * removed, moved to another day, lot or source, gains or loses pairing flags, or when a finding
 * about one of its rows starts or stops counting (open / fixed vs dismissed). The scores
 * (`dailyCounts`) use a lot-day's counts only when the day has ended, lies wholly inside the
 * range and no mark waits for it; the rest — today, the range's partial edges, marked days, days
 * the job has not reached — they count from the rows as before. So they equal the direct
 * computation at every moment (quality.test.ts compares them). As in the sync report
 * (src/modules/monitoring/sync-days.ts), the job reads the marks first, counts later and deletes
 * only the marks it read: a change committed after its snapshot keeps its own mark.
 */

export const SCORE_DAYS_JOB = 'quality.score-days';
const DAY = 86_400_000;
const SHANGHAI = 8 * 3600_000;
const MARKS_PER_RUN = 50_000;
const DAYS_PER_RUN = 5_000;
const BATCH = 1_000;

export type ScoreKeyBy = 'lot' | 'source';

/** Rows and affected rows of one key (lot id or source code) on one Shanghai day. */
export interface DailyCount {
  key: string;
  day: string;
  n: number;
  bad: number;
  sessions: number;
}

interface Range {
  lotId: number;
  from: Date;
  to: Date;
}

const dayOf = (ms: number): string => new Date(ms + SHANGHAI).toISOString().slice(0, 10);
const dayStart = (day: string): number => Date.parse(`${day}T00:00:00+08:00`);
const shDay = (t: RawBuilder<unknown>) => sql`to_char((${t} at time zone 'UTC') + interval '8 hours', 'YYYY-MM-DD')`;
const badFinding = (type: string, id: RawBuilder<unknown>) =>
  sql`exists (select 1 from quality_findings f where f.target_type = ${type} and f.target_id = ${id} and f.status in ('open', 'fixed'))`;

/**
 * Per lot, day, kind and source (a session's own; a report's is its lot's, `key` below), the
 * rows in the ranges and how many are affected: the definition of scores.ts, per range.
 * `by` chooses what the key column holds: the lot id, or the source code (null: no source).
 */
async function countRanges(db: QualityDb, ranges: readonly Range[], by: ScoreKeyBy | null) {
  const out: { lot_id: number; day: string; kind: 'session' | 'report'; source_code: string; key: string | null; n: number; bad: number }[] = [];
  for (let i = 0; i < ranges.length; i += BATCH) {
    const part = ranges.slice(i, i + BATCH);
    const sessionKey = by === 'lot' ? sql`r.lot_id::text` : sql`s.source_code`;
    const reportKey = by === 'lot' ? sql`r.lot_id::text` : sql`l.source_code`;
    const { rows } = await sql<(typeof out)[number]>`
      select r.lot_id, x.day, x.kind, x.source_code, x.key, count(*)::int as n, (count(*) filter (where x.bad))::int as bad
        from unnest(${sql.val(part.map((p) => p.lotId))}::int[], ${sql.val(part.map((p) => p.from.toISOString()))}::timestamptz[],
                    ${sql.val(part.map((p) => p.to.toISOString()))}::timestamptz[]) as r(lot_id, f, t)
        join lots l on l.id = r.lot_id
       cross join lateral (
         select ${shDay(sql`coalesce(s.entered_at, s.exited_at)`)} as day, 'session' as kind, s.source_code, ${sessionKey} as key,
                (cardinality(s.flags) > 0 or ${badFinding('session', sql`s.id`)}) as bad
           from parking_sessions s
          where s.lot_id = r.lot_id
            and ((s.entered_at >= r.f and s.entered_at < r.t) or (s.entered_at is null and s.exited_at >= r.f and s.exited_at < r.t))
         union all
         select ${shDay(sql`q.occurred_at`)}, 'report', '', ${reportKey}, ${badFinding('status_report', sql`q.id`)}
           from lot_status_reports q
          where q.lot_id = r.lot_id and q.occurred_at >= r.f and q.occurred_at < r.t
       ) x
       group by r.lot_id, x.day, x.kind, x.source_code, x.key`.execute(db);
    out.push(...rows.map((r) => ({ ...r, n: Number(r.n), bad: Number(r.bad) })));
  }
  return out;
}

/**
 * Rows and affected rows per key and Shanghai day over [from, to) for these lots: the counted
 * lot-days that may be used, plus the rest counted from the rows. Sorted by key, then day.
 */
export async function dailyCounts(db: QualityDb, lotIds: readonly number[], by: ScoreKeyBy, from: Date, to: Date, now: Date): Promise<DailyCount[]> {
  if (lotIds.length === 0) return [];
  // The whole, ended days of the range: these may come from the counts.
  const firstFull = dayOf(from.getTime() + DAY - 1);
  const fullEnd = Math.min(to.getTime(), now.getTime());
  const days: string[] = [];
  for (let t = dayStart(firstFull); t + DAY <= fullEnd; t += DAY) days.push(dayOf(t));
  const ids = sql.val([...lotIds]);
  const merged = new Map<string, DailyCount>();
  const add = (key: string | null, day: string, n: number, bad: number, sessions: number) => {
    if (key === null) return;
    const k = `${key}\u0000${day}`;
    const c = merged.get(k) ?? { key, day, n: 0, bad: 0, sessions: 0 };
    c.n += n;
    c.bad += bad;
    c.sessions += sessions;
    merged.set(k, c);
  };

  const missing = new Map<number, Set<string>>();
  if (days.length > 0) {
    const lo = days[0]!;
    const hi = days[days.length - 1]!;
    const usable = sql`
      select d.lot_id, d.day from quality_score_days_done d
       where d.lot_id = any(${ids}::int[]) and d.day >= ${lo}::date and d.day <= ${hi}::date
         and not exists (select 1 from quality_score_dirty m where m.lot_id = d.lot_id and m.day = d.day)`;
    const key = by === 'lot' ? sql`q.lot_id::text` : sql`case when q.kind = 'session' then nullif(q.source_code, '') else l.source_code end`;
    const [kept, gaps] = await Promise.all([
      sql<{ key: string | null; day: string; n: number; bad: number; sessions: number }>`
        select ${key} as key, to_char(q.day, 'YYYY-MM-DD') as day, sum(q.rows)::int as n, sum(q.affected)::int as bad,
               coalesce(sum(q.rows) filter (where q.kind = 'session'), 0)::int as sessions
          from quality_score_days q
          join (${usable}) u on u.lot_id = q.lot_id and u.day = q.day
          join lots l on l.id = q.lot_id
         group by 1, 2`.execute(db),
      sql<{ lot_id: number; day: string }>`
        select lt.id as lot_id, to_char(g.d, 'YYYY-MM-DD') as day
          from unnest(${ids}::int[]) as lt(id)
         cross join generate_series(${lo}::date, ${hi}::date, interval '1 day') as g(d)
         where not exists (select 1 from (${usable}) u where u.lot_id = lt.id and u.day = g.d::date)`.execute(db),
    ]);
    for (const r of kept.rows) add(r.key, r.day, Number(r.n), Number(r.bad), Number(r.sessions));
    for (const g of gaps.rows) {
      const set = missing.get(g.lot_id) ?? new Set<string>();
      set.add(g.day);
      missing.set(g.lot_id, set);
    }
  }
  // Counted from the rows: the part before the first whole day, each day not usable (runs of them
  // as one range), and everything from the first day that has not ended (or the range end).
  const ranges: Range[] = [];
  const headEnd = Math.min(dayStart(firstFull), to.getTime());
  const tailStart = Math.max(days.length ? dayStart(days[days.length - 1]!) + DAY : headEnd, headEnd);
  for (const lotId of lotIds) {
    if (headEnd > from.getTime()) ranges.push({ lotId, from, to: new Date(headEnd) });
    let open: Range | null = null;
    for (const day of days) {
      if (!missing.get(lotId)?.has(day)) {
        open = null;
        continue;
      }
      if (open) open.to = new Date(dayStart(day) + DAY);
      else {
        open = { lotId, from: new Date(dayStart(day)), to: new Date(dayStart(day) + DAY) };
        ranges.push(open);
      }
    }
    if (to.getTime() > tailStart) ranges.push({ lotId, from: new Date(tailStart), to });
  }
  for (const r of await countRanges(db, ranges, by)) add(r.key, r.day, r.n, r.bad, r.kind === 'session' ? r.n : 0);
  return [...merged.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

export interface ScoreDaysResult {
  marks: number;
  days: number;
}

/**
 * Job quality.score-days: counts the ended lot-days that changed (marked by the triggers) and
 * those not counted yet — from the lot's first row to yesterday, newest first, a bounded number
 * per run. Days that have not ended are never kept.
 */
export async function refreshScoreDays(anyCtx: AppContext): Promise<ScoreDaysResult> {
  const ctx = qualityContext(anyCtx);
  const db = ctx.db;
  const today = dayOf(ctx.clock.now().getTime());
  const now = ctx.clock.now();
  await sql`delete from quality_score_dirty where day >= ${today}::date`.execute(db);
  await sql`delete from quality_score_days where day >= ${today}::date`.execute(db);
  await sql`delete from quality_score_days_done where day >= ${today}::date`.execute(db);

  const { rows: marks } = await sql<{ id: string; lot_id: number; day: string }>`
    select id::text as id, lot_id, to_char(day, 'YYYY-MM-DD') as day from quality_score_dirty order by id limit ${MARKS_PER_RUN}`.execute(db);
  const todo = new Map<string, { lotId: number; day: string }>();
  for (const m of marks) todo.set(`${m.lot_id}/${m.day}`, { lotId: m.lot_id, day: m.day });
  const { rows: missing } = await sql<{ lot_id: number; day: string }>`
    select l.id as lot_id, to_char(g.d, 'YYYY-MM-DD') as day
      from lots l
     cross join lateral (
       select ((least((select min(s.entered_at) from parking_sessions s where s.lot_id = l.id),
                      (select min(s.exited_at) from parking_sessions s where s.lot_id = l.id),
                      (select min(r.occurred_at) from lot_status_reports r where r.lot_id = l.id)) at time zone 'UTC') + interval '8 hours')::date as first_day
     ) f
     cross join lateral generate_series(f.first_day, ${today}::date - 1, interval '1 day') as g(d)
     where not exists (select 1 from quality_score_days_done d where d.lot_id = l.id and d.day = g.d::date)
     order by g.d desc, l.id
     limit ${DAYS_PER_RUN}`.execute(db);
  for (const m of missing) todo.set(`${m.lot_id}/${m.day}`, { lotId: m.lot_id, day: m.day });

  const wanted = [...todo.values()];
  for (let i = 0; i < wanted.length; i += BATCH) {
    const part = wanted.slice(i, i + BATCH);
    const counted = await countRanges(db, part.map((w) => ({ lotId: w.lotId, from: new Date(dayStart(w.day)), to: new Date(dayStart(w.day) + DAY) })), null);
    await db.transaction().execute(async (trx) => {
      const lots = sql.val(part.map((w) => w.lotId));
      const days = sql.val(part.map((w) => w.day));
      await sql`delete from quality_score_days q using unnest(${lots}::int[], ${days}::date[]) as w(lot_id, day)
                 where q.lot_id = w.lot_id and q.day = w.day`.execute(trx);
      if (counted.length > 0) {
        await sql`insert into quality_score_days (lot_id, day, kind, source_code, rows, affected)
          select * from unnest(${sql.val(counted.map((c) => c.lot_id))}::int[], ${sql.val(counted.map((c) => c.day))}::date[],
                               ${sql.val(counted.map((c) => c.kind))}::text[], ${sql.val(counted.map((c) => c.source_code))}::text[],
                               ${sql.val(counted.map((c) => c.n))}::int[], ${sql.val(counted.map((c) => c.bad))}::int[])`.execute(trx);
      }
      await sql`insert into quality_score_days_done (lot_id, day, computed_at)
        select w.lot_id, w.day, ${now.toISOString()}::timestamptz from unnest(${lots}::int[], ${days}::date[]) as w(lot_id, day)
        on conflict (lot_id, day) do update set computed_at = excluded.computed_at`.execute(trx);
    });
  }
  if (marks.length > 0) await sql`delete from quality_score_dirty where id = any(${sql.val(marks.map((m) => m.id))}::bigint[])`.execute(db);
  return { marks: marks.length, days: wanted.length };
}

import { sql } from 'kysely';
import type { Actor } from '../../platform/auth/permissions.js';
import { badRequest } from '../../platform/errors.js';
import { shanghaiDay } from '../../platform/time.js';
import { parseScanBound, scopedLotIds } from './scan.js';
import type { QualityContext } from './repo.js';
import { dailyCounts, type DailyCount } from './score-days.js';

/*
 * Data-quality score (数据质量分) per lot or per data source, over a range and per Shanghai day:
 *
 *   score = 100 × (1 − affected rows ÷ rows), one decimal; null when there are no rows.
 *
 * rows: the parking sessions (by entry time, else exit time) and space status reports (by
 * report time) the lot or source delivered in the period, set aside or not — what was sent.
 * affected: those of them with a finding that is open or fixed (a dismissed finding was a false
 * alarm), plus sessions carrying pairing flags (no entry, stale, double entry…).
 * A report's source is its lot's source. Lot-level findings (capacity) are counted per rule but
 * do not enter the score: they are about the registry, not about rows.
 */

export const SCORE_BY = ['lot', 'source'] as const;
export type ScoreBy = (typeof SCORE_BY)[number];
const DAY = 86_400_000;
const MAX_DAYS = 366;

export interface ScoreEntity {
  code: string;
  name: string;
  score: number | null;
  rows: number;
  sessions: number;
  statusReports: number;
  affected: number;
  findings: Record<string, number>;
  trend: { day: string; score: number | null; rows: number; affected: number }[];
}

export const scoreOf = (rows: number, affected: number): number | null => (rows > 0 ? Math.round(1000 * (1 - affected / rows)) / 10 : null);

/**
 * The scores of the lots (or sources) in the actor's scope. They read the day counts of
 * score-days.ts; `direct` counts every row of the range instead — the definition above, which
 * the day counts must equal (quality.test.ts compares the two).
 */
export async function qualityScores(ctx: QualityContext, actor: Actor, q: { by?: string; from?: string; to?: string }, opts: { direct?: boolean } = {}): Promise<{ by: ScoreBy; from: string; to: string; items: ScoreEntity[] }> {
  const by = (q.by?.trim() || 'lot') as ScoreBy;
  if (!SCORE_BY.includes(by)) throw badRequest('INVALID_BY', 'by 应为 lot 或 source / by must be lot or source');
  const now = ctx.clock.now();
  const to = parseScanBound(q.to, 'to') ?? new Date(Date.parse(`${shanghaiDay(now)}T00:00:00+08:00`) + DAY);
  const from = parseScanBound(q.from, 'from') ?? new Date(to.getTime() - 30 * DAY);
  if (from >= to) throw badRequest('INVALID_TIME_RANGE', '开始时间应早于结束时间 / from must be before to');
  if (to.getTime() - from.getTime() > MAX_DAYS * DAY) throw badRequest('RANGE_TOO_LONG', `最多 ${MAX_DAYS} 天 / at most ${MAX_DAYS} days`);
  const lotIds = await scopedLotIds(ctx.db, actor);
  const lots = sql.val(lotIds);
  const daily = opts.direct ? await directDaily(ctx, by, lotIds, from, to) : await dailyCounts(ctx.db, lotIds, by, from, to, now);

  const findingKey = by === 'lot' ? sql`f.lot_id::text` : sql`f.source_code`;
  const byRule = await sql<{ key: string; rule: string; n: number }>`
    select ${findingKey} as key, f.rule, count(*)::int as n from quality_findings f
    where f.lot_id = any(${lots}::int[]) and f.status in ('open', 'fixed') and f.at >= ${from} and f.at < ${to} and ${findingKey} is not null
    group by 1, 2`.execute(ctx.db);

  const names = by === 'lot'
    ? (await ctx.db.selectFrom('lots').select(['id', 'code', 'name']).where('id', 'in', lotIds.length ? lotIds : [-1]).execute())
      .map((l) => ({ key: String(l.id), code: l.code, name: l.name }))
    : (await sql<{ code: string; name: string }>`
        select distinct ds.code, ds.name from data_sources ds join lots l on l.source_code = ds.code where l.id = any(${lots}::int[])`.execute(ctx.db)).rows
      .map((s) => ({ key: s.code, code: s.code, name: s.name }));

  const entities = new Map<string, ScoreEntity>();
  const entity = (key: string): ScoreEntity => {
    let e = entities.get(key);
    if (!e) {
      const n = names.find((x) => x.key === key);
      e = { code: n?.code ?? key, name: n?.name ?? key, score: null, rows: 0, sessions: 0, statusReports: 0, affected: 0, findings: {}, trend: [] };
      entities.set(key, e);
    }
    return e;
  };
  for (const n of names) entity(n.key);
  for (const d of daily) {
    const e = entity(d.key);
    e.rows += d.n;
    e.sessions += d.sessions;
    e.statusReports += d.n - d.sessions;
    e.affected += d.bad;
    e.trend.push({ day: d.day, score: scoreOf(d.n, d.bad), rows: d.n, affected: d.bad });
  }
  for (const f of byRule.rows) entity(f.key).findings[f.rule] = f.n;
  const items = [...entities.values()].map((e) => ({ ...e, score: scoreOf(e.rows, e.affected) }));
  // Worst first: the entities that need attention; those without data last.
  items.sort((a, b) => (a.score ?? 101) - (b.score ?? 101) || a.code.localeCompare(b.code));
  return { by, from: from.toISOString(), to: to.toISOString(), items };
}

/** Rows and affected rows per key and day, counted from every row of the range (the definition). */
async function directDaily(ctx: QualityContext, by: ScoreBy, lotIds: number[], from: Date, to: Date): Promise<DailyCount[]> {
  const lots = sql.val(lotIds);
  const day = (t: ReturnType<typeof sql>) => sql`to_char((${t} at time zone 'UTC') + interval '8 hours', 'YYYY-MM-DD')`;
  const badFinding = (type: string, id: ReturnType<typeof sql>) =>
    sql`exists (select 1 from quality_findings f where f.target_type = ${type} and f.target_id = ${id} and f.status in ('open', 'fixed'))`;
  const sessionKey = by === 'lot' ? sql`s.lot_id::text` : sql`s.source_code`;
  const reportKey = by === 'lot' ? sql`r.lot_id::text` : sql`l.source_code`;

  const daily = await sql<{ key: string; day: string; n: number; bad: number; sessions: number }>`
    with rows as (
      select ${sessionKey} as key, ${day(sql`coalesce(s.entered_at, s.exited_at)`)} as day, 1 as is_session,
        (cardinality(s.flags) > 0 or ${badFinding('session', sql`s.id`)}) as bad
      from parking_sessions s
      where s.lot_id = any(${lots}::int[])
        and ((s.entered_at >= ${from} and s.entered_at < ${to}) or (s.entered_at is null and s.exited_at >= ${from} and s.exited_at < ${to}))
      union all
      select ${reportKey}, ${day(sql`r.occurred_at`)}, 0, ${badFinding('status_report', sql`r.id`)}
      from lot_status_reports r join lots l on l.id = r.lot_id
      where r.lot_id = any(${lots}::int[]) and r.occurred_at >= ${from} and r.occurred_at < ${to}
    )
    select key, day, count(*)::int as n, count(*) filter (where bad)::int as bad, sum(is_session)::int as sessions
    from rows where key is not null group by key, day order by key, day`.execute(ctx.db);

  return daily.rows.map((r) => ({ key: r.key, day: r.day, n: Number(r.n), bad: Number(r.bad), sessions: Number(r.sessions) }));
}

import { sql, type RawBuilder } from 'kysely';

/*
 * How long a lot's data may be silent before it counts as late: the lot's own value, else its
 * source's, else the platform default (ZHIBO_LATE_THRESHOLD_MINUTES). Monitoring, the sync
 * report and analytics (a status report's validity) all judge by this one rule.
 */

/** The effective threshold in minutes, as SQL over the aliases of `lots` and `data_sources`. */
export function lateThresholdMinutesSql(lotAlias: string, sourceAlias: string, defaultMinutes: number): RawBuilder<number> {
  return sql<number>`coalesce(${sql.ref(`${lotAlias}.late_threshold_minutes`)}, ${sql.ref(`${sourceAlias}.late_threshold_minutes`)}, ${defaultMinutes}::int)`;
}

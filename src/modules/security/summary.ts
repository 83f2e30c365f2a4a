import { sql } from 'kysely';
import type { AppContext } from '../../platform/context.js';
import { securityContext } from './repo.js';
import { quarterOf } from './reviews.js';

/*
 * 安全运维 at a glance (docs/security-operations.md, "Summary"): what the console's 概要 tab and
 * the monthly work report show — open critical/high findings and how many are overdue, the age of
 * the last backup that passed a restore test, and where the permission reviews stand.
 */

export interface SecuritySummary {
  at: string;
  vulnerabilities: {
    /** Open (not verified, accepted or false positive) critical and high findings. */
    openCritical: number;
    openHigh: number;
    /** Open findings of any severity still without a plan past their deadline. */
    overdue: number;
    /** Of those, critical and high. */
    overdueHighCritical: number;
    open: number;
  };
  backups: {
    lastBackupAt: string | null;
    /** When the newest passed restore test finished, and which backup it was. */
    lastVerifiedAt: string | null;
    lastVerifiedBackupId: number | null;
    /** Whole hours since lastVerifiedAt; null when no backup was ever verified. */
    lastVerifiedAgeHours: number | null;
    /** The newest restore test's outcome (ok, failed, running); null when none. */
    lastVerificationState: string | null;
  };
  reviews: {
    /** The current Shanghai quarter and its review's state. */
    quarter: string;
    currentState: 'not_opened' | 'open' | 'signed_off';
    /** The newest review (any quarter). */
    last: { id: number; quarter: string; openedAt: string; signedOffAt: string | null; signedOffBy: string | null; state: 'open' | 'signed_off' } | null;
    /** The newest sign-off. */
    lastSignedOffAt: string | null;
  };
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function securitySummary(root: AppContext): Promise<SecuritySummary> {
  const ctx = securityContext(root);
  const now = ctx.clock.now();
  const v = await ctx.db.selectFrom('security_vulnerabilities')
    .select([
      sql<number>`count(*) filter (where severity = 'critical')`.as('critical'),
      sql<number>`count(*) filter (where severity = 'high')`.as('high'),
      sql<number>`count(*) filter (where state = 'found' and fix_plan_due_at < ${now})`.as('overdue'),
      sql<number>`count(*) filter (where state = 'found' and fix_plan_due_at < ${now} and severity in ('critical', 'high'))`.as('overdue_hc'),
      sql<number>`count(*)`.as('open'),
    ])
    .where('closed_at', 'is', null).executeTakeFirstOrThrow();
  const lastBackup = await ctx.db.selectFrom('security_backups').select('started_at').where('state', '=', 'ok').orderBy('started_at', 'desc').limit(1).executeTakeFirst();
  const lastOk = await ctx.db.selectFrom('security_backup_verifications').select(['finished_at', 'backup_id']).where('state', '=', 'ok').orderBy('finished_at', 'desc').limit(1).executeTakeFirst();
  const lastTest = await ctx.db.selectFrom('security_backup_verifications').select('state').orderBy('started_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const reviews = await ctx.db.selectFrom('security_reviews').select(['id', 'quarter', 'opened_at', 'signed_off_at', 'signed_off_by']).orderBy('quarter', 'desc').execute();
  const quarter = quarterOf(now);
  const current = reviews.find((r) => r.quarter === quarter);
  const last = reviews[0];
  const signed = reviews.filter((r) => r.signed_off_at).map((r) => r.signed_off_at!.getTime());
  return {
    at: now.toISOString(),
    vulnerabilities: {
      openCritical: Number(v.critical), openHigh: Number(v.high), overdue: Number(v.overdue), overdueHighCritical: Number(v.overdue_hc), open: Number(v.open),
    },
    backups: {
      lastBackupAt: iso(lastBackup?.started_at),
      lastVerifiedAt: iso(lastOk?.finished_at),
      lastVerifiedBackupId: lastOk ? Number(lastOk.backup_id) : null,
      lastVerifiedAgeHours: lastOk?.finished_at ? Math.floor((now.getTime() - lastOk.finished_at.getTime()) / 3600_000) : null,
      lastVerificationState: lastTest?.state ?? null,
    },
    reviews: {
      quarter,
      currentState: !current ? 'not_opened' : current.signed_off_at ? 'signed_off' : 'open',
      last: last ? {
        id: Number(last.id), quarter: last.quarter, openedAt: last.opened_at.toISOString(), signedOffAt: iso(last.signed_off_at), signedOffBy: last.signed_off_by,
        state: last.signed_off_at ? 'signed_off' : 'open',
      } : null,
      lastSignedOffAt: signed.length ? new Date(Math.max(...signed)).toISOString() : null,
    },
  };
}

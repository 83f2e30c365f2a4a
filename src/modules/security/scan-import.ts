import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { fixPlanDeadline, planWorkingDays, type Severity } from './deadlines.js';
import type { SecurityContext, VulnRow } from './repo.js';
import { detectAndParse, type ScanKind } from './scan-parse.js';
import { configuredPlanDays } from './vulnerabilities.js';

/*
 * Importing a scanner report into the register (docs/security-operations.md, "Importing scanner
 * findings"). Per finding: a new fingerprint is recorded as manual creation would (plan deadline
 * on the working-day calendar from foundAt); a known one gets lastSeenAt, title and severity — a
 * new severity re-times the plan deadline while no plan is in, as a manual correction does, and is
 * left as it was (with a note) once a plan is in. dryRun gives the same verdicts without writing.
 * The whole import is one transaction and one audit entry.
 */

export type ImportVerdict = 'created' | 'updated' | 'rejected';

export interface ImportRowResult {
  row: number;
  verdict: ImportVerdict;
  title: string | null;
  severity: Severity | null;
  component: string | null;
  fingerprint: string | null;
  id: number | null;
  reason: string | null;
}

export interface ImportResult {
  format: ScanKind;
  dryRun: boolean;
  counts: Record<ImportVerdict, number>;
  rows: ImportRowResult[];
}

export async function importScanReport(ctx: SecurityContext, actor: Actor, input: { fileName: string; bytes: Buffer; dryRun: boolean }): Promise<ImportResult> {
  const parsed = detectAndParse(input.bytes);
  const now = ctx.clock.now();
  const run = async (trx: SecurityContext['db']): Promise<ImportResult> => {
    const rows: ImportRowResult[] = parsed.rejected.map((r) => ({ row: r.row, verdict: 'rejected', title: r.title, severity: null, component: null, fingerprint: null, id: null, reason: r.reason }));
    const configured = await configuredPlanDays(trx);
    const prints = [...new Set(parsed.findings.map((f) => f.fingerprint))];
    const existing = new Map<string, VulnRow>();
    if (prints.length) {
      const found = await trx.selectFrom('security_vulnerabilities').selectAll().where('fingerprint', 'in', prints).forUpdate().execute();
      for (const r of found) existing.set(r.fingerprint!, r);
    }
    const seen = new Set<string>();
    for (const f of parsed.findings) {
      const base = { row: f.row, title: f.title, severity: f.severity, component: f.component, fingerprint: f.fingerprint };
      if (seen.has(f.fingerprint)) { rows.push({ ...base, verdict: 'rejected', id: null, reason: '与本文件前面的行重复 / repeats an earlier row of this file' }); continue; }
      seen.add(f.fingerprint);
      const before = existing.get(f.fingerprint);
      if (!before) {
        const foundAt = f.foundAt ?? now;
        if (foundAt.getTime() > now.getTime()) { rows.push({ ...base, verdict: 'rejected', id: null, reason: '发现时间晚于现在 / found in the future' }); continue; }
        let id: number | null = null;
        if (!input.dryRun) {
          const days = planWorkingDays(f.severity, configured);
          const deadline = fixPlanDeadline(foundAt, days);
          const row = await trx.insertInto('security_vulnerabilities').values({
            title: f.title, severity: f.severity, source: f.source, component: f.component, description: f.description,
            found_at: foundAt, plan_working_days: days, fix_plan_due_at: deadline.dueAt, fix_plan_warn_at: deadline.warnAt,
            plan_text: null, planned_fix_date: null, plan_submitted_at: null, fixing_at: null, fixed_at: null, verified_at: null, verification: null,
            risk_reason: null, risk_approver: null, risk_expires_at: null, false_positive_reason: null, closed_at: null, warned_at: null, breached_at: null,
            incident_ref: null, change_ref: null, fingerprint: f.fingerprint, last_seen_at: now,
            created_by: actor.username, created_at: now, updated_at: now,
          }).returning('id').executeTakeFirstOrThrow();
          id = Number(row.id);
          await trx.insertInto('security_vulnerability_events').values({ vulnerability_id: row.id, at: now, actor: actor.username, from_state: null, to_state: 'found', note: `扫描导入 / imported from ${input.fileName}` }).execute();
        }
        rows.push({ ...base, verdict: 'created', id, reason: null });
        continue;
      }
      const set: Partial<VulnRow> = { last_seen_at: now, title: f.title, updated_at: now };
      let reason: string | null = null;
      if (f.severity !== before.severity) {
        if (before.state === 'found') {
          const days = planWorkingDays(f.severity, configured);
          const deadline = fixPlanDeadline(before.found_at, days);
          Object.assign(set, { severity: f.severity, plan_working_days: days, fix_plan_due_at: deadline.dueAt, fix_plan_warn_at: deadline.warnAt, warned_at: null, breached_at: null });
          reason = `等级 ${before.severity} → ${f.severity}，修复计划时限重算 / severity changed, deadline re-timed`;
        } else {
          reason = `扫描等级为 ${f.severity}，已提交修复计划，保留 ${before.severity} / plan in: severity kept`;
        }
      }
      if (!input.dryRun) await trx.updateTable('security_vulnerabilities').set(set).where('id', '=', before.id).execute();
      rows.push({ ...base, verdict: 'updated', id: Number(before.id), reason });
    }
    rows.sort((a, b) => a.row - b.row);
    const counts = { created: 0, updated: 0, rejected: 0 };
    for (const r of rows) counts[r.verdict] += 1;
    if (!input.dryRun) {
      await audit(ctx, trx, actor, {
        action: 'security.vulnerability.import', targetType: 'vulnerability_import', targetId: input.fileName.slice(0, 200) || '-',
        detail: { format: parsed.kind, counts, created: rows.filter((r) => r.verdict === 'created').map((r) => r.id), updated: rows.filter((r) => r.verdict === 'updated').map((r) => r.id) },
      });
    }
    return { format: parsed.kind, dryRun: input.dryRun, counts, rows };
  };
  return input.dryRun ? run(ctx.db) : ctx.db.transaction().execute(run);
}

import type { AppContext } from '../../platform/context.js';
import { notify, type Notice } from '../../platform/notices.js';
import { formatShanghai } from '../../platform/time.js';
import { SEVERITY_NAMES } from './lifecycle.js';
import { securityContext, type VulnRow } from './repo.js';

/** The job's name under the lease (src/jobs.ts). */
export const SECURITY_CHECK_JOB = 'security.check';

const BATCH = 200;

function planNotice(row: VulnRow, kind: 'warning' | 'breached'): Notice {
  const sev = SEVERITY_NAMES[row.severity] ?? row.severity;
  const due = formatShanghai(row.fix_plan_due_at);
  const warning = kind === 'warning';
  return {
    kind: warning ? 'security.plan.warning' : 'security.plan.breached',
    severity: warning ? 'warning' : 'critical',
    title: warning ? `漏洞修复计划即将到期：${row.title}` : `漏洞修复计划已超期：${row.title}`,
    body: `${sev}漏洞（#${row.id}，${row.component ?? '未注明组件'}）须在 ${due} 前提交修复计划（${row.plan_working_days} 个工作日）；${warning ? '已用去 80% 时限。' : '已超期，请立即提交修复计划。'}`,
    en: {
      title: warning ? `Fix plan due soon: ${row.title}` : `Fix plan overdue: ${row.title}`,
      body: `${row.severity} vulnerability #${row.id}: the fix plan is due by ${due} (Shanghai, ${row.plan_working_days} working days); ${warning ? '80 % of the time is used.' : 'it is overdue.'}`,
    },
    link: `/security?vuln=${row.id}`,
    audience: { permission: 'ops' },
  };
}

/**
 * The job 'security.check': for findings still without a fix plan (state found), raises the 80 %
 * warning and the breach notice once each. The conditional updates (warned_at / breached_at IS
 * NULL) make a second run, or a second node, a no-op; notices commit with the marks.
 */
export async function checkVulnerabilityDeadlines(anyCtx: AppContext): Promise<{ warned: number; breached: number }> {
  const ctx = securityContext(anyCtx);
  const now = ctx.clock.now();
  let breached = 0;
  for (;;) {
    const n = await ctx.db.transaction().execute(async (trx) => {
      const rows = await trx.updateTable('security_vulnerabilities')
        .set({ breached_at: now })
        .where('id', 'in', (eb) => eb.selectFrom('security_vulnerabilities').select('id')
          .where('state', '=', 'found').where('breached_at', 'is', null).where('fix_plan_due_at', '<', now)
          .orderBy('fix_plan_due_at').limit(BATCH).forUpdate().skipLocked())
        .where('breached_at', 'is', null)
        .returningAll().execute();
      for (const row of rows) await notify(ctx, trx, planNotice(row, 'breached'));
      return rows.length;
    });
    breached += n;
    if (n < BATCH) break;
  }
  let warned = 0;
  for (;;) {
    const n = await ctx.db.transaction().execute(async (trx) => {
      const rows = await trx.updateTable('security_vulnerabilities')
        .set({ warned_at: now })
        .where('id', 'in', (eb) => eb.selectFrom('security_vulnerabilities').select('id')
          .where('state', '=', 'found').where('warned_at', 'is', null)
          .where('fix_plan_warn_at', '<=', now).where('fix_plan_due_at', '>=', now)
          .orderBy('fix_plan_warn_at').limit(BATCH).forUpdate().skipLocked())
        .where('warned_at', 'is', null)
        .returningAll().execute();
      for (const row of rows) await notify(ctx, trx, planNotice(row, 'warning'));
      return rows.length;
    });
    warned += n;
    if (n < BATCH) break;
  }
  return { warned, breached };
}

export async function runSecurityCheckJob(anyCtx: AppContext): Promise<void> {
  const r = await checkVulnerabilityDeadlines(anyCtx);
  if (r.warned || r.breached) anyCtx.log.info({ job: SECURITY_CHECK_JOB, ...r }, 'vulnerability fix-plan warnings and breaches raised');
}

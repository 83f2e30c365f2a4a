import { notify } from '../../platform/notices.js';
import type { AppContext } from '../../platform/context.js';
import { warningNotice } from './notices.js';
import { recordBreach } from './service.js';
import { type SlaContext, slaContext } from './repo.js';

const BATCH = 200;

/**
 * The minute job 'sla.check': raises each warning and each breach once. A breach is "now is
 * after the due time" for a running clock; a warning is "the warning time has come and the due
 * time has not". Each batch commits with its notices; the conditional updates (warned_at IS
 * NULL, breached_at IS NULL) make a second run, or a second node, a no-op.
 */
export async function checkSlaDeadlines(anyCtx: AppContext): Promise<{ warned: number; breached: number }> {
  const ctx = slaContext(anyCtx);
  const now = ctx.clock.now();
  let breached = 0;
  for (;;) {
    const n = await ctx.db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom('sla_items').selectAll()
        .where('state', '=', 'running').where('due_at', '<', now)
        .orderBy('due_at').limit(BATCH).forUpdate().skipLocked().execute();
      let marked = 0;
      for (const row of rows) if (await recordBreach(ctx, trx, row, now, true)) marked++;
      breached += marked;
      return marked;
    });
    if (n < BATCH) break;
  }
  let warned = 0;
  for (;;) {
    const n = await ctx.db.transaction().execute(async (trx) => {
      const rows = await trx.updateTable('sla_items')
        .set({ warned_at: now, updated_at: now })
        .where('id', 'in', (eb) => eb.selectFrom('sla_items').select('id')
          .where('state', '=', 'running').where('warned_at', 'is', null)
          .where('warn_at', '<=', now).where('due_at', '>=', now)
          .orderBy('warn_at').limit(BATCH).forUpdate().skipLocked())
        .where('warned_at', 'is', null)
        .returningAll().execute();
      for (const row of rows) await notify(ctx, trx, warningNotice(row));
      return rows.length;
    });
    warned += n;
    if (n < BATCH) break;
  }
  return { warned, breached };
}

/**
 * The job body. A deadline that reaches a year without holiday data is announced by the runtime
 * when the calendar first uses a day of it (onUncoveredYear, decision 0004), not ahead of time.
 */
export async function runSlaCheckJob(ctx: SlaContext): Promise<void> {
  const r = await checkSlaDeadlines(ctx);
  if (r.warned || r.breached) ctx.log.info({ job: 'sla.check', ...r }, 'SLA warnings and breaches raised');
}

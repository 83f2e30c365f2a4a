import { refreshAnalytics } from '../analytics/index.js';
import type { QualityContext } from './repo.js';

/*
 * After a fix or a revert the rollups would catch up on their own (the 0014 triggers queue the
 * change, job analytics.refresh runs every minute); refreshing now makes the change show at once.
 * The fix is already committed: a failed refresh is logged and left to the job.
 */
export async function refreshRollups(ctx: QualityContext): Promise<void> {
  try {
    await refreshAnalytics(ctx);
  } catch (err) {
    ctx.log.warn({ err }, 'quality: analytics refresh after a fix failed; job analytics.refresh will catch up');
  }
}

import type { Actor } from '../../platform/auth/permissions.js';
import { districtScope } from '../../platform/scope.js';
import type { AppContext } from '../../platform/context.js';
import { judgeLot, loadLotFacts, type JudgedLot } from './freshness.js';
import { countLots, type LotCounts } from './source-state.js';
import { activeWindows } from './window-rules.js';
import { loadWindowRules } from './windows.js';
import { monitoringContext } from './repo.js';

/*
 * Sync health as monitoring judges it at this moment (the counts of GET /monitoring/freshness):
 * the same facts, thresholds (lot → source → platform default) and maintenance windows. The
 * judged lots also give each monitored lot's effective late threshold (the overview's live
 * occupancy counts a status only within it).
 */

export async function judgedLots(anyCtx: AppContext, actor: Actor, now: Date): Promise<{ lots: JudgedLot[]; counts: LotCounts }> {
  const ctx = monitoringContext(anyCtx);
  const [rules, facts] = await Promise.all([
    loadWindowRules(ctx.db, now),
    loadLotFacts(ctx.db, ctx.config.lateThresholdMinutes, { scope: districtScope(actor) }),
  ]);
  const windows = activeWindows(rules, now);
  const lots = facts.map((f) => judgeLot(f, now, windows));
  return { lots, counts: countLots(lots) };
}

import type { AppContext } from '../../platform/context.js';
import { notify } from '../../platform/notices.js';
import { formatShanghai } from '../../platform/time.js';
import { lotsUnderMaintenance } from '../monitoring/index.js';
import { alertStep, observe, type OpenEpisode } from './alert-machine.js';
import { lotIntervals, themeSteps, type Interval } from './measures.js';
import { measureLots } from './kpis.js';
import * as repo from './repo.js';
import { themesContext, type ThemesContext, type ThemeRow } from './repo.js';
import { membersOf, refreshMembers } from './service.js';

/*
 * The job `themes.alerts` (every minute, under the job lease): for each theme, keep its stored
 * membership current, read its occupancy step function over the recent past, and run the episode
 * machine (alert-machine.ts). Notices go through the platform's notify to the users who read
 * themes (registry:read) of the theme's district, in the same transaction as the episode row.
 */

export const THEMES_ALERT_JOB = 'themes.alerts';
/** How far back the run at ≥ threshold is looked for, beyond the rule's minutes. */
const LOOKBACK_MS = 3 * 3_600_000;

export interface AlertSummary {
  themes: number;
  opened: number;
  closed: number;
  notices: number;
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

export async function evaluateThemeAlerts(appCtx: AppContext): Promise<AlertSummary> {
  const ctx = themesContext(appCtx);
  const now = ctx.clock.now();
  const summary: AlertSummary = { themes: 0, opened: 0, closed: 0, notices: 0 };
  for (const theme of await repo.themes(ctx.db, null)) {
    summary.themes += 1;
    await refreshMembers(ctx, ctx.db, theme);
    await evaluateTheme(ctx, theme, now, summary);
  }
  return summary;
}

async function evaluateTheme(ctx: ThemesContext, theme: ThemeRow, now: Date, summary: AlertSummary): Promise<void> {
  const state = await ctx.db.selectFrom('theme_alert_state').selectAll().where('theme_id', '=', theme.id).executeTakeFirst();
  const episode = state?.episode_id
    ? await ctx.db.selectFrom('theme_alert_episodes').selectAll().where('id', '=', state.episode_id).executeTakeFirst()
    : undefined;
  if (!theme.alertEnabled && !episode) return;
  const open: OpenEpisode | null = episode ? { startedAt: new Date(episode.started_at).getTime(), notified: episode.notified_at !== null, peak: Number(episode.peak) } : null;

  const lots = (await membersOf(ctx, ctx.db, theme)).map((m) => m.lot);
  const w = { from: now.getTime() - theme.alertMinutes * 60_000 - LOOKBACK_MS, to: now.getTime(), asOf: now.getTime() };
  const intervals: Interval[] = [];
  await measureLots(ctx, lots, w, (_lot, s) => intervals.push(...lotIntervals(s, w)));
  const o = observe(themeSteps(intervals), theme.alertThreshold, now.getTime());
  const silenced = (await lotsUnderMaintenance(ctx.db, now, lots.map((l) => ({ lotId: l.id, sourceCode: l.sourceCode, districtCode: l.districtCode })))).size > 0;
  const r = alertStep(open, { threshold: theme.alertThreshold, minutes: theme.alertMinutes, enabled: theme.alertEnabled }, { now: now.getTime(), ...o, silenced });

  await ctx.db.transaction().execute(async (trx) => {
    let episodeId = state?.episode_id ?? null;
    for (const a of r.actions) {
      if (a.kind === 'open') {
        const row = await trx.insertInto('theme_alert_episodes').values({
          theme_id: theme.id, started_at: new Date(a.startedAt), notified_at: a.notify ? now : null, peak: a.occupancy, silenced: !a.notify,
        }).returning('id').executeTakeFirstOrThrow();
        episodeId = row.id;
        summary.opened += 1;
        if (a.notify) {
          summary.notices += 1;
          await notify(ctx, trx, {
            kind: 'themes.alert.opened', severity: 'warning',
            title: `市域专题「${theme.name}」停车饱和`,
            body: `占用率 ${pct(a.occupancy)}，自 ${formatShanghai(new Date(a.startedAt))} 起已持续 ≥ ${theme.alertMinutes} 分钟（阈值 ${pct(theme.alertThreshold)}）。`,
            en: {
              title: `Theme ${theme.name} (${theme.code}) saturated`,
              body: `Occupancy ${pct(a.occupancy)} since ${formatShanghai(new Date(a.startedAt))}, for ≥ ${theme.alertMinutes} min (threshold ${pct(theme.alertThreshold)}).`,
            },
            link: `/themes/${encodeURIComponent(theme.code)}`, districtCode: theme.districtCode, audience: { permission: 'registry:read' },
          });
        }
      } else if (a.kind === 'peak' && episodeId !== null) {
        await trx.updateTable('theme_alert_episodes').set({ peak: a.peak }).where('id', '=', episodeId).execute();
      } else if (a.kind === 'close' && episodeId !== null) {
        await trx.updateTable('theme_alert_episodes').set({ ended_at: now }).where('id', '=', episodeId).execute();
        summary.closed += 1;
        if (a.notify) {
          summary.notices += 1;
          await notify(ctx, trx, {
            kind: 'themes.alert.recovered', severity: 'info',
            title: `市域专题「${theme.name}」已恢复`,
            en: {
              title: `Theme ${theme.name} (${theme.code}) recovered`,
              body: `Occupancy back to ${o.occupancy === null ? 'unknown' : pct(o.occupancy)} (threshold ${pct(theme.alertThreshold)}); saturated from ${formatShanghai(new Date(open!.startedAt))} to ${formatShanghai(now)}.`,
            },
            body: `占用率回落到 ${o.occupancy === null ? '未知' : pct(o.occupancy)}（阈值 ${pct(theme.alertThreshold)}），饱和自 ${formatShanghai(new Date(open!.startedAt))} 至 ${formatShanghai(now)}。`,
            link: `/themes/${encodeURIComponent(theme.code)}`, districtCode: theme.districtCode, audience: { permission: 'registry:read' },
          });
        }
        episodeId = null;
      }
    }
    const values = { above_since: o.aboveSince === null ? null : new Date(o.aboveSince), episode_id: episodeId, evaluated_at: now };
    await trx.insertInto('theme_alert_state').values({ theme_id: theme.id, ...values })
      .onConflict((oc) => oc.column('theme_id').doUpdateSet(values)).execute();
  });
}

/** Episodes of a theme, newest first (the theme page's alert history). */
export async function alertHistory(ctx: ThemesContext, themeId: number, limit = 50) {
  const rows = await ctx.db.selectFrom('theme_alert_episodes').selectAll().where('theme_id', '=', themeId).orderBy('started_at', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    startedAt: new Date(r.started_at).toISOString(), endedAt: r.ended_at ? new Date(r.ended_at).toISOString() : null,
    notifiedAt: r.notified_at ? new Date(r.notified_at).toISOString() : null, peak: Number(r.peak), silenced: r.silenced,
  }));
}

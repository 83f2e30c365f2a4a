import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { AppError, conflict } from '../../platform/errors.js';
import { formatShanghai } from '../../platform/time.js';
import { notify } from '../../platform/notices.js';
import { completeIncidentClock, refreshClockSubject, startFeedbackClock } from './clocks.js';
import { activeUsername, notBefore, pastTime, rootCauseCategory, text } from './input.js';
import { checkTransition } from './machine.js';
import { assignedNotice, stateNotice } from './notices.js';
import { findIncident, type IncidentRow, type IncidentsContext } from './repo.js';
import { appendTimeline } from './timeline.js';
import { incidentDetail, type IncidentDetail } from './view.js';
import { STATE_NAMES, type IncidentState } from './vocab.js';

export interface TransitionInput {
  to: string;
  note?: string;
  /** Same as note (the work-order contract's word for it). */
  reason?: string;
  /** When it happened, default now; never before the previous step. */
  at?: string;
  /** mitigated: when basic service came back (the ledger's 恢复时间); default `at`. */
  recoveredAt?: string;
  /** acknowledged (or any step): the commander; `assignee` as in the work-order contract. */
  commander?: string;
  assignee?: string;
  /** mitigated / resolved: what restored or fixed it. */
  resolution?: string;
  /** reviewed: the root-cause analysis (required unless already recorded); category default 'other'. */
  rootCause?: string;
  rootCauseCategory?: string;
  /** closed: remarks. */
  closeNote?: string;
}

/** The time of the step the incident is in, which the next step may not precede. */
function previousStepAt(row: IncidentRow): { at: Date; name: string } {
  switch (row.state) {
    case 'open': return { at: row.detected_at, name: '发现时间 / detectedAt' };
    case 'acknowledged': return { at: row.acknowledged_at!, name: '响应时间 / acknowledgedAt' };
    case 'mitigated': return { at: row.recovered_at!, name: '恢复时间 / recoveredAt' };
    case 'resolved': return { at: row.resolved_at!, name: '解决时间 / resolvedAt' };
    default: return { at: row.reviewed_at ?? row.updated_at, name: '复盘时间 / reviewedAt' };
  }
}

/**
 * Moves an incident one step along its lifecycle (machine.ts), with what each step needs:
 * acknowledged meets the response clock; mitigated records the recovery time, meets the restore
 * clock and starts the 30-minute feedback clock; reviewed needs the root cause; closed needs
 * every follow-up action done or waived. Each step is a timeline entry, a notice and an audit row.
 */
export async function transitionIncident(ctx: IncidentsContext, actor: Actor, key: string | number, input: TransitionInput): Promise<IncidentDetail> {
  const now = ctx.clock.now();
  const at = pastTime('at', input.at, now) ?? now;
  const recoveredAt = pastTime('recoveredAt', input.recoveredAt, now);
  const commanderName = input.commander ?? input.assignee;
  const commander = commanderName ? await activeUsername(ctx, input.commander ? 'commander' : 'assignee', commanderName) : undefined;
  const note = [input.note, input.reason].map((v) => v?.trim()).filter(Boolean).join('；') || null;
  if (note && note.length > 4000) throw new AppError(400, 'INVALID_FIELD', 'note 超过 4000 个字符 / note: at most 4000 characters');

  return ctx.db.transaction().execute(async (trx) => {
    const row = await findIncident(trx, actor, key, true);
    const from = row.state as IncidentState;
    const to = checkTransition(from, input.to);
    const set: Partial<IncidentRow> = { state: to, updated_at: now };
    if (commander !== undefined) set.commander = commander;
    const previous = previousStepAt(row);
    let when = at;
    const detail: Record<string, unknown> = {};

    switch (to) {
      case 'acknowledged':
        notBefore('at', when, previous.at, previous.name);
        set.acknowledged_at = when;
        set.acknowledged_by = actor.username;
        // Whoever takes it up leads it, unless someone was named.
        if (!set.commander && !row.commander) set.commander = actor.username;
        await completeIncidentClock(ctx, trx, row, ['response'], when);
        break;
      case 'mitigated':
        when = recoveredAt ?? at;
        notBefore('recoveredAt', when, row.occurred_at, '发生时间 / occurredAt');
        set.recovered_at = when;
        if (input.resolution !== undefined) set.resolution = text('resolution', input.resolution, 4000) ?? null;
        detail.recoveredAt = when.toISOString();
        await completeIncidentClock(ctx, trx, row, ['restore'], when);
        await startFeedbackClock(ctx, trx, row, when);
        break;
      case 'resolved':
        notBefore('at', when, previous.at, previous.name);
        set.resolved_at = when;
        if (input.resolution !== undefined) set.resolution = text('resolution', input.resolution, 4000) ?? null;
        break;
      case 'reviewed': {
        notBefore('at', when, previous.at, previous.name);
        const rootCause = text('rootCause', input.rootCause, 4000) ?? row.root_cause;
        if (!rootCause) {
          throw conflict('RCA_REQUIRED', '进入「已复盘」须填写原因分析（rootCause） / the root-cause analysis (rootCause) is required to enter reviewed');
        }
        set.root_cause = rootCause;
        set.root_cause_category = rootCauseCategory(input.rootCauseCategory) ?? row.root_cause_category ?? 'other';
        set.reviewed_at = when;
        detail.rootCauseCategory = set.root_cause_category;
        break;
      }
      case 'closed': {
        notBefore('at', when, previous.at, previous.name);
        const open = await trx.selectFrom('incident_actions').select(['id', 'description']).where('incident_id', '=', row.id).where('state', '=', 'open').execute();
        if (open.length) {
          throw new AppError(
            409,
            'FOLLOWUPS_OPEN',
            `还有 ${open.length} 项后续措施未完成，须完成或说明理由豁免后才能关闭 / ${open.length} follow-up action(s) still open: complete or waive them first`,
            { openActions: open.map((a) => a.id) },
          );
        }
        set.closed_at = when;
        if (input.closeNote !== undefined) set.close_note = text('closeNote', input.closeNote, 2000) ?? null;
        break;
      }
      default:
        break;
    }

    const updated = await trx.updateTable('incidents').set(set).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
    const line = `${STATE_NAMES[from].zh} → ${STATE_NAMES[to].zh}${to === 'mitigated' ? `（恢复时间 ${formatShanghai(when)}）` : ''}`;
    await appendTimeline(ctx, trx, actor, row.id, { kind: 'transition', at: when, fromState: from, toState: to, text: note ? `${line}：${note}` : line, detail });
    const commanderChanged = updated.commander !== row.commander;
    if (commanderChanged) await refreshClockSubject(ctx, trx, updated);
    await notify(ctx, trx, stateNotice(updated, from, note));
    if (commanderChanged && updated.commander && updated.commander !== actor.username) await notify(ctx, trx, assignedNotice(updated));
    await audit(ctx, trx, actor, {
      action: 'incident.transition', targetType: 'incident', targetId: row.code,
      detail: { from, to, at: when.toISOString(), ...(commanderChanged ? { commander: updated.commander } : {}) },
    });
    return incidentDetail(ctx, trx, updated);
  });
}

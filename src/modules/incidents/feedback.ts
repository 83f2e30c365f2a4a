import type { Actor } from '../../platform/auth/permissions.js';
import { audit } from '../../platform/context.js';
import { badRequest } from '../../platform/errors.js';
import { formatShanghai } from '../../platform/time.js';
import { listSla } from '../sla/index.js';
import { completeIncidentClock, incidentSubject } from './clocks.js';
import { notBefore, pastTime, requiredText, text } from './input.js';
import { findIncident, touchIncident, type IncidentsContext } from './repo.js';
import { appendTimeline } from './timeline.js';
import { incidentDetail, type IncidentDetail } from './view.js';
import { CHANNEL_NAMES, FEEDBACK_CHANNELS, type FeedbackChannel } from './vocab.js';

/*
 * Telling the users (反馈): the city wants the result fed back within 30 minutes of recovery and
 * again once the follow-up work is done. A feedback record meets whichever of those clocks is
 * running at the time it was given (both, when both are); one given before recovery is a
 * progress update and meets nothing. Allowed on a closed incident too: the second feedback
 * often comes after the ledger entry is closed.
 */

export interface FeedbackInput {
  note: string;
  channel: string;
  /** Who was told (the bureau's information centre, a district office …). */
  recipient?: string | null;
  /** When it was given, default now. */
  givenAt?: string;
}

const FEEDBACK_KINDS = ['feedback', 'followup_feedback'];
const OPEN = new Set(['running', 'paused', 'breached']);

export async function recordFeedback(ctx: IncidentsContext, actor: Actor, key: string | number, input: FeedbackInput): Promise<IncidentDetail> {
  const now = ctx.clock.now();
  const note = requiredText('note', input.note, 2000);
  if (!(FEEDBACK_CHANNELS as readonly string[]).includes(input.channel)) {
    throw badRequest('INVALID_CHANNEL', `反馈方式须为 ${FEEDBACK_CHANNELS.join('|')} / channel: one of ${FEEDBACK_CHANNELS.join(', ')}`);
  }
  const channel = input.channel as FeedbackChannel;
  const recipient = text('recipient', input.recipient, 200) ?? null;
  const givenAt = pastTime('givenAt', input.givenAt, now) ?? now;
  return ctx.db.transaction().execute(async (trx) => {
    const row = await findIncident(trx, actor, key, true);
    notBefore('givenAt', givenAt, row.detected_at, '发现时间 / detectedAt');
    // Only clocks already started by then: feedback given before recovery is not the recovery feedback.
    const running = (await listSla(ctx, incidentSubject(row.id), trx))
      .filter((i) => FEEDBACK_KINDS.includes(i.kind) && OPEN.has(i.state) && i.startedAt.getTime() <= givenAt.getTime());
    const kinds = [...new Set(running.map((i) => i.kind))];
    const met = kinds.length ? await completeIncidentClock(ctx, trx, row, kinds, givenAt) : [];
    await trx.insertInto('incident_feedback').values({
      incident_id: row.id, given_at: givenAt, channel, recipient, note, sla_kinds: kinds, recorded_by: actor.username, recorded_at: now,
    }).execute();
    const late = met.filter((i) => i.late).map((i) => i.kind);
    await appendTimeline(ctx, trx, actor, row.id, {
      kind: 'feedback',
      at: givenAt,
      text: `反馈用户（${CHANNEL_NAMES[channel].zh}${recipient ? `，${recipient}` : ''}，${formatShanghai(givenAt)}）：${note}`,
      detail: { channel, recipient, slaKinds: kinds, late },
    });
    const fresh = await touchIncident(trx, row.id, now);
    await audit(ctx, trx, actor, { action: 'incident.feedback', targetType: 'incident', targetId: row.code, detail: { channel, givenAt: givenAt.toISOString(), slaKinds: kinds } });
    return incidentDetail(ctx, trx, fresh);
  });
}

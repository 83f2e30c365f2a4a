import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Permission } from '../../platform/auth/permissions.js';
import type { AppContext } from '../../platform/context.js';
import { channelsFor } from './routing.js';
import { recipientsQuery } from './audience.js';

/*
 * The notification layer shared by monitoring, work orders and incidents.
 * CONTRACT (other modules code against this; the notifications module fills in the body):
 * `notify` records the notice for the console inside the caller's transaction and queues its
 * delivery to the configured channels (e-mail, WeCom and DingTalk robots); delivery happens
 * after commit, with retries, so a slow or failing webhook never fails or delays the caller.
 */

export type NoticeSeverity = 'info' | 'warning' | 'critical';

export interface Notice {
  /** What happened, dotted: 'monitoring.alert.opened', 'tickets.assigned', 'sla.breached' … */
  kind: string;
  severity: NoticeSeverity;
  /** One line, Chinese first. */
  title: string;
  /** Plain text (Markdown allowed for robots), no secrets, plates masked. */
  body: string;
  /** Console path to open, e.g. '/monitoring?alert=12'. */
  link?: string;
  /** District the subject belongs to; district users only see their own. Null: city-wide. */
  districtCode?: string | null;
  /**
   * Who should see it in the console: users holding this permission and/or these usernames.
   * Without `audience`, or with neither field set, the permission is 'ops'; with only
   * `usernames`, only those users (an assignment notice does not go to every ops engineer).
   */
  audience?: { permission?: Permission; usernames?: string[] };
  /** Send to the external channels too (default true); false keeps it in the console only. */
  external?: boolean;
}

/** Longest stored texts; longer ones are cut (a notice must never fail the caller's write). */
export const NOTICE_LIMITS = { kind: 100, title: 200, body: 4000, link: 500 } as const;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Records a notice (in `executor`, usually the caller's transaction) and queues its delivery. */
export async function notify(ctx: AppContext, executor: Kysely<DB>, notice: Notice): Promise<void> {
  await recordNotice(ctx, executor, notice);
}

/** `notify`, returning the notice's id (tests, and callers that want to link to it). */
export async function recordNotice(ctx: AppContext, executor: Kysely<DB>, notice: Notice): Promise<number> {
  const now = ctx.clock.now();
  const districtCode = notice.districtCode ?? null;
  const { id } = await executor
    .insertInto('notifications')
    .values({
      kind: cut(notice.kind.trim() || 'general', NOTICE_LIMITS.kind),
      severity: notice.severity,
      title: cut(notice.title.trim() || notice.kind, NOTICE_LIMITS.title),
      body: cut(notice.body ?? '', NOTICE_LIMITS.body),
      link: notice.link ? cut(notice.link, NOTICE_LIMITS.link) : null,
      district_code: districtCode,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  await executor
    .insertInto('notification_recipients')
    .columns(['notification_id', 'user_id'])
    .expression(recipientsQuery(executor, id, notice.audience, districtCode))
    .execute();

  if (notice.external !== false) {
    const channels = await channelsFor(executor, { kind: notice.kind, severity: notice.severity, districtCode });
    if (channels.length) {
      await executor
        .insertInto('notification_deliveries')
        .values(channels.map((channelId) => ({ notification_id: id, channel_id: channelId, next_attempt_at: now, created_at: now })))
        .execute();
    }
  }
  return Number(id);
}

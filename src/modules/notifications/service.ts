import { sql } from 'kysely';
import type { Notice, NoticeOutbox, NoticeSeverity } from '../../platform/notices.js';
import type { AppContext } from '../../platform/context.js';
import type { AnyDb } from '../../platform/db.js';
import { channelsFor } from './routing.js';
import { recipientsQuery } from './audience.js';
import { notificationsContext, notificationsDb } from './repo.js';

/*
 * The notification layer every module raises notices through (`notify` of src/platform/notices.ts,
 * which calls the outbox below through the context). `notify` records the notice for the console
 * inside the caller's transaction and queues its delivery to the configured channels (e-mail,
 * WeCom and DingTalk robots); delivery happens after commit, with retries, so a slow or failing
 * webhook never fails or delays the caller.
 */

export type { Notice, NoticeSeverity };

/** Longest stored texts; longer ones are cut (a notice must never fail the caller's write). */
export const NOTICE_LIMITS = { kind: 100, title: 200, body: 4000, link: 500 } as const;

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Records a notice (in `executor`, usually the caller's transaction) and queues its delivery. */
export async function notify(anyCtx: AppContext, anyExecutor: AnyDb, notice: Notice): Promise<void> {
  const ctx = notificationsContext(anyCtx);
  const executor = notificationsDb(anyExecutor);
  await recordNotice(ctx, executor, notice);
}

/** What the app root puts into the context as `ctx.notices`. */
export const noticeOutbox: NoticeOutbox = { notify: (ctx, executor, notice) => notify(ctx, executor, notice) };

/** `notify`, returning the notice's id (tests, and callers that want to link to it). */
export async function recordNotice(anyCtx: AppContext, anyExecutor: AnyDb, notice: Notice): Promise<number> {
  const ctx = notificationsContext(anyCtx);
  const executor = notificationsDb(anyExecutor);
  const now = ctx.clock.now();
  const districtCode = notice.districtCode ?? null;
  const { id } = await executor
    .insertInto('notifications')
    .values({
      kind: cut(notice.kind.trim() || 'general', NOTICE_LIMITS.kind),
      severity: notice.severity,
      title: cut(notice.title.trim() || notice.kind, NOTICE_LIMITS.title),
      body: cut(notice.body ?? '', NOTICE_LIMITS.body),
      title_en: notice.en ? cut(notice.en.title.trim() || notice.kind, NOTICE_LIMITS.title) : null,
      body_en: notice.en ? cut(notice.en.body ?? '', NOTICE_LIMITS.body) : null,
      link: notice.link ? cut(notice.link, NOTICE_LIMITS.link) : null,
      district_code: districtCode,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();

  await executor
    .insertInto('notification_recipients')
    .columns(['user_id', 'notification_id'])
    .expression(recipientsQuery(executor, notice.audience, districtCode).select(sql<number>`cast(${id} as bigint)`.as('notification_id')))
    .execute();

  if (notice.external !== false) {
    const channels = notice.channelIds
      ? notice.channelIds.length
        ? (await executor.selectFrom('notification_channels').select('id').where('enabled', '=', true).where('id', 'in', notice.channelIds).orderBy('id').execute()).map((c) => c.id)
        : []
      : await channelsFor(executor, { kind: notice.kind, severity: notice.severity, districtCode });
    if (channels.length) {
      await executor
        .insertInto('notification_deliveries')
        .values(channels.map((channelId) => ({ notification_id: id, channel_id: channelId, next_attempt_at: now, created_at: now })))
        .execute();
    }
  }
  return Number(id);
}
